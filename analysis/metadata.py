"""Provenance of a figure (scenario id and version, sweep id, seeds, instalign version, git
commit) and how it is written into the exported file's own metadata:

- PNG: a `tEXt` chunk with keyword `instalign` (JSON), plus `pHYs` (the print resolution);
- SVG: a `<metadata id="instalign-provenance">` element (JSON in CDATA);
- PDF: an incremental update whose Info dictionary carries `/InstalignProvenance` (JSON),
  `/Title`, `/Subject` (the caption) and `/Creator` (PDF 1.7, sec. 7.5.6 and 14.3.3).

`read(data, fmt)` gets the JSON back, so a figure found in a report can be traced to its runs.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Mapping
from typing import Any

from sim.provenance import code_version

KEY = "instalign"
PNG_SIG = b"\x89PNG\r\n\x1a\n"
PNG_DPI = 288  # export.PNG_SCALE x 96 layout px per inch
SVG_ID = "instalign-provenance"
MAX_SEEDS = 5000


def provenance(f, figure: str | None = None) -> dict[str, Any]:
    """What produced the data of a figure from Frames `f` (a sweep or single runs)."""
    man = f.manifest
    scenarios = _scenarios(f)
    seeds = sorted({int(s) for s in f.design.get("seed", []) if s == s})
    here = code_version()
    out = {
        "figure": figure,
        "scenarios": [{"id": s, **_split_id(s)} for s in scenarios],
        "sweep": man.get("sweep"),
        "sweep_identity": man.get("identity"),
        "master_seed": man.get("master_seed"),
        "runs": len(f.summary),
        "seeds": seeds if len(seeds) <= MAX_SEEDS else f"{len(seeds)} seeds (see design)",
        "instalign_version": man.get("instalign_version") or here["instalign_version"],
        "git_commit": man.get("git_commit") or here["git_commit"],
        "git_dirty": man.get("git_dirty", here["git_dirty"]),
        "figure_code": {k: here[k] for k in ("instalign_version", "git_commit", "git_dirty")},
    }
    return out


def _scenarios(f) -> list[str]:
    bases = f.manifest.get("bases")
    if bases:
        return [doc.get("id", ref) for ref, doc in bases.items()]
    if "scenario" in f.manifest:
        return [f.manifest["scenario"]]
    return sorted(map(str, f.design["scenario"].unique())) if "scenario" in f.design else []


def _split_id(sid: str) -> dict[str, str]:
    name, _, version = sid.rpartition("-")
    return {"name": name, "version": version} if name else {"name": sid, "version": ""}


def caption(prov: Mapping[str, Any]) -> str:
    """The one-line caption printed under an exported figure."""
    commit = (prov.get("git_commit") or "unknown")[:10] + (
        "+dirty" if prov.get("git_dirty") else ""
    )
    parts = [f"instalign {prov.get('instalign_version')} ({commit})"]
    scen = prov.get("scenarios") or []
    if scen:
        parts.append("scenario " + ", ".join(f"{s['name']} {s['version']}" for s in scen))
    if prov.get("sweep"):
        ident = (prov.get("sweep_identity") or "")[:8]
        parts.append(f"sweep {prov['sweep']}" + (f" ({ident})" if ident else ""))
    seeds = prov.get("seeds")
    n = prov.get("runs")
    if prov.get("master_seed") is not None:
        parts.append(f"{n} runs, master seed {prov['master_seed']}")
    elif isinstance(seeds, list) and seeds:
        parts.append(f"{n} runs, seeds {_ranges(seeds)}")
    return " · ".join(parts)


def _ranges(seeds: list[int], limit: int = 6) -> str:
    text = ", ".join(map(str, seeds[:limit]))
    return text + (f", ... ({len(seeds)})" if len(seeds) > limit else "")


def _json(prov: Mapping[str, Any]) -> str:
    return json.dumps(prov, sort_keys=True, ensure_ascii=True, default=str, separators=(",", ":"))


def embed(data: bytes, fmt: str, prov: Mapping[str, Any]) -> bytes:
    """`data` (a rendered file) with `prov` written into its metadata."""
    return {"png": _png_embed, "svg": _svg_embed, "pdf": _pdf_embed}[fmt](data, prov)


def read(data: bytes, fmt: str) -> dict[str, Any] | None:
    """The provenance embedded in a file's bytes, or None."""
    text = {"png": _png_read, "svg": _svg_read, "pdf": _pdf_read}[fmt](data)
    return json.loads(text) if text else None


# ---- PNG --------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_chunks(data: bytes):
    """(type, body) of each chunk of a PNG file."""
    if not data.startswith(PNG_SIG):
        raise ValueError("not a PNG file")
    pos = len(PNG_SIG)
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        yield data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        pos += 12 + n


def _png_embed(data: bytes, prov) -> bytes:
    chunks = [(k, b) for k, b in png_chunks(data) if k != b"pHYs"]
    ppm = round(PNG_DPI / 0.0254)
    extra = [
        _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
        _chunk(b"tEXt", KEY.encode("latin-1") + b"\0" + _json(prov).encode("latin-1")),
        _chunk(b"tEXt", b"Software\0instalign " + str(prov.get("instalign_version")).encode()),
    ]
    body = [_chunk(k, b) for k, b in chunks]
    return PNG_SIG + body[0] + b"".join(extra) + b"".join(body[1:])  # IHDR stays first


def _png_read(data: bytes) -> str | None:
    for kind, body in png_chunks(data):
        if kind == b"tEXt" and body.startswith(KEY.encode() + b"\0"):
            return body[len(KEY) + 1 :].decode("latin-1")
    return None


# ---- SVG --------------------------------------------------------------------------------


def _svg_embed(data: bytes, prov) -> bytes:
    text = data.decode("utf-8")
    m = re.search(r"<svg\b[^>]*>", text)
    if not m:
        raise ValueError("not an SVG file")
    meta = f'<metadata id="{SVG_ID}"><![CDATA[{_json(prov)}]]></metadata>'
    return (text[: m.end()] + meta + text[m.end() :]).encode("utf-8")


def _svg_read(data: bytes) -> str | None:
    m = re.search(rf'<metadata id="{SVG_ID}"><!\[CDATA\[(.*?)\]\]></metadata>', data.decode())
    return m.group(1) if m else None


# ---- PDF --------------------------------------------------------------------------------


def _pdf_str(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return "(" + safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _pdf_embed(data: bytes, prov) -> bytes:
    """Append an incremental update: a new Info dictionary, its xref and a new trailer."""
    tail = data[-2048:].decode("latin-1")
    start = re.findall(r"startxref\s+(\d+)", tail)
    trailer = tail[tail.rfind("trailer") :] if "trailer" in tail else ""
    root = re.search(r"/Root\s+(\d+\s+\d+\s+R)", trailer)
    size = re.search(r"/Size\s+(\d+)", trailer)
    if not (start and root and size):
        raise ValueError("PDF without a classic trailer: cannot add provenance")
    n = int(size.group(1))
    info = (
        f"<</Title {_pdf_str(str(prov.get('figure') or 'instalign figure'))}\n"
        f"/Subject {_pdf_str(caption(prov))}\n"
        f"/Creator {_pdf_str('instalign ' + str(prov.get('instalign_version')))}\n"
        f"/Producer (kaleido + chromium)\n"
        f"/InstalignProvenance {_pdf_str(_json(prov))}>>"
    )
    head = data if data.endswith(b"\n") else data + b"\n"
    obj_at = len(head)
    obj = f"{n} 0 obj\n{info}\nendobj\n".encode("latin-1")
    xref_at = obj_at + len(obj)
    xref = (
        f"xref\n{n} 1\n{obj_at:010d} 00000 n \ntrailer\n"
        f"<</Size {n + 1}\n/Root {root.group(1)}\n/Info {n} 0 R\n/Prev {start[-1]}>>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode("latin-1")
    return head + obj + xref


def _pdf_read(data: bytes) -> str | None:
    text = data.decode("latin-1")
    at = text.rfind("/InstalignProvenance (")
    if at < 0:
        return None
    out, i = [], at + len("/InstalignProvenance (")
    while text[i] != ")":
        if text[i] == "\\":
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)
