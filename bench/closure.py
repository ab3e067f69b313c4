"""Time the closure of one storefront on a copy of a seeded database (docs/storefront-closure.md).

    createdb -T galerie_large closure_large
    DATABASE_URL=postgres://…/closure_large python bench/closure.py --storefront atelier-onze

Times, each with the outbox work it causes (run here, as the worker would): the announcement
(service, banner's cache bump, e-mails to its sellers, the search handler), the sales stop at the
date (the daily job, then the storefront's home, category and search pages, uncached, before and
after), and the finish (blockers, final payouts, the closed storefront's index dropped). It
changes the database it is given: run it on a copy.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any


def timed(label: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = fn()
    print(f"{label:<58} {1000 * (time.perf_counter() - started):10.1f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--storefront", default="atelier-onze")
    code = parser.parse_args().storefront
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    os.environ["GALERIE_CACHE_BYPASS"] = "1"
    os.environ.setdefault("DEBUG", "1")  # static files without collectstatic; a GET writes nothing
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from galerie.core.delivery import handlers_autodiscover
    from galerie.core.models import OutboxEvent
    from galerie.offers.models import Offer
    from galerie.search.models import SearchEntry
    from galerie.search.services import search_reindex
    from galerie.sellers.models import SellerAdmission
    from galerie.storefronts.closure import (
        closure_blockers,
        storefront_closure_announce,
        storefront_closure_finish,
        storefronts_sales_stop,
    )
    from galerie.storefronts.models import Storefront

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    handlers = handlers_autodiscover()
    storefront = Storefront.objects.get(code=code)
    sellers = SellerAdmission.objects.filter(storefront=storefront, status="admitted").values("seller_id")
    print(
        f"{storefront.code}: {SearchEntry.objects.filter(storefront=storefront).count():,} index entries,"
        f" {Offer.objects.filter(seller_id__in=sellers).count():,} offers of its {sellers.count():,} sellers,"
        f" {connection.vendor}"
    )

    def deliver_new(since: int) -> int:
        """Run every handler of the events written since ``since`` (as the worker would)."""
        events = list(OutboxEvent.objects.filter(pk__gt=since).order_by("pk"))
        for event in events:
            for handler in handlers.get(event.topic, []):
                handler([event]) if getattr(handler, "batched", False) else handler(event)
        return len(events)

    client = Client()
    category = storefront.catalog_scope.order_by("path").first()
    pages = {
        "home": f"/s/{code}/",
        "category": f"/s/{code}/c/{category.slug}/" if category else f"/s/{code}/",
        "search": f"/s/{code}/search/?q=the",
    }
    for name, url in pages.items():
        client.get(url)  # warm the process
        timed(f"page {name}, selling (uncached)", lambda url=url: client.get(url))

    mark = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    timed(
        "announce: the service (one transaction)",
        lambda: storefront_closure_announce(
            storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="Portfolio review"
        ),
    )
    from django.core import mail

    n = timed("announce: its events' handlers (e-mails, index)", lambda: deliver_new(mark))
    print(f"    {n} events, {len(mail.outbox)} e-mails")
    timed(
        "for reference: the storefront's full reindex (skipped now)",
        lambda: search_reindex(storefront_ids=[storefront.pk]),
    )

    mark = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    timed("sales stop: the daily job at the date", lambda: storefronts_sales_stop())
    timed("sales stop: its event's handlers", lambda: deliver_new(mark))
    for name, url in pages.items():
        timed(f"page {name}, not selling (uncached)", lambda url=url: client.get(url))

    timed("finish: closure_blockers", lambda: closure_blockers(storefront_id=storefront.pk))
    mark = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    timed(
        "finish: the service (final payouts, closed)",
        lambda: storefront_closure_finish(storefront_id=storefront.pk),
    )
    timed("finish: its events' handlers (index entries dropped)", lambda: deliver_new(mark))
    print(f"    entries left: {SearchEntry.objects.filter(storefront=storefront).count()}")
    timed("closed: home answers 410", lambda: client.get(pages["home"]))


if __name__ == "__main__":
    main()
