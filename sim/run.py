"""Run one scenario for one seed and return its time series with full provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.components import METRICS
from sim.errors import ConfigError
from sim.model import InstitutionModel
from sim.provenance import code_version
from sim.recorder import Recording
from sim.scenario import Config, plain

if TYPE_CHECKING:
    import pandas as pd


class RunResult:
    """One finished run: its recorded metrics as arrays (`recording`: `steps`, `values`,
    `names`; sim/recorder.py) and its event tables (`extra`), with full provenance.

    `series` is the DataFrame of the run (a `step` column and one column per metric, one row
    per collected step, step 0 = the initial state), built from the arrays on first access
    and cached; `summary()` is computed from the arrays. A RunResult can also be made from
    such a frame (the dashboard's run cache, a rerun sweep run): then `recording` is read
    from it."""

    def __init__(
        self,
        config: Config,
        seed: int,
        steps: int,
        series: pd.DataFrame | None = None,
        extra: dict[str, Any] | None = None,
        *,
        recording: Recording | None = None,
    ) -> None:
        if (series is None) == (recording is None):
            raise TypeError("RunResult needs exactly one of series (a frame) or recording")
        self.config = config
        self.seed = seed
        self.steps = steps
        self.extra: dict[str, Any] = {} if extra is None else extra
        self._series = series
        self._recording = recording

    def __repr__(self) -> str:
        return f"RunResult({self.scenario!r}, seed={self.seed}, steps={self.steps})"

    @property
    def scenario(self) -> str:
        return self.config.id

    @property
    def recording(self) -> Recording:
        """The run's metrics as arrays (read from `series` when made from a frame)."""
        if self._recording is None:
            self._recording = Recording.from_frame(self._series)
        return self._recording

    @property
    def series(self) -> pd.DataFrame:
        """The run's time series as a DataFrame (built once, on first access)."""
        if self._series is None:
            self._series = self._recording.frame()
        return self._series

    def summary(self) -> dict[str, dict[str, float]]:
        """Final value and time mean (over steps 1..n, NaN skipped) of every metric."""
        return self.recording.summary(METRICS)

    def provenance(self) -> dict[str, Any]:
        return {
            "scenario": self.config.id,
            "source": self.config.source,
            "seed": self.seed,
            "steps": self.steps,
            "overrides": dict(self.config.overrides),
            "parameters": {k: plain(v) for k, v in self.config.values.items()},
            **code_version(),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.config.id,
            "seed": self.seed,
            "steps": self.steps,
            "metrics": self.summary(),
            "provenance": self.provenance(),
        }

    def write(self, path: Path) -> Path:
        """Write the time series as Parquet (provenance in the file metadata) or CSV (with a
        `.provenance.json` beside it)."""
        path = Path(path)
        if path.suffix not in (".parquet", ".csv"):
            raise ConfigError("output must end in .parquet or .csv", source="--out", path=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps(self.provenance(), sort_keys=True)
        if path.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(self.series, preserve_index=False)
            table = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), b"instalign": meta.encode()}
            )
            pq.write_table(table, path, compression="zstd")
        else:
            self.series.to_csv(path, index=False)
            path.with_name(path.name + ".provenance.json").write_text(meta + "\n")
        return path


def build(config: Config, seed: int | None = None, horizon: int | None = None) -> InstitutionModel:
    return InstitutionModel(config, seed, horizon)


def run(config: Config, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Build the model for `config` and run it; seed and steps default to the scenario's."""
    seed = int(config["seed"] if seed is None else seed)
    steps = int(config["steps"] if steps is None else steps)
    model = build(config, seed, steps)
    model.run_for(steps)
    tables = {k: v for comp in model.components for k, v in comp.tables().items()}
    return RunResult(config, seed, steps, extra=tables, recording=model.recorder.recording())
