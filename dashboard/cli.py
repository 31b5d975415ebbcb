"""`instalign dashboard`, registered through the `instalign.commands` entry point."""

from __future__ import annotations

from pathlib import Path

import typer

from sim.errors import ConfigError


def dashboard(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default loopback)."),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="TCP port."),
    results: Path = typer.Option(
        Path("results"), "--results", help="Folder of sweep stores (the only one read)."
    ),
    cache: Path | None = typer.Option(
        None, "--cache", help="Run/job cache folder (default: RESULTS/.dashboard-cache)."
    ),
) -> None:
    """Serve the dashboard (Explore, Compare, Sweeps) with waitress until Ctrl-C."""
    from dashboard.serve import port_free, serve

    if not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is in use", path="--port")
    serve(results, host, port, cache)


def register(app: typer.Typer) -> None:
    """Add the dashboard command to the `instalign` app."""
    app.command("dashboard")(dashboard)
