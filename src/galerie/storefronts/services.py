"""Every write to storefronts."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import transaction

from galerie.catalog.models import Category
from galerie.core.actors import Actor, actor_user_id
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.storefronts.models import Storefront, StorefrontHost
from galerie.storefronts.selectors import HOST_CACHE_KEY

THEME_FIELDS = ("colour_primary", "colour_accent", "colour_background", "colour_text", "font")


@transaction.atomic
def storefront_create(
    *,
    code: str,
    name: str,
    default_language: str = "fr",
    currency: str = "EUR",
    tagline: str = "",
    theme: dict[str, str] | None = None,
    hosts: Iterable[str] = (),
    catalog_scope: Iterable[Category] = (),
) -> Storefront:
    """Create a storefront in draft, with its theme, hosts and catalog scope."""
    storefront = Storefront(
        code=code,
        name=name,
        default_language=default_language,
        currency=currency,
        tagline=tagline,
        **_theme(theme or {}),
    )
    full_clean(storefront)
    storefront.save()
    for position, host in enumerate(hosts):
        storefront_host_add(storefront=storefront, host=host, is_primary=position == 0)
    storefront.catalog_scope.set(list(catalog_scope))
    emit("storefront.created", storefront_id=storefront.pk, code=storefront.code)
    return storefront


def _theme(theme: dict[str, str]) -> dict[str, str]:
    unknown = set(theme) - set(THEME_FIELDS)
    if unknown:
        raise InvalidInput({"theme": [f"Unknown theme settings: {', '.join(sorted(unknown))}."]})
    return theme


@transaction.atomic
def storefront_theme_update(*, storefront_id: int, theme: dict[str, Any]) -> Storefront:
    """Change the storefront's colours and font."""
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    for field, value in _theme(theme).items():
        setattr(storefront, field, value)
    full_clean(storefront)
    storefront.save(update_fields=list(theme))
    emit("storefront.theme_updated", storefront_id=storefront.pk)
    return storefront


@transaction.atomic
def storefront_host_add(*, storefront: Storefront, host: str, is_primary: bool = False) -> StorefrontHost:
    """Route a host name to the storefront."""
    entry = StorefrontHost(
        storefront=storefront, host=host.strip().lower().rstrip("."), is_primary=is_primary
    )
    full_clean(entry)
    entry.save()
    transaction.on_commit(lambda: cache.delete(HOST_CACHE_KEY.format(host=entry.host)))
    return entry


@transaction.atomic
def storefront_catalog_scope_set(*, storefront_id: int, category_ids: Iterable[int]) -> Storefront:
    """Set the category subtrees the storefront sells (empty: the whole catalog)."""
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    wanted = set(category_ids)
    found = set(Category.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := wanted - found:
        raise InvalidInput(
            {"catalog_scope": [f"No category with id {', '.join(map(str, sorted(missing)))}."]}
        )
    storefront.catalog_scope.set(found)
    emit("storefront.catalog_scope_changed", storefront_id=storefront.pk, category_ids=sorted(found))
    return storefront


def _transition(storefront_id: int, to: str, by: Actor | None, reason: str) -> Storefront:
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    if storefront.status == to:
        return storefront  # a retried request: already done
    transition(storefront, to=to, by=by, reason=reason, storefront_id=storefront.pk)
    for host in storefront.hosts.values_list("host", flat=True):
        transaction.on_commit(partial(cache.delete, HOST_CACHE_KEY.format(host=host)))
    return storefront


@transaction.atomic
def storefront_open(*, storefront_id: int, by: Actor | None = None) -> Storefront:
    """Open a draft storefront to customers; raise InvalidTransition from any other status."""
    return _transition(storefront_id, Storefront.Status.OPEN, by, "")


@transaction.atomic
def storefront_mark_transferred(
    *, storefront_id: int, by: Actor | None = None, reason: str = ""
) -> Storefront:
    """Record that a closing storefront was handed over to another installation."""
    return _transition(storefront_id, Storefront.Status.TRANSFERRED, by, reason)


@transaction.atomic
def storefront_update(
    *,
    storefront_id: int,
    name: str,
    tagline: str,
    default_language: str,
    currency: str | None = None,
    by: Actor | None = None,
) -> Storefront:
    """Change a storefront's name, tagline and language; its currency only while it is a draft
    (offers, carts and orders are priced in it once it sells). Raises InvalidInput."""
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    fields = ["name", "tagline", "default_language"]
    storefront.name, storefront.tagline, storefront.default_language = name, tagline, default_language
    if currency is not None and currency != storefront.currency:
        if storefront.status != Storefront.Status.DRAFT:
            raise InvalidInput(
                {"currency": ["The currency of a storefront can change only while it is a draft."]}
            )
        storefront.currency = currency
        fields.append("currency")
    full_clean(storefront)
    storefront.save(update_fields=fields)
    emit("storefront.updated", storefront_id=storefront.pk, fields=fields)
    for host in storefront.hosts.values_list("host", flat=True):
        transaction.on_commit(partial(cache.delete, HOST_CACHE_KEY.format(host=host)))
    return storefront


@transaction.atomic
def storefront_hosts_set(*, storefront_id: int, hosts: Iterable[str]) -> list[StorefrontHost]:
    """Route exactly these host names to the storefront, the first one primary: a host added
    routes at once, a host removed stops at once (their cached routes are dropped on commit).
    Raises InvalidInput naming the host at fault (malformed, or another storefront's)."""
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    wanted = list(dict.fromkeys(h.strip().lower().rstrip(".") for h in hosts if h.strip()))
    current = {entry.host: entry for entry in storefront.hosts.all()}
    gone = [host for host in current if host not in wanted]
    StorefrontHost.objects.filter(storefront=storefront, host__in=gone).delete()
    StorefrontHost.objects.filter(storefront=storefront).update(is_primary=False)
    kept = []
    for position, host in enumerate(wanted):
        entry = current.get(host)
        if entry is None:
            try:
                entry = storefront_host_add(storefront=storefront, host=host, is_primary=position == 0)
            except InvalidInput as error:
                raise InvalidInput(
                    {"hosts": [f"{host}: {m}" for ms in error.errors.values() for m in ms]}
                ) from None
        elif position == 0:
            entry.is_primary = True
            entry.save(update_fields=["is_primary"])
        kept.append(entry)
    for host in gone:
        transaction.on_commit(partial(cache.delete, HOST_CACHE_KEY.format(host=host)))
    if gone or len(kept) != len(current):
        emit("storefront.hosts_changed", storefront_id=storefront.pk, hosts=wanted)
    return kept


QUALITY_SETTINGS = (
    "accept_within_hours",
    "ship_within_days",
    "incident_answer_hours",
    "quality_window_days",
    "quality_min_orders",
    "quality_min_acceptance_bp",
    "quality_max_late_bp",
    "quality_max_refusal_bp",
    "quality_max_refund_bp",
)


@transaction.atomic
def storefront_quality_settings_update(
    *, storefront_id: int, settings: dict[str, int], by: Actor | None = None
) -> Storefront:
    """Change the sellers' deadlines and the seller quality thresholds of a storefront; raise
    InvalidInput (nothing saved) on an unknown setting or a value out of its bounds."""
    if unknown := set(settings) - set(QUALITY_SETTINGS):
        raise InvalidInput({"settings": [f"Unknown quality settings: {', '.join(sorted(unknown))}."]})
    storefront = lock_row(Storefront.objects.all(), storefront_id)
    before = {name: getattr(storefront, name) for name in settings}
    for name, value in settings.items():
        setattr(storefront, name, value)
    full_clean(storefront)
    changed = {name: value for name, value in settings.items() if before[name] != value}
    if not changed:
        return storefront
    storefront.save(update_fields=list(changed))
    emit(
        "storefront.quality_settings_updated",
        storefront_id=storefront.pk,
        by_user_id=actor_user_id(by),
        before={name: before[name] for name in changed},
        after=changed,
    )
    return storefront
