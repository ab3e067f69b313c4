"""The back office: every registered model's list and forms load, and their query counts
do not grow with the number of rows (no N+1)."""

import io
from datetime import timedelta
from uuid import uuid4

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from galerie.api.models import StaffApiToken
from galerie.api.services import staff_api_token_create
from galerie.cart.services import cart_add
from galerie.catalog.models import MatchReview
from galerie.catalog.services import brand_create, product_image_add
from galerie.checkout.models import CheckoutAttempt
from galerie.checkout.services import checkout_place_order
from galerie.core.delivery import outbox_deliver_batch
from galerie.core.models import OutboxEvent, StatusChange
from galerie.core.money import Money
from galerie.dac7.models import Dac7Reminder, SellerTaxProfile
from galerie.dac7.services import seller_tax_profile_update
from galerie.incidents.models import Incident
from galerie.incidents.services import incident_open
from galerie.invoices.models import CommissionInvoiceRun, Invoice, InvoiceCounter
from galerie.invoices.services import commission_invoices_issue, invoice_issue
from galerie.ledger.handlers import HANDLERS as LEDGER_HANDLERS
from galerie.ledger.holds import payout_hold_place
from galerie.ledger.models import Account, CommissionOverride, CommissionPlan, JournalEntry, PayoutHold
from galerie.messaging.models import Thread
from galerie.messaging.services import message_post
from galerie.notices.models import Complaint, Decision, Notice
from galerie.notices.selectors import notice_target_get
from galerie.notices.services import complaint_lodge, notice_decide, notice_submit
from galerie.offers.models import Offer, OfferChange, PriceHistory
from galerie.offers.services import offer_price_set
from galerie.orders.models import Order, SellerOrder, SellerQualityWarning
from galerie.orders.services import seller_order_accept, seller_order_deliver, seller_order_ship
from galerie.payments.models import Payment, PaymentEvent
from galerie.payments.testgateway.webhooks import deliver_due_webhooks
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge
from galerie.privacy.models import Erasure
from galerie.privacy.services import customer_erase
from galerie.recalls.models import Recall, RecallNotice
from galerie.recalls.services import product_recall
from galerie.returns.models import Return
from galerie.returns.services import withdrawal_declare
from galerie.reviews.models import Review
from galerie.reviews.services import review_create, review_report
from galerie.sellers.models import SellerAdmission, SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts.models import StorefrontRedirect
from galerie.terms.models import SellerComplaint, SellerTermsAcceptance, SellerTermsVersion
from galerie.terms.services import complaint_file, terms_accept, terms_version_publish
from tests.checkout.conftest import ADDRESS, SUCCESS, capture_placed_orders, new_key
from tests.factories import (
    TESTS,
    make_category,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)

# The checkout calls the payment gateway, which it refuses to do inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png_bytes()
# Written by services only: the back office shows them and runs their actions, never adds them.
READ_ONLY = {OutboxEvent, StatusChange, Payment, PaymentEvent, Order, SellerOrder, CheckoutAttempt}
READ_ONLY |= {SellerQualityWarning}
READ_ONLY |= {Account, JournalEntry}
READ_ONLY |= {Offer, OfferChange, PriceHistory}  # changed only through the offers' services
READ_ONLY |= {SellerAdmission, SellerMember}  # decided in the back office, managed by the seller
READ_ONLY |= {MatchReview, StorefrontMerge, MergeProduct, MergeParty}  # decided by their services
READ_ONLY |= {Return, Incident, Review, Thread}  # the parties' pages and the back office's
READ_ONLY |= {StaffApiToken}  # made by `galerie api key create`, which shows the key once
READ_ONLY |= {PayoutHold, SellerTaxProfile, Dac7Reminder}  # DAC7: the seller's page, the job, services
READ_ONLY |= {SellerTermsVersion, SellerTermsAcceptance, SellerComplaint}  # the P2B pages and services
READ_ONLY |= {Invoice, InvoiceCounter, CommissionInvoiceRun}  # issued by their services, never edited
READ_ONLY |= {Erasure}  # customer_erase writes it
READ_ONLY |= {Notice, Decision, Complaint}  # the notices' pages and services (DSA)
READ_ONLY |= {Recall, RecallNotice}  # made by the recall service (back-office page, `galerie recall`)
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


def populate(n: int) -> None:
    """Create n of everything the back office lists, through the services."""
    category = make_category()
    storefront = make_storefront(scope=[category], hosts=[f"shop{make_user().pk}.example.test"])
    CommissionPlan.objects.create(storefront=storefront, rate_bp=1000)
    sales = []
    for i in range(n):
        seller = make_seller(storefronts=[storefront])
        CommissionOverride.objects.create(storefront=storefront, seller=seller, rate_bp=800)
        member = make_user()
        seller_member_add(seller=seller, user=member, role="manager")
        brand = brand_create(name=f"Brand {seller.pk}")
        product = make_product(brand=brand, category=category)
        product_image_add(product=product, upload=ContentFile(PNG, name=f"p{i}.png"))
        offer = make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000)
        offer_price_set(by=TESTS, offer_id=offer.pk, price=Money(900, "EUR"))
        Group.objects.create(name=f"Team {seller.pk}")
        terms = terms_version_publish(  # P2B: a version of the seller terms, accepted, and a complaint
            title="Terms", text="§1", effective_at=timezone.now() + timedelta(days=20)
        )
        terms_accept(seller=seller, version_id=terms.pk, by=member)
        complaint_file(
            seller=seller, kind="technical", subject="Import", text="The import fails every night.", by=member
        )
        SellerQualityWarning.objects.create(  # what the quality job records (orders/quality.py)
            seller=seller, storefront=storefront, figure="refusal", window_start=timezone.localdate(),
            value_bp=2000, threshold_bp=500, orders=10,
        )  # fmt: skip
        customer = make_user()
        cart = cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)
        placed = checkout_place_order(
            storefront=storefront, cart=cart, customer=customer, address=ADDRESS, payment_method=SUCCESS,
            idempotency_key=new_key(), return_url="http://testserver/r/",
        )  # fmt: skip
        sales.append((placed.order, customer, member))
        cart_add(storefront=storefront, cart=None, customer=customer, offer_id=offer.pk)  # a cart kept
        # What a merge's plan records (portability/merge.py), and the redirects a commit writes.
        MatchReview.objects.create(
            batch=f"import:{seller.pk}", candidate={"title": "A"}, product=product, score=700
        )
        merge = StorefrontMerge.objects.create(
            code=f"merged{seller.pk}", bundle_code="bundle", name="Merged", path="/nowhere",
            manifest_sha256="0" * 64, storefront=storefront,
        )  # fmt: skip
        MergeProduct.objects.create(
            merge=merge, incoming=uuid4(), title="A", decision="match", product=product
        )
        MergeParty.objects.create(
            merge=merge,
            kind="seller",
            incoming=uuid4(),
            name="A",
            signal="siren",
            email=seller.email,
            seller=seller,
        )
        StorefrontRedirect.objects.create(
            storefront=storefront, old_path=f"p/old-{seller.pk}/", new_path=f"p/{product.slug}/"
        )
    capture_placed_orders()  # the worker's capture on order.placed
    deliver_due_webhooks(now=timezone.now() + timedelta(hours=1))
    while outbox_deliver_batch(LEDGER_HANDLERS, batch=500).claimed:  # post to the ledger
        pass
    for order, customer, member in sales:
        after_delivery(order, customer, member)
    for order, _customer, _member in sales:
        seller_id = order.seller_orders.get().seller_id
        Dac7Reminder.objects.create(  # what dac7.reminders records for a seller past the de minimis
            seller_id=seller_id,
            year=timezone.localdate().year,
            number=1,
            sent_at=timezone.now(),
            missing=["tin"],
        )
        payout_hold_place(seller_id=seller_id, reason=PayoutHold.Reason.OPERATOR)
        seller_tax_profile_update(
            seller_id=seller_id, by=None,
            values={"seller_type": "entity", "tin": "732829320", "tin_country": "FR", "account_holder": "X"},
        )  # fmt: skip
    for order, _customer, _member in sales:  # what the worker's invoices handler does on order.placed
        invoice_issue(seller_order_id=order.seller_orders.get().pk)
    commission_invoices_issue(month=timezone.localdate(), now=timezone.now() + timedelta(days=32))
    moderator = make_user(is_staff=True)
    for order, _customer, member in sales:  # DSA: a notice of the seller, its decision, a complaint
        seller = order.seller_orders.get().seller
        storefront = order.storefront
        target = notice_target_get(storefront=storefront, kind="seller", ref=seller.slug)
        notice = notice_submit(
            storefront=storefront, target=target, category="scams_and_fraud", language="en",
            explanation="Sells counterfeit goods.", url="https://shop.example/s/", notifier_name="N",
            notifier_email="n@example.test", good_faith=True,
        )  # fmt: skip
        [decision] = notice_decide(
            notice_id=notice.pk, by=moderator, action="no_action", territorial_scope="", duration="",
            facts="Nothing illegal was found.", legal_ground="", terms_ground="", explanation="Genuine.",
        )  # fmt: skip
        complaint_lodge(decision_id=decision.pk, role="affected", text="Please look again.", by_user=member)
    for order, _customer, _member in sales:  # a recall of what was bought, with its buyer's notice
        product_id = order.seller_orders.get().lines.get().variant.product_id
        product_recall(product_id=product_id, notice={"en": "Stop.", "fr": "Arrêtez."}, by=TESTS)
    for i in range(n):
        staff_api_token_create(user=make_user(is_staff=True), name=f"Reporting {i}")
        gone = make_user()
        customer_erase(user_id=gone.pk, now=timezone.now(), by=gone)  # GDPR: the audit row


def after_delivery(order: Order, customer, member) -> None:
    """Deliver the order's seller order, then what its customer and seller may do after: a
    review, a withdrawal, an incident, a conversation with an attachment."""
    part = order.seller_orders.get()
    seller_order_accept(seller_order_id=part.pk, acting_user=member)
    seller_order_ship(seller_order_id=part.pk, acting_user=member, carrier="Colissimo", tracking_number="6A")
    seller_order_deliver(seller_order_id=part.pk, acting_user=member)
    line = part.lines.get()
    review = review_create(
        customer=customer, order_line_id=line.pk, product_stars=4, seller_stars=5, title="Good"
    )
    review_report(review_id=review.pk, reporter=member, reason="spam")
    withdrawal_declare(seller_order_id=part.pk, customer=customer, quantities={line.pk: 1})
    incident_open(
        seller_order_id=part.pk, customer=customer, kind="damaged", description="A corner is broken."
    )
    message_post(
        seller_order_id=part.pk, party="customer", by=customer, body="Where do I send it?",
        files=[ContentFile(PNG, name="box.png")],
    )  # fmt: skip
    message_post(seller_order_id=part.pk, party="seller", by=member, body="To our shop.")


def changelist_queries(client, model) -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client.get(url)  # warm up: the first request also loads content types and the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_every_model_is_registered():
    labels = {m._meta.label for m in MODELS}
    for expected in [
        "storefronts.Storefront",
        "sellers.Seller",
        "catalog.Product",
        "catalog.Variant",
        "catalog.Category",
        "offers.Offer",
        "offers.PriceHistory",
        "core.OutboxEvent",
    ]:
        assert expected in labels


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_query_count_is_bounded(operator_client, model):
    populate(2)
    few = changelist_queries(operator_client, model)
    populate(6)
    many = changelist_queries(operator_client, model)
    assert many == few, f"{model._meta.label}: {few} queries with little data, {many} with more"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_change_and_add_pages_load(operator_client, model):
    populate(1)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"populate() made no {model._meta.label}"
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert operator_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    add = operator_client.get(reverse(f"{prefix}_add"))
    assert add.status_code == (403 if model in READ_ONLY else 200)


def test_the_back_office_is_for_operator_staff_only(client):
    url = reverse("admin:offers_offer_changelist")
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 403 and b"Operator staff only" in response.content


def test_operator_opens_a_storefront_and_activates_a_seller_through_the_services(operator_client):
    storefront = make_storefront(open_=False)
    seller = make_seller(storefronts=[storefront], active=False)
    operator_client.post(
        reverse("admin:storefronts_storefront_changelist"),
        {"action": "storefront_open", "_selected_action": [storefront.pk]},
    )
    for action in ("seller_approve", "seller_activate"):
        operator_client.post(
            reverse("admin:sellers_seller_changelist"), {"action": action, "_selected_action": [seller.pk]}
        )
    storefront.refresh_from_db()
    seller.refresh_from_db()
    assert (storefront.status, seller.status) == ("open", "active")
    assert StatusChange.objects.filter(to_status="active", actor__isnull=False).count() == 1


def test_an_illegal_action_is_reported_and_changes_nothing(operator_client):
    seller = make_seller(active=False)
    response = operator_client.post(
        reverse("admin:sellers_seller_changelist"),
        {"action": "seller_activate", "_selected_action": [seller.pk]},
        follow=True,
    )
    assert "cannot go from “Applied” to “Active”" in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == "applied"


def test_a_thread_shows_who_when_and_how_many_never_what_was_written(operator_client):
    populate(1)
    thread = Thread.objects.get()
    listed = operator_client.get(reverse("admin:messaging_thread_changelist")).content.decode()
    assert '<td class="field-messages">2</td>' in listed and '<td class="field-attachments">1</td>' in listed
    shown = operator_client.get(reverse("admin:messaging_thread_change", args=[thread.pk])).content.decode()
    assert thread.seller_order.number in shown
    for page in (listed, shown):
        assert "Where do I send it?" not in page and "To our shop." not in page and "box.png" not in page
    found = operator_client.get(reverse("admin:messaging_thread_changelist"), {"q": "send it"})
    assert '<td class="field-messages">' not in found.content.decode()  # text is not searched


def test_a_return_shows_its_lines(operator_client):
    populate(1)
    ret = Return.objects.get()
    page = operator_client.get(reverse("admin:returns_return_change", args=[ret.pk])).content.decode()
    line = ret.lines.get()
    assert str(line.order_line) in page and f"<p>{line.amount_minor}</p>" in page
