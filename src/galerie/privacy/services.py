"""Writes of the privacy app: erasing a customer (GDPR art. 17) and the retention purges.

The erasure is the one door that empties personal data in every app's tables. It does so from
the declaration in :mod:`galerie.privacy.registry` rather than through one service per app: the
registry is what the coverage test holds against every model, so the erasure cannot forget a
field the registry knows (docs/privacy.md: why this write crosses apps).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.cart.services import carts_guest_purge
from galerie.checkout.models import CheckoutAttempt
from galerie.checkout.services import CHECKOUT_ADDRESS_KEPT_DAYS, checkout_attempts_forget_addresses
from galerie.core.errors import PermissionDenied
from galerie.core.outbox import emit
from galerie.incidents.models import Incident
from galerie.orders.models import SellerOrder
from galerie.privacy.errors import ErasureBlocked, SubjectNotFound
from galerie.privacy.models import Erasure
from galerie.privacy.registry import ERASED, POLICIES, T
from galerie.returns.models import Return
from galerie.reviews.models import Review
from galerie.reviews.services import rating_summaries_refresh
from galerie.sellers.models import SellerMember
from galerie.webhooks.services import WEBHOOK_DELIVERY_KEPT_DAYS, webhook_deliveries_purge

OPEN_SELLER_ORDER = (SellerOrder.Status.NEW, SellerOrder.Status.ACCEPTED, SellerOrder.Status.SHIPPED)
CLOSED_RETURN = (Return.Status.REFUNDED, Return.Status.REFUSED)
PAYMENT_UNDER_WAY = (CheckoutAttempt.Status.RESERVED, CheckoutAttempt.Status.FAILED)
CLOSED_INCIDENT = (Incident.Status.RESOLVED, Incident.Status.CLOSED)
PSEUDONYM_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox
GUEST_CART_DAYS = 30


def _blockers(user: User) -> list[str]:
    """What stops the erasure now, in words the customer understands (empty: nothing)."""
    if user.is_staff or user.is_superuser:
        return [_("This is a staff account: the operator removes staff accounts.")]
    if SellerMember.objects.filter(user_id=user.pk).exists():
        return [_("This account belongs to a seller's team: leave the team first.")]
    reasons = []
    numbers = list(
        SellerOrder.objects.filter(order__customer_id=user.pk, status__in=OPEN_SELLER_ORDER)
        .order_by("number")
        .values_list("number", flat=True)[:5]
    )
    if numbers:
        reasons.append(
            _("Orders still on their way: %(numbers)s. Ask again once they are delivered or cancelled.")
            % {"numbers": ", ".join(numbers)}
        )
    if Return.objects.filter(customer_id=user.pk).exclude(status__in=CLOSED_RETURN).exists():
        reasons.append(_("A return is still open: ask again once it is refunded or closed."))
    if CheckoutAttempt.objects.filter(customer_id=user.pk, status__in=PAYMENT_UNDER_WAY).exists():
        reasons.append(_("A payment is under way or to be given back: ask again in a few days."))
    if Incident.objects.filter(customer_id=user.pk).exclude(status__in=CLOSED_INCIDENT).exists():
        reasons.append(_("An incident is still open: ask again once it is resolved or closed."))
    return reasons


def customer_erase_blockers(*, user: User) -> list[str]:
    """Return why ``user`` cannot be erased now (empty when it can)."""
    return _blockers(user)


def _erased_value(field: models.Field, treatment: T, pseudonym: str) -> Any:
    if treatment == T.ANONYMISE:
        if isinstance(field, models.EmailField):
            return pseudonym
        return pseudonym.split("@")[0][: field.max_length or None]
    if isinstance(field, models.JSONField):
        return None if field.null else {}
    if isinstance(field, (models.CharField, models.TextField, models.FileField)):
        return ""
    if field.null:
        return None
    raise TypeError(f"{field.model._meta.label}.{field.name}: no empty value to erase it with")


def _files_of(queryset: models.QuerySet, fields: list[models.FileField]) -> list[tuple[Storage, str]]:
    if not fields:
        return []
    names = [f.attname for f in fields]
    storages = {f.attname: f.storage for f in fields}
    return [
        (storages[name], value) for row in queryset.values(*names) for name, value in row.items() if value
    ]


def _erase_rows(label: str, user: User, pseudonym: str, files: list[tuple[Storage, str]]) -> int:
    entry = POLICIES[label]
    if entry.subject is None or entry.on_erase == "keep":
        return 0
    model = apps.get_model(label)
    queryset = model._default_manager.filter(entry.subject(user))
    if entry.erase_rows is not None:
        queryset = queryset.filter(entry.erase_rows)
    erased = [f for f in model._meta.concrete_fields if entry.fields.get(f.name) in ERASED]
    files.extend(_files_of(queryset, [f for f in erased if isinstance(f, models.FileField)]))
    if entry.on_erase == "delete":
        return queryset.delete()[0]
    updates = {f.attname: _erased_value(f, entry.fields[f.name], pseudonym) for f in erased}
    return queryset.update(**updates) if updates else 0


@transaction.atomic
def customer_erase(*, user_id: int, now: datetime, by: User | None) -> Erasure:
    """Erase a customer's personal data (GDPR art. 17) as the registry declares, keep what the
    accounting law requires, deactivate the account under a pseudonym and record who and when.

    One transaction; files are deleted after commit. Locks the account row. Raises
    SubjectNotFound; PermissionDenied unless ``by`` is the customer or operator staff;
    ErasureBlocked while an order, payment, return or incident is open (nothing changes then).
    A repeated request returns the first erasure.
    """
    try:
        user = User.objects.select_for_update().get(pk=user_id)
    except User.DoesNotExist:
        raise SubjectNotFound(_("There is no such account."), field="user_id") from None
    if by is not None and by.pk != user.pk and not by.is_staff:
        raise PermissionDenied(_("Only the customer or the marketplace's staff may erase an account."))
    done = Erasure.objects.filter(user_id=user.pk).first()
    if done is not None:
        return done
    blockers = _blockers(user)
    if blockers:
        raise ErasureBlocked(" ".join(blockers))
    pseudonym = f"erased-{uuid.uuid4().hex}@{PSEUDONYM_DOMAIN}"
    summaries = set(
        Review.objects.filter(customer_id=user.pk).values_list("storefront_id", "product_id", "seller_id")
    )
    files: list[tuple[Storage, str]] = []
    for label in POLICIES:
        if label != "accounts.User":
            _erase_rows(label, user, pseudonym, files)
    # The account last: the rows found by its e-mail address were found with the original one.
    _erase_rows("accounts.User", user, pseudonym, files)
    user.refresh_from_db()
    user.set_unusable_password()  # the registry empties it; Django reads "" as usable
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    for storefront_id, product_id, seller_id in sorted(summaries):
        rating_summaries_refresh(storefront_id=storefront_id, product_id=product_id, seller_id=seller_id)
    erasure = Erasure.objects.create(
        user=user,
        by=by,
        source=Erasure.Source.CUSTOMER if by is not None and by.pk == user.pk else Erasure.Source.OPERATOR,
        at=now,
    )
    emit("customer.erased", user_id=user.pk)

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return erasure


def retention_purge(*, now: datetime) -> dict[str, int]:
    """Delete the personal data that has outlived its purpose (docs/privacy.md, "Retention"):
    guest carts untouched for GUEST_CART_DAYS, expired sessions, webhook deliveries done for
    WEBHOOK_DELIVERY_KEPT_DAYS, addresses of checkout attempts settled for
    CHECKOUT_ADDRESS_KEPT_DAYS. Return how many of each."""
    carts = carts_guest_purge(before=now - timedelta(days=GUEST_CART_DAYS))
    addresses = checkout_attempts_forget_addresses(before=now - timedelta(days=CHECKOUT_ADDRESS_KEPT_DAYS))
    deliveries = webhook_deliveries_purge(before=now - timedelta(days=WEBHOOK_DELIVERY_KEPT_DAYS))
    engine = import_module(settings.SESSION_ENGINE)
    sessions = 0
    store = engine.SessionStore
    if hasattr(store, "get_model_class"):  # the database store; a cache store expires its own
        sessions = store.get_model_class().objects.filter(expire_date__lt=now).delete()[0]
    return {
        "guest_carts": carts,
        "sessions": sessions,
        "webhook_deliveries": deliveries,
        "checkout_addresses": addresses,
    }
