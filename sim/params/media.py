"""Media parameters (issue 12, item 5): detected scandals (and optionally fire alarms) become
news stories that raise the information of the voters who hear them; information decays back
toward each voter's baseline (sim/components/media.py, sim/mechanisms/news.py)."""

from sim.params.core import declare
from sim.params.sections import Gate, section

declare(
    "media.stories",
    "choice",
    "none",
    "What becomes a news story: none (the component is off: every voter keeps the fixed "
    "information drawn at set-up), detections (harmful actions oversight caught this step) "
    "or detections_and_alarms (also actions a fire alarm flagged first, caught or not).",
    choices=("none", "detections", "detections_and_alarms"),
)
declare(
    "media.coverage",
    "float",
    0.5,
    "Chance that the press covers one newsworthy event (a detected scandal or an alarm); "
    "0 cuts the link from oversight's detections to the news.",
    unit="probability",
    low=0.0,
    high=1.0,
)
declare(
    "media.reach",
    "float",
    0.3,
    "Chance that one voter hears one covered story (drawn per voter per story: Zaller's "
    "reception).",
    unit="probability",
    low=0.0,
    high=1.0,
)
declare(
    "media.boost",
    "float",
    0.2,
    "Information a heard story adds, as a share of what the voter did not know: "
    "q <- q + boost (1 - q). 0 cuts the link from the news to what voters know.",
    unit="share",
    low=0.0,
    high=1.0,
)
declare(
    "media.decay",
    "float",
    0.1,
    "Share of a voter's information above (or below) its baseline forgotten each step: "
    "q <- base + (q - base)(1 - decay) (exponential forgetting; 1/decay steps on average).",
    unit="1/step",
    low=0.0,
    high=1.0,
)
declare(
    "media.recent_window",
    "int",
    10,
    "Steps within which a voter who heard a story counts as recently informed (the "
    "recently_informed metric).",
    unit="steps",
    low=1,
    high=10_000,
)

section(
    "media",
    "media",
    Gate("media.stories", "!=", "none"),
    hint="--set media.stories=detections",
)
