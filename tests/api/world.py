"""A small world for the API's checks (the schemathesis run and the isolation walker).

Seller A owns one object of every kind a path can name; seller B owns a few of its own; customer
A has orders and a cart with seller A, customer B with seller B. Each kind of caller has a key.
``KINDS`` says, for each path parameter (and id field in a body), which object it names: one
line per name, the names of API.md's list. A route naming a parameter that is not there fails
the walker until a line is added.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from galerie.api.auth import customer_token_make
from galerie.api.services import staff_api_token_create
from galerie.cart.models import Cart, CartLine
from galerie.cart.services import cart_add
from galerie.catalog.models import ProductProposal
from galerie.checkout.models import CheckoutAttempt
from galerie.checkout.services import checkout_place_order
from galerie.incidents.models import Incident
from galerie.ledger.availability import seller_orders_make_available
from galerie.ledger.models import CommissionPlan, Payout
from galerie.ledger.payouts import payouts_run
from galerie.messaging.models import Message, Thread
from galerie.messaging.services import message_post
from galerie.offers.models import Offer, OfferImport
from galerie.orders.models import Order, SellerOrder, Shipment
from galerie.orders.services import seller_order_accept, seller_order_ship
from galerie.returns.models import Return
from galerie.reviews.models import Review
from galerie.sellers.models import Seller, SellerApiToken, SellerMember, ShippingProfile
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.conftest import seller_key
from tests.checkout.conftest import ADDRESS, SUCCESS, new_key
from tests.factories import (
    make_offer,
    make_seller,
    make_staff_member,
    make_storefront,
    make_user,
    make_variant,
)
from tests.ledger.payout_helpers import deliver
from tests.ledger.test_properties import settle
from tests.messaging.conftest import picture

SECRET_SKU = "A-SECRET-SKU-4711"
CUSTOMER_A_EMAIL = "alice.secret@customer-a.test"


@dataclass(frozen=True)
class Kind:
    """What a path parameter (or a body's id field) names: ``world.a[obj]`` (seller A's or customer
    A's object). An ``integer`` parameter gets its pk, a ``uuid`` one its ``uuid``, another string
    its ``text`` attribute. ``public`` lists the route families (seller, customer, operator, public)
    where anyone of the family may reach the object (a catalog variant, a storefront): there
    another caller's 2xx is fine, as long as nothing private of A's shows."""

    obj: str
    text: str = "pk"
    public: frozenset[str] = frozenset()
    by_family: tuple[tuple[str, str], ...] = ()  # another object on one family's routes


# The route families, by the security scheme an operation declares.
FAMILY_OF_SCHEME = {"SellerKey": "seller", "StaffKey": "operator", "CustomerToken": "customer"}
FAMILY_OF_SCHEME["CustomerSession"] = "customer"


EVERYONE = frozenset({"seller", "customer", "operator", "public"})
STOREFRONT_SIDE = frozenset({"customer", "public"})

KINDS: dict[str, Kind] = {
    "code": Kind("storefront", text="code", public=EVERYONE),
    "offer_id": Kind("offer"),
    "variant_id": Kind("variant", public=EVERYONE),
    "product_id": Kind("product", text="slug", public=EVERYONE),  # pages name products by slug
    "seller_order_id": Kind("seller_order", text="number"),
    "order_id": Kind("order", text="number"),
    "shipment_id": Kind("shipment"),
    "return_id": Kind("return"),
    "incident_id": Kind("incident"),
    "thread_id": Kind("thread"),
    "payout_id": Kind("payout"),
    "statement_id": Kind("payout"),  # a statement is a payout's (the ledger has no other)
    "seller_id": Kind("seller", text="slug", public=STOREFRONT_SIDE),  # the public seller page
    "proposal_id": Kind("proposal"),
    "review_id": Kind("review", public=STOREFRONT_SIDE),  # published reviews are public
    "import_id": Kind("import"),
    "cart_id": Kind("cart"),
    "slug": Kind("category", text="slug", public=EVERYONE),  # a category's, on the storefront's routes
    # Ids inside bodies: an order's line, a message of a thread, a checkout attempt, the catalog's.
    "line_id": Kind("line"),
    "order_line_id": Kind("line"),
    "upto_message_id": Kind("message"),
    "attempt_id": Kind("attempt"),
    "category_id": Kind("category", public=EVERYONE),
    "storefront_id": Kind("storefront", public=EVERYONE),
    # A's webhook endpoint and one of its deliveries; on the operator's routes, the operator's own.
    "endpoint_id": Kind("endpoint", by_family=(("operator", "operator_endpoint"),)),
    "delivery_id": Kind("delivery", by_family=(("operator", "operator_delivery"),)),
}


@dataclass
class Actor:
    name: str
    family: str  # the route family its credential opens: seller, customer, operator, or "" (none)
    key: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}


@dataclass
class World:
    a: dict[str, Any]  # seller A's and customer A's objects, by Kind.obj
    b: dict[str, Any]  # seller B's and customer B's, where they have one (else A's)
    actors: dict[str, Actor]
    markers: list[str]  # strings only A (and the operator) may ever see
    seller_a: Seller
    customer_a: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str, schema: dict[str, Any], *, of: str = "a", family: str = "") -> Any:
        """The value of parameter ``name`` (typed by its JSON ``schema``) naming A's (or B's) object
        on the routes of ``family``."""
        kind = KINDS[name]
        obj = (self.a if of == "a" else self.b)[dict(kind.by_family).get(family, kind.obj)]
        types = _types(schema)
        if "integer" in types:
            return obj.pk
        if any(s.get("format") == "uuid" for s in _alternatives(schema)):
            return str(obj.uuid)
        return str(getattr(obj, kind.text))


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]


def _types(schema: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for alt in _alternatives(schema):
        kind = alt.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found


def _place(storefront, customer, *offers: Offer) -> Order:
    cart = None
    for offer in offers:
        cart = cart_add(storefront=storefront, cart=cart, customer=customer, offer_id=offer.pk, quantity=1)
    return checkout_place_order(
        storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
        idempotency_key=new_key(), return_url="http://testserver/r/",
    ).order  # fmt: skip


def world_build(settings, tmp_path) -> World:
    """Build the world (a few seconds): two sellers with orders in several states, two customers."""
    settings.GALERIE_API_RATES = {"key": "", "account": "", "ip": "", "failed_auth": ""}
    off = {"account": "", "ip": ""}  # and the checkout's card-testing limits
    settings.GALERIE_THROTTLE_RATES = {"checkout": off, "checkout_declined": off}
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"
    storefront = make_storefront()
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    seller_a, seller_b = make_seller(storefronts=[storefront]), make_seller(storefronts=[storefront])
    for seller in (seller_a, seller_b):
        ShippingProfile.objects.create(seller=seller, kind="flat", base_minor=490)
    book = make_offer(seller=seller_a, variant=make_variant(), price_minor=1990, stock=9)
    Offer.objects.filter(pk=book.pk).update(seller_sku=SECRET_SKU)
    record = make_offer(seller=seller_a, variant=make_variant(), price_minor=2490, stock=9)
    lamp = make_offer(seller=seller_b, variant=make_variant(), price_minor=4500, stock=9)
    vase = make_offer(seller=seller_b, variant=make_variant(), price_minor=3100, stock=9)
    owner_a = make_staff_member(seller_a, email="owner.secret@seller-a.test")
    owner_b = make_staff_member(seller_b)
    customer_a, customer_b = make_user(email=CUSTOMER_A_EMAIL), make_user()

    # Customer A: a delivered order (paid out), a pending one; customer B: one shipped, one pending.
    delivered = _place(storefront, customer_a, book)
    pending = _place(storefront, customer_a, record)
    shipped_b = _place(storefront, customer_b, lamp)
    pending_b = _place(storefront, customer_b, vase)
    settle()
    part_a = delivered.seller_orders.get()
    deliver(part_a, owner_a)
    part_b = shipped_b.seller_orders.get()
    seller_order_accept(seller_order_id=part_b.pk, acting_user=owner_b)
    seller_order_ship(seller_order_id=part_b.pk, acting_user=owner_b, carrier="DHL", tracking_number="B1")
    seller_orders_make_available(now=timezone.now() + timedelta(days=15))
    payouts_run(run_date=timezone.localdate())
    cart_a = cart_add(storefront=storefront, cart=None, customer=customer_a, offer_id=record.pk, quantity=1)
    cart_b = cart_add(storefront=storefront, cart=None, customer=customer_b, offer_id=lamp.pk, quantity=1)

    now = timezone.now()
    line = part_a.lines.get()
    incident = Incident.objects.create(
        seller_order=part_a, seller=seller_a, storefront=storefront, customer=customer_a, kind="damaged",
        description="A's secret incident", opened_at=now, answer_due_at=now,
    )  # fmt: skip
    review = Review.objects.create(
        storefront=storefront, order_line=line, seller_order=part_a, seller=seller_a,
        product_id=line.variant.product_id, customer=customer_a, author_name="A. Buyer", product_stars=5,
        seller_stars=5, language="en", created_at=now,
    )  # fmt: skip
    ret = Return.objects.create(
        seller_order=part_a, customer=customer_a, reason="withdrawal", declared_at=now, refund_due_by=now,
        items_minor=100, instructions="A's secret return address",
    )  # fmt: skip
    ret.label.save("label.pdf", ContentFile(b"%PDF-1.4\n"))
    message = message_post(
        seller_order_id=part_a.pk, party="customer", by=customer_a, body="Where is it?", files=[picture()]
    )
    offer_import = OfferImport.objects.create(
        seller=seller_a, uploaded_by=owner_a, original_name="a-secret-prices.csv", status="applied"
    )
    category = book.variant.product.category  # in the storefront's catalog
    proposal = ProductProposal.objects.create(
        seller=seller_a, category=category, product_type=book.variant.product.product_type,
        title="A's secret proposal", created_by=owner_a,
    )  # fmt: skip

    endpoint = WebhookEndpoint.objects.create(
        seller=seller_a, url="https://a-secret-hook.example.test/in", secret="whsec_a",
        event_types=["seller_order.created"], created_by=owner_a,
    )  # fmt: skip
    operator_endpoint = WebhookEndpoint.objects.create(
        seller=None, url="https://operator-secret-hook.example.test/in", secret="whsec_o", event_types=[]
    )

    def delivery(to: WebhookEndpoint) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            endpoint=to, event_uuid=uuid.uuid4(), event_type="seller_order.created", body="{}",
            status="dead", attempts=3, next_attempt_at=now,
        )  # fmt: skip

    staff_all = make_user(is_staff=True, is_superuser=True)
    staff_none = make_user(is_staff=True)
    actors = {
        "anonymous": Actor("anonymous", ""),
        "seller A owner": Actor("seller A owner", "seller", seller_key(seller_a, SellerMember.Role.OWNER)),
        "seller A clerk": Actor(
            "seller A clerk", "seller", seller_key(seller_a, SellerMember.Role.SHIPPING_CLERK)
        ),
        "seller B owner": Actor("seller B owner", "seller", seller_key(seller_b, SellerMember.Role.OWNER)),
        "seller B clerk": Actor(
            "seller B clerk", "seller", seller_key(seller_b, SellerMember.Role.SHIPPING_CLERK)
        ),
        "staff all": Actor("staff all", "operator", staff_api_token_create(user=staff_all, name="All")[1]),
        "staff none": Actor(
            "staff none", "operator", staff_api_token_create(user=staff_none, name="None")[1]
        ),
        "customer A": Actor("customer A", "customer", customer_token_make(customer_a)),
        "customer B": Actor("customer B", "customer", customer_token_make(customer_b)),
    }
    a = {
        "storefront": storefront,
        "category": category,
        "offer": book,
        "variant": book.variant,
        "product": book.variant.product,
        "seller_order": part_a,
        "order": delivered,
        "line": line,
        "shipment": Shipment.objects.get(seller_order=part_a),
        "return": ret,
        "incident": incident,
        "thread": message.thread,
        "message": message,
        "attempt": CheckoutAttempt.objects.get(order=delivered),
        "payout": Payout.objects.get(seller=seller_a),
        "seller": seller_a,
        "proposal": proposal,
        "review": review,
        "import": offer_import,
        "cart": cart_a,
        "endpoint": endpoint,
        "delivery": delivery(endpoint),
        "operator_endpoint": operator_endpoint,
        "operator_delivery": delivery(operator_endpoint),
    }
    b = {
        **a,
        "offer": lamp,
        "variant": lamp.variant,
        "product": lamp.variant.product,
        "seller_order": part_b,
        "order": shipped_b,
        "line": part_b.lines.get(),
        "shipment": Shipment.objects.get(seller_order=part_b),
        "seller": seller_b,
        "cart": cart_b,
        "attempt": CheckoutAttempt.objects.get(order=shipped_b),
    }
    markers = [
        SECRET_SKU,
        CUSTOMER_A_EMAIL,
        owner_a.email,
        delivered.number,
        pending.number,
        *SellerOrder.objects.filter(seller=seller_a).values_list("number", flat=True),
        "A's secret return address",
        "A's secret incident",
        "A's secret proposal",
        "a-secret-prices.csv",
        "a-secret-hook",
    ]
    return World(
        a=a,
        b=b,
        actors=actors,
        markers=markers,
        seller_a=seller_a,
        customer_a=customer_a,
        extra={"pending_order": pending, "pending_b": pending_b, "record": record, "vase": vase},
    )


# Columns that a reader's own visit may move (a key's last use, a thread's read marks).
VOLATILE = {"last_used_at", "customer_read_upto", "seller_read_upto", "operator_read_upto"}
VOLATILE |= {"customer_unread", "seller_unread", "operator_unread"}


def _rows(queryset: models.QuerySet) -> list[tuple]:
    names = [f.attname for f in queryset.model._meta.concrete_fields if f.attname not in VOLATILE]
    return list(queryset.order_by("pk").values_list(*names))


def checksum(world: World) -> str:
    """A digest of every row of seller A and customer A that a request could change."""
    a, c = world.seller_a, world.customer_a
    tables = [
        Seller.objects.filter(pk=a.pk),
        SellerMember.objects.filter(seller=a),
        SellerApiToken.objects.filter(seller=a),
        Offer.objects.filter(seller=a),
        SellerOrder.objects.filter(seller=a),
        Shipment.objects.filter(seller_order__seller=a),
        Return.objects.filter(seller_order__seller=a),
        Incident.objects.filter(seller=a),
        Thread.objects.filter(seller=a),
        Message.objects.filter(thread__seller=a),
        Payout.objects.filter(seller=a),
        OfferImport.objects.filter(seller=a),
        ProductProposal.objects.filter(seller=a),
        Review.objects.filter(seller=a),
        Order.objects.filter(customer=c),
        Cart.objects.filter(customer=c),
        CheckoutAttempt.objects.filter(customer=c),
        CartLine.objects.filter(cart__customer=c),
        type(c).objects.filter(pk=c.pk),
        WebhookEndpoint.objects.filter(seller=a),
        WebhookDelivery.objects.filter(endpoint__seller=a),
    ]
    digest = hashlib.sha256()
    for queryset in tables:
        digest.update(repr(_rows(queryset)).encode())
    return digest.hexdigest()
