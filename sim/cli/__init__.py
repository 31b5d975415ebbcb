"""The `instalign` command line. Each module in this package registers its commands;
`analysis` and `dashboard` add theirs through the `instalign.commands` entry-point group, so
`sim` never imports them. Every user error is one line on stderr and exit code 2."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from importlib.metadata import entry_points

import click
import typer

from sim.errors import InstalignError

app = typer.Typer(
    help="instalign: agent-based simulator of institutional alignment failures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}").register(app)


def _plugins() -> None:
    for ep in entry_points(group="instalign.commands"):
        ep.load()(app)


def main(argv: list[str] | None = None) -> int:
    _plugins()
    command = typer.main.get_command(app)
    try:
        # with standalone_mode=False click *returns* the code of `typer.Exit(code)`
        code = command.main(args=argv, prog_name="instalign", standalone_mode=False)
    except InstalignError as err:
        click.echo(f"error: {err}", err=True)
        return err.exit_code
    except click.exceptions.Exit as ex:
        return ex.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
