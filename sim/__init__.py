"""instalign's simulated world: voters, politicians, bureaucracies, AI agents and oversight on Mesa.

`sim` imports no plotting or UI library; `analysis/` and `dashboard/` import `sim`,
never the reverse.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("instalign")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
