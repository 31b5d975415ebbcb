"""What every result carries: scenario id, parameters, seed and code version."""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

import sim

REPO = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def code_version() -> dict[str, Any]:
    """Package version, git commit and dirty flag (None when not in a git checkout)."""
    commit, dirty = None, None
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
            or None
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        dirty = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "instalign_version": sim.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "python": platform.python_version(),
    }


def short_commit() -> str:
    v = code_version()
    if not v["git_commit"]:
        return "unknown"
    return v["git_commit"][:10] + ("+dirty" if v["git_dirty"] else "")
