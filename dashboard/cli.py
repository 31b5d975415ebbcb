"""`instalign dashboard`, registered through the `instalign.commands` entry point."""

import typer


def register(app: typer.Typer) -> None:
    """Add the dashboard command to the `instalign` app."""
