"""Every field of every model, classified: personal (and what erasure does to it) or not.

This is the one declaration the export (GDPR art. 15 and 20) and the erasure (art. 17) read,
and that tests/privacy/test_registry.py holds against ``apps.get_models()``: a field that is not
classified here fails the test by its name (``app.Model.field``), so a new personal field cannot
slip in unseen. docs/privacy.md gives the reasons, field by field where they are not obvious.

To classify a new model, add one ``policy(...)`` entry to ``POLICIES``: ``subject`` says how to
find the customer's rows (an ORM path to the account, or :func:`by_email`), ``on_erase`` what
erasure does to those rows, then each personal field with its :class:`T` and the other fields in
``not_personal`` (one string, names separated by spaces).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from django.db.models import Q


class T(StrEnum):
    """What a field is, for a customer's data protection rights."""

    NOT_PERSONAL = "not_personal"
    ERASE = "erase"  # exported; emptied on erasure (the row is deleted when on_erase is "delete")
    ANONYMISE = "anonymise"  # exported; replaced by the account's pseudonym on erasure
    KEEP = "keep"  # exported; kept as it is for the legal retention (the policy's keep_years)
    LINK = "link"  # exported; kept: it points at the account, which erasure pseudonymises
    SECRET = "secret"  # a credential: never exported, emptied on erasure
    TRANSIENT = "transient"  # not exported: short-lived, deleted by a retention job (retention)
    OTHER = "other"  # personal data of someone else (a seller, a staff member): not the customer's


ERASED = frozenset({T.ERASE, T.ANONYMISE, T.SECRET})
EXPORTED = frozenset({T.NOT_PERSONAL, T.ERASE, T.ANONYMISE, T.KEEP, T.LINK})

Subject = Callable[[Any], Q]  # the account (with its original values) -> the filter of its rows


def by(path: str) -> Subject:
    """The rows whose ``path`` (an ORM lookup ending at the account) is the account."""
    return lambda user: Q(**{path: user.pk})


def by_email(column: str) -> Subject:
    """The rows whose ``column`` holds the account's e-mail address (no foreign key to follow)."""
    return lambda user: Q(**{f"{column}__iexact": user.email})


def by_order_number(column: str) -> Subject:
    """The rows whose text ``column`` (a JSON body) names one of the customer's orders or seller
    orders by number (``"GA-…"`` or ``"GA-…-2"``). A scan of the column: erasure is rare."""

    def subject(user: Any) -> Q:
        from django.apps import apps

        order = apps.get_model("orders", "Order")
        found = Q(pk__in=[])
        for number in order.objects.filter(customer_id=user.pk).values_list("number", flat=True):
            found |= Q(**{f"{column}__contains": f'"{number}"'}) | Q(**{f"{column}__contains": f'"{number}-'})
        return found

    return subject


@dataclass(frozen=True)
class Policy:
    fields: dict[str, T]
    subject: Subject | None = None  # None: no row belongs to one customer (or none can be found)
    on_erase: Literal["delete", "update", "keep"] = "update"
    erase_rows: Q | None = None  # "update": only these of the customer's rows are emptied
    keep_years: int | None = None  # T.KEEP fields: how long the law wants them
    retention: str = ""  # T.TRANSIENT fields: the job that deletes them, and when
    why: str = ""
    export_order: int = 100  # the export lists models in this order, then by label


def policy(
    *,
    subject: Subject | None = None,
    on_erase: Literal["delete", "update", "keep"] = "update",
    not_personal: str = "",
    erase_rows: Q | None = None,
    keep_years: int | None = None,
    retention: str = "",
    why: str = "",
    export_order: int = 100,
    **personal: T,
) -> Policy:
    fields = dict.fromkeys(not_personal.split(), T.NOT_PERSONAL)
    overlap = set(fields) & set(personal)
    if overlap:
        raise ValueError(f"Fields both personal and not: {sorted(overlap)}")
    fields.update(personal)
    return Policy(
        fields=fields,
        subject=subject,
        on_erase=on_erase,
        erase_rows=erase_rows,
        keep_years=keep_years,
        retention=retention,
        why=why,
        export_order=export_order,
    )


ACCOUNTING_YEARS = 10  # Code de commerce L123-22; OSS records (Directive 2006/112 art. 369k)

POLICIES: dict[str, Policy] = {
    # --- Django's own -------------------------------------------------------------------------
    "admin.LogEntry": policy(
        subject=lambda user: Q(content_type__app_label="accounts", object_id=str(user.pk)),
        not_personal="id action_time content_type object_id action_flag change_message",
        user=T.OTHER,  # the staff member who acted
        object_repr=T.ANONYMISE,  # a user's str() is their e-mail address
        why="The back office's history of changes to the account.",
    ),
    "auth.Permission": policy(not_personal="id name content_type codename"),
    "auth.Group": policy(not_personal="id name"),
    "contenttypes.ContentType": policy(not_personal="id app_label model"),
    "sessions.Session": policy(
        not_personal="expire_date",
        session_key=T.TRANSIENT,
        session_data=T.TRANSIENT,
        retention="privacy.retention deletes expired sessions daily; erasure voids the account's"
        " sessions at once (the unusable password changes the session's auth hash).",
    ),
    # --- core ---------------------------------------------------------------------------------
    "core.OutboxEvent": policy(
        not_personal="id uuid topic payload created_at delivered_at available_at attempts last_error"
        " request_id",
        why="Payloads carry ids, never a name, address or e-mail.",
    ),
    "core.StatusChange": policy(
        not_personal="id model object_pk from_status to_status reason at",
        actor=T.LINK,
    ),
    # --- accounts -----------------------------------------------------------------------------
    "accounts.User": policy(
        subject=by("pk"),
        not_personal="id is_superuser preferred_language is_staff is_active",
        password=T.SECRET,
        last_login=T.ERASE,
        uuid=T.LINK,
        email=T.ANONYMISE,
        full_name=T.ERASE,
        date_joined=T.LINK,
        transfer_consent=T.LINK,  # the consent itself, exported as such
        export_order=0,
    ),
    "privacy.Erasure": policy(
        subject=by("user"),
        on_erase="keep",
        not_personal="id source at",
        user=T.LINK,
        by=T.OTHER,
        why="The audit of the erasure: when and by whom, not what (art. 5(2) accountability).",
    ),
    # --- portability (storefront bundles and merges) ------------------------------------------
    "portability.StorefrontMerge": policy(
        not_personal="id uuid code bundle_code name path manifest_sha256 status counts created_at"
        " committed_at storefront",
        created_by=T.OTHER,
        committed_by=T.OTHER,
    ),
    "portability.MergeProduct": policy(
        not_personal="id merge incoming title decision score signal product review"
    ),
    "portability.MergeParty": policy(
        subject=by("user"),
        not_personal="id merge kind incoming signal seller status decided_at joined_at",
        name=T.ANONYMISE,
        email=T.ANONYMISE,
        user=T.LINK,
        placeholder=T.LINK,
    ),
    # --- api ----------------------------------------------------------------------------------
    "api.StaffApiToken": policy(
        subject=by("user"),
        on_erase="delete",
        not_personal="id prefix created_at last_used_at revoked_at",
        user=T.LINK,
        name=T.ERASE,
        key_hash=T.SECRET,
        export_order=90,
    ),
    "api.IdempotencyRecord": policy(
        not_personal="id scope key fingerprint state status_code content_type created_at locked_at",
        body=T.TRANSIENT,
        retention="api.idempotency_purge deletes records after 24 hours.",
    ),
    # --- incidents ----------------------------------------------------------------------------
    "incidents.Incident": policy(
        subject=by("customer"),
        not_personal="id uuid seller_order seller storefront kind status opened_at answer_due_at proposal"
        " proposal_amount_minor answer answered_at resolved_at escalated_at escalated_by decision"
        " decision_reason decided_at closed_at refund_minor refund_key refund",
        customer=T.LINK,
        description=T.ERASE,
        escalation_note=T.ERASE,
        export_order=40,
    ),
    "incidents.IncidentPhoto": policy(
        subject=by("incident__customer"),
        on_erase="delete",
        not_personal="id uuid incident content_type width height uploaded_at",
        file=T.ERASE,
        export_order=41,
    ),
    # --- reviews ------------------------------------------------------------------------------
    "reviews.Review": policy(
        subject=by("customer"),
        not_personal="id uuid storefront order_line seller_order product seller product_stars"
        " seller_stars language status hidden_reason reply_text replied_at created_at",
        customer=T.LINK,
        author_name=T.ERASE,
        title=T.LINK,  # the opinion stays, published without a name (docs/privacy.md)
        text=T.LINK,
        export_order=60,
    ),
    # --- notices (DSA notice and action) ---------------------------------------------------------
    "notices.Notice": policy(
        subject=by_email("notifier_email"),
        not_personal="id uuid storefront target_kind product offer review seller category url good_faith"
        " language status received_at due_at decided_at overdue_alerted_at",
        notifier_name=T.ERASE,
        notifier_email=T.ANONYMISE,
        explanation=T.KEEP,  # the notice a decision rests on: evidence for complaints and courts
        keep_years=6,
        why="A notifier's notice (DSA art. 16): the decision taken on it may be contested in court.",
        export_order=62,
    ),
    "notices.Decision": policy(
        subject=by("author"),
        on_erase="keep",
        not_personal="id uuid notice action territorial_scope duration facts automated legal_ground"
        " terms_ground explanation seller offer_ids decided_at",
        author=T.LINK,  # the review's author a hiding restricted
        decided_by=T.OTHER,
        why="A statement of reasons (DSA art. 17): stored unchanged.",
        export_order=63,
    ),
    "notices.Complaint": policy(
        subject=by("by_user"),
        not_personal="id uuid decision role status received_at outcome_reason decided_at",
        by_user=T.LINK,
        email=T.ANONYMISE,
        text=T.KEEP,
        keep_years=6,
        decided_by=T.OTHER,
        export_order=64,
    ),
    "reviews.ReviewReport": policy(
        subject=by("reporter"),
        not_personal="id review reason created_at resolved_at",
        reporter=T.LINK,
        details=T.ERASE,
        export_order=61,
    ),
    "reviews.ReviewRequest": policy(not_personal="id seller_order created_at"),
    "reviews.RatingSummary": policy(
        not_personal="id storefront kind subject_id count stars_sum average_centi",
        recent=T.ERASE,  # shown names of recent reviews: rebuilt by the erasure
        why="Derived from the reviews; the erasure refreshes the summaries of the customer's reviews.",
    ),
    # --- returns ------------------------------------------------------------------------------
    "returns.WithdrawalPeriod": policy(not_personal="id seller_order status starts_at ends_at"),
    "returns.Return": policy(
        subject=by("customer"),
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid seller_order reason status declared_at refund_due_by items_minor"
        " shipping_minor held_minor instructions instructed_at received_at inspection_note"
        " depreciation_minor depreciation_reason refund_minor refund refunded_at refusal_reason"
        " created_at",
        customer=T.LINK,
        defect_description=T.ERASE,
        label=T.ERASE,  # the return label prints the customer's address
        overruled_by=T.OTHER,
        export_order=30,
    ),
    "returns.ReturnLine": policy(
        subject=by("ret__customer"),
        on_erase="keep",
        not_personal="id ret order_line quantity amount_minor seal_intact",
        export_order=31,
    ),
    # --- messaging ----------------------------------------------------------------------------
    "messaging.Thread": policy(
        subject=by("customer"),
        on_erase="keep",
        not_personal="id uuid seller_order seller storefront status operator_reason operator_asked_by"
        " operator_asked_at customer_unread seller_unread operator_unread customer_read_upto"
        " seller_read_upto operator_read_upto awaiting_since created_at last_message_at",
        customer=T.LINK,
        export_order=50,
    ),
    "messaging.Message": policy(
        subject=by("thread__customer"),
        not_personal="id thread party masked created_at",
        author=T.LINK,
        body=T.ERASE,  # both sides: a conversation about the customer's parcel (docs/privacy.md)
        export_order=51,
    ),
    "messaging.Attachment": policy(
        subject=by("message__thread__customer"),
        on_erase="delete",
        not_personal="id uuid message content_type size width height",
        file=T.ERASE,
        original_name=T.ERASE,
        export_order=52,
    ),
    "messaging.SellerResponse": policy(
        not_personal="id thread seller storefront asked reply asked_at seconds"
    ),
    # --- storefronts --------------------------------------------------------------------------
    "storefronts.Storefront": policy(
        not_personal="id uuid code name tagline default_language currency status logo colour_primary"
        " colour_accent colour_background colour_text font deemed_delivered_days accept_within_hours"
        " ship_within_days incident_answer_hours quality_window_days quality_min_orders"
        " quality_min_acceptance_bp quality_max_late_bp quality_max_refusal_bp quality_max_refund_bp"
        " closing_on closure_announced_at closure_reason closed_at sales_stopped_at created_at"
    ),
    "storefronts.StorefrontHost": policy(not_personal="id storefront host is_primary"),
    "storefronts.StorefrontRedirect": policy(not_personal="id storefront old_path new_path created_at"),
    # --- sellers (a private seller is a person: kept under DSA art. 30(3), docs/privacy.md) -----
    "sellers.Seller": policy(
        not_personal="id uuid slug kind status display_name country compliance_certified_at description"
        " logo return_policy low_stock_threshold created_at",
        legal_name=T.OTHER,
        email=T.OTHER,
        phone=T.OTHER,
        address_line1=T.OTHER,
        address_line2=T.OTHER,
        postal_code=T.OTHER,
        city=T.OTHER,
        id_document_reference=T.OTHER,
        iban=T.OTHER,
        trade_register_number=T.OTHER,
        vat_number=T.OTHER,
    ),
    "sellers.SellerAdmission": policy(
        not_personal="id seller storefront status reason decided_at", decided_by=T.OTHER
    ),
    "sellers.SellerMember": policy(not_personal="id seller role notify_new_orders created_at", user=T.OTHER),
    "sellers.ShippingProfile": policy(
        not_personal="id seller kind currency base_minor per_item_minor free_above_minor"
        " transit_days_min transit_days_max book_discount_bp"
    ),
    "sellers.SellerDocument": policy(
        not_personal="id seller kind content_type size uploaded_at",
        file=T.OTHER,  # deleted 6 months after the seller relationship ends (sellers.documents_purge)
        original_name=T.OTHER,
        uploaded_by=T.OTHER,
    ),
    "sellers.SellerApplicationMessage": policy(
        not_personal="id seller from_operator created_at", author=T.OTHER, body=T.OTHER
    ),
    "sellers.SellerInvitation": policy(
        not_personal="id seller role token_hash created_at expires_at accepted_at revoked_at",
        email=T.OTHER,
        invited_by=T.OTHER,
        accepted_by=T.OTHER,
    ),
    "sellers.SellerApiToken": policy(
        not_personal="id seller name role prefix key_hash created_at last_used_at revoked_at",
        created_by=T.OTHER,
    ),
    "sellers.SellerTermination": policy(  # P2B art. 4: the notice and its statement of reasons
        not_personal="id seller reason ground exception exception_reason notified_at effective_at status"
        " closed_at",
        by=T.OTHER,
    ),
    # --- terms (P2B: the seller terms, acceptances, sellers' complaints; docs/p2b.md) ----------
    "terms.SellerTermsVersion": policy(
        not_personal="id number title text summary effective_at published_at exception exception_reason",
        published_by=T.OTHER,
    ),
    "terms.SellerTermsAcceptance": policy(
        not_personal="id seller version how accepted_at", accepted_by=T.OTHER
    ),
    # Built by hand: its field ``subject`` is also the name of policy()'s parameter.
    "terms.SellerComplaint": Policy(
        fields={
            **dict.fromkeys(
                ["id", "seller", "kind", "status", "outcome", "created_at", "answered_at"], T.NOT_PERSONAL
            ),
            "subject": T.OTHER,  # a seller's words to the operator, possibly naming its staff
            "text": T.OTHER,
            "answer": T.OTHER,
            "filed_by": T.OTHER,
            "answered_by": T.OTHER,
        }
    ),
    # --- catalog ------------------------------------------------------------------------------
    "catalog.Category": policy(not_personal="id path depth numchild name slug description"),
    "catalog.Brand": policy(not_personal="id name slug match_key"),
    "catalog.ProductType": policy(not_personal="id code name tax_class withdrawal_exception is_book"),
    "catalog.AttributeDefinition": policy(
        not_personal="id product_type code name kind level unit choices is_required is_key position"
    ),
    "catalog.Product": policy(
        not_personal="id uuid product_type category brand title slug description attributes status"
        " created_at updated_at publisher_price_minor publisher_price_currency"
        # GPSR: a manufacturer's and an EU responsible person's business addresses, not a customer's
        " manufacturer_name manufacturer_address manufacturer_country manufacturer_contact responsible_name"
        " responsible_address responsible_country responsible_contact safety_information recall_period_months"
        " recalled_at"
    ),
    "catalog.Variant": policy(not_personal="id uuid product gtin name attributes position"),
    "catalog.ProductImage": policy(not_personal="id product image thumbnail width height alt position"),
    "catalog.ProductProposal": policy(
        not_personal="id uuid seller status category product_type brand_name title description gtin"
        " attributes image condition price_minor currency stock reason product created_at decided_at"
        " publisher_price_minor manufacturer_name manufacturer_address manufacturer_country"
        " manufacturer_contact responsible_name responsible_address responsible_country"
        " responsible_contact safety_information",
        created_by=T.OTHER,
        decided_by=T.OTHER,
    ),
    "catalog.MatchReview": policy(
        not_personal="id uuid batch candidate product variant score reasons status created_at"
        " decided_at committed_at seller payload",
        decided_by=T.OTHER,
        committed_by=T.OTHER,
    ),
    # --- offers -------------------------------------------------------------------------------
    "offers.Offer": policy(
        not_personal="id uuid seller variant condition seller_sku price_minor currency stock"
        " lead_time_days status created_at updated_at"
    ),
    "offers.PriceHistory": policy(not_personal="id offer price_minor currency valid_from"),
    "offers.OfferChange": policy(
        not_personal="id offer field from_value to_value reason at",
        actor=T.OTHER,
        actor_label=T.OTHER,
    ),
    "offers.OfferImport": policy(
        not_personal="id uuid seller file original_name check_only all_or_nothing status total_rows"
        " processed_rows error_rows created_offers updated_offers unchanged_offers failure created_at"
        " started_at finished_at",
        uploaded_by=T.OTHER,
    ),
    "offers.OfferImportError": policy(not_personal="id offer_import row column value reason"),
    # --- payments -----------------------------------------------------------------------------
    "payments.ProviderCharge": policy(
        not_personal="id reference idempotency_key amount_minor currency captured_minor refunded_minor"
        " fee_minor status card_brand decline_code decline_message return_url description created_at"
        " updated_at",
        card_last4=T.KEEP,
        keep_years=ACCOUNTING_YEARS,
        why="The built-in test gateway's side: a real provider keeps its own records.",
    ),
    "payments.ProviderRefund": policy(
        not_personal="id reference charge idempotency_key amount_minor status created_at"
    ),
    "payments.ProviderIdempotencyKey": policy(
        not_personal="id key operation fingerprint response created_at"
    ),
    "payments.ProviderWebhook": policy(
        not_personal="id event_id type body scheduled_at delivered_at attempts last_error created_at"
    ),
    "payments.Payment": policy(
        subject=by("order__customer"),
        on_erase="keep",
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid gateway provider_reference idempotency_key amount_minor currency status"
        " captured_minor refunded_minor fee_minor decline_code decline_message action_url description"
        " created_at updated_at",
        card_last4=T.KEEP,  # evidence of the payment in a dispute
        export_order=20,
    ),
    "payments.Refund": policy(
        subject=by("payment__order__customer"),
        on_erase="keep",
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid payment idempotency_key provider_reference amount_minor currency status"
        " reason created_at updated_at",
        export_order=21,
    ),
    "payments.PaymentEvent": policy(
        not_personal="id gateway event_id type payload result payment received_at"
    ),
    "payments.PaymentDiscrepancy": policy(
        not_personal="id payment event kind expected_minor expected_currency reported_minor"
        " reported_currency reported_status source detected_at"
    ),
    # --- cart ---------------------------------------------------------------------------------
    "cart.Cart": policy(
        subject=by("customer"),
        on_erase="delete",
        not_personal="id uuid storefront created_at updated_at",
        customer=T.LINK,
        export_order=70,
    ),
    "cart.CartLine": policy(
        subject=by("cart__customer"),
        on_erase="delete",
        not_personal="id cart offer quantity price_seen_minor added_at",
        export_order=71,
    ),
    # --- orders (kept 10 years: Code de commerce L123-22) -------------------------------------
    "orders.Order": policy(
        subject=by("customer"),
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid number storefront language status currency items_minor shipping_minor"
        " total_minor vat_minor payment placed_at",
        customer=T.LINK,
        email=T.ANONYMISE,
        ship_name=T.ANONYMISE,
        ship_line1=T.ERASE,
        ship_line2=T.ERASE,
        ship_city=T.ERASE,
        ship_phone=T.ERASE,
        ship_postal_code=T.KEEP,  # VAT place-of-supply evidence (OSS: 10 years)
        ship_country=T.KEEP,
        export_order=10,
    ),
    "orders.SellerOrder": policy(
        subject=by("order__customer"),
        on_erase="keep",
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid order seller number status items_minor shipping_minor total_minor"
        " vat_minor refunded_minor delivery_days_min delivery_days_max carrier tracking_number"
        " refusal_reason accepted_at shipped_at delivered_at updated_at",
        export_order=11,
    ),
    "orders.OrderLine": policy(
        subject=by("seller_order__order__customer"),
        on_erase="keep",
        keep_years=ACCOUNTING_YEARS,
        not_personal="id seller_order offer variant product_title variant_name condition seller_sku"
        " quantity unit_price_minor total_minor tax_class vat_rate_bp vat_minor commission_rate_bp"
        " commission_fixed_fee_minor commission_minor commission_shipping_minor"
        " commission_vat_rate_bp commission_vat_minor",
        export_order=12,
    ),
    "orders.Shipment": policy(
        not_personal="id seller_order number carrier tracking_number shipped_at delivered_at"
    ),
    "orders.ShipmentLine": policy(not_personal="id shipment order_line quantity"),
    "orders.SellerQualityWarning": policy(
        not_personal="id seller storefront figure window_start value_bp threshold_bp orders created_at"
    ),
    # --- checkout -----------------------------------------------------------------------------
    "checkout.CheckoutAttempt": policy(
        subject=by("customer"),
        not_personal="id uuid idempotency_key storefront cart_id_snapshot status quote currency"
        " amount_minor payment order message expires_at created_at updated_at",
        customer=T.LINK,
        address=T.ERASE,  # the address typed at checkout; the order keeps its own copy
        export_order=15,
    ),
    "checkout.StockReservation": policy(not_personal="id attempt offer quantity released"),
    # --- ledger (no customer data: entries name orders and sellers) ---------------------------
    "ledger.Account": policy(not_personal="id kind currency seller created_at"),
    "ledger.JournalEntry": policy(
        not_personal="id idempotency_key kind description event_uuid reverses posted_at"
    ),
    "ledger.JournalLine": policy(
        not_personal="id entry account debit_minor credit_minor currency payment seller_order"
    ),
    "ledger.CommissionPlan": policy(
        not_personal="id storefront rate_bp fixed_fee_minor on_shipping updated_at"
    ),
    "ledger.CommissionOverride": policy(not_personal="id storefront seller category rate_bp updated_at"),
    "ledger.PayoutRun": policy(not_personal="id run_date currency started_at as_of completed_at file_name"),
    "ledger.Payout": policy(
        not_personal="id run seller entry currency amount_minor reserve_minor debt_netted_minor"
        " debt_left_minor created_at",
        iban=T.OTHER,
    ),
    "ledger.StorefrontCost": policy(
        not_personal="id storefront month kind amount_minor currency note created_at updated_at",
        created_by=T.OTHER,
        updated_by=T.OTHER,
    ),
    "ledger.PayoutHold": policy(
        not_personal="id seller reason note placed_at lifted_at", placed_by=T.OTHER, lifted_by=T.OTHER
    ),
    # --- dac7 (a seller's tax identity: kept as the tax authority's evidence, docs/dac7.md) ----
    "dac7.SellerTaxProfile": policy(
        not_personal="id seller seller_type tin_country permanent_establishments exclusion updated_at",
        tin=T.OTHER,
        first_name=T.OTHER,
        last_name=T.OTHER,
        birth_date=T.OTHER,
        birth_city=T.OTHER,
        birth_country=T.OTHER,
        account_holder=T.OTHER,
        updated_by=T.OTHER,
    ),
    "dac7.Dac7Reminder": policy(not_personal="id seller year number sent_at missing"),
    # --- invoices (kept 10 years, never rewritten: a legal document as issued, docs/invoices.md) --
    "invoices.Invoice": policy(
        subject=by("seller_order__order__customer"),
        on_erase="keep",
        keep_years=ACCOUNTING_YEARS,
        not_personal="id uuid kind issuer number sequence seller seller_order credits refund month"
        " issued_at currency total_excl_vat_minor vat_minor total_incl_vat_minor sha256",
        data=T.KEEP,  # the buyer's name and address as printed (CGI art. 242 nonies A)
        file=T.KEEP,  # the PDF/A-3 with the same mentions; its SHA-256 proves it unchanged
        export_order=13,
    ),
    "invoices.InvoiceCounter": policy(not_personal="id issuer series year last_number"),
    "invoices.CommissionInvoiceRun": policy(not_personal="id month invoices completed_at"),
    # --- recalls (GPSR art. 36: who a recall reached is the operator's evidence) -----------------
    "recalls.Recall": policy(
        not_personal="id uuid product notice buyers_since recalled_at offers_closed", created_by=T.OTHER
    ),
    "recalls.RecallNotice": policy(
        subject=by("customer"),
        not_personal="id recall order status skip_reason sent_at",
        customer=T.LINK,
        email=T.ANONYMISE,  # the row stays (the buyer was told), the address goes with the account
        export_order=85,
    ),
    # --- notifications ------------------------------------------------------------------------
    "notifications.SentEmail": policy(
        subject=by_email("recipient"),
        not_personal="id event_uuid kind reference subject language created_at sent_at",
        recipient=T.ANONYMISE,
        export_order=80,
    ),
    # --- search -------------------------------------------------------------------------------
    "search.SearchEntry": policy(
        not_personal="id storefront product category brand product_type title_terms brand_terms"
        " category_terms body_terms title_key best_price_minor offer_count created_at indexed_at"
        " value_ids offer_sellers offer_conditions offer_prices deal_price_minor deal_prior_minor"
        " deal_until deal_rank"
    ),
    "search.SearchValue": policy(not_personal="id name value label"),
    "search.SearchTerm": policy(not_personal="id storefront word frequency"),
    "search.SearchCount": policy(not_personal="id storefront scope name value n"),
    # --- webhooks -----------------------------------------------------------------------------
    "webhooks.WebhookEndpoint": policy(
        not_personal="id seller url description secret event_types active created_at",
        created_by=T.OTHER,
    ),
    "webhooks.WebhookDelivery": policy(
        subject=by_order_number("body"),
        erase_rows=~Q(status="pending"),  # a pending one is still being sent: the purge takes it later
        not_personal="id endpoint event_uuid event_type status attempts next_attempt_at"
        " first_attempt_at last_status_code last_error delivered_at redelivered_at created_at",
        body=T.ERASE,  # an order event sent to the seller carries the shipping address
        redelivered_by=T.OTHER,
        export_order=95,
    ),
    "webhooks.WebhookAttempt": policy(not_personal="id delivery at status_code error duration_ms"),
}

# The apps whose every model must be classified: Galerie's own, and Django's that hold people.
CLASSIFIED_APPS = frozenset({"admin", "auth", "contenttypes", "sessions"})


def classified_app(app_label: str, module: str) -> bool:
    return module.startswith("galerie.") or app_label in CLASSIFIED_APPS


def unclassified_fields() -> list[str]:
    """Return ``app.Model.field`` for every concrete field the registry does not classify, and
    ``app.Model`` for a model it does not know; and ``app.Model.field?`` for a classified field
    that no longer exists."""
    from django.apps import apps

    missing: list[str] = []
    for model in apps.get_models():
        label = model._meta.label
        if not classified_app(model._meta.app_label, model.__module__):
            continue
        entry = POLICIES.get(label)
        names = [f.name for f in model._meta.concrete_fields]
        if entry is None:
            missing.extend(f"{label}.{name}" for name in names)
            continue
        missing.extend(f"{label}.{name}" for name in names if name not in entry.fields)
        missing.extend(f"{label}.{name}?" for name in entry.fields if name not in names)
    return missing
