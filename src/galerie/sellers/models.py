"""Sellers: their legal identity (EU DSA art. 30), status, admission per storefront, staff."""

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from galerie.core.countries import COUNTRIES
from galerie.core.files import private_storage
from galerie.core.identifiers import (
    clean_french_trade_register,
    validate_iban,
    validate_phone,
    validate_vat_number,
)
from galerie.storefronts.models import Storefront


class Seller(models.Model):
    class Kind(models.TextChoices):
        TRADER = "trader", _("Professional (trader)")
        PRIVATE = "private", _("Private person")

    class Status(models.TextChoices):
        APPLIED = "applied", pgettext_lazy("seller status", "Applied")
        INFO_REQUESTED = "info_requested", pgettext_lazy("seller status", "More information requested")
        APPROVED = "approved", pgettext_lazy("seller status", "Approved")
        REJECTED = "rejected", pgettext_lazy("seller status", "Rejected")
        ACTIVE = "active", pgettext_lazy("seller status", "Active")
        SUSPENDED = "suspended", pgettext_lazy("seller status", "Suspended")
        CLOSED = "closed", pgettext_lazy("seller status", "Closed")

    TRANSITIONS = {
        Status.APPLIED: frozenset({Status.APPROVED, Status.REJECTED, Status.INFO_REQUESTED}),
        Status.INFO_REQUESTED: frozenset({Status.APPLIED, Status.REJECTED}),
        Status.APPROVED: frozenset({Status.ACTIVE, Status.CLOSED}),
        Status.REJECTED: frozenset(),
        Status.ACTIVE: frozenset({Status.SUSPENDED, Status.CLOSED}),
        Status.SUSPENDED: frozenset({Status.ACTIVE, Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=80, unique=True, help_text="The shop's address: /seller/<slug>/.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.APPLIED, editable=False)
    display_name = models.CharField(max_length=120, help_text="The shop name customers see.")
    # Legal identity (DSA art. 30(1)): who the trader is and how to reach them.
    legal_name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=20, validators=[validate_phone])
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=16)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="FR", help_text="ISO 3166-1 alpha-2 code.")
    id_document_reference = models.CharField(
        max_length=100,
        help_text="Type and number of the identity document of the seller or its representative.",
    )
    iban = models.CharField("IBAN", max_length=34, validators=[validate_iban])
    trade_register_number = models.CharField(
        max_length=32, blank=True, help_text="SIREN or SIRET in France; the register's number elsewhere."
    )
    vat_number = models.CharField("VAT number", max_length=20, blank=True, validators=[validate_vat_number])
    compliance_certified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the seller certified it offers only compliant products."
    )
    description = models.TextField(blank=True)
    # The shop page (seller portal, "Shop settings").
    logo = models.ImageField(upload_to="sellers/logos/", blank=True)
    return_policy = models.TextField(
        blank=True, help_text="Shown on the shop page and each offer: returns, withdrawal, warranty."
    )
    low_stock_threshold = models.PositiveIntegerField(
        default=3, help_text="The dashboard warns about active offers with this stock or less."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="trader")
                | (~models.Q(trade_register_number="") & models.Q(compliance_certified_at__isnull=False)),
                name="trader_has_register_number_and_certification",
                violation_error_message=(
                    "A professional seller needs a trade register number and the self-certification"
                    " that it offers only compliant products (EU Digital Services Act, art. 30)."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="seller_status_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_trader(self) -> bool:
        return self.kind == self.Kind.TRADER

    def clean(self) -> None:
        errors: dict[str, Sequence[str | Promise]] = {}
        if self.country and self.country not in COUNTRIES:
            errors["country"] = [
                _("“%(code)s” is not an ISO 3166-1 country code (FR, BE, DE …).") % {"code": self.country}
            ]
        if self.trade_register_number and self.country == "FR":
            try:
                self.trade_register_number = clean_french_trade_register(self.trade_register_number)
            except ValidationError as error:
                errors["trade_register_number"] = error.messages
        if (
            self.kind == self.Kind.TRADER
            and not self.trade_register_number
            and "trade_register_number" not in errors
        ):
            errors["trade_register_number"] = [
                _("A professional seller must give its trade register number (SIREN or SIRET in France).")
            ]
        if self.kind == self.Kind.TRADER and not self.compliance_certified_at:
            errors["compliance_certified_at"] = [
                _("A professional seller must certify that it offers only products that comply with EU law.")
            ]
        if errors:
            raise ValidationError(errors)


class SellerAdmission(models.Model):
    """Whether a seller may sell on a storefront (the operator's curation)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ADMITTED = "admitted", _("Admitted")
        REFUSED = "refused", _("Refused")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="admissions")
    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="admissions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["storefront", "seller"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "storefront"], name="one_admission_per_seller_storefront"
            )
        ]
        indexes = [models.Index(fields=["storefront", "status", "seller"], name="admission_storefront_idx")]

    def __str__(self) -> str:
        return f"{self.seller} on {self.storefront}: {self.status}"


class SellerMember(models.Model):
    """A user working for a seller, with a role that limits what they may do."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        SHIPPING_CLERK = "shipping_clerk", _("Shipping clerk")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    notify_new_orders = models.BooleanField(
        default=True,
        db_default=True,  # rows the seed writes in bulk, without the column, are on too
        help_text="E-mail this member each new order of the shop (every role, by default).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seller", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "user"], name="one_membership_per_user_seller")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.seller}"


class ShippingProfile(models.Model):
    """How a seller charges shipping for one order (docs/shipping.md).

    ``flat``: ``base`` per order. ``per_item``: ``base`` for the first item and ``per_item``
    for each further one. Either way free when the seller's items total reaches ``free_above``.
    """

    class Kind(models.TextChoices):
        FLAT = "flat", _("Flat rate per order")
        PER_ITEM = "per_item", _("First item + each further item")

    seller = models.OneToOneField(Seller, on_delete=models.CASCADE, related_name="shipping_profile")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FLAT)
    currency = models.CharField(max_length=3, default="EUR")
    base_minor = models.BigIntegerField(default=490, help_text="Per order, or for the first item.")
    per_item_minor = models.BigIntegerField(default=0, help_text="Each further item (per-item profiles).")
    free_above_minor = models.BigIntegerField(
        null=True, blank=True, help_text="Free shipping when the items total reaches this amount."
    )
    transit_days_min = models.PositiveSmallIntegerField(default=2)
    transit_days_max = models.PositiveSmallIntegerField(default=4)
    # Loi 2014-779: the up-to-5 % reduction a bookseller may give on new books, taken only off the
    # delivery charge (basis points of the new books' price; pricing.shipping, docs/loi-lang.md).
    book_discount_bp = models.PositiveSmallIntegerField(
        "new books' reduction off delivery (basis points)",
        default=0,
        db_default=0,
        help_text="Up to 500 (5 % of the new books' price), taken off the delivery charge only.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(book_discount_bp__lte=500),
                name="shipping_book_discount_at_most_5_percent",
                violation_error_message=(
                    "Loi Lang: the reduction on new books is at most 5 % (500 basis points)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(base_minor__gte=0, per_item_minor__gte=0)
                & (models.Q(free_above_minor__isnull=True) | models.Q(free_above_minor__gt=0)),
                name="shipping_amounts_not_negative",
                violation_error_message="Shipping amounts cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(transit_days_max__gte=models.F("transit_days_min")),
                name="shipping_transit_range",
                violation_error_message="The longest transit time cannot be shorter than the shortest.",
            ),
        ]

    def __str__(self) -> str:
        return f"Shipping of {self.seller_id}: {self.kind}"


def seller_document_path(instance: "SellerDocument", filename: str) -> str:
    return f"sellers/{instance.seller.uuid}/documents/{uuid.uuid4().hex}-{filename[-80:]}"


class SellerDocument(models.Model):
    """A document an applicant or seller gave the operator (identity, registration, bank).

    Kept in the private storage: only the back office serves it, never a public URL.
    """

    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        REGISTRATION = "registration", _("Trade register extract (Kbis …)")
        BANK = "bank", _("Bank details (RIB)")
        OTHER = "other", _("Other")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=seller_document_path, storage=private_storage, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seller", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class SellerApplicationMessage(models.Model):
    """The conversation of a curation: the operator's questions and the applicant's answers."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="application_messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_operator = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seller", "id"]

    def __str__(self) -> str:
        return f"{'Operator' if self.from_operator else 'Applicant'} on {self.seller_id}: {self.body[:40]}"


class SellerInvitation(models.Model):
    """An invitation, sent by e-mail, to join a seller's staff with a role.

    Only a hash of the token is stored: the link in the e-mail is the only copy of the token.
    """

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=SellerMember.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seller", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_seller_email",
                violation_error_message="This address already has an open invitation to this shop.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.seller_id} as {self.role}"


class SellerApiToken(models.Model):
    """A key for the seller API, scoped to one seller and a role like a staff member's.

    Only a hash of the key is stored; ``prefix`` (its first characters) lets a seller tell
    its keys apart. A revoked key stays, for the record.
    """

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    role = models.CharField(max_length=16, choices=SellerMember.Role.choices)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seller", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.seller_id}"


class SellerTermination(models.Model):
    """The notice that the operator ends a seller's whole use of the marketplace (P2B Regulation
    (EU) 2019/1150, art. 4): its statement of reasons, when it was given and when it takes effect.

    Without an exception the closing takes effect ``NOTICE_DAYS`` after the notice (art. 4(1));
    with one of the art. 4(4) exceptions (or at the seller's own request) it takes effect at once.
    A periodic job closes the seller when the date comes (``sellers.terminations_due``).
    """

    NOTICE_DAYS = 30

    class Exemption(models.TextChoices):
        NONE = "", _("None: 30 days' notice")
        LEGAL_OBLIGATION = "legal_obligation", _("A legal or regulatory obligation (art. 4(4)(a))")
        REPEATED_INFRINGEMENT = (
            "repeated_infringement",
            _("Repeated infringement of the terms (art. 4(4)(c))"),
        )
        SELLER_REQUEST = "seller_request", _("At the seller's own request")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Takes effect on its date")
        DONE = "done", _("Seller closed")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="terminations")
    reason = models.TextField(help_text="The specific facts and circumstances the seller is told.")
    ground = models.CharField(max_length=300, help_text="The ground in the seller terms relied on.")
    exception = models.CharField(max_length=24, choices=Exemption.choices, blank=True, default="")
    exception_reason = models.TextField(blank=True, default="")
    notified_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    closed_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller"],
                condition=models.Q(status="scheduled"),
                name="one_scheduled_termination_per_seller",
            )
        ]
        indexes = [models.Index(fields=["status", "effective_at"], name="termination_due_idx")]

    def __str__(self) -> str:
        return f"termination of {self.seller_id} on {self.effective_at:%Y-%m-%d} ({self.status})"
