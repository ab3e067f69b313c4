"""Periodic jobs of withdrawals and returns (run by ``galerie worker``)."""

from galerie.core.jobs import periodic, reconciler
from galerie.returns.services import returns_refunds_send, withdrawal_periods_sync


@periodic("returns.withdrawal_periods", every_seconds=300)
def withdrawal_periods() -> int:
    """Open the periods of new deliveries and close those that ended."""
    opened, closed = withdrawal_periods_sync()
    return opened + closed


@periodic("returns.refunds_due", every_seconds=60)
def refunds_due() -> int:
    """Retry the refunds decided but not yet taken by the gateway."""
    return returns_refunds_send()


@reconciler("returns.refunds_due", description="refunds of returns decided but not yet taken by the gateway")
def refunds_due_now(all_due: bool) -> int:
    return returns_refunds_send()
