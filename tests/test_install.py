"""A normal install works: the wheel alone, in a fresh virtualenv and away from the source
tree, lists the scenarios, runs one with a `--set` float in exponent notation, and serves the
dashboard with its assets.

The fresh venv gets the wheel (`--no-deps`) and, for the dependencies, one `.pth` file naming
this venv's site-packages. A plain path line in a `.pth` adds the folder to `sys.path` without
running the `.pth` files inside it, so the editable install's finder stays off and `sim`,
`scenarios` and `dashboard` can only come from the wheel (asserted below).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "results", "artifacts", "__pycache__", "*.egg-info", ".*cache"
)
DATA = ("scenarios", "dashboard/assets")  # folders whose every file must ship in the wheel
TIMEOUT = 60


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline from a copy of the tree (the build leaves no `build/` here)."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, tmp / "src", ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(tmp / "dist"), str(tmp / "src")], check=True, cwd=tmp)
    (found,) = (tmp / "dist").glob("instalign-*.whl")
    return found


@pytest.fixture(scope="module")
def env(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel; returns its root."""
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, with_pip=False, symlinks=True)
    python = root / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True)
    site = run(root, str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(site.strip(), "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return root


def run(root: Path, *cmd: str) -> str:
    """Run a command from an empty folder (not the repo) without source-tree overrides."""
    drop = ("PYTHONPATH", "PYTHONHOME", "INSTALIGN_SCENARIOS", "VIRTUAL_ENV")
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    proc = subprocess.run(
        cmd, cwd=root, env=clean, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_the_wheel_ships_scenarios_and_assets_and_a_server(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for folder in DATA:
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert path.relative_to(REPO).as_posix() in names, f"{path} not in the wheel"
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist: waitress")]
    assert requires and "extra ==" not in requires[0], "waitress must be a core dependency"


def test_the_installed_package_comes_from_the_wheel(env):
    code = "import sim, scenarios, dashboard; print(sim.__file__, scenarios.__file__)"
    for path in run(env, str(env / "bin" / "python"), "-c", code).split():
        assert Path(path).is_relative_to(env), f"{path} is not from the fresh venv"


def test_cli_lists_and_runs_scenarios(env):
    listed = json.loads(run(env, str(env / "bin" / "instalign"), "scenarios", "--json"))
    assert len(listed) == len(list((REPO / "scenarios").glob("*.yaml")))
    assert all(Path(row["file"]).is_relative_to(env) for row in listed)
    sets = ("electorate.n_voters=500", "ai_agents.count=2", "ai_agents.base_harm_rate=1e-4")
    args = ["run", "ai_control_protocols-v1", "--steps", "5", "--json"]
    out = run(env, str(env / "bin" / "instalign"), *args, *[a for s in sets for a in ("--set", s)])
    overrides = json.loads(out)["provenance"]["overrides"]
    assert overrides["ai_agents.base_harm_rate"] == 1e-4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, deadline: float) -> str:
    """GET `url`, retrying until it answers or `deadline` passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_dashboard_serves_without_the_prod_extra(env):
    port, results = free_port(), env / "results"
    results.mkdir(exist_ok=True)
    cmd = [str(env / "bin" / "instalign"), "dashboard", "--port", str(port), "--results", results]
    log = (env / "dashboard.log").open("w")
    proc = subprocess.Popen(cmd, cwd=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        page = get(base + "/", time.monotonic() + TIMEOUT)
        assert "/assets/style.css" in page and "/assets/history.js" in page
        css = get(base + "/assets/style.css", time.monotonic() + 10)
        assert css == (REPO / "dashboard" / "assets" / "style.css").read_text()
    except OSError:
        log.flush()
        pytest.fail(f"dashboard did not answer:\n{(env / 'dashboard.log').read_text()[-3000:]}")
    finally:
        proc.terminate()  # by its PID
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
