"""Periodic jobs of orders, run by ``galerie worker``."""

from django.db.models import F

from galerie.core.jobs import periodic, reconciler
from galerie.orders.deadlines import seller_orders_expire
from galerie.orders.delivery import seller_orders_deem_delivered
from galerie.orders.models import SellerOrder
from galerie.orders.quality import seller_quality_warnings_send
from galerie.orders.services import seller_order_refund_due


@reconciler(
    "orders.refunds_due",
    description="refused or cancelled seller orders not refunded in full: ask the gateway again",
)
def refunds_due_now(all_due: bool) -> int:
    return refunds_due()  # no age window: a refund key is asked once, whoever asks


@periodic("orders.refunds_due", every_seconds=60)
def refunds_due() -> int:
    """Ask again for the refunds of refused or cancelled seller orders the gateway could not make
    yet (typically: the capture was still pending when the seller refused)."""
    owing = SellerOrder.objects.filter(
        status__in=[SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED],
        refunded_minor__lt=F("total_minor"),
    ).values_list("pk", flat=True)[:200]
    return sum(1 for pk in owing if seller_order_refund_due(seller_order_id=pk))


@periodic("orders.deemed_delivered", every_seconds=3600)
def deemed_delivered() -> int:
    """Deem delivered the shipped seller orders nobody marked, N days after shipping (N per
    storefront: Storefront.deemed_delivered_days)."""
    return seller_orders_deem_delivered()


@periodic("orders.acceptance_deadline", every_seconds=300)
def acceptance_deadline() -> int:
    """Cancel and refund the seller orders their seller did not accept in time (per storefront:
    Storefront.accept_within_hours)."""
    return seller_orders_expire()


@periodic("orders.quality_warnings", every_seconds=3600)
def quality_warnings() -> int:
    """E-mail the sellers past a storefront's quality threshold, once per figure and window."""
    return seller_quality_warnings_send()
