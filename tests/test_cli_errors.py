"""Every class of user mistake, on every command, through the real entry point
(`python -m sim.cli`): exit code 2, exactly one line on stderr naming what is wrong (and the
closest valid name where there is one), no traceback, and nothing written in the folder the
command ran in. Also: internal errors (one line, exit 70, the traceback only with --debug),
strict JSON from every --json output, and the progress lines a log gets.

The table is run in one subprocess per row from a fresh folder; a row costs about the
start-up of the CLI (see benchmarks/bench_startup.py), since every check comes before the
heavy imports and before any simulation."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.jsonout import dumps, strict
from sim.progress import Progress, interval

BIG = "1" + "0" * 400  # beyond float range: 10**400
STORE = "{store}"  # replaced by the shared tiny sweep store (read-only)

# (id, argv, a fragment the one line must contain)
CASES = [
    # unknown command / option (with "did you mean")
    ("unknown-command", ["foo"], "unknown command 'foo'"),
    ("command-typo", ["rnu"], "did you mean 'run'"),
    ("global-option-typo", ["--debgu", "scenarios"], "did you mean '--debug'"),
    ("global-option-late", ["scenarios", "--debug"], "--debug is a global option"),
    ("run-option", ["run", "baseline_democracy-v1", "--stpes", "3"], "did you mean '--steps'"),
    ("scenarios-option", ["scenarios", "--jsno"], "did you mean '--json'"),
    ("describe-option", ["describe", "baseline_democracy-v1", "--sectoin", "x"], "'--section'"),
    ("validate-option", ["validate", "--onyl", "A1"], "did you mean '--only'"),
    ("sweep-option", ["sweep", "spec.yaml", "--out", "s", "--reusme"], "did you mean '--resume'"),
    ("rerun-option", ["rerun", STORE, "0", "--outt", "x.csv"], "did you mean '--out'"),
    ("figures-option", ["figures", STORE, "--out", "f", "--formt", "svg"], "'--format'"),
    ("report-option", ["report", STORE, "--outcom", "x"], "did you mean '--outcome'"),
    ("dashboard-option", ["dashboard", "--prot", "8050"], "did you mean '--port'"),
    # missing argument / option / value
    ("run-no-scenario", ["run"], "missing argument SCENARIO"),
    ("describe-no-scenario", ["describe"], "missing argument SCENARIO"),
    ("sweep-no-spec", ["sweep"], "missing argument SPEC"),
    ("sweep-no-out", ["sweep", "spec.yaml"], "missing option --out"),
    ("rerun-no-dir", ["rerun"], "missing argument DIR"),
    ("rerun-no-id", ["rerun", STORE], "missing argument RUN_ID"),
    ("figures-no-out", ["figures", STORE], "missing option --out"),
    ("report-no-dir", ["report"], "missing argument DIR"),
    ("option-without-value", ["run", "baseline_democracy-v1", "--steps"], "--steps: needs a value"),
    ("extra-argument", ["run", "baseline_democracy-v1", "extra"], "unexpected extra argument"),
    # bad integers
    ("steps-abc", ["run", "baseline_democracy-v1", "--steps", "abc"], "--steps"),
    ("seed-float", ["run", "baseline_democracy-v1", "--seed", "1.5"], "--seed"),
    ("workers-word", ["sweep", "spec.yaml", "--out", "s", "--workers", "two"], "--workers"),
    ("run-id-word", ["rerun", STORE, "abc"], "RUN_ID"),
    ("port-word", ["dashboard", "--port", "http"], "--port"),
    # bad values (ranges, choices, names)
    ("max-runs-0", ["sweep", "spec.yaml", "--out", "s", "--max-runs", "0"], "--max-runs"),
    ("port-0", ["dashboard", "--port", "0"], "1..65535"),
    ("port-70000", ["dashboard", "--port", "70000"], "1..65535"),
    ("run-id-negative", ["rerun", STORE, "-1"], "negative numbers are not accepted"),
    ("run-id-negative-after-dashes", ["rerun", STORE, "--", "-1"], "RUN_ID"),
    ("run-id-unknown", ["rerun", STORE, "99999"], "no run 99999"),
    ("progress-every-0", ["--progress-every", "0", "scenarios"], "--progress-every"),
    ("steps-0", ["run", "baseline_democracy-v1", "--steps", "0"], "--steps: value 0"),
    ("unknown-scenario", ["run", "baseline_democracy-v2"], "did you mean 'baseline_democracy-v1'"),
    (
        "unknown-parameter",
        ["run", "baseline_democracy-v1", "--set", "electorate.informaton=1"],
        "did you mean 'electorate.information'",
    ),
    ("unknown-anchor", ["validate", "--only", "A9"], "unknown anchor 'A9'"),
    (
        "unknown-section",
        ["describe", "baseline_democracy-v1", "--section", "bureacracy"],
        "did you mean 'bureaucracy'",
    ),
    (
        "unknown-executor",
        ["sweep", "spec.yaml", "--out", "s", "--executor", "thread"],
        "unknown executor 'thread'",
    ),
    ("unknown-format", ["figures", STORE, "--out", "f", "--format", "gif"], "unknown format"),
    (
        "unknown-metric",
        ["figures", STORE, "--out", "f", "--metrics", "welfar"],
        "did you mean 'welfare'",
    ),
    (
        "unknown-factor",
        ["report", STORE, "--out", "r.html", "--by", "informaton"],
        "did you mean 'electorate.information'",
    ),
    # bad output paths (checked before anything runs)
    ("run-out-folder", ["run", "baseline_democracy-v1", "--out", "adir"], "is a folder"),
    (
        "run-out-under-file",
        ["run", "baseline_democracy-v1", "--out", "afile/x.csv"],
        "is under a file",
    ),
    (
        "run-out-unwritable",
        ["run", "baseline_democracy-v1", "--out", "/sys/instalign/x.csv"],
        "cannot write",
    ),
    ("run-out-suffix", ["run", "baseline_democracy-v1", "--out", "x.txt"], ".parquet or .csv"),
    ("rerun-out-folder", ["rerun", STORE, "0", "--out", "adir"], "is a folder"),
    ("sweep-out-file", ["sweep", "spec.yaml", "--out", "afile"], "is a file"),
    ("figures-out-file", ["figures", STORE, "--out", "afile"], "is a file"),
    ("report-out-folder", ["report", STORE, "--out", "adir"], "is a folder"),
    ("report-out-suffix", ["report", STORE, "--out", "r.pdf"], "must end in .html"),
    ("dashboard-results-file", ["dashboard", "--results", "afile"], "is a file"),
    ("dashboard-cache-under-file", ["dashboard", "--cache", "afile/c"], "is under a file"),
    # bad input paths
    ("rerun-no-store", ["rerun", "nostore", "0"], "no such folder"),
    ("rerun-not-a-store", ["rerun", "adir", "0"], "not a sweep store"),
    ("figures-no-store", ["figures", "nostore", "--out", "f"], "no such folder"),
    ("report-store-is-file", ["report", "afile", "--out", "r.html"], "afile"),
    ("sweep-no-spec-file", ["sweep", "nospec.yaml", "--out", "s"], "file not found"),
    # a file that is not UTF-8
    ("run-latin1", ["run", "latin1.yaml"], "not UTF-8 text"),
    ("describe-latin1", ["describe", "latin1.yaml"], "not UTF-8 text"),
    ("sweep-latin1", ["sweep", "latin1-spec.yaml", "--out", "s"], "not UTF-8 text"),
    # a number beyond float range
    (
        "set-huge",
        ["run", "baseline_democracy-v1", "--set", f"electorate.information={BIG}"],
        "--set: electorate.information: a number is too large",
    ),
    ("file-huge", ["run", "huge.yaml"], "huge.yaml: electorate.information: value an integer"),
    ("describe-huge", ["describe", "huge.yaml"], "digits is not finite"),
    ("sweep-huge", ["sweep", "huge-spec.yaml", "--out", "s"], "digits is not finite"),
    ("steps-huge", ["run", "baseline_democracy-v1", "--steps", BIG], "--steps"),
]
assert len({c[0] for c in CASES}) == len(CASES)

SPEC = """\
id: errors_case
scenario: baseline_democracy-v1
steps: 2
seed: 1
parameters:
  electorate.information: [0.2, {value}]
"""
SCENARIO = "id: errors_case-v1\ndescription: {text}\nelectorate: {{information: {value}}}\n"


def prepare(folder: Path) -> None:
    """The inputs the table refers to: good and bad files, a folder, a plain file."""
    (folder / "adir").mkdir()
    (folder / "afile").write_text("not a folder\n")
    (folder / "spec.yaml").write_text(SPEC.format(value="0.8"))
    (folder / "latin1-spec.yaml").write_bytes(SPEC.format(value="0.8").encode() + b"# caf\xe9\n")
    (folder / "huge-spec.yaml").write_text(SPEC.format(value=BIG))
    (folder / "latin1.yaml").write_bytes(
        SCENARIO.format(text="caf\xe9", value=0.3).encode("latin-1")
    )
    (folder / "huge.yaml").write_text(SCENARIO.format(text="x", value=BIG))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder` (files with size and modification time)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        stat = p.stat()
        out[str(p.relative_to(folder))] = (
            (stat.st_size, stat.st_mtime_ns) if p.is_file() else (0, 0)
        )
    return out


def instalign(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80", **env},
    )


@pytest.fixture(scope="module")
def store(tiny_store) -> Path:
    return tiny_store


@pytest.mark.parametrize(("argv", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_mistake_is_one_line_exit_2_and_writes_nothing(tmp_path, store, argv, fragment):
    prepare(tmp_path)
    before, store_before = snapshot(tmp_path), snapshot(store)
    args = [a.replace(STORE, str(store)) for a in argv]
    proc = instalign(args, tmp_path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert snapshot(tmp_path) == before and snapshot(store) == store_before


def test_no_arguments_shows_the_commands(tmp_path):
    proc = instalign([], tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    for name in ("run", "describe", "validate", "sweep", "figures", "report", "dashboard"):
        assert name in proc.stdout


@pytest.mark.parametrize("command", ["run", "describe", "validate", "sweep", "figures", "report"])
def test_help_of_each_command_exits_0(cli, command):
    code, out, err = cli(command, "--help")
    assert code == 0 and "Usage" in out and not err


# internal errors -----------------------------------------------------------------------------


def _broken(*args, **kwargs):
    raise KeyError("a bug")


def test_an_internal_error_is_one_line_and_exit_70(cli, monkeypatch):
    monkeypatch.setattr("sim.cli.scenarios._print_scenarios", _broken)
    code, _, err = cli("scenarios")
    assert code == 70 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("error: internal error: KeyError") and "--debug" in line


def test_debug_keeps_the_traceback(cli, monkeypatch):
    monkeypatch.setattr("sim.cli.scenarios._print_scenarios", _broken)
    code, _, err = cli("--debug", "scenarios")
    assert code == 70 and "Traceback" in err and "_broken" in err


# strict JSON ---------------------------------------------------------------------------------


def _refuse(constant: str):
    raise ValueError(f"non-standard JSON constant {constant}")


def strict_loads(text: str):
    return json.loads(text, parse_constant=_refuse)


@pytest.mark.parametrize(
    "argv",
    [
        ("run", "baseline_democracy-v1", "--steps", "2", "--set", "electorate.n_voters=300"),
        ("validate", "--only", "A2"),
        ("scenarios",),
        ("describe", "baseline_democracy-v1"),
    ],
    ids=["run", "validate", "scenarios", "describe"],
)
def test_json_output_is_standard_json(cli, argv):
    code, out, err = cli(*argv, "--json")
    assert code == 0, err
    strict_loads(out)


def test_undefined_metrics_are_null_in_run_json(cli):
    code, out, err = cli(
        "run", "baseline_democracy-v1", "--steps", "2", "--json", "--set", "electorate.n_voters=300"
    )
    assert code == 0, err
    metrics = strict_loads(out)["metrics"]
    assert metrics["policy_drift"]["final"] is None  # the bureaucracy is off in this scenario
    assert isinstance(metrics["welfare"]["final"], float)


def test_strict_json_helper():
    np = pytest.importorskip("numpy")
    value = {"a": float("nan"), "b": [np.inf, np.float64(1.5)], "c": np.int64(3), "d": (1, -np.inf)}
    assert strict(value) == {"a": None, "b": [None, 1.5], "c": 3, "d": [1, None]}
    assert strict_loads(dumps(value)) == strict(value)


# progress in logs ----------------------------------------------------------------------------


def test_progress_prints_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(4, "work", "items", every=0.05, stream=stream, tty=False) as progress:
        progress.advance()
        time.sleep(0.2)
        progress.advance(2, failed=1)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2 and all(line.startswith("work: ") for line in lines)
    assert any("1/4 items done, 0 failed" in line and "ETA" in line for line in lines[:-1])
    assert lines[-1].startswith("work: 3/4 items done, 1 failed in ")


def test_progress_quiet_prints_nothing_but_counts():
    stream = io.StringIO()
    with Progress(2, "work", every=0.01, stream=stream, tty=False, quiet=True) as progress:
        progress.advance(2, failed=1)
        time.sleep(0.05)
    assert stream.getvalue() == "" and (progress.done, progress.failed) == (2, 1)


def test_progress_interval_from_the_environment(monkeypatch):
    monkeypatch.setenv("INSTALIGN_PROGRESS_SECONDS", "2.5")
    assert interval() == 2.5 and interval(1) == 1.0
    monkeypatch.setenv("INSTALIGN_PROGRESS_SECONDS", "soon")
    with pytest.raises(Exception, match="INSTALIGN_PROGRESS_SECONDS"):
        interval()


def test_validate_progress_in_a_log(tmp_path):
    proc = instalign(["--progress-every", "0.2", "validate", "--only", "A2", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("validate: 1/1 anchors done, 0 failed")
