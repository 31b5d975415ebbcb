"""Columnar event tables: one typed numpy array per column, grown by amortized doubling.

Why: a component that logs events (oversight's detections, sim/components/oversight.py) used
to append one dict per event to a list, about 280 bytes each plus a Python loop over the
step's actions; a 111,110-official bureaucracy over 400 steps logged 1.56M detections, peaked
at 925 MB and slowed down step by step. An `EventLog` keeps each column as a numpy array
(8 bytes per int64 or float64 value; a text column as int32 codes into its labels), takes a
whole step's events at once (`append_many(**columns)`, arrays of one length or scalars), and
builds its DataFrame only when asked (`frame()`).

    log = EventLog({"step": "int64", "producer": "category", "actor": "int64"})
    log.append_many(step=t, producer="bureaucracy", actor=np.array([4, 9]))
    log.frame()  # step, producer (str), actor
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CATEGORY = "category"  # a text column stored as int32 codes into the log's labels for it


class EventLog:
    """An append-only table of events with typed columns (`columns`: name -> numpy dtype or
    "category"), preallocated for `capacity` rows and doubled when full."""

    def __init__(self, columns: Mapping[str, Any], capacity: int = 1024) -> None:
        if not columns:
            raise ValueError("an EventLog needs at least one column")
        self.dtypes = {
            name: np.dtype(np.int32) if kind == CATEGORY else np.dtype(kind)
            for name, kind in columns.items()
        }
        self.labels: dict[str, list[str]] = {
            name: [] for name, kind in columns.items() if kind == CATEGORY
        }
        self._codes: dict[str, dict[str, int]] = {name: {} for name in self.labels}
        capacity = max(int(capacity), 1)
        self._data = {name: np.zeros(capacity, dtype) for name, dtype in self.dtypes.items()}
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def capacity(self) -> int:
        return int(next(iter(self._data.values())).shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the column buffers (the allocated capacity, not only the rows)."""
        return sum(a.nbytes for a in self._data.values())

    def code(self, column: str, label: str) -> int:
        """The code of `label` in the category column `column` (a new one if unseen)."""
        codes = self._codes[column]
        if label not in codes:
            codes[label] = len(self.labels[column])
            self.labels[column].append(label)
        return codes[label]

    def append_many(self, **columns: Any) -> None:
        """Append len(arrays) rows: every column by name, as an array (all of one length) or
        a scalar repeated on every row. A category column takes codes (`code()`) or text."""
        if set(columns) != set(self.dtypes):
            missing, extra = set(self.dtypes) - set(columns), set(columns) - set(self.dtypes)
            raise ValueError(f"EventLog.append_many: missing {sorted(missing)}, "
                             f"unknown {sorted(extra)}")  # fmt: skip
        values = {name: self._coded(name, v) for name, v in columns.items()}
        lengths = {v.shape[0] for v in values.values() if v.ndim == 1}
        if len(lengths) > 1:
            raise ValueError(f"EventLog.append_many: columns of different lengths {lengths}")
        k = lengths.pop() if lengths else 1
        if k == 0:
            return
        self._reserve(self.n + k)
        rows = slice(self.n, self.n + k)
        for name, v in values.items():
            self._data[name][rows] = v
        self.n += k

    def append(self, **row: Any) -> None:
        """Append one row (scalars)."""
        self.append_many(**row)

    def _coded(self, name: str, value: Any) -> np.ndarray:
        if name in self.labels and isinstance(value, str):
            value = self.code(name, value)
        arr = np.asarray(value)
        if name in self.labels and arr.dtype.kind in "USO":
            arr = np.array([self.code(name, str(x)) for x in arr.ravel()], dtype=np.int32)
        if arr.ndim > 1:
            raise ValueError(f"EventLog column {name!r}: one value per row, got shape {arr.shape}")
        return arr

    def _reserve(self, rows: int) -> None:
        capacity = self.capacity
        if rows <= capacity:
            return
        while capacity < rows:
            capacity *= 2
        for name, old in self._data.items():
            new = np.zeros(capacity, old.dtype)
            new[: self.n] = old[: self.n]
            self._data[name] = new

    def column(self, name: str) -> np.ndarray:
        """The stored values of one column (codes for a category column; a view)."""
        return self._data[name][: self.n]

    def text(self, name: str):
        """A category column's labels, one per row (pandas' "str" array)."""
        return text_column(self.labels[name], self.column(name))

    def frame(self) -> pd.DataFrame:
        """The events as a DataFrame: one column per declared column, in declared order
        (category columns as pandas' "str" dtype)."""
        import pandas as pd

        data = {
            name: self.text(name) if name in self.labels else self.column(name).copy()
            for name in self.dtypes
        }
        return pd.DataFrame(data)


def text_column(labels: list[str], codes: np.ndarray):
    """`labels[codes]` as pandas' "str" array, taken from the few labels (no Python string
    object per row)."""
    import pandas as pd

    return pd.array(labels, dtype="str").take(np.asarray(codes, dtype=np.intp))
