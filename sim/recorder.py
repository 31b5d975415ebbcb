"""The run recorder: every collected step's metrics go into one preallocated float64 array.

Why: this replaces Mesa's DataCollector round trip. The DataCollector appends a deep copy of
every reporter's value to one Python list per variable at every collection (51,450 `deepcopy`
calls in a 20-step run, a third of a tiny run); a finished run then turned those lists into a
pandas DataFrame, and a sweep worker took the frame apart again into numpy arrays. Now
`InstitutionModel._collect` (still a Mesa recurring event at `Priority.LOW`, after the step
and the elections) writes one row of a (steps + 1) x metrics array that `Recorder` allocated
for the run's horizon (doubled if a run is stepped past it); a run hands back the arrays
(`Recording`); tables are built once, where one is asked for:

- `Recording.frame()` and `sim.run.RunResult.series` (built on first access and cached): a
  `step` column and one float64 column per metric, the frame the DataCollector made;
- `model.datacollector` (`DataCollectorView`): what Mesa users and `mesa.batch_run` expect of
  a DataCollector (`get_model_vars_dataframe()`, `model_vars`, `model_reporters`, ...), read
  from the recorder when asked, never collected per step.

`final_and_mean` is the run summary (final value and time mean over steps 1..n, NaN skipped)
computed on the arrays, bit for bit what pandas' `Series.mean()` gives on the frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Recording:
    """A run's recorded metrics as arrays: `steps` (n,) int64, the model step of each row
    (0 = the initial state), and `values` (n, len(names)) float64, one column per metric."""

    names: tuple[str, ...]
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def column(self, name: str) -> np.ndarray:
        """One metric's values over the recorded steps (a view)."""
        return self.values[:, self.names.index(name)]

    def select(self, names: Iterable[str]) -> np.ndarray:
        """(n, k) float64: the columns of `names`, in that order (a copy)."""
        index = {n: j for j, n in enumerate(self.names)}
        return self.values[:, [index[n] for n in names]]

    def frame(self) -> pd.DataFrame:
        """The DataFrame Mesa's DataCollector made: a `step` column (int64), then one float64
        column per metric, a RangeIndex."""
        import pandas as pd

        columns = np.ascontiguousarray(self.values.T)  # each metric's column contiguous
        data: dict[str, Any] = {"step": self.steps.astype(np.int64, copy=True)}
        data.update(zip(self.names, columns, strict=True))
        return pd.DataFrame(data)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Recording:
        """The arrays of a frame with a `step` column and one column per metric."""
        names = tuple(str(c) for c in frame.columns if c != "step")
        steps = frame["step"].to_numpy(dtype=np.int64)
        values = frame[list(names)].to_numpy(dtype=np.float64)
        return cls(names, steps, values)

    def summary(self, names: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
        """{metric: {"final", "mean"}} for `names` (default: all), as `final_and_mean`."""
        names = self.names if names is None else tuple(names)
        values = self.values if names == self.names else self.select(names)
        final, mean = final_and_mean(self.steps, values)
        return {m: {"final": float(final[j]), "mean": float(mean[j])} for j, m in enumerate(names)}


def final_and_mean(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's final value and its mean over steps 1..n (all rows when there is only
    one), NaN skipped (NaN when nothing is left). Computed like pandas' `Series.mean()` (NaN
    filled with 0, then each column's contiguous pairwise sum / count of non-NaN values), so
    the numbers are bit for bit those of the frame, without pandas."""
    body = values[steps > 0] if len(values) > 1 else values
    nan = np.isnan(body)
    filled = np.asfortranarray(np.where(nan, 0.0, body))  # each column contiguous
    count = (~nan).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / count
    return values[-1].copy(), mean


class Recorder:
    """Rows of metric values, one per collection, in a preallocated (capacity x metrics)
    float64 array. `capacity` starts at horizon + 1 (the initial state and every step) and
    doubles when a run is stepped past it."""

    def __init__(self, names: Sequence[str], horizon: int) -> None:
        self.names = tuple(names)
        capacity = max(int(horizon), 0) + 1
        self._steps = np.zeros(capacity, dtype=np.int64)
        self._times = np.zeros(capacity, dtype=np.float64)
        self._values = np.full((capacity, len(self.names)), np.nan)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def capacity(self) -> int:
        return int(self._steps.shape[0])

    def record(self, step: int, time: float, values: Iterable[float]) -> None:
        """Append one row: `values` in `names` order."""
        if self.n == self.capacity:
            self._grow()
        i = self.n
        self._values[i] = list(values)
        self._steps[i] = step
        self._times[i] = time
        self.n = i + 1

    def _grow(self) -> None:
        capacity = 2 * self.capacity
        self._steps = _resized(self._steps, capacity, 0)
        self._times = _resized(self._times, capacity, 0.0)
        self._values = _resized(self._values, capacity, np.nan)

    @property
    def steps(self) -> np.ndarray:
        """(n,) int64: the model step of each recorded row (a view)."""
        return self._steps[: self.n]

    @property
    def times(self) -> np.ndarray:
        """(n,) float64: the model time of each recorded row (a view)."""
        return self._times[: self.n]

    @property
    def values(self) -> np.ndarray:
        """(n, metrics) float64 (a view)."""
        return self._values[: self.n]

    def recording(self) -> Recording:
        """The rows so far, copied out of the buffers (the recorder may go on recording)."""
        return Recording(self.names, self.steps.copy(), self.values.copy())

    def frame(self) -> pd.DataFrame:
        return Recording(self.names, self.steps, self.values).frame()


def _resized(a: np.ndarray, capacity: int, fill) -> np.ndarray:
    out = np.full((capacity, *a.shape[1:]), fill, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


def _metric(model, name: str) -> float:
    return model.metric_values[name]


class DataCollectorView(mesa.DataCollector):
    """`model.datacollector`: Mesa's DataCollector interface over a `Recorder`. It collects
    nothing per step (the model's `_collect` event fills the recorder); everything is read
    from the recorder when asked: `get_model_vars_dataframe()` (the frame the DataCollector
    made: `step` and one column per metric, a RangeIndex), `model_vars` (one list per
    variable), `_collection_steps` (what `mesa.batch_run` reads), `model_reporters`.
    `collect(model)` records the model's current metrics now, as `DataCollector.collect`
    would. There are no agent reporters or tables."""

    def __init__(self, recorder: Recorder) -> None:  # no DataCollector.__init__: no lists
        self.recorder = recorder
        self.agent_reporters: dict = {}
        self.agenttype_reporters: dict = {}
        self._agent_records: dict = {}
        self._agenttype_records: dict = {}
        self.tables: dict = {}
        self._validated = True
        self._vars: tuple[int, dict[str, list]] | None = None  # (rows, model_vars) cache

    @property
    def model_reporters(self) -> dict[str, Any]:
        """{"step": "steps", metric: reporter}: what the model's DataCollector declared."""
        out: dict[str, Any] = {"step": "steps"}
        out.update({name: partial(_metric, name=name) for name in self.recorder.names})
        return out

    @property
    def model_vars(self) -> dict[str, list]:
        """{variable: [value per collection]} (read-only: rebuilt when the recorder grows;
        `mesa.batch_run` reads it once per reported step)."""
        rec = self.recorder
        if self._vars is None or self._vars[0] != rec.n:
            out: dict[str, list] = {"step": rec.steps.tolist()}
            out.update(zip(rec.names, rec.values.T.tolist(), strict=True))
            self._vars = (rec.n, out)
        return self._vars[1]

    @property
    def _collection_steps(self) -> list[float]:
        return self.recorder.times.tolist()

    def collect(self, model) -> None:
        model._collect()

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        return self.recorder.frame()
