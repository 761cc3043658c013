"""Every write on environments. (Stub to be completed by the environments work.)"""

from __future__ import annotations

from typing import Any


def entitlement_changed(*, entitlement: Any, actor: Any, transition: str) -> None:
    """Cascade an ENV entitlement's transition to its environment (called by entitlement actions).

    Contract: entitlements.actions calls this inside the transition's transaction, after the
    entitlement's own history row is written, for every entitlement transition.
    """
