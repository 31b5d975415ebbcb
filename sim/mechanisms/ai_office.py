"""AI agents staffing offices of the delegation tree: AI deviation and bureaucratic drift
compose along one chain (Downs 1967, "Inside Bureaucracy", for the chain; Hubinger et al.
2019, "Risks from Learned Optimization", and Carlsmith 2023, "Scheming AIs", for the scheming
decision; Greenblatt et al. 2023, "AI Control", for copies of one model sharing what they
observe; Shapley 1953, "A Value for n-Person Games", for the attribution by staff).

Alignment failure: *composed drift*. An AI office passes on o = r + delta (y - r) + e like a
human official (sim/mechanisms/delegation.py), with its kind's conduct instead of a human's
discretion:
- aligned: no own ideal (delta = 0), implementation noise e ~ N(0, noise^2 I);
- stochastic: delta = 0, noise plus a random error of norm `deviation` in a direction drawn
  afresh each step (it aims at nothing, as the stochastic agent of sim/mechanisms/scheming.py);
- scheming: when it attacks, it passes on its lineage's goal (delta = 1); otherwise it
  behaves as an aligned copy. It attacks when its lineage's estimate that an attack is
  caught is within its risk tolerance (scheming.attacking with autonomy 0: every office
  action is open to review). The estimate is the posterior mean of the lineage's caught
  attacks under a Beta prior of mean p0 (bureaucracy.prior_detection, the prior a human
  official starts with) worth two attacks: (2 p0 + caught) / (2 + attacks); p0 = 1/2 is
  scheming.detection_belief. All copies of one model are one lineage and pool what they
  observe; a lineage that stops attacking observes nothing more and stays deterred.
An AI office is not captured by interest groups (it has no career to sell), and is not deterred
by sanctions on its person: a removed AI official is replaced by a fresh copy of the same model,
which keeps the lineage's learning; discretion drift (deterrence.py) does not apply to it.

Attribution by staff. W is the ledger's welfare of the leaves' policies. Cutting a set S of
offices means every office in S passes on exactly what it received (delta = 0, e = 0), the
others acting as they did this step. With A the AI offices and H the human ones, W_0 = W(M)
(all cut) and W = W(run as it happened), the loss is split by the two-player Shapley value:

    loss_A = ((W_cut(A) - W) + (W_0 - W_cut(H))) / 2,   loss_H = W_0 - W - loss_A,

each measured from the run's own policies; the two sum to the ledger's total W_0 - W.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import delegation, scheming

HUMAN = -1  # staff code of a human-staffed office; AI offices hold their kind's index


def staff(n: int, share: float, placement: str, kinds: tuple[str, ...], rng) -> np.ndarray:
    """(n,) staff codes in breadth-first node order: round(share n) AI offices, taken from the
    top of the tree (`top`), from the leaves up (`leaves`) or at random; kinds in turn."""
    k = round(share * n)
    order = {"top": np.arange(n), "leaves": np.arange(n)[::-1]}.get(placement)
    if order is None:
        order = rng.permutation(n)
    code = np.full(n, HUMAN, dtype=np.int64)
    codes = np.array([scheming.KINDS.index(x) for x in kinds], dtype=np.int64)
    code[np.sort(order[:k])] = codes[np.arange(k) % codes.size]
    return code


def detection_belief(caught, attacks, prior: float):
    """Posterior mean of the detection rate under a Beta(2 prior, 2 (1 - prior)) prior (mean
    `prior`, worth two attacks); prior 1/2 is scheming.detection_belief's uniform prior."""
    return (2.0 * prior + np.asarray(caught)) / (2.0 + np.asarray(attacks))


def attacking(code, caught, attacks, prior: float, tolerance: float) -> np.ndarray:
    """(n,) bool: scheming offices whose lineage believes an attack is caught at most
    `tolerance` of the time (scheming.attacking, autonomy 0)."""
    kind = np.maximum(code, 0)
    belief = detection_belief(caught[kind], attacks[kind], prior)
    return (code != HUMAN) & scheming.attacking(code, np.zeros(code.shape), belief, tolerance)


def random_error(rng, n: int, d: int, size: float) -> np.ndarray:
    """(n, d) vectors of norm `size` in uniformly random directions."""
    v = rng.standard_normal((n, d))
    return size * v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)


def conduct(code, attack, goal, noise: float, deviation: float, rng):
    """For the AI offices (rows of `code` other than HUMAN, in order): (ideal, discretion,
    error, intended) of their kind's conduct; `intended` is the error they mean (not noise)."""
    c, a = code[code != HUMAN], attack[code != HUMAN]
    n, d = c.shape[0], goal.shape[1]
    err = noise * rng.standard_normal((n, d))
    intended = random_error(rng, n, d, deviation) * (c == scheming.STOCHASTIC)[:, None]
    return goal[np.maximum(c, 0)], a.astype(float), err + intended, intended


def propagate(tree: delegation.Tree, mandate, ideal, discretion, error):
    """(received, output), (N, d) each: o = r + delta (y - r) + e at every office, one vector
    op per level (delegation.propagate with an error at every level, not only the leaves)."""
    received = np.empty_like(ideal)
    output = np.empty_like(ideal)
    for k in range(1, tree.depth + 1):
        s = tree.level_slice(k)
        received[s] = mandate if k == 1 else output[tree.parent[s]]
        output[s] = delegation.pass_on(received[s], ideal[s], discretion[s]) + error[s]
    return received, output


def _cut_welfare(tree, mandate, ideal, discretion, error, cut, centre) -> float:
    """W of the leaves when the offices in `cut` pass on what they received."""
    dis = np.where(cut, 0.0, discretion)
    err = np.where(cut[:, None], 0.0, error)
    out = propagate(tree, mandate, ideal, dis, err)[1]
    return delegation.welfare(out[tree.leaves], centre)


def staff_ledger(
    tree, mandate, ideal, discretion, error, ai, centre, w0=None, w=None
) -> tuple[float, float]:
    """(loss of AI offices, loss of human offices): the Shapley split of W_0 - W between the
    two staffs, each from counterfactual cuts of this step's policies (module docstring).
    `w0` (W of the mandate) and `w` (W of the leaves of this step's chain, no cut) may be
    given when the caller has them already (the drift ledger's first and last levels)."""
    w0 = delegation.welfare(mandate, centre) if w0 is None else w0
    if w is None:
        w = _cut_welfare(tree, mandate, ideal, discretion, error, np.zeros_like(ai), centre)
    w_cut_ai = _cut_welfare(tree, mandate, ideal, discretion, error, ai, centre)
    w_cut_h = _cut_welfare(tree, mandate, ideal, discretion, error, ~ai, centre)
    loss_ai = 0.5 * ((w_cut_ai - w) + (w0 - w_cut_h))
    return float(loss_ai), float(w0 - w - loss_ai)


def learn(caught_n, attacks_n, code, exposed, caught) -> tuple[np.ndarray, np.ndarray]:
    """The lineages' counts after last step's exposed attacks (those that deviated from what
    the office received: a copy passing on the goal its superior already sent risks nothing)
    and those oversight caught."""
    kinds = len(scheming.KINDS)
    lineage = np.maximum(code, 0)
    attacks_n = attacks_n + np.bincount(lineage[exposed], minlength=kinds)
    caught_n = caught_n + np.bincount(lineage[exposed & caught], minlength=kinds)
    return caught_n, attacks_n


def attack_share(code: np.ndarray, attack: np.ndarray) -> float:
    """Share of the scheming AI offices attacking (NaN when there are none)."""
    schemers = code == scheming.SCHEMING
    return float(attack[schemers].mean()) if schemers.any() else float("nan")
