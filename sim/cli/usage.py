"""The command-line parser's usage errors as instalign's one-line errors.

typer 0.29 raises its own vendored copy of click's exceptions (`typer._click.exceptions`),
which are not subclasses of `click.exceptions`; older typer raises click's. Both are
recognised here by their class names (`UsageError` and its subclasses), so neither a typer
upgrade nor a downgrade lets a usage error escape as a traceback.

`translate(err)` turns one into a ConfigError in the format of `sim.errors`: the command or
option, what is wrong, the allowed values and the closest valid name, e.g.

    run: unknown option '--stpes' (allowed: --steps, --seed, ...); did you mean '--steps'?
    --steps: 'abc' is not a valid integer
    run: missing argument SCENARIO (allowed: scenario id or path to a YAML file)
"""

from __future__ import annotations

import re
from typing import Any

from sim.errors import ConfigError, closest

GLOBAL_OPTIONS = ("--debug", "--progress-every")
KINDS = (  # most specific first
    "NoArgsIsHelpError",
    "NoSuchOption",
    "MissingParameter",
    "BadParameter",
    "BadOptionUsage",
    "UsageError",
)
NUMBER = re.compile(r"-\d+(\.\d*)?([eE][-+]?\d+)?$")


def kind(err: BaseException) -> str | None:
    """The most specific usage-error class name of `err` (click's or typer's), else None."""
    names = {c.__name__ for c in type(err).__mro__}
    return next((k for k in KINDS if k in names), None) if "UsageError" in names else None


def translate(err: Any) -> ConfigError:
    """The ConfigError (one line) that says what `err`, a usage error, means. Never raises:
    if the parser's exception lacks what a handler reads, its own message is used."""
    handler = {
        "NoSuchOption": _no_such_option,
        "MissingParameter": _missing,
        "BadParameter": _bad_value,
        "BadOptionUsage": _bad_option_usage,
    }.get(kind(err), _generic)
    try:
        return handler(err)
    except Exception:  # an unexpected parser version: still one line, still exit 2
        return ConfigError(_sentence(getattr(err, "message", None) or str(err)))


def _command(err: Any) -> str:
    ctx = getattr(err, "ctx", None)
    return (ctx.info_name if ctx is not None else None) or "instalign"


def _options(ctx: Any) -> list[str]:
    """Every option the command takes (long and short forms), in declaration order."""
    if ctx is None:
        return []
    params = ctx.command.get_params(ctx)
    names = [o for p in params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")]
    return list(dict.fromkeys(names))


def _no_such_option(err: Any) -> ConfigError:
    name, ctx = err.option_name, err.ctx
    options = _options(ctx)
    if NUMBER.match(name):
        return ConfigError(
            f"{name!r} reads as an option: negative numbers are not accepted here",
            source=_command(err),
            allowed="values >= 0; options: " + ", ".join(options),
        )
    if name in GLOBAL_OPTIONS and ctx is not None and ctx.parent is not None:
        return ConfigError(
            f"{name} is a global option",
            source=_command(err),
            allowed=f"before the command: instalign {name} ... {_command(err)} ...",
        )
    return ConfigError(
        f"unknown option {name!r}",
        source=_command(err),
        allowed=", ".join(options),
        suggestion=closest(name, options),
    )


def _param_name(param: Any) -> str:
    """How the user writes a parameter: `--steps` for an option, `SCENARIO` for an argument."""
    if param is None:
        return "?"
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.metavar or param.name or "?").upper()
    return (param.opts or [param.name])[0]


TYPE_WORDS = {"int": "an integer", "float": "a number", "Path": "a path", "bool": "true/false"}


def _allowed(param: Any) -> str | None:
    """What a parameter accepts, in words: 'an integer >= 1', 'an integer 1..65535'."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    name = getattr(annotation, "__name__", None) or getattr(
        getattr(param, "type", None), "name", ""
    )
    words = TYPE_WORDS.get(str(name), TYPE_WORDS.get({"integer": "int"}.get(name, ""), None))
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if words and lo is not None and hi is not None:
        return f"{words} {lo}..{hi}"
    if words and (lo is not None or hi is not None):
        return f"{words} {'>=' if lo is not None else '<='} {lo if lo is not None else hi}"
    return words


def _help(param: Any) -> str | None:
    text = (getattr(param, "help", None) or "").strip()
    return _sentence(text) or None


def _missing(err: Any) -> ConfigError:
    param = err.param
    what = err.param_type or getattr(param, "param_type_name", "parameter")
    return ConfigError(
        f"missing {what} {_param_name(param)}", source=_command(err), allowed=_help(param)
    )


def _bad_value(err: Any) -> ConfigError:
    param = err.param
    choices = [str(c) for c in getattr(getattr(param, "type", None), "choices", ()) or ()]
    value = _quoted(err.message)
    return ConfigError(
        _sentence(err.message),
        source=_param_name(param),
        allowed=", ".join(choices) or _allowed(param),
        suggestion=closest(value, choices) if value and choices else None,
    )


def _bad_option_usage(err: Any) -> ConfigError:
    message = _sentence(err.message)
    if "requires an argument" in message:
        message = "needs a value"
    return ConfigError(message, source=err.option_name)


def _generic(err: Any) -> ConfigError:
    return ConfigError(_sentence(err.format_message()), source=_command(err))


def _sentence(text: str) -> str:
    """A message as a clause: one line, no trailing period, lower-case start."""
    text = " ".join(str(text).split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _quoted(text: str) -> str | None:
    found = re.search(r"'([^']*)'", str(text))
    return found.group(1) if found else None
