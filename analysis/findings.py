"""The one-line result under each figure, in words, computed from the figure's data.

Every figure's `data()` puts one plain-language sentence in `df.attrs["finding"]` ("" when the
data say nothing): the dashboard shows it under the card, the report lists them first and
`instalign figures --finding` prints it as the figure's subtitle. The helpers here keep the
wording the same everywhere: numbers to three significant figures, a CI in brackets after
its estimate, and a change read as "raises"/"lowers" only when its CI excludes zero.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from analysis.stats import mean_ci, welch_ci

PAIR_KEYS = ("seed", "replication")  # runs sharing these share their noise (common seeds)


def num(x: float) -> str:
    """A number to three significant figures ('0.123', '-1.5', '2.3e+03'); 'n/a' for NaN."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{float(x):.3g}"


def interval(lo: float, hi: float) -> str:
    """' [lo, hi]', or '' when there is no interval (one replication)."""
    if not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return ""
    return f" [{num(lo)}, {num(hi)}]"


def value(row, metric: str) -> str:
    """'welfare 0.12 [0.08, 0.16]' from a wide row with `metric`, `metric_lo`, `metric_hi`."""
    lo, hi = row.get(f"{metric}_lo", np.nan), row.get(f"{metric}_hi", np.nan)
    return f"{metric.replace('_', ' ')} {num(row[metric])}{interval(lo, hi)}"


def change(metric: str, diff: float, lo: float, hi: float) -> str:
    """'raises approval by 0.12 [0.08, 0.16]', 'lowers welfare by 0.05 [0.03, 0.07]', or
    'leaves safety unchanged (-0.01 [-0.03, 0.02])' when the CI includes zero."""
    name = metric.replace("_", " ")
    if not math.isfinite(float(diff)):
        return f"leaves {name} unmeasured"
    if lo > 0 or (not math.isfinite(float(lo)) and diff > 0):
        return f"raises {name} by {num(diff)}{interval(lo, hi)}"
    if hi < 0 or (not math.isfinite(float(hi)) and diff < 0):
        return f"lowers {name} by {num(-diff)}{interval(-hi, -lo)}"
    return f"does not clearly change {name} ({num(diff)}{interval(lo, hi)})"


def contrast(a: pd.DataFrame, b: pd.DataFrame, metric: str, level: float = 0.95) -> tuple:
    """(mean(b) - mean(a), lo, hi, n, paired) over runs of two design points: paired on their
    common seeds when at least two pairs share one (the noise they share cancels: the CI can
    be far narrower than either point's own), else Welch (paired False)."""
    keys = [k for k in PAIR_KEYS if k in a and k in b]
    if keys:
        both = a[[*keys, metric]].merge(b[[*keys, metric]], on=keys, suffixes=("_a", "_b"))
        both = both.dropna()
        if len(both) >= 2 and not both.duplicated(keys).any():
            d, lo, hi, n = mean_ci(both[f"{metric}_b"] - both[f"{metric}_a"], level)
            return d, lo, hi, n, True
    x, y = a[metric].dropna(), b[metric].dropna()
    lo, hi = welch_ci(y, x, level)
    return float(y.mean() - x.mean()), lo, hi, int(min(len(x), len(y))), False


def sentence(*parts: str) -> str:
    """Parts joined into one sentence: first letter capital, one full stop (a part that
    starts with ';' or ',' attaches to the one before)."""
    text = ""
    for p in (p.strip() for p in parts if p and p.strip()):
        text += p if p[0] in ";," or not text else f" {p}"
    text = text.rstrip(" .;,")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def strongest(effects: dict, key=abs):
    """The key of `effects` (label -> number) with the largest |value|; None if all NaN."""
    finite = {k: v for k, v in effects.items() if np.isfinite(v)}
    return max(finite, key=lambda k: key(finite[k])) if finite else None


def wrapped(text: str, width: int = 100) -> str:
    """`text` broken into lines of at most `width` characters with <br> (for plotly); lines
    it already has (<br>) are kept."""
    lines = [w for part in text.split("<br>") for w in (textwrap.wrap(part, width) or [""])]
    return "<br>".join(lines)


SUBTITLE_SIZE = 12


def subtitle(fig, text: str, prepend: bool = False, width: int = 100):
    """`fig` with `text` (wrapped) as its subtitle (before the one it had with `prepend`) and
    a top margin that holds the title, every subtitle line and, in a faceted figure, the
    panel titles that sit above the panels."""
    if not text:
        return fig
    old = fig.layout.title.subtitle.text if prepend else None
    lines = wrapped(text, width) + (f"<br>{old}" if old else "")
    n = lines.count("<br>") + 1
    from analysis import theme

    panels = any(a.yanchor == "bottom" and (a.y or 0) >= 0.98 for a in fig.layout.annotations)
    title_lines = (fig.layout.title.text or "").count("<br>")  # a wrapped title's extra lines
    top = 52 + 26 * title_lines + 17 * n + (24 if panels else 0)
    before = fig.layout.margin.t if fig.layout.margin.t is not None else 60
    height = (fig.layout.height or theme.HEIGHT) + max(0, top - before)  # the plot keeps its room
    return fig.update_layout(
        # from the top down (plotly lifts a multi-line title by its extra lines: pad them)
        title=dict(y=1, yref="container", yanchor="top", pad_t=12 + 26 * title_lines),
        title_subtitle_text=lines,
        title_subtitle_font_size=SUBTITLE_SIZE,
        margin_t=top,
        height=height,
    )


def as_subtitle(fig, finding: str, width: int = 100):
    """`fig` with its finding as the first subtitle lines (`instalign figures --finding`)."""
    return subtitle(fig, finding, prepend=True, width=width)
