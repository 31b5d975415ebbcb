"""Shared fixtures (kept minimal: every helper adds test files here)."""

from __future__ import annotations

import pytest

from sim.cli import main


@pytest.fixture
def cli(capsys):
    """Run `instalign ARGS...` in-process; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke
