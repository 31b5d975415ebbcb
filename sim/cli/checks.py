"""Checks of the paths a command reads and writes, run before anything else so that a bad
path is one line and exit 2 and nothing is computed or written first.

Each check raises a ConfigError naming the option, the path and what is allowed; none of
them creates a file or folder (the writability probe creates and removes a hidden temporary
file in the nearest existing folder, which is what a later write would need)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sim.errors import ConfigError


def executor_options(executor: str, scheduler: str | None) -> None:
    """`--executor` names a known executor and `--scheduler` comes only with dask."""
    from sim.errors import unknown_name
    from sim.sweep.executors import EXECUTORS

    if executor not in EXECUTORS:
        raise unknown_name("executor", executor, EXECUTORS, source="--executor")
    if scheduler and executor != "dask":
        raise ConfigError("--scheduler needs --executor dask", source="--scheduler")


def output_file(path: Path, option: str = "--out", suffixes: Sequence[str] = ()) -> Path:
    """`path` can be written as a file: a known suffix, not a folder, not under a file, in a
    folder that exists or can be made, writable."""
    allowed = f"a file path ending in {' or '.join(suffixes)}" if suffixes else "a file path"
    if path.is_dir():
        raise ConfigError("is a folder", **_at(option, path), allowed=allowed)
    if suffixes and path.suffix not in suffixes:
        kind = repr(path.suffix) if path.suffix else "no suffix"
        raise ConfigError(f"unsupported file type ({kind})", **_at(option, path), allowed=allowed)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError("the file exists and is not writable", **_at(option, path))
    _creatable(path.parent, option, path)
    return path


def output_dir(path: Path, option: str = "--out") -> Path:
    """`path` is a folder that exists or can be made, and is writable."""
    if path.exists() and not path.is_dir():
        raise ConfigError("is a file", **_at(option, path), allowed="a folder (made if missing)")
    _creatable(path, option, path)
    return path


def input_dir(path: Path, option: str, what: str = "a folder") -> Path:
    """`path` is an existing folder."""
    if not path.exists():
        raise ConfigError("no such folder", **_at(option, path), allowed=what)
    if not path.is_dir():
        raise ConfigError("is a file", **_at(option, path), allowed=what)
    return path


def check_store(path: Path, option: str = "DIR") -> Path:
    """`path` looks like a sweep store (a folder with a manifest.json): a cheap check before
    the store's readers (pandas, pyarrow) are imported; they check the rest."""
    what = "a sweep store made by `instalign sweep`"
    input_dir(path, option, what)
    if not (path / "manifest.json").is_file():
        raise ConfigError("not a sweep store (no manifest.json)", **_at(option, path), allowed=what)
    return path


def text_file(path: Path, what: str = "a UTF-8 text file") -> Path:
    """`path` is an existing, readable file of UTF-8 text (a scenario or a sweep spec)."""
    if path.is_dir():
        raise ConfigError("is a folder", source=str(path), allowed=what)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", source=str(path)) from None
    except OSError as err:
        raise ConfigError(f"cannot read file: {err.strerror}", source=str(path)) from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{data[err.start]:02x} on line {line}",
            source=str(path),
            allowed="UTF-8 text (re-save the file as UTF-8)",
        ) from None
    return path


def _at(option: str, path: Path) -> dict[str, str]:
    return {"source": option, "path": str(path)}


def _creatable(folder: Path, option: str, shown: Path) -> None:
    """The nearest existing one of `folder` and its ancestors is a folder we can create
    files in (`shown` is the path the user gave, for the message)."""
    base = folder.absolute()
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise ConfigError(
            f"is under a file ({base})", **_at(option, shown), allowed="a path under folders only"
        )
    try:
        with tempfile.NamedTemporaryFile(dir=base, prefix=".instalign-probe-"):
            pass
    except OSError as err:
        raise ConfigError(f"cannot write in {base}: {err.strerror}", **_at(option, shown)) from None
