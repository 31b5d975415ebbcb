"""Delegation down a hierarchy: principal-agent drift (Downs 1967, "Inside Bureaucracy", the
law of imperfect control; McCubbins, Noll & Weingast 1987; Epstein & O'Halloran 1999 on
delegated discretion).

Alignment failure: *drift*. Each link of the chain is an agent that partly substitutes its own
objective for the one it was handed; the errors compound with depth, so what is implemented
is not what the principal asked for even when no single agent deviates much.

A tree of `depth` levels; level k (1..K) holds branching^k bureaucrats, stored level by level
(node order = breadth first). Level-1 bureaucrats receive the mandate M; every bureaucrat i
passes on

    o_i = (1 - delta_i) r_i + delta_i y_i,      r_i = o_parent(i)  (r_i = M at level 1)

where y_i is its effective ideal point and delta_i in [0, 1] its discretion. Leaves implement
o_i plus an implementation error; the implemented policy is the leaves' mean.

Drift ledger. Welfare of a set of equally weighted office policies p_l, for voters with mean
ideal point c under the quadratic loss of sim/electorate.py (constant variance term dropped):

    W({p_l}) = -( ||pbar - c||^2 + mean_l ||p_l - pbar||^2 ) / d

The loss attributed to level k is W_{k-1} - W_k, where W_k is the welfare if the chain were
cut after level k (every level below passes on exactly what it received, so each leaf
implements its level-k ancestor's output) and W_0 = W({M}). The levels' losses telescope to
W_0 - W_K, the total welfare lost to delegation (sequential marginal contributions, top down).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tree:
    depth: int
    branching: int
    starts: tuple[int, ...]  # level k occupies nodes starts[k-1] .. starts[k]-1
    parent: np.ndarray  # (N,) parent node, -1 for level-1 nodes
    level: np.ndarray  # (N,) level 1..depth
    leaves_below: np.ndarray  # (N,) leaves in each node's subtree (1 for a leaf)

    @property
    def size(self) -> int:
        return self.starts[-1]

    def level_slice(self, k: int) -> slice:
        return slice(self.starts[k - 1], self.starts[k])

    @property
    def leaves(self) -> slice:
        return self.level_slice(self.depth)


def build_tree(depth: int, branching: int) -> Tree:
    """A complete tree of `depth` levels below the principal, breadth-first node order."""
    if depth < 1 or branching < 1:
        raise ValueError("depth and branching must be >= 1")
    counts = [branching**k for k in range(1, depth + 1)]
    starts = (0, *np.cumsum(counts).tolist())
    parent = np.full(starts[-1], -1, dtype=np.int64)
    level = np.zeros(starts[-1], dtype=np.int64)
    below = np.zeros(starts[-1], dtype=np.int64)
    for k in range(1, depth + 1):
        lo, hi = starts[k - 1], starts[k]
        level[lo:hi] = k
        below[lo:hi] = branching ** (depth - k)
        if k > 1:
            parent[lo:hi] = starts[k - 2] + np.arange(hi - lo) // branching
    return Tree(depth, branching, tuple(starts), parent, level, below)


def pass_on(received: np.ndarray, ideal: np.ndarray, discretion: np.ndarray) -> np.ndarray:
    """o = (1 - delta) r + delta y, row by row."""
    return received + discretion[:, None] * (ideal - received)


def propagate(
    tree: Tree,
    mandate: np.ndarray,
    ideal: np.ndarray,
    discretion: np.ndarray,
    leaf_error: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """What every bureaucrat received and passed on, (N, d) each, one vector op per level."""
    received = np.empty_like(ideal)
    output = np.empty_like(ideal)
    for k in range(1, tree.depth + 1):
        s = tree.level_slice(k)
        received[s] = mandate if k == 1 else output[tree.parent[s]]
        output[s] = pass_on(received[s], ideal[s], discretion[s])
    if leaf_error is not None:
        output[tree.leaves] += leaf_error
    return received, output


_add = np.add.reduce


def welfare(policies: np.ndarray, centre: np.ndarray) -> float:
    """W({p_l}) for equally weighted office policies (rows); constant terms dropped.

    The reductions are numpy's own (`np.add.reduce`, what `ndarray.mean` and `.sum` call)
    without their Python wrappers: the drift ledger calls this once per level per step, on
    levels of a few offices where the wrappers cost more than the arithmetic; the numbers
    are those of `p.mean(axis=0)`, `((p - mean) ** 2).sum(axis=1).mean()`, bit for bit."""
    p = np.asarray(policies)
    p = p if p.ndim == 2 else p.reshape(1, -1)
    n, d = p.shape
    mean = _add(p, axis=0) / n
    dev = p - mean
    spread = float(_add(_add(dev * dev, axis=1))) / n
    gap = mean - centre
    return -(float(_add(gap * gap)) + spread) / d


def dispersion(policies: np.ndarray) -> float:
    """mean_l ||p_l - pbar||^2 / d: the loss from inconsistent implementation across offices."""
    return float(((policies - policies.mean(axis=0)) ** 2).sum(axis=1).mean()) / policies.shape[1]


def level_welfare(
    tree: Tree, mandate: np.ndarray, output: np.ndarray, centre: np.ndarray
) -> np.ndarray:
    """(K + 1,) W_0 = W({M}) and W_k, the welfare of level k's outputs (the chain cut after
    level k), k = 1..K."""
    w = [welfare(mandate, centre)]
    w += [welfare(output[tree.level_slice(k)], centre) for k in range(1, tree.depth + 1)]
    return np.asarray(w)


def ledger(tree: Tree, mandate: np.ndarray, output: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """(K,) welfare loss attributed to each level: W_{k-1} - W_k (sums to W_0 - W_K)."""
    return -np.diff(level_welfare(tree, mandate, output, centre))
