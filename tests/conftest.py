"""Shared fixtures (kept minimal: every helper adds test files here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

# the browser tests' fixtures (server, results, page, browser): each module gets its own server
pytest_plugins = ("browser",)

TINY_SPEC = """
id: tiny_analysis
description: Two interventions on common random numbers over two information levels.
scenario: baseline_democracy-v1
set: {electorate: {n_voters: 300}, politicians: {strategy: approval_maximizer}}
steps: 20
parameters:
  electorate.information: [0.2, 0.8]
interventions:
  none: {}
  pressure: {politicians.optimization_pressure: 16}
replications: 5
seed: 7
record: {metrics: all, every: 5}
"""


def make_tiny_store(root: Path, faults: str = "", monkeypatch=None) -> Path:
    """A 20-run sweep store (2 information levels x 2 interventions x 5 replications) made
    through the sweep API; `faults` lists run ids made to fail (the runner's test hook)."""
    from sim.sweep.runner import run_sweep

    spec = root / "tiny.yaml"
    spec.write_text(TINY_SPEC)
    if faults:
        monkeypatch.setenv("INSTALIGN_SWEEP_FAULTS", faults)
    run_sweep(spec, root / "store", "sequential", flush_seconds=0.0)
    return root / "store"


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory) -> Path:
    """One tiny sweep store shared by the figure and report tests (read-only)."""
    return make_tiny_store(tmp_path_factory.mktemp("tiny-sweep"))


CHROMIUM = "/usr/bin/chromium"  # Debian's; never a downloaded browser
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium (through Playwright) for every browser test of the session;
    each test opens its own context (pages, cookies, cache) and closes it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def cli(capsys):
    """Run `instalign ARGS...` in-process; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke
