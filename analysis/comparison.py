"""`instalign compare ARMS.yaml`: rebuild the Compare page's comparison from a saved arms file
(being written; see dashboard/pages/compare.py)."""

from __future__ import annotations


def register(app) -> None:
    """Add the `compare` command to the `instalign` app (nothing yet)."""
