"""Reading the inputs a command names (a scenario, `--set` overrides, a sweep spec) so that
every problem with them is a ConfigError naming the file or option: a file that is not
UTF-8, a number too large for a float, on top of what the loaders already check."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.cli.checks import text_file
from sim.errors import ConfigError

FLOAT_MAX = sys.float_info.max


@contextmanager
def reading(source: str) -> Iterator[None]:
    """Around code that only reads and validates `source`: errors that can only come from
    its content become ConfigErrors naming it (never around a simulation, where the same
    exceptions would be bugs)."""
    try:
        yield
    except UnicodeDecodeError as err:
        detail = f"not UTF-8 text ({err.reason} at byte {err.start})"
        raise ConfigError(detail, source=source, allowed="UTF-8 text") from None
    except OverflowError:
        raise ConfigError(
            "a number is too large", source=source, allowed=f"numbers within +-{FLOAT_MAX:.3g}"
        ) from None


def is_path(ref: str) -> bool:
    """Whether a scenario reference is a file path (else a scenario id), as `load` reads it."""
    return ref.endswith((".yaml", ".yml")) or os.sep in ref


def overrides(items: Iterable[str]) -> dict[str, Any]:
    """`--set path=value` items, parsed and checked for numbers beyond float range."""
    from sim.scenario import parse_set

    sets = parse_set(items)
    for path, value in sets.items():
        if _too_large(value):
            raise ConfigError(
                "a number is too large",
                source="--set",
                path=path,
                allowed=f"numbers within +-{FLOAT_MAX:.3g}",
            )
    return sets


def _too_large(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > FLOAT_MAX
    if isinstance(value, Mapping):
        return any(_too_large(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_too_large(v) for v in value)
    return False


def load_scenario(
    ref: str, items: Iterable[str] = (), steps: int | None = None, seed: int | None = None
):
    """The validated Config of scenario `ref` (an id or a YAML path) with `--set` items and
    the `--steps`/`--seed` overrides."""
    if is_path(ref):
        text_file(Path(ref), "a scenario YAML file (UTF-8)")
    from sim.scenario import load

    sets = overrides(items)
    options = {k: v for k, v in (("steps", steps), ("seed", seed)) if v is not None}
    with reading(ref):
        try:
            return load(ref, {**sets, **options})
        except ConfigError as err:
            raise _from_option(err, options) from None


def _from_option(err: ConfigError, options: dict[str, Any]) -> ConfigError:
    """An error about `steps` or `seed` given as --steps/--seed names that option."""
    if err.path not in options or err.source not in (None, "--set"):
        return err
    return ConfigError(err.detail, source=f"--{err.path}", allowed=err.allowed)
