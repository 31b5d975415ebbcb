"""Commands of the analysis package (`instalign figures`, `instalign report`), registered
through the `instalign.commands` entry point."""

import typer


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the `instalign` app."""
