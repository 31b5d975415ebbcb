"""Anchors E3a and E3b (shared/ANCHORS.md E3): stylized facts the electoral defaults are
calibrated to. Each runs the simulator (whole runs of the reference scenario; the
electorate's own sampling) and checks the measured value against a band from the source.

E3a, incumbent re-election. The model's incumbent is the governing party (or its candidate)
in a plurality race between two parties, so the fact to match is how often a governing party
keeps office, not how often an individual legislator is re-elected: US House members win
re-election above 85-90% in most post-war cycles (Vital Statistics on Congress, Brookings /
AEI), but that rate reflects candidate-level incumbency advantages the model does not have.
Governing parties retain office far less often: in UK general elections 1945-2024 the
governing party kept office 13 times in 22 (59%), and in US presidential elections 1948-2024
the party holding the White House kept it 9 times in 20 (45%) (official results: House of
Commons Library, UK Election Statistics; Vital Statistics on American Politics, Stanley &
Niemi). Target band: 0.45-0.65, the range of the two series. Measured on
baseline_democracy-v1 (the reference), SE over seeds.

E3b, the spread of political knowledge (Delli Carpini & Keeter 1996, What Americans Know
about Politics and Why It Matters, ch. 2 and 4): knowledge is widely spread across citizens,
roughly normal on their index, with the typical citizen answering about half the items.
Reading q_i as the share of such knowledge a voter has, the bands are: mean 0.45-0.55; a
cross-voter sd of 0.15-0.25 (widely spread: +-2 sd covers most of the scale; still
unimodal and roughly normal: the uniform distribution on [0, 1] already has sd 0.29); and
few voters at the ends (under 5% with q < 0.05 or q > 0.95).
"""

from __future__ import annotations

import math

import numpy as np

from sim import electorate as el
from sim.model import InstitutionModel
from sim.params import PARAMS
from sim.run import run
from sim.scenario import load
from sim.validate.core import Check, anchor, rng_for

REELECTION_SOURCE = (
    "Governing-party retention in plurality elections: UK 1945-2024 (13/22, House of Commons "
    "Library, UK Election Statistics), US presidency 1948-2024 (9/20, Vital Statistics on "
    "American Politics); cf. US House members 85-90%+ (Vital Statistics on Congress)"
)
KNOWLEDGE_SOURCE = "Delli Carpini & Keeter 1996, What Americans Know about Politics, ch. 2, 4"
REELECTION_BAND = (0.45, 0.65)
KNOWLEDGE_MEAN_BAND, KNOWLEDGE_SD_BAND = (0.45, 0.55), (0.15, 0.25)
REFERENCE = "baseline_democracy-v1"


def in_band(label: str, measured: float, band: tuple[float, float], se: float | None = None):
    ok = math.isfinite(measured) and band[0] <= measured <= band[1]
    tol = "band" + (f" (SE {se:.3g})" if se is not None else "")
    return Check(label, f"{band[0]:g}-{band[1]:g}", measured, tol, bool(ok))


def reelection_rates(seed: int, seeds: int = 24, elections: int = 20) -> np.ndarray:
    """Share of elections the incumbent survived, per seed, in whole runs of the reference
    scenario (`elections` elections each, `incumbent_turnover` at each election step)."""
    cfg = load(REFERENCE)
    every = cfg["elections.interval"]
    rates = []
    for s in range(seeds):
        series = run(cfg, int(rng_for(seed, 8, s).integers(2**62)), every * elections).series
        at_election = series[(series["step"] > 0) & (series["step"] % every == 0)]
        rates.append(1.0 - float(at_election["incumbent_turnover"].mean()))
    return np.array(rates)


@anchor("E3a", "Incumbent (governing party) re-election rate", REELECTION_SOURCE)
def incumbent_reelection(seed: int) -> list[Check]:
    """Re-election rate of the incumbent over 24 seeds x 20 elections of the reference
    scenario, in the band of governing parties in plurality democracies."""
    rates = reelection_rates(seed)
    se = float(rates.std(ddof=1) / math.sqrt(rates.size))
    label = f"{REFERENCE}: incumbent re-elected ({rates.size} seeds x 20 elections)"
    return [in_band(label, float(rates.mean()), REELECTION_BAND, se)]


@anchor("E3b", "Spread of citizens' political knowledge", KNOWLEDGE_SOURCE)
def knowledge_spread(seed: int) -> list[Check]:
    """Information q of the default electorate (the model's own sampling at the declared
    defaults) and of the reference scenario's electorate."""
    mean, k = (
        PARAMS["electorate.information"].default,
        PARAMS["electorate.information_concentration"].default,
    )
    q = el.sample_information(200_000, mean, k, rng_for(seed, 9, 0))
    ends = float(np.mean((q < 0.05) | (q > 0.95)))
    ref = InstitutionModel(load(REFERENCE), int(rng_for(seed, 9, 1).integers(2**62)))
    q_ref = ref.electorate.information
    return [
        in_band("defaults: mean q", float(q.mean()), KNOWLEDGE_MEAN_BAND),
        in_band("defaults: cross-voter sd of q", float(q.std()), KNOWLEDGE_SD_BAND),
        Check("defaults: share with q < 0.05 or > 0.95", "< 0.05", ends, "threshold", ends < 0.05),
        in_band(f"{REFERENCE}: cross-voter sd of q", float(q_ref.std()), KNOWLEDGE_SD_BAND),
    ]
