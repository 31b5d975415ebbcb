"""How `instalign describe` prints, readable at 80 columns: every text from a scenario file
or a declaration is a rich `Text` (plain, so `[x]` in a value or description stays as it
is), names never wrap or get cut, and long descriptions wrap in their own column."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text


def _console() -> Console:
    return Console(highlight=False)


def header(console: Console, cfg) -> None:
    """Scenario id, file, title and description."""
    console.print(Text(cfg.id, style="bold") + Text(f"  ({cfg.source})"))
    if cfg.title:
        console.print(Text(cfg.title))
    if cfg.description:
        console.print(Text(cfg.description))
    console.print()


def overview(cfg, rows: list[dict], components: list[str]) -> None:
    """The sections with their counts and components, the enabled components, references."""
    console = _console()
    header(console, cfg)
    table = Table(title="parameter sections", title_justify="left", box=None)
    table.add_column("section", no_wrap=True)
    table.add_column("params", justify="right")
    table.add_column("changed", justify="right")
    table.add_column("component", no_wrap=True)
    table.add_column("on", no_wrap=True)
    if any(r["hint"] for r in rows):
        table.add_column("to turn on", overflow="fold")
    for r in rows:
        on = "yes" if r["enabled"] else "no"
        cells = (r["section"], str(r["parameters"]), str(r["changed"]), r["component"], on)
        hint = [Text(r["hint"])] if len(table.columns) > 5 else []
        table.add_row(*map(Text, cells), *hint, style=None if r["enabled"] else "dim")
    console.print(table)
    console.print(Text("enabled components: " + ", ".join(components)))
    example = rows[1]["section"] if len(rows) > 1 else rows[0]["section"]
    console.print(
        Text(
            f"one section: instalign describe {cfg.id} --section {example}; "
            "every section: --all; machine-readable: --json"
        )
    )
    references(console, cfg)


def sections(cfg, by_section: dict[str, list[dict]]) -> None:
    """One table per section: parameter, value (bold when not the default), default, allowed
    values and unit, and the description (wrapped)."""
    console = _console()
    header(console, cfg)
    for name, rows in by_section.items():
        console.print(_section_table(name, rows))
    references(console, cfg)


def _section_table(name: str, rows: list[dict]) -> Table:
    """A two-column table: the parameter's name within the section (never cut), then its
    value (bold when not the default), default, allowed values and unit, and meaning."""
    prefix = f"{name}." if any("." in r["path"] for r in rows) else ""
    how = f" (set with --set {prefix}NAME=VALUE)" if prefix else ""
    title = Text(f"{name}: {len(rows)} parameters{how}", style="bold")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("parameter", no_wrap=True)
    table.add_column("value (default); allowed; meaning", overflow="fold")
    for r in rows:
        table.add_row(Text(r["path"][len(prefix) :]), _about(r))
    return table


def _about(r: dict) -> Text:
    changed = r["value"] != r["default"]
    text = Text(r["value"], style="bold" if changed else "")
    text.append(f"  (default {r['default']})" if changed else "  (default)", style="dim")
    unit = f", {r['unit']}" if r["unit"] else ""
    text.append(f"\n{r['allowed']}{unit}", style="dim")
    text.append(f"\n{r['description']}")
    return text


def references(console: Console, cfg) -> None:
    """The scenario's references, one per item, wrapped with a hanging indent."""
    if not cfg.references:
        return
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for ref in cfg.references:
        table.add_row(" -", Text(ref))
    console.print(Text("references:"))
    console.print(table)
