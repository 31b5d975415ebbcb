"""`instalign report DIR --out report.html`: one self-contained HTML page that opens offline.

The page opens with the findings: one plain-language sentence per figure, computed from its
data (`df.attrs["finding"]`, see analysis/findings.py), each linked to its figure. Then the
scenario card (what is modelled, the parameters, assumptions, references
and limitations, read from the scenario metadata stored in the sweep), the sweep design, the
figures (interactive: plotly.js inlined once, no CDN), summary tables, what could not be made
and why, and the exact commands that reproduce it all.
"""

from __future__ import annotations

import html
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis import metadata, tables
from analysis.build import Built, build, describe, finding
from analysis.data import Frames
from analysis.export import with_caption
from analysis.figures import FIGURES
from sim.params import PARAMS
from sim.scenario import Config, from_mapping

CSS = """
body{font-family:"Open Sans","DejaVu Sans","Liberation Sans",sans-serif;color:#222;
max-width:1000px;margin:2em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
td,th{border-bottom:1px solid #e5e5e5;padding:.25em .7em;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff7e0;border-left:4px solid #E69F00;padding:.5em 1em;margin:.5em 0}
.muted{color:#666;font-size:.9em}pre{background:#f5f5f5;padding:.8em;overflow-x:auto}
figure{margin:1.5em 0;overflow-x:auto}figcaption{font-size:.9em;color:#444;max-width:760px}
figcaption .finding{font-size:1.05em;color:#222;display:block;margin-bottom:.3em}
ul.findings li{margin:.35em 0}
"""


def esc(x: Any) -> str:
    return html.escape(str(x))


def render(f: Frames, built: Built, store_dir: Path, out: Path) -> str:
    """The report page as one HTML string."""
    man = f.manifest
    title = f"instalign report: {man.get('sweep') or 'runs'}"
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p>{esc(man.get('description') or '')}</p>",
        findings_section(built),
        _notes(f, built),
        _cards(f),
        _design(f),
        _figures(f, built),
        _tables(built),
        _reproduce(f, store_dir, out),
        _provenance(f),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def write(f: Frames, store_dir: Path, out: Path, outcome: str | None = None) -> Built:
    built = build(f, outcome=outcome)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{out.name}")
    tmp.write_text(render(f, built, store_dir, out), encoding="utf-8")
    tmp.replace(out)
    return built


def findings_section(built: Built) -> str:
    """'Findings': each figure's one-line result, linked to the figure, in figure order."""
    items = [
        f"<li><a href='#{esc(name)}'>{esc(FIGURES[name].TITLE)}</a>: {esc(said)}</li>"
        for name, df in built.data.items()
        if (said := finding(df))
    ]
    if not items:
        return "<h2>Findings</h2><p class='muted'>No figure could say anything yet.</p>"
    return "<h2>Findings</h2><ul class='findings'>" + "".join(items) + "</ul>"


def _notes(f: Frames, built: Built) -> str:
    items = list(f.notes) + [f"figure {n} failed: {why}" for n, why in built.errors.items()]
    return "".join(f"<div class='note'>{esc(i)}</div>" for i in items)


def configs(f: Frames) -> list[Config]:
    """The base scenarios exactly as the sweep resolved them."""
    return [
        from_mapping(doc, f"sweep base {ref}") for ref, doc in f.manifest.get("bases", {}).items()
    ]


def _cards(f: Frames) -> str:
    out = []
    for cfg in configs(f):
        out.append(f"<h2>Scenario {esc(cfg.id)}</h2><p>{esc(cfg.description)}</p>")
        for key in ("assumptions", "limitations", "references"):
            items = getattr(cfg, key)
            if items:
                lis = "".join(f"<li>{esc(i)}</li>" for i in items)
                out.append(f"<h3>{key.capitalize()}</h3><ul>{lis}</ul>")
        out.append("<h3>Parameters (differing from the declared defaults)</h3>")
        out.append(_param_table(cfg, f.params))
    return "\n".join(out)


def _param_table(cfg: Config, axes: list[str]) -> str:
    rows = []
    for path, value in cfg.changed().items():
        if path in axes or path == "seed":  # a sweep seeds every run from its master seed
            continue
        p = PARAMS[path]
        rows.append((path, value, p.default, p.unit, p.description))
    frame = pd.DataFrame(rows, columns=["parameter", "value", "default", "unit", "meaning"])
    return tables.html(frame) if rows else "<p class='muted'>all parameters at defaults</p>"


def _design(f: Frames) -> str:
    spec = f.manifest.get("spec", {})
    c = f.manifest.get("counts", {})
    rows = [(a, PARAMS[a].unit if a in PARAMS else "", _levels(f.design[a])) for a in f.params]
    axes = pd.DataFrame(rows, columns=["varied parameter", "unit", "values in the sweep"])
    info = (
        f"<p>Design <b>{esc(f.kind)}</b>, {esc(f.manifest.get('design', {}).get('points'))} "
        f"points × {esc(spec.get('replications'))} replications × "
        f"{max(1, len(f.manifest.get('interventions', {})))} intervention(s); "
        f"{esc(c.get('done'))} of {esc(c.get('total'))} runs done, {esc(c.get('failed'))} failed; "
        f"{esc(spec.get('steps'))} steps; master seed {esc(f.manifest.get('master_seed'))}; "
        f"common random numbers: {esc(spec.get('common_random_numbers'))}.</p>"
    )
    return "<h2>Sweep design</h2>" + info + (tables.html(axes) if rows else "")


def _levels(col: pd.Series) -> str:
    vals = col.dropna().unique()
    if len(vals) <= 8:
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sorted(vals))
    return f"{len(vals)} values in [{min(vals):g}, {max(vals):g}]"


def _figures(f: Frames, built: Built) -> str:
    out, first = ["<h2>Figures</h2>"], True
    for name, fig in built.figures.items():
        prov = metadata.provenance(f, name)
        shown = with_caption(fig, metadata.caption(prov))
        div = shown.to_html(
            full_html=False,
            include_plotlyjs=first,
            div_id=f"fig-{name}",
            config={"displaylogo": False, "responsive": True},
        )
        first = False
        said = finding(built.data[name]) if name in built.data else ""
        out.append(
            f"<figure id='{esc(name)}'>{div}<figcaption>"
            + (f"<span class='finding'>{esc(said)}</span>" if said else "")
            + f"<b>How to read it</b> ({esc(name)}): {esc(describe(name))}</figcaption></figure>"
        )
    if built.skipped:
        lis = "".join(f"<li><b>{esc(n)}</b>: {esc(w)}</li>" for n, w in built.skipped.items())
        out.append(f"<p>Figures this sweep does not support:</p><ul class='muted'>{lis}</ul>")
    return "\n".join(out)


def _tables(built: Built) -> str:
    out = ["<h2>Summary tables</h2>"]
    for name, df in built.data.items():
        frame = tables.summary(name, df)
        if frame is not None:
            out.append(f"<h3>{esc(tables.TITLES[name])}</h3>{tables.html(frame)}")
    return "\n".join(out)


def _reproduce(f: Frames, store_dir: Path, out: Path) -> str:
    man, q = f.manifest, shlex.quote
    commit = man.get("git_commit") or "<unknown commit>"
    spec = clean(man.get("spec", {}))
    spec_file = man.get("spec_file") or "spec.yaml"
    cmds = [
        f"git checkout {commit}"
        + ("   # the sweep ran on uncommitted changes" if man.get("git_dirty") else ""),
        f"instalign sweep {q(str(spec_file))} --out {q(str(store_dir))}",
        f"instalign figures {q(str(store_dir))} --out figures --format png,svg,pdf",
        f"instalign report {q(str(store_dir))} --out {q(str(out))}",
    ]
    return (
        "<h2>Reproduce</h2><pre>" + esc("\n".join(cmds)) + "</pre>"
        f"<p>The spec as run ({esc(spec_file)}):</p><pre>"
        + esc(yaml.safe_dump(spec, sort_keys=False))
        + "</pre>"
    )


def clean(doc: Any) -> Any:
    """The spec without the fields left at null (what a user would have written)."""
    if isinstance(doc, dict):
        return {k: clean(v) for k, v in doc.items() if v is not None and v != {}}
    if isinstance(doc, list):
        return [clean(v) for v in doc]
    return doc


def _provenance(f: Frames) -> str:
    prov = metadata.provenance(f)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    keys = ("instalign_version", "git_commit", "git_dirty", "sweep", "sweep_identity")
    rows = "".join(f"<tr><th>{k}</th><td>{esc(prov.get(k))}</td></tr>" for k in keys)
    return (
        f"<h2>Provenance</h2><table>{rows}<tr><th>created</th>"
        f"<td>{esc(f.manifest.get('created'))}</td></tr><tr><th>report made</th>"
        f"<td>{esc(when)} with instalign {esc(prov['figure_code']['instalign_version'])}</td>"
        "</tr></table>"
    )
