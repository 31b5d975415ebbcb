"""The `instalign` command line.

Commands are registered by name without importing them (`COMMANDS`: name -> "module:function";
a module is imported when its command runs or help lists it), and command modules import
heavy libraries (Mesa, pandas, scipy, the sweep engine) inside the command function, so
`instalign --help` starts in a fraction of a second. `analysis` and `dashboard` add their
commands through the `instalign.commands` entry-point group (so `sim` never imports them);
their modules must be as cheap to import.

Exit codes: 0 done; 1 the command's negative outcome (a failed anchor, a rerun that differs,
no figure made); 2 a user error (bad option, argument, file, path or value: one line on
stderr naming it, nothing written); 3, 10+n sweep outcomes (see `sim.cli.sweep`); 70 an
internal error (a bug: one line, `--debug` shows the traceback); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from importlib.metadata import entry_points

import typer
import typer.main
from typer.core import TyperGroup

from sim.cli import usage
from sim.errors import ConfigError, InstalignError, unknown_name

COMMANDS = {
    "run": "sim.cli.run:run",
    "scenarios": "sim.cli.scenarios:scenarios",
    "describe": "sim.cli.scenarios:describe",
    "validate": "sim.cli.validate:validate",
    "sweep": "sim.cli.sweep:sweep",
    "rerun": "sim.cli.sweep:rerun",
    "tail": "sim.cli.tail:tail",
    "design": "sim.cli.design:design",
}
EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_PIPE = 2, 70, 130, 141
_STATE = {"debug": False}
_PLUGINS: set[str] = set()  # entry points already registered (main may run many times)


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when the command is needed."""

    lazy = COMMANDS

    def list_commands(self, ctx) -> list[str]:
        return [*self.lazy, *(n for n in super().list_commands(ctx) if n not in self.lazy)]

    def get_command(self, ctx, name: str):
        if name not in self.commands and name in self.lazy:
            self.commands[name] = _load(name, self.lazy[name])
        return super().get_command(ctx, name)

    def resolve_command(self, ctx, args: list[str]):
        name = args[0] if args else ""
        known = self.list_commands(ctx)
        if name and not name.startswith("-") and name not in known:
            raise unknown_name("command", name, known, source="instalign")
        return super().resolve_command(ctx, args)


def _load(name: str, target: str):
    """The click command of `module:function`, built the way typer builds any command."""
    module, attr = target.split(":")
    one = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    one.command(name)(getattr(importlib.import_module(module), attr))
    return typer.main.get_command(one)


app = typer.Typer(
    cls=LazyGroup,
    help="instalign: agent-based simulator of institutional alignment failures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of an internal error (a bug)."
    ),
    progress_every: float | None = typer.Option(
        None,
        "--progress-every",
        metavar="SECONDS",
        help="Progress line interval when stderr is not a terminal "
        "(default 10; env INSTALIGN_PROGRESS_SECONDS).",
    ),
) -> None:
    """instalign: agent-based simulator of institutional alignment failures."""
    from sim.progress import ENV, interval

    _STATE["debug"] = debug
    if progress_every is not None:
        os.environ[ENV] = str(interval(progress_every))
    else:
        interval()  # a bad INSTALIGN_PROGRESS_SECONDS fails now, before any work


def _plugins() -> None:
    """Add the commands of installed plugins (entry points `instalign.commands`)."""
    for ep in entry_points(group="instalign.commands"):
        if ep.name in _PLUGINS:
            continue
        _PLUGINS.add(ep.name)
        try:
            ep.load()(app)
        except Exception as err:  # a broken plugin must not take the core commands down
            why = f"{type(err).__name__}: {err}"
            print(f"warning: commands of {ep.value} not loaded: {why}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run `instalign ARGS`; the exit code (see the module docstring). Never a traceback
    unless `--debug` and an internal error."""
    _STATE["debug"] = False
    try:
        _plugins()
        command = typer.main.get_command(app)
        # with standalone_mode=False click *returns* the code of `typer.Exit(code)`
        code = command.main(args=argv, prog_name="instalign", standalone_mode=False)
    except BaseException as err:  # every outcome becomes an exit code
        return _failed(err)
    return code if isinstance(code, int) else 0


def _failed(err: BaseException) -> int:
    """Report `err` on stderr (one line) and return the exit code."""
    if usage.kind(err) == "NoArgsIsHelpError":  # `instalign` alone: the help, on stdout
        text = err.format_message()  # typer's rich help prints itself and returns ""
        if text.strip():
            print(text)
        return EXIT_USAGE
    if usage.kind(err):
        return _error(usage.translate(err), EXIT_USAGE)
    if isinstance(err, InstalignError):
        return _error(err, err.exit_code)
    if isinstance(err, KeyboardInterrupt | typer.Abort):
        print("aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(err, SystemExit | typer.Exit):
        code = getattr(err, "exit_code", getattr(err, "code", 0))
        return code if isinstance(code, int) else 1
    if isinstance(err, BrokenPipeError):
        _quiet_stdout()
        return EXIT_PIPE
    if hasattr(err, "format_message") and isinstance(getattr(err, "exit_code", None), int):
        # another error of the parser (e.g. a file it could not open): the user's to fix
        return _error(ConfigError(" ".join(str(err).split())), EXIT_USAGE)
    return _internal(err)


def _error(err: BaseException, code: int) -> int:
    if _STATE["debug"] and not usage.kind(err):
        traceback.print_exception(err)
    print(f"error: {err}", file=sys.stderr)
    return code


def _internal(err: BaseException) -> int:
    """A bug: one line, the traceback only with --debug."""
    if _STATE["debug"]:
        traceback.print_exception(err)
    first = (str(err).strip().splitlines() or [""])[0]
    print(
        f"error: internal error: {type(err).__name__}: {first[:200]} (rerun with --debug for "
        f"the traceback; report it at {_tracker()})",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def _tracker() -> str:
    """Where to report a bug: the package's issue tracker URL, when its metadata has one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("instalign").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for label, _, url in (u.partition(", ") for u in urls):
        if label.lower() in ("issues", "bug tracker", "bugs", "tracker"):
            return url
    return "the instalign issue tracker, with the command and the --debug output"


def _quiet_stdout() -> None:
    """stdout was closed early (`instalign ... | head`): silence the flush at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
