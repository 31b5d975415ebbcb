"""Interest-group strategies, one module each; discovered automatically (issue 12, item 2).
A strategy splits a group's money among the channels of influence (`CHANNELS`) period by
period; the interest-groups component (sim/components/interest_groups.py) holds one per group."""

from sim.lobby.base import CHANNELS, DEFAULT_CHANNELS, LobbyStrategy, splits
from sim.meta import import_submodules, named_subclasses

import_submodules(__name__, __path__, skip=("base",))


LOBBY_STRATEGIES: dict[str, type[LobbyStrategy]] = {
    c.name: c for c in named_subclasses(LobbyStrategy)
}

__all__ = ["CHANNELS", "DEFAULT_CHANNELS", "LOBBY_STRATEGIES", "LobbyStrategy", "splits"]
