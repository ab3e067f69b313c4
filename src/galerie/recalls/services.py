"""Recalling a product: off every storefront in one transaction, then its buyers told.

:func:`product_recall` marks the product recalled (nobody may list it again), closes each of
its offers through the offers service (their events refresh cached pages and the search index),
and writes one :class:`RecallNotice` per buyer of the period, in the same transaction as the
``product.recalled`` event; the worker e-mails the notices from that event (``handlers``).
"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.catalog import services as catalog
from galerie.catalog.errors import ProductNotFound
from galerie.catalog.models import Product
from galerie.catalog.safety import RECALL_PERIOD_MONTHS, safety_languages
from galerie.core.actors import Actor, System, actor_user
from galerie.core.errors import InvalidInput
from galerie.core.outbox import emit
from galerie.offers.models import OfferChange
from galerie.offers.services import product_offers_close
from galerie.orders.models import OrderLine, SellerOrder
from galerie.recalls.errors import AlreadyRecalled
from galerie.recalls.models import Recall, RecallNotice

RECALL = System("recall")  # closes the offers of a recalled product
NOT_RECEIVED = (SellerOrder.Status.REFUSED, SellerOrder.Status.CANCELLED)  # the buyer never had it


def months_before(at: datetime, months: int) -> datetime:
    """Return the same time ``months`` calendar months earlier (the 31st → the month's last day)."""
    years, month0 = divmod(at.month - 1 - months, 12)
    year, month = at.year + years, month0 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def _notice_clean(notice: dict[str, str]) -> dict[str, str]:
    cleaned = {language: (notice.get(language) or "").strip() for language in safety_languages()}
    missing = [language for language, text in cleaned.items() if not text]
    if missing:
        raise InvalidInput(
            {f"notice_{language}": [_("Write the recall notice in this language.")] for language in missing}
        )
    return cleaned


def recall_buyers_since(*, product: Product, at: datetime) -> datetime:
    """Return the time from which buyers are told: the product's recall period (36 months by
    default) before ``at``."""
    return months_before(at, product.recall_period_months or RECALL_PERIOD_MONTHS)


@transaction.atomic
def product_recall(
    *, product_id: int, notice: dict[str, str], by: Actor, at: datetime | None = None
) -> Recall:
    """Recall a product as of ``at``: mark it, close all its offers, and queue the notice to
    every buyer of the period (their latest order of it), in one transaction.

    Buyers whose seller order was refused or cancelled never had it: not told. An inactive
    customer (closed or erased account, GDPR) gets a "skipped" row, no e-mail. Raises
    ProductNotFound, AlreadyRecalled, InvalidInput (a notice missing in a language); then
    nothing changed.
    """
    at = at or timezone.now()
    notice = _notice_clean(notice)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound(_("There is no such product."))
    if product.recalled_at is not None or Recall.objects.filter(product_id=product_id).exists():
        raise AlreadyRecalled(_("This product has been recalled already."), field="product")
    catalog.product_recall_mark(product_id=product_id, at=at)
    closed = product_offers_close(product_id=product_id, by=RECALL, reason=OfferChange.Reason.RECALLED)
    since = recall_buyers_since(product=product, at=at)
    user = actor_user(by)
    recall = Recall.objects.create(
        product=product,
        notice=notice,
        buyers_since=since,
        recalled_at=at,
        offers_closed=closed,
        created_by=user if isinstance(user, User) else None,
    )
    latest = (
        OrderLine.objects.filter(
            variant__product_id=product_id,
            seller_order__order__placed_at__gte=since,
            seller_order__order__placed_at__lte=at,
        )
        .exclude(seller_order__status__in=NOT_RECEIVED)
        .values("seller_order__order__customer_id")
        .annotate(order_id=Max("seller_order__order_id"))
        .order_by("seller_order__order__customer_id")
    )
    buyers = {row["seller_order__order__customer_id"]: row["order_id"] for row in latest}
    customers = User.objects.filter(pk__in=list(buyers)).values_list("pk", "is_active", "email")
    notices = []
    for customer_id, is_active, email in customers:
        skip = (
            ""
            if is_active and email
            else RecallNotice.Skip.INACTIVE
            if not is_active
            else RecallNotice.Skip.NO_EMAIL
        )
        notices.append(
            RecallNotice(
                recall=recall,
                customer_id=customer_id,
                order_id=buyers[customer_id],
                email=email if not skip else "",
                status=RecallNotice.Status.SKIPPED if skip else RecallNotice.Status.PENDING,
                skip_reason=skip,
            )
        )
    RecallNotice.objects.bulk_create(sorted(notices, key=lambda n: n.customer_id), batch_size=1000)
    emit("product.recalled", recall_id=recall.pk, product_id=product_id, offers_closed=closed)
    return recall


def recall_notice_mark_sent(*, notice_id: int, at: datetime | None = None) -> None:
    """Record that a buyer's notice went out (once: a notice already sent keeps its time)."""
    RecallNotice.objects.filter(pk=notice_id, status=RecallNotice.Status.PENDING).update(
        status=RecallNotice.Status.SENT, sent_at=at or timezone.now()
    )
