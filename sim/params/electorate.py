"""Electorate parameters: voters are numpy arrays, not Python objects (see sim/electorate.py)."""

from sim.params.core import declare

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
    0.6,
    "Mean voter information q (Beta distributed): the weight of true delivered welfare, "
    "against visible signals, in perceived performance.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "electorate.information_concentration",
    "float",
    4.0,
    "Concentration a+b of the Beta distribution of information (higher: more homogeneous).",
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
    0.0,
    "Perceived performance at which a voter's approval is 0.5.",
    unit="utility",
    low=-10.0,
    high=10.0,
)
