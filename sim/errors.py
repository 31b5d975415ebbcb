"""Errors that tell the user what to do next: the file, the field path, the allowed range,
the closest valid name. The CLI turns each into one line on stderr and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest valid name to `name`, or None when nothing is close."""
    cands = list(candidates)
    found = difflib.get_close_matches(name, cands, n=1, cutoff=0.5)
    if found:
        return found[0]
    leaf = name.rsplit(".", 1)[-1]
    by_leaf = {c.rsplit(".", 1)[-1]: c for c in cands}
    found = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.6)
    return by_leaf[found[0]] if found else None


class InstalignError(Exception):
    """Base class of the errors instalign reports to users (exit code 2)."""

    exit_code = 2


class ConfigError(InstalignError):
    """A scenario, override or spec that does not validate."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        path: str | None = None,
        allowed: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.source, self.path, self.allowed, self.suggestion = source, path, allowed, suggestion
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = ": ".join(p for p in (self.source, self.path) if p)
        text = f"{where}: {self.detail}" if where else self.detail
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        if self.suggestion:
            text += f"; did you mean '{self.suggestion}'?"
        return text

    def with_source(self, source: str) -> ConfigError:
        """The same error, attributed to `source` (a file or '--set')."""
        if self.source:
            return self
        return ConfigError(
            self.detail,
            source=source,
            path=self.path,
            allowed=self.allowed,
            suggestion=self.suggestion,
        )


def unknown_name(
    what: str, name: str, options, source: str | None = None, path: str | None = None
) -> ConfigError:
    """The error for a name that is not one of `options`: lists them and suggests the closest."""
    options = list(options)
    return ConfigError(
        f"unknown {what} {name!r}",
        source=source,
        path=path,
        allowed=", ".join(options),
        suggestion=closest(name, options),
    )
