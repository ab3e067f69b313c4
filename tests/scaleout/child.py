"""The scale-out test's steps that need Django on the test's own database, run as a child process
with the same environment as the servers (``DATABASE_URL``, ``REDIS_URL``, ``CACHE_KEY_PREFIX``):

- ``python -m tests.scaleout.child world OUT.json``: build the marketplace (a storefront, three
  sellers, offers, customers signed in through sessions in Redis) and the plan of the orders;
- ``python -m tests.scaleout.child check WORLD.json RECEIVED.json OUT.json``: once the outbox is
  drained, check every promise and write the findings.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ORDERS = 500
CUSTOMERS = 12
PRODUCTS = 12
# Offers that run out during the run: each is the cheapest of its product (the buy box, the
# index's best price) and the plan buys exactly its stock, so the index must move to the next one.
SCARCE = 3
SCARCE_ORDERS = 40  # orders that buy one unit of each scarce offer
PLENTY = 100_000


def world(out: Path) -> None:
    """Build the marketplace and the plan; write them to ``out`` (JSON)."""
    from bench.prepare import _csrf, _session_for
    from galerie.core.models import OutboxEvent
    from galerie.offers.models import Offer
    from galerie.search.models import SearchEntry
    from galerie.search.services import search_reindex
    from tests.factories import (
        make_category,
        make_offer,
        make_product,
        make_product_type,
        make_seller,
        make_storefront,
        make_user,
        make_variant,
    )

    rng = random.Random(21)
    category = make_category("Scale-out books")
    storefront = make_storefront(name="Librairie à deux serveurs", code="deux", scope=[category])
    sellers = [
        make_seller(storefronts=[storefront], display_name=name, email=f"orders@{slug}.test")
        for name, slug in (
            ("Bouquinerie Martin", "martin"),
            ("Atelier Gravure", "gravure"),
            ("Papeterie Roy", "roy"),
        )
    ]
    product_type = make_product_type(attributes=[])
    offers: list[dict[str, Any]] = []
    scarce: list[int] = []
    for p in range(PRODUCTS):
        variant = make_variant(product=make_product(category=category, product_type=product_type))
        for s, seller in enumerate(sellers):
            cheapest = p < SCARCE and s == 0
            offer = make_offer(
                seller=seller,
                variant=variant,
                price_minor=900 if cheapest else rng.randrange(1000, 4000),
                stock=SCARCE_ORDERS if cheapest else PLENTY,
            )
            offers.append({"id": offer.pk, "uuid": offer.uuid.hex, "seller": seller.pk, "product": p})
            if cheapest:
                scarce.append(offer.pk)
    # The plan: 500 carts of one offer, a third of them with a second seller's offer besides
    # (each seller order costs the workers an invoice, a PDF); the orders of a random
    # SCARCE_ORDERS of them buy one unit of each scarce offer besides, so that it ends at 0.
    ordinary = [o for o in offers if o["id"] not in scarce]
    plan = []
    for _ in range(ORDERS):
        first = rng.choice(ordinary)
        lines = [(first["uuid"], rng.randrange(1, 3))]
        if rng.random() < 1 / 3:
            second = rng.choice([o for o in ordinary if o["seller"] != first["seller"]])
            lines.append((second["uuid"], 1))
        plan.append(lines)
    scarce_uuids = [o["uuid"] for o in offers if o["id"] in scarce]
    for i in rng.sample(range(ORDERS), SCARCE_ORDERS):
        plan[i] = plan[i] + [(u, 1) for u in scarce_uuids]
    csrf = _csrf()
    cookies = []
    for n in range(CUSTOMERS):
        user = make_user(email=f"customer{n}@example.test")
        cookies.append(f"sessionid={_session_for(user)}; csrftoken={csrf}")
    search_reindex()
    # The scene's own events (applications, offers created …) and their e-mails are not the run's.
    OutboxEvent.objects.all().delete()
    initial = dict(Offer.objects.values_list("pk", "stock"))
    scarce_products = Offer.objects.filter(pk__in=scarce).values_list("variant__product_id", flat=True)
    best = SearchEntry.objects.filter(product_id__in=scarce_products).values_list(
        "product_id", "best_price_minor"
    )
    out.write_text(
        json.dumps(
            {
                "storefront": storefront.code,
                "offers": offers,
                "scarce": scarce,
                "scarce_best_price": {str(p): price for p, price in best},
                "initial_stock": {str(k): v for k, v in initial.items()},
                "plan": plan,
                "cookies": cookies,
                "csrf": csrf,
            }
        )
    )


def check(world_path: Path, received_path: Path, out: Path) -> None:
    """Check the promises once the outbox is drained; write figures and problems to ``out``."""
    from bench.worker_throughput import expected_message_id
    from galerie.core.delivery import MAX_ATTEMPTS
    from galerie.core.models import OutboxEvent
    from galerie.notifications.models import SentEmail
    from galerie.notifications.selectors import seller_order_recipients
    from galerie.offers.models import Offer
    from galerie.orders.models import Order, SellerOrder
    from galerie.search.models import SearchEntry
    from galerie.search.services import search_index_products
    from tests.reliability.invariants import violations

    facts = json.loads(world_path.read_text())
    received: list[list[Any]] = json.loads(received_path.read_text())  # [message-id, [recipients]]
    initial = {int(k): v for k, v in facts["initial_stock"].items()}
    problems = violations(initial_stock=initial)  # settled: every event delivered, none dead

    events = list(OutboxEvent.objects.values("id", "uuid", "topic", "payload", "delivered_at", "attempts"))
    dead = [e["id"] for e in events if e["delivered_at"] is None and e["attempts"] >= MAX_ATTEMPTS]
    if dead:
        problems.append(f"{len(dead)} dead letters, e.g. {dead[:5]}")

    # E-mails: the order confirmation of each order.placed, the new-order e-mails of each
    # seller_order.placed; each Message-ID received, nothing else.
    orders = dict(Order.objects.values_list("pk", "email"))
    seller_orders = {so.pk: so for so in SellerOrder.objects.select_related("seller")}
    expected: dict[str, str] = {}
    placed = Counter(e["topic"] for e in events)
    for e in events:
        if e["topic"] == "order.placed":
            email = orders[e["payload"]["order_id"]]
            expected[expected_message_id(e["uuid"], "order_placed", email.strip().lower())] = email.lower()
        elif e["topic"] == "seller_order.placed":
            seller = seller_orders[e["payload"]["seller_order_id"]].seller
            for address in seller_order_recipients(seller=seller):
                mid = expected_message_id(e["uuid"], "seller_order_placed", address.strip().lower())
                expected[mid] = address.lower()
    if placed["order.placed"] != len(orders):
        problems.append(f"{placed['order.placed']} order.placed events for {len(orders)} orders")
    if placed["seller_order.placed"] != len(seller_orders):
        problems.append(
            f"{placed['seller_order.placed']} seller_order.placed events for {len(seller_orders)}"
        )
    # The periodic jobs (beat) may e-mail too (a seller's DAC7 reminder …): such an e-mail is
    # expected when its record says it was sent; the orders' e-mails must all be among them.
    recorded = {
        expected_message_id(uuid_, kind, recipient): recipient
        for uuid_, kind, recipient in SentEmail.objects.filter(sent_at__isnull=False).values_list(
            "event_uuid", "kind", "recipient"
        )
    }
    if set(expected) - set(recorded):
        problems.append(
            f"orders' e-mails never recorded as sent: {sorted(set(expected) - set(recorded))[:3]}"
        )
    others = {mid: rcpt for mid, rcpt in recorded.items() if mid not in expected}
    expected.update(others)
    copies = Counter(mid for mid, _ in received)
    if set(copies) - set(expected):
        problems.append(f"unexpected e-mails: {sorted(set(copies) - set(expected))[:5]}")
    if set(expected) - set(copies):
        missing = set(expected) - set(copies)
        problems.append(f"lost e-mails: {len(missing)}, e.g. {sorted(missing)[:3]}")
    wrong = [mid for mid, rcpt in received if mid in expected and rcpt != [expected[mid]]]
    if wrong:
        problems.append(f"e-mails to the wrong recipient: {wrong[:3]}")
    unconfirmed = SentEmail.objects.filter(sent_at__isnull=True).count()
    if unconfirmed:
        problems.append(f"{unconfirmed} SentEmail rows left unconfirmed")

    # Search index: as the workers left it = recomputed now from the offers as they are; the
    # scarce offers, sold out, are no longer anyone's best price.
    fields = (
        "storefront_id", "product_id", "best_price_minor", "offer_count",
        "offer_sellers", "offer_prices", "value_ids",
    )  # fmt: skip
    products = set(Offer.objects.values_list("variant__product_id", flat=True))

    def entries() -> set[tuple]:
        return {
            tuple(tuple(v) if isinstance(v, list) else v for v in row)
            for row in SearchEntry.objects.filter(product_id__in=products).values_list(*fields)
        }

    index = entries()
    sold_out = list(Offer.objects.filter(pk__in=facts["scarce"], stock=0).values_list("pk", flat=True))
    if len(sold_out) != len(facts["scarce"]):
        problems.append(f"the scarce offers did not all sell out: {len(sold_out)} of {len(facts['scarce'])}")
    search_index_products(product_ids=products)
    again = entries()
    if index != again or len(index) != len(products):
        problems.append(
            f"search index stale: {len(index ^ again)} entries differ,"
            f" {len(index)} for {len(products)} products"
        )
    before = {int(k): v for k, v in facts["scarce_best_price"].items()}
    after = dict(
        SearchEntry.objects.filter(product_id__in=before).values_list("product_id", "best_price_minor")
    )
    still = [p for p, price in before.items() if after.get(p, price) <= price]
    if still:
        problems.append(f"the index still shows a sold-out offer's price for products {still}")

    figures = {
        "orders": len(orders),
        "seller_orders": len(seller_orders),
        "events": len(events),
        "dead_letters": len(dead),
        "emails_expected": len(expected),
        "emails_other_than_orders": len(others),
        "emails_received": sum(copies.values()),
        "email_duplicates_same_message_id": sum(copies.values()) - len(copies),
        "index_entries": len(index),
        "scarce_sold_out": len(sold_out),
    }
    out.write_text(json.dumps({"figures": figures, "problems": problems}))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    import django

    django.setup()
    if argv[0] == "world":
        world(Path(argv[1]))
        return 0
    if argv[0] == "check":
        check(Path(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    raise SystemExit(f"usage: {sys.argv[0]} world OUT | check WORLD RECEIVED OUT")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
