"""A world full of payloads: the isolation test's world (one seller with one object of every
kind a page can name, built through the services), then every text a seller, a customer or a
notifier types overwritten with a payload of the corpus, one per field.

The payloads are stored with one UPDATE per field rather than through the forms: the forms
refuse some of them in some fields (a ``<`` in a postal code), and what a page must survive is
whatever is stored — by an old version, an import, an API client, the admin. A real CSV import
adds its error report's cells (typed by the seller, shown back to them).
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from galerie.accounts.models import User
from galerie.catalog.models import (
    AttributeDefinition,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductProposal,
    ProductType,
    Variant,
)
from galerie.checkout.models import CheckoutAttempt
from galerie.core.models import OutboxEvent
from galerie.dac7.models import SellerTaxProfile
from galerie.incidents.models import Incident
from galerie.messaging.models import Attachment, Message, Thread
from galerie.notices.models import Complaint, Decision, Notice
from galerie.offers.handlers import offer_import_queued
from galerie.offers.imports import offer_import_create
from galerie.offers.models import Offer, OfferChange, OfferImport, OfferImportError
from galerie.orders.models import Order, OrderLine, SellerOrder, Shipment
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge
from galerie.returns.models import Return
from galerie.reviews.models import Review, ReviewReport
from galerie.search.services import search_index_products
from galerie.sellers.models import (
    Seller,
    SellerAdmission,
    SellerApiToken,
    SellerApplicationMessage,
    SellerDocument,
    SellerTermination,
)
from galerie.storefronts.models import Storefront
from galerie.terms.models import SellerComplaint, SellerTermsVersion
from galerie.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.hostile.corpus import JAVASCRIPT_URL, MARK, Payload, payload

# What users type, by model. The long texts get 20,000 characters before their payload.
TYPED: dict[type[models.Model], list[str]] = {
    User: ["full_name"],
    Storefront: ["name", "tagline", "closure_reason"],
    Seller: [
        "display_name", "legal_name", "address_line1", "address_line2", "city", "postal_code", "phone",
        "id_document_reference", "trade_register_number", "vat_number", "description", "return_policy",
    ],
    SellerAdmission: ["reason"],
    SellerDocument: ["original_name"],
    SellerApplicationMessage: ["body"],
    SellerApiToken: ["name"],
    SellerTermination: ["reason", "ground", "exception_reason"],
    SellerTermsVersion: ["title", "summary"],
    SellerComplaint: ["subject", "text", "answer"],
    SellerTaxProfile: ["permanent_establishments", "first_name", "last_name", "birth_city", "account_holder"],
    Category: ["name", "description"],
    Brand: ["name"],
    ProductType: ["name"],
    AttributeDefinition: ["name"],
    Product: [
        "title", "description", "manufacturer_name", "manufacturer_address", "responsible_name",
        "responsible_address",
    ],
    Variant: ["name"],
    ProductImage: ["alt"],
    ProductProposal: [
        "brand_name", "title", "description", "manufacturer_name", "manufacturer_address",
        "responsible_name", "responsible_address", "reason",
    ],
    Offer: ["seller_sku"],
    OfferChange: ["actor_label", "reason"],
    OfferImport: ["original_name", "failure"],
    Order: ["ship_name", "ship_line1", "ship_line2", "ship_city", "ship_postal_code", "ship_phone"],
    SellerOrder: ["carrier", "tracking_number", "refusal_reason"],
    OrderLine: ["product_title", "variant_name", "seller_sku"],
    Shipment: ["carrier", "tracking_number"],
    CheckoutAttempt: ["message"],
    Thread: ["operator_reason"],
    Message: ["body"],
    Attachment: ["original_name"],
    Review: ["author_name", "title", "text", "hidden_reason", "reply_text"],
    ReviewReport: ["details"],
    Return: [
        "defect_description", "instructions", "inspection_note", "depreciation_reason", "refusal_reason",
    ],
    Incident: ["description", "answer", "escalation_note", "decision_reason"],
    Notice: ["explanation", "notifier_name"],
    Decision: ["territorial_scope", "duration", "facts", "legal_ground", "terms_ground", "explanation"],
    Complaint: ["text", "outcome_reason"],
    WebhookEndpoint: ["description"],
    WebhookDelivery: ["last_error"],
    StorefrontMerge: ["name"],
    MergeProduct: ["title"],
    MergeParty: ["name"],
}  # fmt: skip
LONG = {("Seller", "description"), ("Product", "description"), ("Message", "body"), ("Review", "text")}


def poison() -> list[Payload]:
    """Overwrite every typed text of every row with its field's payload; return the payloads."""
    placed: list[Payload] = []
    n = 0
    for model, fields in TYPED.items():
        values: dict[str, str] = {}
        if not model._default_manager.exists():
            continue  # nothing of it in the world: its payloads would be nowhere
        for name in fields:
            field = model._meta.get_field(name)
            n += 1
            where = f"{model.__name__}.{name}"
            p = payload(n, where, max_length=field.max_length, long=(model.__name__, name) in LONG)
            values[name] = p.text
            placed.append(p)
        model._default_manager.update(**values)
    # Typed values inside JSON: a product's and a proposal's attributes, a product's warnings.
    n += 1
    text_attribute = payload(n, "Product.attributes[text]")
    placed.append(text_attribute)
    for product in Product.objects.all():
        attributes = {
            code: text_attribute.text if isinstance(value, str) else value
            for code, value in (product.attributes or {}).items()
        }
        Product.objects.filter(pk=product.pk).update(
            attributes=attributes,
            safety_information={"en": text_attribute.text, "fr": text_attribute.text},
        )
    # Web addresses a user types, shown as links: javascript: (refused by the services, stored
    # here as an older row or another path could have stored it).
    for model, name in [
        (Notice, "url"), (Product, "manufacturer_contact"), (Product, "responsible_contact"),
        (ProductProposal, "manufacturer_contact"), (WebhookEndpoint, "url"),
    ]:  # fmt: skip
        n += 1
        marker = f"xss{n:02d}"
        address = Payload(marker, JAVASCRIPT_URL.replace(MARK, marker), f"{model.__name__}.{name}")
        model._default_manager.update(**{name: address.text})
        placed.append(address)
    n += 1
    proposed = payload(n, "ProductProposal.attributes")
    placed.append(proposed)
    ProductProposal.objects.update(attributes={"author": proposed.text})
    # The states in which the operator's and the seller's texts show: a declined proposal, a
    # failed import (the world's first), a conversation the customer asked the operator into.
    ProductProposal.objects.update(status="rejected")
    OfferImport.objects.filter(pk=OfferImport.objects.order_by("pk").values("pk")[:1]).update(status="failed")
    Thread.objects.update(
        status="operator_asked", operator_asked_by="customer", operator_asked_at=timezone.now()
    )
    search_index_products(product_ids=Product.objects.values_list("pk", flat=True), changed=True)
    return placed


def import_with_payloads(*, seller: Seller, by: User, variant: Variant) -> tuple[OfferImport, list[Payload]]:
    """Run a real CSV import whose cells are payloads: its error report shows them back."""
    cells = [payload(90 + i, f"CSV cell {i}", max_length=60) for i in range(4)]
    rows = [
        "sku,gtin,price,stock,condition,lead_time_days",
        *(
            ",".join('"' + c.text.replace('"', '""') + '"' for c in (cell, cell, cell, cell, cell, cell))
            for cell in cells
        ),
        f'"{cells[0].text.replace(chr(34), 2 * chr(34))}",{variant.gtin},abc,1,new,2',
    ]
    upload = SimpleUploadedFile("prices.csv", "\n".join(rows).encode(), content_type="text/csv")
    offer_import = offer_import_create(seller=seller, by=by, upload=upload)
    for event in OutboxEvent.objects.filter(topic="offer_import.queued"):
        offer_import_queued(event)
    offer_import.refresh_from_db()
    assert OfferImportError.objects.filter(offer_import=offer_import).exists(), offer_import.status
    return offer_import, cells
