"""Static export with kaleido and Debian's chromium: PNG at print resolution, SVG and PDF, each
checked for its size, its dimensions and the provenance embedded in its own metadata."""

from __future__ import annotations

import json
import re
import struct
import threading
import xml.etree.ElementTree as ET
import zlib

import plotly.graph_objects as go
import pytest

from analysis import export, metadata, theme

pytestmark = pytest.mark.browser

PROV = {
    "scenarios": [{"id": "baseline_democracy-v1", "name": "baseline_democracy", "version": "v1"}],
    "sweep": "demo",
    "sweep_identity": "832761e3024d",
    "master_seed": 20240601,
    "runs": 3,
    "seeds": [11, 12, 13],
    "instalign_version": "0.1.0",
    "git_commit": "0123456789abcdef",
    "git_dirty": False,
}


def figure() -> go.Figure:
    fig = theme.figure("Export check (parentheses) and a backslash \\")
    fig.add_trace(go.Scatter(x=[0, 1, 2], y=[1.0, 0.5, 0.8], name="welfare"))
    fig.update_yaxes(title_text=theme.label("welfare"))
    return fig


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The module's two exports, started at once from two threads (kaleido's browser is not
    thread-safe, so the export lock must serialise them): PNG, SVG and PDF files with their
    captions, and the same figure as SVG bytes without one. Each export is one browser
    session; every test below reads these."""
    out, fig, done, errors = tmp_path_factory.mktemp("figs"), figure(), {}, []

    def work(name, fn):
        try:
            done[name] = fn()
        except Exception as err:  # reported by test_exports_from_two_threads_are_serialised
            errors.append(err)

    jobs = {
        "files": lambda: export.export({"check": fig}, out, ["png", "svg", "pdf"], PROV),
        "plain": lambda: export.to_bytes(fig, "svg", PROV, caption=False),
    }
    threads = [threading.Thread(target=work, args=job) for job in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, errors, fig


@pytest.fixture(scope="module")
def files(exports):
    done, errors, _ = exports
    assert not errors, errors
    return {p.suffix[1:]: p.read_bytes() for p in done["files"]}


def expected(name: str = "check") -> dict:
    return {**PROV, "figure": name}


def test_png_is_print_resolution_with_valid_chunks_and_provenance(files):
    data = files["png"]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(data) < 2_000_000
    chunks, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        pos += 12 + n
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    w, h, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (w, h) == (theme.WIDTH * 3, theme.HEIGHT * 3)
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8 and len(raw) == h * (1 + w * channels)  # the pixels are all there
    phys = next(b for k, b in chunks if k == b"pHYs")
    assert struct.unpack(">IIB", phys) == (11339, 11339, 1)  # 288 dpi
    text = dict(b.split(b"\0", 1) for k, b in chunks if k == b"tEXt")
    assert json.loads(text[b"instalign"]) == expected()


def test_svg_has_the_layout_size_metadata_and_the_caption(files):
    root = ET.fromstring(files["svg"])
    assert (root.get("width"), root.get("height")) == (str(theme.WIDTH), str(theme.HEIGHT))
    meta = root.find("{http://www.w3.org/2000/svg}metadata")
    assert meta is not None and json.loads(meta.text) == expected()
    texts = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "".join(export.caption_lines(metadata.caption(expected()))) in texts  # its lines
    assert "master seed 20240601" in texts and "sweep demo" in texts


def test_pdf_has_the_page_size_a_valid_update_and_provenance(files):
    data = files["pdf"]
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 3000
    text = data.decode("latin-1")
    box = [float(v) for v in re.search(r"/MediaBox \[([^\]]+)\]", text).group(1).split()]
    assert box == pytest.approx([0, 0, theme.WIDTH * 0.75, theme.HEIGHT * 0.75], abs=0.5)
    start = int(re.findall(r"startxref\s+(\d+)", text)[-1])
    assert text[start:].startswith("xref")
    first, _, offset = re.match(r"xref\s+(\d+) (\d+)\s+(\d{10})", text[start:]).groups()
    assert text[int(offset) :].startswith(f"{first} 0 obj")
    trailer = text[text.rfind("trailer") :]
    assert f"/Info {first} 0 R" in trailer
    prev = int(re.search(r"/Prev (\d+)", trailer).group(1))
    assert text[prev:].startswith("xref")  # chained to the original cross-reference table
    assert metadata.read(data, "pdf") == expected()
    assert "/Subject (instalign 0.1.0 \\(0123456789\\)" in text  # parentheses escaped


def test_caption_can_be_turned_off(files, exports):
    done, _, fig = exports
    assert b"master seed 20240601" in files["svg"] and b"master seed" not in done["plain"]
    assert len(fig.layout.annotations) == 0  # the caller's figure is not changed


def test_exports_from_two_threads_are_serialised(exports):
    done, errors, _ = exports
    assert not errors and set(done) == {"files", "plain"}
    assert metadata.read(done["plain"], "svg") == {**PROV, "figure": "figure"}
    assert [metadata.read(p.read_bytes(), p.suffix[1:]) for p in done["files"]] == [expected()] * 3


def test_a_missing_browser_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    with pytest.raises(export.ExportError, match="apt-get install chromium"):
        export.render([(figure(), "png")])


def test_unknown_format_is_refused():
    with pytest.raises(export.ExportError, match="allowed: png, svg, pdf"):
        export.render([(figure(), "eps")])
