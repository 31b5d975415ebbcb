"""`instalign scenarios` and `instalign describe`.

`describe SCENARIO` lists the parameter sections (with their parameter counts, how many the
scenario changes, the component each feeds and whether it is on) and the enabled
components; `--section NAME` shows one section's parameters, `--all` every section. Text
from scenario files is printed as plain text (never read as rich markup), and parameter
names are never cut: the description column wraps instead.
"""

from __future__ import annotations

import re

import typer

TOP = "run"  # the name `describe` gives the parameters outside any section (steps, seed)


def _format(value) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def first_sentence(text: str) -> str:
    """The first sentence of a description (its one-line summary)."""
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0] if text else ""


def scenarios(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the built-in scenarios: id and one-line description."""
    from sim.cli.inputs import reading
    from sim.scenario import discover, from_mapping, read_yaml

    rows = []
    with reading("scenario folder"):
        found = discover()
    for sid, path in found.items():
        with reading(str(path)):
            cfg = from_mapping(read_yaml(path), str(path))
        summary = cfg.title or first_sentence(cfg.description)
        rows.append({"id": sid, "description": summary, "file": str(path)})
    if as_json:
        from sim.cli.jsonout import dumps

        typer.echo(dumps(rows))
        return
    _print_scenarios(rows)


def _print_scenarios(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("id", "description", box=None)
    for row in rows:
        table.add_row(Text(row["id"], no_wrap=True), Text(row["description"]))
    Console().print(table)


def section_of(path: str) -> str:
    """The section a parameter path belongs to (`TOP` for steps and seed)."""
    return path.split(".", 1)[0] if "." in path else TOP


def parameter_rows(cfg, section: str | None = None) -> list[dict]:
    """One row per parameter (of `section`, or all): value, default, allowed, unit, meaning."""
    from sim.params import PARAMS

    return [
        {
            "path": k,
            "value": _format(cfg[k]),
            "default": _format(p.default),
            "allowed": p.allowed(),
            "unit": p.unit,
            "description": p.description,
        }
        for k, p in PARAMS.items()
        if section is None or section_of(k) == section
    ]


def section_rows(cfg) -> list[dict]:
    """One row per section: its parameters, how many the scenario changes, its component and
    whether that component is on."""
    from sim.params.sections import SECTIONS

    rows = {}
    for r in parameter_rows(cfg):
        row = rows.setdefault(section_of(r["path"]), {"parameters": 0, "changed": 0})
        row["parameters"] += 1
        row["changed"] += r["value"] != r["default"]
    out = []
    for name, row in sorted(rows.items(), key=lambda kv: (kv[0] != TOP, kv[0])):
        sec = SECTIONS.get(name)
        on = sec.enabled(cfg.values) if sec else True
        hint = "" if on or sec is None else sec.enable_hint
        component = sec.component if sec else "model"
        out.append({"section": name, **row, "component": component, "enabled": on, "hint": hint})
    return out


def enabled_components(cfg) -> list[str]:
    from sim.components import COMPONENTS

    return [c.name for c in COMPONENTS if c.enabled(cfg)]


def describe(
    scenario: str = typer.Argument(..., help="Scenario id or path to a YAML file."),
    section: str | None = typer.Option(
        None, "--section", help="Show this section's parameters (see the list without it)."
    ),
    show_all: bool = typer.Option(False, "--all", help="Show every section's parameters."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (every parameter)."),
) -> None:
    """A scenario's parameter sections and enabled components.

    --section NAME shows one section's parameters (value, default, allowed values, unit,
    meaning), --all every section, --json every parameter."""
    from sim.cli.inputs import load_scenario

    cfg = load_scenario(scenario)
    if section is not None:
        _check_section(section, [r["section"] for r in section_rows(cfg)])
    if as_json:
        _print_json(cfg, section)
        return
    from sim.cli import describe_view

    if section is None and not show_all:
        describe_view.overview(cfg, section_rows(cfg), enabled_components(cfg))
        return
    names = [section] if section else [r["section"] for r in section_rows(cfg)]
    describe_view.sections(cfg, {n: parameter_rows(cfg, n) for n in names})


def _check_section(name: str, known: list[str]) -> None:
    from sim.errors import unknown_name

    if name not in known:
        raise unknown_name("section", name, known, source="--section")


def _print_json(cfg, section: str | None) -> None:
    from sim.cli.jsonout import dumps

    payload = {
        "id": cfg.id,
        "description": cfg.description,
        "references": list(cfg.references),
        "sections": section_rows(cfg),
        "enabled_components": enabled_components(cfg),
        "parameters": parameter_rows(cfg, section),
    }
    typer.echo(dumps(payload))
