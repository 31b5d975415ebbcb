"""AI agents and iterative deployment: alignment kinds, the KL budget against a known-safe
policy, the autonomy ramp and the lab's control protocol (Greenblatt et al. 2023). `count = 0`
(the default) disables the AI deployment component. See docs/parts/40-ai-agents.md."""

from sim.mechanisms.control import PROTOCOLS
from sim.mechanisms.scheming import KINDS
from sim.params.core import declare
from sim.params.sections import Gate, Role, section

P = "ai_agents."


def _share(name: str, default: float, text: str, unit: str = "share") -> None:
    declare(P + name, "float", default, text, unit=unit, low=0.0, high=1.0)


declare(P + "count", "int", 0, "AI agents deployed (0 disables them).", unit="agents", low=0,
        high=100_000)  # fmt: skip
declare(
    P + "alignment",
    "choice",
    "aligned",
    "aligned | stochastic (deviates at random) | scheming (attacks when it expects not to be "
    "stopped); a list assigns kinds to agents in turn.",
    choices=KINDS,
    many=True,
)
declare(
    P + "kl_budget",
    "float",
    0.01,
    "eps: per-action KL budget of an agent's policy against the fixed safe policy; caps its "
    "catastrophe rate at q with kl_bin(q || base_harm_rate) = eps.",
    unit="nats",
    low=0.0,
    high=10.0,
)
declare(
    P + "base_harm_rate",
    "float",
    1e-4,
    "p0: catastrophe rate of the known-safe reference policy.",
    unit="probability",
    low=1e-12,
    high=0.5,
    log=True,
)
declare(
    P + "feature_dimensions",
    "int",
    100,
    "D: dimension of the feature space an action is a point of (the safe policy draws its "
    "features from N(0, I)); the catastrophe is one half-space of it. A stochastic agent's "
    "random deviation overlaps the catastrophe's direction by about 1/sqrt(D); D = 1: every "
    "deviation points toward the catastrophe or away from it.",
    unit="dimensions",
    low=1,
    high=1_000_000,
    log=True,
)
declare(P + "capability", "float", 1.0, "Agents' capability (monitors' scale).", low=0.0,
        high=10.0)  # fmt: skip
declare(P + "tasks_per_step", "int", 1, "Actions each agent takes per step.", unit="actions",
        low=1, high=1000)  # fmt: skip
declare(
    P + "harm",
    "float",
    0.2,
    "Welfare each voter loses when a harmful AI action takes effect (added to world.harm).",
    unit="utility",
    low=0.0,
    high=100.0,
)
declare(
    P + "visibility",
    "float",
    1.0,
    "Visible deviation of a harmful action that took effect (what fire alarms perceive).",
    unit="policy units",
    low=0.0,
    high=10.0,
)
_share("initial_autonomy", 0.0, "Autonomy of a newly deployed agent: share of its actions "
       "that take effect before review.")  # fmt: skip
_share("autonomy_step", 0.1, "Autonomy gained after each clean review window.")
_share("max_autonomy", 1.0, "Highest autonomy the ramp grants.")
declare(P + "review_window", "int", 10, "Clean steps that earn one autonomy step.",
        unit="steps", low=1, high=100_000)  # fmt: skip
_share("incident_penalty", 1.0, "Autonomy lost per incident (1: back to zero).")
_share("review_delay_cost", 0.2, "Usefulness lost by an action that waits for review.")
declare(
    P + "act_delay",
    "float",
    1.0,
    "Steps after submission until a held action takes effect unless oversight has caught it: "
    "a review organization's review (sim/oversight/organization.py) that ends later catches "
    "it too late to stop its harm. Instantaneous oversight (organization none) is always in "
    "time, whatever this delay.",
    unit="steps",
    low=0.0,
    high=1000.0,
)
_share(
    "risk_tolerance",
    0.1,
    "Scheming: the highest estimated probability of being stopped "
    "at which it still attacks (1: always attacks, like a red team).",
    "probability",
)
declare(
    P + "on_detection",
    "choice",
    "demote",
    "Response to an incident beyond the autonomy cut: demote (only that), replace (a fresh "
    "instance), shutdown (the trusted model takes over its tasks), shutdown_all (of every "
    "agent: caught once, trusted never again).",
    choices=("demote", "replace", "shutdown", "shutdown_all"),
)
declare(
    P + "protocol",
    "choice",
    "none",
    "The lab's control protocol (Greenblatt et al. 2023), applied before actions take effect.",
    choices=PROTOCOLS,
)
_share("audit_budget", 0.02, "Protocol: share of honest work the lab's humans audit (upfront: "
       "share of the run audited in full).")  # fmt: skip
_share("defer_threshold", 0.0, "Protocol: share of the most suspicious honest work routed to "
       "audit or the trusted model ('defer to trusted 10%' = 0.1).")  # fmt: skip
declare(P + "monitor_capability", "float", 0.5, "Trusted monitor's capability.", low=0.0,
        high=10.0)  # fmt: skip
declare(P + "monitor_discriminability", "float", 2.0, "d0: monitor d' against an equally "
        "capable actor.", unit="sd", low=0.0, high=10.0)  # fmt: skip
declare(P + "gap_sensitivity", "float", 1.0, "k: how fast d' falls as agents outmatch the "
        "monitor.", unit="1/capability", low=0.0, high=20.0)  # fmt: skip
_share("collusion", 0.5, "Untrusted monitoring: probability the monitor (a copy of the "
       "agent) colludes on a scheming agent's attack.", "probability")  # fmt: skip
declare(P + "collusion_mode", "choice", "fixed", "Untrusted monitoring: fixed (the monitor "
        "colludes at the rate `collusion`) or signal (strategic: attacks carry a coordination "
        "signal; the monitor colludes when it perceives it above a threshold the scheming "
        "lineage chooses against the protocol; sim/mechanisms/collusion.py).",
        choices=("fixed", "signal"))  # fmt: skip
declare(P + "collusion_signal", "float", 2.0, "Signal mode: strength of the coordination "
        "signal a scheming agent embeds in its attacks, against the monitor's N(0, 1) "
        "perception noise.", unit="sd", low=0.0, high=10.0)  # fmt: skip
declare(P + "honeypots", "int", 0, "Untrusted monitoring: synthetic attacks (without the "
        "signal) each lineage's monitor must flag before deployment; one that misses more than "
        "honest error explains (5% false alarm) gets its lineage shut down.", unit="actions",
        low=0, high=10_000)  # fmt: skip
_share("paraphrase", 0.0, "Untrusted monitoring, signal mode: share of the coordination signal "
       "a trusted paraphraser removes before the monitor sees an action.")  # fmt: skip
_share("edit_success", 0.9, "Trusted editing: probability an edited attack loses its harm.",
       "probability")  # fmt: skip
_share("edit_cost", 0.33, "Trusted editing: usefulness an edited honest action loses (0.33: "
       "the paper's 94% usefulness at 20% edited).")  # fmt: skip
declare(
    P + "attacker",
    "choice",
    "blind",
    "How a scheming agent chooses what its attack looks like: blind (draws it like honest "
    "work), white_box (knows the oversight checkers' views and submits the least suspicious "
    "of search_budget candidates), learning (a Bayesian logistic model of what gets flagged, "
    "fitted to its lineage's own outcomes, searched with Thompson sampling).",
    choices=("blind", "white_box", "learning"),
)
declare(P + "search_budget", "int", 1, "m: candidate attacks a searching agent compares "
        "(best-of-m by its estimate of the checkers' suspicion; 1: no search).",
        unit="candidates", low=1, high=1024, log=True)  # fmt: skip
_share(
    "probe_share",
    0.0,
    "Learning attacker: share of its lineage's honest actions whose "
    "flag outcome it watches as probes of the checkers (its attacks it always watches).",
)

section(
    "ai_agents",
    "AI deployment",
    Gate("ai_agents.count", ">", 0),
    roles=(Role("ai_agent", watchable=True),),
    hint="ai_agents.count=1 or more",
)
