"""Run one scenario for one seed and return its time series with full provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.components import METRICS
from sim.errors import ConfigError
from sim.model import InstitutionModel
from sim.provenance import code_version
from sim.scenario import Config, plain


@dataclass
class RunResult:
    config: Config
    seed: int
    steps: int
    series: pd.DataFrame  # one row per collected step (step 0 = initial state)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario(self) -> str:
        return self.config.id

    def summary(self) -> dict[str, dict[str, float]]:
        """Final value and time mean (over steps 1..n) of every metric."""
        body = self.series[self.series["step"] > 0] if len(self.series) > 1 else self.series
        return {
            m: {"final": float(self.series[m].iloc[-1]), "mean": float(body[m].mean())}
            for m in METRICS
        }

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
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    tables = {k: v for comp in model.components for k, v in comp.tables().items()}
    return RunResult(config, seed, steps, series, tables)
