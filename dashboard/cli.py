"""`instalign dashboard`, registered through the `instalign.commands` entry point. Importing
this module is cheap (typer only): Dash and plotly are imported when the command runs."""

from __future__ import annotations

from pathlib import Path

import typer

from sim.cli.checks import output_dir
from sim.errors import ConfigError


def dashboard(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default loopback)."),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="TCP port (1-65535)."),
    results: Path = typer.Option(
        Path("results"), "--results", help="Folder of sweep stores (the only one read)."
    ),
    cache: Path | None = typer.Option(
        None, "--cache", help="Run/job cache folder (default: RESULTS/.dashboard-cache)."
    ),
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        metavar="NAME",
        help="Also answer requests for this Host name (repeatable).",
    ),
) -> None:
    """Serve the dashboard (Explore, Compare, Sweeps) with waitress until Ctrl-C."""
    check_folders(results, cache)
    from dashboard.serve import port_free, serve

    if not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is in use", path="--port")
    serve(results, host, port, cache, allow_host)


def check_folders(results: Path, cache: Path | None) -> None:
    """--results is a folder (or can be made), and the cache folder can be written."""
    if results.exists() and not results.is_dir():
        raise ConfigError(
            "is a file", source="--results", path=str(results), allowed="a folder of sweep stores"
        )
    if cache is None:
        output_dir(results, "--results")
    else:
        output_dir(cache, "--cache")


def register(app: typer.Typer) -> None:
    """Add the dashboard command to the `instalign` app."""
    app.command("dashboard")(dashboard)
