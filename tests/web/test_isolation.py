"""Isolation between sellers: walk every URL pattern of the seller area and the back office.

Seller A owns one object of every kind a URL can name (order, offer, import, proposal, staff
member, invitation, API key, payout, document). Every route is requested with A's objects by
seller B's owner, by a customer and by an anonymous visitor, and by A's shipping clerk; each
must get 404/403 (anonymous visitors: the sign-in page), list pages must show nothing of A,
and A's data must be unchanged at the end. A's owner gets 200 on the same GET URLs, so a 404
here is never a mistyped URL.

New routes are covered automatically: a route whose URL names an unknown kind of object, or a
view without the seller area's or the back office's gate, fails this test until it is added
to ``KWARGS`` or gated.
"""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from galerie.catalog.models import ProductProposal
from galerie.incidents.models import Incident
from galerie.invoices.services import invoice_issue
from galerie.messaging.services import message_post
from galerie.notices.models import Complaint, Decision, Notice
from galerie.offers.models import Offer, OfferImport
from galerie.orders.models import SellerOrder
from galerie.portability.models import StorefrontMerge
from galerie.recalls.services import product_recall
from galerie.returns.models import Return
from galerie.reviews.models import Review
from galerie.sellers.access import ROLE_PERMS
from galerie.sellers.models import (
    Seller,
    SellerApiToken,
    SellerDocument,
    SellerInvitation,
    SellerMember,
)
from galerie.terms.services import complaint_file
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.checkout.conftest import shop as shop
from tests.factories import TESTS, make_category, make_product, make_storefront, make_user, make_variant
from tests.messaging.conftest import picture
from tests.web.security_headers import HeaderCheckingClient
from tests.web.test_money_pages import _payout_dir as _payout_dir
from tests.web.test_money_pages import member
from tests.web.test_money_pages import paid as paid

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client():
    """Every response of the walk, as every actor, carries the security headers (3xx, 4xx too)."""
    return HeaderCheckingClient()


# Routes that are not behind the seller area's gate, with what each actor gets.
OPEN_ROUTES = {"login", "logout", "invitation", "application"}
SECRET = "A-SECRET-SKU-4711"


def _routes(namespace: str) -> list[URLPattern]:
    resolver = get_resolver()
    found: list[URLPattern] = []

    def walk(patterns, current: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or current)
            elif current == namespace:
                found.append(entry)

    walk(resolver.url_patterns, None)
    assert found, f"no routes in namespace {namespace}"
    return found


def _methods(view) -> set[str]:
    """The HTTP methods a view accepts (from require_http_methods' closure)."""
    closure = getattr(view, "__closure__", None) or ()
    for cell in closure:
        value = cell.cell_contents
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return {m.upper() for m in value}
    return {"GET", "HEAD", "POST"}


@pytest.fixture
def world(paid):
    shop = paid.shop
    seller_a, seller_b = shop.seller_a, shop.seller_b
    owner_a = paid.owner_a
    clerk_a = member(seller_a, SellerMember.Role.SHIPPING_CLERK)
    owner_b = member(seller_b)
    customer = shop.customer
    Offer.objects.filter(pk=shop.book.pk).update(seller_sku=SECRET)
    # A catalog variant of a storefront only A is admitted to.
    other_category = make_category()
    other = make_storefront(scope=[other_category])
    seller_a.admissions.create(storefront=other, status="admitted")
    variant = make_variant(product=make_product(category=other_category))
    seller_order = SellerOrder.objects.get(order=paid.order, seller=seller_a)
    offer_import = OfferImport.objects.create(
        seller=seller_a, uploaded_by=owner_a, original_name="a-prices.csv", status="applied"
    )
    proposal = ProductProposal.objects.create(
        seller=seller_a,
        category=other_category,
        product_type=variant.product.product_type,
        title="A's secret proposal",
        created_by=owner_a,
    )
    invitation = SellerInvitation.objects.create(
        seller=seller_a,
        email="future@a.test",
        role="manager",
        token_hash=hashlib.sha256(b"x").hexdigest(),
        invited_by=owner_a,
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    token = SellerApiToken.objects.create(
        seller=seller_a,
        name="A's ERP",
        role="manager",
        prefix="aaaa1111",
        key_hash=hashlib.sha256(b"y").hexdigest(),
        created_by=owner_a,
    )
    document = SellerDocument(
        seller=seller_a, kind="identity", original_name="id.pdf", content_type="application/pdf", size=9
    )
    document.file.save("id.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    document.save()
    incident = Incident.objects.create(  # seller A's incident (tests/incidents: the customer side)
        seller_order=seller_order, seller=seller_a, storefront=shop.storefront, customer=customer,
        kind="damaged", description="A's secret incident", opened_at=timezone.now(),
        answer_due_at=timezone.now(),
    )  # fmt: skip
    line = seller_order.lines.first()
    review = Review.objects.create(  # seller A's review, made as data: the walker needs its uuid
        storefront=shop.storefront, order_line=line, seller_order=seller_order, seller=seller_a,
        product_id=line.variant.product_id, customer=customer, author_name="A. Buyer", product_stars=5,
        seller_stars=5, language="en", created_at=timezone.now(),
    )  # fmt: skip
    ret = Return.objects.create(
        seller_order=seller_order, customer=customer, reason="withdrawal", declared_at=timezone.now(),
        refund_due_by=timezone.now(), items_minor=100, instructions="A's secret return address",
    )  # fmt: skip
    ret.label.save("label.pdf", ContentFile(b"%PDF-1.4\n"))
    message = message_post(  # a thread of A's order with a picture: its routes name both
        seller_order_id=seller_order.pk, party="customer", by=customer, body="?", files=[picture()]
    )
    hook = WebhookEndpoint.objects.create(  # seller A's webhook and one delivery of it
        seller=seller_a, url="https://a-hooks.example/in", secret="whsec_a", event_types=["order.placed"]
    )
    hook_delivery = WebhookDelivery.objects.create(
        endpoint=hook, event_uuid=uuid.uuid4(), event_type="order.placed", body="{}", status="dead",
        next_attempt_at=timezone.now(),
    )  # fmt: skip
    notice = Notice.objects.create(  # a notice about A's offer, decided: A's statement of reasons
        storefront=shop.storefront, target_kind="offer", offer=shop.book, seller=seller_a,
        category="other", explanation="A's secret notice", url="https://x.test/", good_faith=True,
        language="en", status="decided", received_at=timezone.now(), due_at=timezone.now(),
    )  # fmt: skip
    decision = Decision.objects.create(
        notice=notice, action="no_action", territorial_scope="-", duration="-", facts="-",
        terms_ground="-", explanation="-", seller=seller_a, decided_by=make_user(), decided_at=timezone.now(),
    )  # fmt: skip
    complaint = Complaint.objects.create(
        decision=decision, role="affected", text="A's complaint", received_at=timezone.now()
    )
    kwargs = {
        "notice": notice.uuid,
        "decision": decision.uuid,
        "complaint": complaint.uuid,
        "endpoint_id": hook.pk,
        "delivery_id": hook_delivery.pk,
        "operator_endpoint_id": WebhookEndpoint.objects.create(
            url="https://operator-hooks.example/in", secret="whsec_o", event_types=["seller.applied"]
        ).pk,
        "incident": incident.uuid,
        "review_uuid": review.uuid.hex,
        "return_id": ret.pk,
        "thread": message.thread.uuid,
        "attachment": message.attachments.get().uuid,
        "number": seller_order.number,
        "invoice": invoice_issue(seller_order_id=seller_order.pk).uuid,  # A's invoice of that order
        "offer_id": shop.book.pk,
        "variant_id": variant.pk,
        "import_id": offer_import.pk,
        "proposal_id": proposal.pk,
        "member_id": clerk_a.seller_memberships.get().pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "payout_id": paid.payout.pk,
        "seller_id": seller_a.pk,
        "year": timezone.localdate().year - 1,  # the back office's DAC7 declaration
        "document_id": document.pk,
        "complaint_id": complaint_file(  # seller A's complaint to the operator (P2B art. 11)
            seller=seller_a,
            kind="technical",
            subject="A's secret complaint",
            text="The import fails every night.",
            by=owner_a,
        ).pk,
        "storefront_id": other.pk,
        "token": "not-a-real-invitation-token",
        "review_id": 1,  # the back office's match reviews: refused before any look-up
        "recall_id": product_recall(
            product_id=make_product().pk,
            notice={"en": "Stop using it.", "fr": "Cessez de l'utiliser."},
            by=TESTS,
        ).pk,
        "merge_id": StorefrontMerge.objects.create(
            code="merged", bundle_code="merged", name="Merged", path="/nowhere", manifest_sha256="0" * 64
        ).pk,
    }
    markers = [SECRET, seller_order.number, "a-prices.csv", "A&#x27;s secret proposal", "future@a.test"]
    markers += [
        "aaaa1111",
        clerk_a.email,
        owner_a.email,
        seller_a.display_name,
        "A&#x27;s secret return address",
        "A&#x27;s secret complaint",
        "a-hooks.example",
    ]
    return {
        "a": seller_a,
        "b": seller_b,
        "owner_a": owner_a,
        "clerk_a": clerk_a,
        "owner_b": owner_b,
        "customer": customer,
        "kwargs": kwargs,
        "markers": markers,
    }


def _snapshot(seller: Seller) -> tuple:
    """Everything of seller A a request could change."""
    seller.refresh_from_db()
    return (
        seller.status,
        seller.display_name,
        seller.return_policy,
        sorted(Offer.objects.filter(seller=seller).values_list("pk", "price_minor", "stock", "status")),
        sorted(SellerOrder.objects.filter(seller=seller).values_list("pk", "status", "tracking_number")),
        sorted(SellerMember.objects.filter(seller=seller).values_list("pk", "user_id", "role")),
        sorted(SellerInvitation.objects.filter(seller=seller).values_list("pk", "revoked_at", "accepted_at")),
        sorted(SellerApiToken.objects.filter(seller=seller).values_list("pk", "revoked_at")),
        sorted(OfferImport.objects.filter(seller=seller).values_list("pk", "status")),
        sorted(ProductProposal.objects.filter(seller=seller).values_list("pk", "status")),
        sorted(seller.admissions.values_list("storefront_id", "status")),
        seller.documents.count(),
        sorted(Review.objects.filter(seller=seller).values_list("pk", "status", "reply_text")),
        sorted(
            Return.objects.filter(seller_order__seller=seller).values_list("pk", "status", "instructions")
        ),
        sorted(WebhookEndpoint.objects.filter(seller=seller).values_list("pk", "active", "url")),
        sorted(WebhookDelivery.objects.filter(endpoint__seller=seller).values_list("pk", "status")),
    )


def _url(route: URLPattern, namespace: str, kwargs: dict) -> str:
    names = list(route.pattern.converters)
    missing = [n for n in names if n not in kwargs]
    assert not missing, f"{namespace}:{route.name} names {missing}: add a value of seller A to KWARGS"
    return reverse(f"{namespace}:{route.name}", kwargs={n: kwargs[n] for n in names})


def _request(client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {"action": "accept", "slug": "x"})


def test_every_seller_area_route_is_closed_to_other_sellers_customers_and_anonymous_visitors(client, world):
    routes = _routes("seller_area")
    before = _snapshot(world["a"])
    checked = 0
    for route in routes:
        if route.name in OPEN_ROUTES:
            continue
        perm = getattr(route.callback, "seller_perm", None)
        assert perm is not None, f"seller_area:{route.name} is not behind @seller_view"
        url = _url(route, "seller_area", world["kwargs"])
        methods = _methods(route.callback)
        method = "GET" if "GET" in methods else "POST"
        names_a_thing = bool(route.pattern.converters) and route.name != "offer_new"

        client.logout()
        response = _request(client, method, url)
        assert response.status_code == 302, (route.name, "anonymous", response.status_code)
        assert response["Location"].startswith("/sell/login/"), route.name

        client.force_login(world["customer"])
        response = _request(client, method, url)
        assert response.status_code == 403, (route.name, "customer", response.status_code)

        client.force_login(world["owner_b"])
        response = _request(client, method, url)
        if names_a_thing:
            assert response.status_code == 404, (route.name, "seller B", response.status_code)
        else:
            assert response.status_code in (200, 302, 400, 404), (
                route.name,
                "seller B",
                response.status_code,
            )
        body = response.content.decode()
        leaked = [m for m in world["markers"] if m in body]
        assert not leaked, f"seller_area:{route.name} shows seller A's {leaked} to seller B"

        client.force_login(world["clerk_a"])
        response = _request(client, method, url)
        if perm not in ROLE_PERMS[SellerMember.Role.SHIPPING_CLERK]:
            assert response.status_code == 403, (route.name, "clerk", response.status_code)

        if method == "GET":
            client.force_login(world["owner_a"])
            response = client.get(url)
            assert response.status_code == 200, (route.name, "owner A", response.status_code)
        checked += 1
    assert checked >= 25
    assert client.checked >= 4 * checked  # the security headers, on every answer above
    assert _snapshot(world["a"]) == before


def test_the_open_seller_routes_reveal_nothing(client, world):
    # The application page is an applicant's: a customer has none, seller B sees its own status.
    url = reverse("seller_area:application")
    assert client.get(url)["Location"].startswith("/sell/login/")
    client.force_login(world["customer"])
    assert client.get(url).status_code == 403
    client.force_login(world["owner_b"])
    response = client.get(url)
    assert response.status_code in (200, 302)
    assert not [m for m in world["markers"] if m in response.content.decode()]
    # An invitation link with a token that is not one is a 404 for everyone.
    url = reverse("seller_area:invitation", kwargs={"token": world["kwargs"]["token"]})
    for user in (None, world["customer"], world["owner_b"]):
        if user:
            client.force_login(user)
        else:
            client.logout()
        assert client.get(url).status_code == 404


def test_every_back_office_route_is_closed_to_sellers_customers_and_anonymous_visitors(client, world):
    before = _snapshot(world["a"])
    staff = make_user(is_staff=True)
    # The storefront pages ask for the admin's storefront permissions too, the P2B pages the terms ones.
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["storefronts", "terms"])
    )
    routes = _routes("back_office")
    for route in routes:
        assert getattr(route.callback, "operator_only", False), f"back_office:{route.name} is not gated"
        url = _url(route, "back_office", world["kwargs"])
        method = "GET" if "GET" in _methods(route.callback) else "POST"
        client.logout()
        response = _request(client, method, url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), route.name
        for user in (world["customer"], world["owner_a"], world["owner_b"]):
            client.force_login(user)
            response = _request(client, method, url)
            assert response.status_code == 403, (route.name, user.email, response.status_code)
            others = [m for m in world["markers"] if m != user.email]  # the header shows one's own
            assert not [m for m in others if m in response.content.decode()], route.name
        if method == "GET":
            client.force_login(staff)
            assert client.get(url).status_code == 200, (route.name, "staff")
    assert _snapshot(world["a"]) == before
    assert len(routes) >= 10


def test_the_admin_refuses_sellers_and_customers_and_sends_anonymous_visitors_to_sign_in(client, world):
    from django.contrib import admin

    before = _snapshot(world["a"])
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        some = model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1
        urls += [
            reverse(f"{prefix}_changelist"),
            reverse(f"{prefix}_add"),
            reverse(f"{prefix}_change", args=[some]),
            reverse(f"{prefix}_history", args=[some]),
            reverse(f"{prefix}_delete", args=[some]),
        ]
        urls.append(reverse("admin:app_list", kwargs={"app_label": model._meta.app_label}))
    for url in dict.fromkeys(urls):
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
        for user in (world["customer"], world["owner_a"], world["owner_b"]):
            client.force_login(user)
            assert client.get(url).status_code == 403, (url, user.email)
            assert client.post(url, {"post": "yes"}).status_code == 403, (url, user.email)
    assert _snapshot(world["a"]) == before
    assert len(urls) > 100
