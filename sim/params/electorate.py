"""Electorate parameters: voters are numpy arrays, not Python objects (see sim/electorate.py)."""

from sim.params.core import declare
from sim.params.sections import section

declare(
    "electorate.n_voters",
    "int",
    10_000,
    "Number of voters.",
    unit="voters",
    low=2,
    high=10_000_000,
    log=True,
)
declare(
    "electorate.distribution",
    "choice",
    "normal",
    "Base shape of voters' ideal points (scaled to unit variance per dimension).",
    choices=("normal", "uniform"),
)
declare(
    "electorate.polarization",
    "float",
    0.0,
    "Polarization p: ideal points mix two groups at +-p on the first axis, within-group "
    "spread sqrt(1-p^2), so total variance stays 1; bimodal above p=0.71.",
    low=0.0,
    high=0.99,
)
declare(
    "electorate.information",
    "float",
    0.5,
    "Mean voter information q (Beta distributed): the weight of true delivered welfare, "
    "against visible signals, in perceived performance. Default: citizens know about half "
    "of what surveys ask (Delli Carpini & Keeter 1996; anchor E3b).",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "electorate.information_concentration",
    "float",
    5.0,
    "Concentration k = a+b of the Beta distribution of information (higher: more "
    "homogeneous); the cross-voter sd of q is sqrt(m (1-m) / (k+1)). Default: sd 0.20 at "
    "m = 0.5, inside the 0.15-0.25 band of Delli Carpini & Keeter 1996 (anchor E3b).",
    low=0.1,
    high=1000.0,
    log=True,
)
declare(
    "electorate.perception_noise",
    "float",
    0.3,
    "Standard deviation of the noise in each voter's perceived performance.",
    unit="utility sd",
    low=0.0,
    high=5.0,
)
declare(
    "electorate.memory",
    "float",
    0.5,
    "Weight of the newest signal in perceived performance (exponential smoothing).",
    unit="share",
    low=0.01,
    high=1.0,
)
declare(
    "electorate.approval_sensitivity",
    "float",
    3.0,
    "Slope of the logistic map from perceived performance to approval.",
    unit="1/utility",
    low=0.01,
    high=100.0,
    log=True,
)
declare(
    "electorate.aspiration",
    "float",
    -0.015,
    "Offset of each voter's aspiration (the perceived performance approved at 0.5) from what "
    "the voter perceives of a typical government: the welfare-optimal policy with the "
    "politicians' initial effort split (Ferejohn 1986; Fearon 1999). 0: approval 0.5 for "
    "a typical government; the default, slightly lenient, puts the reference scenario's "
    "incumbent re-election rate in the band of governing parties in plurality democracies "
    "(anchor E3a).",
    unit="utility",
    low=-10.0,
    high=10.0,
)

section("electorate", "opinion")
