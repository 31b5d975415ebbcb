"""The design search's variation operators (sim/design/operators.py): categorical genes are
recombined by uniform crossover and redrawn by mutation at pymoo's per-variable rate, numeric
genes go through SBX and PM, and so a category the parents lack is reached at the expected rate
(where real-coded operators alone almost never reach it)."""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem
from pymoo.operators.mutation.pm import PM

from sim.design.operators import MixedCrossover, MixedMutation

WIDTH, K = 10, 4  # genes; categories of a categorical gene
MASK = np.array([True] * 4 + [False] * 6)


def problem() -> Problem:
    return Problem(n_var=WIDTH, n_obj=1, xl=0.0, xu=1.0)


def test_crossover_takes_each_categorical_gene_from_a_parent():
    rng = np.random.default_rng(1)
    parents = rng.random((2, 500, WIDTH))
    kids = MixedCrossover(MASK)._do(problem(), parents, random_state=rng)
    assert kids.shape == parents.shape
    cat = kids[:, :, MASK]
    from_a, from_b = cat == parents[0][None, :, MASK], cat == parents[1][None, :, MASK]
    assert np.all(from_a | from_b)
    # uniform crossover: child 1 takes parent 1's gene half the time (SE 0.011 over 2,000 genes)
    assert abs(from_a[0].mean() - 0.5) < 4 * np.sqrt(0.25 / from_a[0].size)
    # the two children split each categorical gene between them
    assert np.all(from_a[0] == from_b[1])
    assert np.all((kids >= 0) & (kids <= 1))


def test_mutation_redraws_categorical_genes_at_one_over_width():
    rng = np.random.default_rng(2)
    x = rng.random((4000, WIDTH))
    y = MixedMutation(MASK)._do(problem(), x.copy(), random_state=rng)
    changed = y[:, MASK] != x[:, MASK]
    n = changed.size
    assert abs(changed.mean() - 1 / WIDTH) < 4 * np.sqrt(0.1 * 0.9 / n)
    assert np.all((y >= 0) & (y <= 1))


def test_mutation_reaches_far_categories_where_polynomial_mutation_does_not():
    """Parents all in category 1 of 4 (u in [0.3, 0.45]): a redraw lands in another category
    with probability (1/width) x 3/4 per gene, in the far category 3 with (1/width) x 1/4;
    polynomial mutation (eta 20) steps by a few percent, so it crosses less often and only
    into a neighbouring category."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.3, 0.45, (4000, WIDTH))
    mixed = MixedMutation(MASK)._do(problem(), x.copy(), random_state=rng)
    real = PM()._do(problem(), x.copy(), random_state=np.random.default_rng(3))
    cat_mixed, cat_real = np.floor(mixed[:, MASK] * K), np.floor(real[:, MASK] * K)
    n = cat_mixed.size
    for share, p in (
        ((cat_mixed != 1).mean(), 0.75 / WIDTH),
        ((cat_mixed == 3).mean(), 0.25 / WIDTH),
    ):
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert (cat_real != 1).mean() < 0.75 / WIDTH / 2
    assert not np.any(cat_real == 3)
