"""One injected RNG per run: the same seed gives the same output bit for bit, other seeds
differ, and nothing in sim/ draws from a global random state."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.run import run
from sim.scenario import discover, load
from sim.testing import small

SIM = Path(sim.__file__).resolve().parent
# numpy.random names that build or type an explicit generator; everything else is global state.
ALLOWED_NP = {"default_rng", "Generator", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM"}


def scenario_ids() -> list[str]:
    return sorted(discover())


@pytest.mark.parametrize("sid", scenario_ids())
def test_same_seed_is_bit_identical_and_other_seeds_differ(sid):
    cfg = small(load(sid))
    a, b = run(cfg, seed=7, steps=25).series, run(cfg, seed=7, steps=25).series
    c = run(cfg, seed=8, steps=25).series
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        assert np.array_equal(a[col].to_numpy(), b[col].to_numpy(), equal_nan=True), col
    assert not a.equals(c), "seeds 7 and 8 gave the same series"


def global_random_uses(source: str, filename: str = "<src>") -> list[str]:
    """Every use of the stdlib `random` module or of numpy's global RNG (np.random.<draw>)."""
    tree = ast.parse(source, filename)
    np_names, rand_names, found = {"numpy"}, set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "numpy":
                    np_names.add(a.asname or "numpy")
                elif a.name == "numpy.random":
                    rand_names.add(a.asname) if a.asname else np_names.add("numpy")
                elif a.name == "random":
                    found.append(f"{filename}:{node.lineno}: import random")
        elif isinstance(node, ast.ImportFrom):
            if node.module == "random":
                found.append(f"{filename}:{node.lineno}: from random import ...")
            elif node.module == "numpy.random":
                bad = [a.name for a in node.names if a.name not in ALLOWED_NP]
                if bad:
                    found.append(f"{filename}:{node.lineno}: from numpy.random import {bad}")
            elif node.module == "numpy":
                rand_names |= {a.asname or a.name for a in node.names if a.name == "random"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr not in ALLOWED_NP:
            base = node.value
            if isinstance(base, ast.Name) and base.id in rand_names:
                found.append(f"{filename}:{node.lineno}: {base.id}.{node.attr}")
            elif (
                isinstance(base, ast.Attribute)
                and base.attr == "random"
                and isinstance(base.value, ast.Name)
                and base.value.id in np_names
            ):
                found.append(f"{filename}:{node.lineno}: {base.value.id}.random.{node.attr}")
    return found


GLOBAL_DRAWS = (
    "import numpy as np\nx = np.random.rand(3)",
    "import numpy\nnumpy.random.seed(0)",
    "from numpy import random as npr\nnpr.normal()",
    "from numpy.random import shuffle",
    "import random\n",
    "from random import choice",
    "import numpy as np\ndef f():\n    return np.random.standard_normal()",
)


def test_the_scanner_catches_global_randomness():
    missed = [snippet for snippet in GLOBAL_DRAWS if not global_random_uses(snippet)]
    assert not missed, missed


def test_the_scanner_allows_explicit_generators():
    ok = (
        "import numpy as np\nfrom numpy.random import SeedSequence\n"
        "g = np.random.default_rng(np.random.SeedSequence(1))\n"
        "def f(rng: np.random.Generator):\n    return rng.random()\n"
    )
    assert global_random_uses(ok) == []


def test_no_global_randomness_in_sim():
    files = sorted(SIM.rglob("*.py"))
    assert len(files) > 10
    found = [hit for f in files for hit in global_random_uses(f.read_text(), str(f))]
    hint = "draw from the run's injected streams (model.stream / component.rng) instead:\n"
    assert not found, hint + "\n".join(found)
