"""The double-entry ledger and the commission rules.

Journal entries and their lines are written once by ``services.entry_post`` and never changed:
a correction is a new, reversing entry. Balances are sums of lines (``selectors``), never
stored numbers. See docs/ledger.md for the chart of accounts and each event's posting.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from galerie.ledger.errors import ImmutableEntry

_M = TypeVar("_M", bound=models.Model)


class AccountKind(models.TextChoices):
    GATEWAY_RECEIVABLE = "gateway_receivable", _("Gateway receivable")
    CUSTOMER_CLEARING = "customer_clearing", _("Customer payments clearing")
    SELLER_PAYABLE = "seller_payable", _("Seller payable")
    COMMISSION_REVENUE = "commission_revenue", _("Commission revenue")
    COMMISSION_VAT = "commission_vat", _("VAT collected on commissions")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    SELLER_AVAILABLE = "seller_available", _("Seller available balance")
    SELLER_DEBT = "seller_debt", _("Seller debt")
    PAYMENT_FEES = "payment_fees", _("Payment gateway fees")
    OPERATOR_GOODWILL = "operator_goodwill", _("Refunds paid by the operator")


SELLER_KINDS = [AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE, AccountKind.SELLER_DEBT]


class Account(models.Model):
    """One account per kind and currency; seller payables also per seller."""

    Kind = AccountKind
    PER_SELLER = frozenset(
        {AccountKind.SELLER_PAYABLE, AccountKind.SELLER_AVAILABLE, AccountKind.SELLER_DEBT}
    )

    kind = models.CharField(max_length=24, choices=AccountKind.choices)
    currency = models.CharField(max_length=3)
    seller = models.ForeignKey(
        "sellers.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "currency", "seller_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "seller"],
                condition=models.Q(seller__isnull=False),
                name="ledger_account_unique_per_seller",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=models.Q(seller__isnull=True),
                name="ledger_account_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SELLER_KINDS, seller__isnull=False)
                | (~models.Q(kind__in=SELLER_KINDS) & models.Q(seller__isnull=True)),
                name="ledger_account_seller_iff_seller_kind",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" · seller {self.seller_id}" if self.seller_id else ""
        return f"{self.get_kind_display()} {self.currency}{suffix}"


class ImmutableQuerySet(models.QuerySet[_M]):
    """Entries and lines are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableEntry(gettext("Ledger entries are never changed: post a reversing entry."))

    def delete(self) -> NoReturn:
        raise ImmutableEntry(gettext("Ledger entries are never deleted: post a reversing entry."))


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEntry(gettext("Ledger entries are never changed: post a reversing entry."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEntry(gettext("Ledger entries are never deleted: post a reversing entry."))


class JournalEntry(ImmutableModel):
    class Kind(models.TextChoices):
        CAPTURE = "capture", _("Payment captured")
        ALLOCATION = "allocation", _("Order allocated to sellers")
        SELLER_ORDER_REVERSAL = "seller_order_reversal", _("Seller order refused or cancelled")
        REFUND = "refund", _("Refund")
        REVERSAL = "reversal", _("Reversal of an entry")
        ADJUSTMENT = "adjustment", _("Manual adjustment")
        AVAILABILITY = "availability", _("Funds available to the seller")
        PAYOUT = "payout", _("Payout to a seller")
        PAYMENT_FEE = "payment_fee", _("Payment gateway fee")
        SELLER_CHARGE = "seller_charge", _("Charge to a seller")

    idempotency_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    description = models.CharField(max_length=255)
    event_uuid = models.UUIDField(null=True, blank=True, help_text="The outbox event that caused it.")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.description}"


class JournalLine(ImmutableModel):
    """One debit or one credit on one account; ``payment``/``seller_order`` say what it is about."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit_minor = models.BigIntegerField(default=0)
    credit_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seller_order = models.ForeignKey(
        "orders.SellerOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(debit_minor__gt=0) & models.Q(credit_minor=0))
                | (models.Q(debit_minor=0) & models.Q(credit_minor__gt=0)),
                name="ledger_line_one_side_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "currency"], name="ledger_line_account_idx"),
            models.Index(fields=["seller_order", "account"], name="ledger_line_seller_order_idx"),
            models.Index(fields=["payment", "account"], name="ledger_line_payment_idx"),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit_minor}" if self.debit_minor else f"Cr {self.credit_minor}"
        return f"{side} {self.currency} on account {self.account_id}"


class CommissionPlan(models.Model):
    """A storefront's commission: rate, fixed fee per line, whether shipping is commissioned."""

    storefront = models.OneToOneField(
        "storefronts.Storefront", on_delete=models.CASCADE, related_name="commission_plan"
    )
    rate_bp = models.PositiveIntegerField(help_text="Basis points of the line total: 1200 = 12 %.")
    fixed_fee_minor = models.BigIntegerField(default=0, help_text="Added per order line, in minor units.")
    on_shipping = models.BooleanField(default=False, help_text="Also take the rate on shipping.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_bp__lte=10000, fixed_fee_minor__gte=0), name="commission_plan_bounds"
            )
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id}: {self.rate_bp} bp"


class CommissionOverride(models.Model):
    """A rate for one seller or one category (and its subtree) in a storefront."""

    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.CASCADE, related_name="commission_overrides"
    )
    seller = models.ForeignKey(
        "sellers.Seller", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rate_bp = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(seller__isnull=False) & models.Q(category__isnull=True))
                | (models.Q(seller__isnull=True) & models.Q(category__isnull=False)),
                name="commission_override_seller_xor_category",
            ),
            models.CheckConstraint(condition=models.Q(rate_bp__lte=10000), name="commission_override_rate"),
            models.UniqueConstraint(
                fields=["storefront", "seller"],
                condition=models.Q(seller__isnull=False),
                name="commission_override_one_per_seller",
            ),
            models.UniqueConstraint(
                fields=["storefront", "category"],
                condition=models.Q(category__isnull=False),
                name="commission_override_one_per_category",
            ),
        ]

    def __str__(self) -> str:
        target = f"seller {self.seller_id}" if self.seller_id else f"category {self.category_id}"
        return f"{self.storefront_id} · {target}: {self.rate_bp} bp"


class PayoutRun(models.Model):
    """One payout run per day and currency; ``completed_at`` once its bank file is written."""

    run_date = models.DateField()
    currency = models.CharField(max_length=3, default="EUR")
    started_at = models.DateTimeField(auto_now_add=True)
    # The one time the whole run is computed at (availability, reserve window): the end of
    # run_date, or the moment the run started when run_date is today. Kept for a resumed run.
    as_of = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-run_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["run_date", "currency"], name="payout_run_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"Payout run {self.run_date} {self.currency}"


class Payout(models.Model):
    """What one run paid one seller: at most one per run and seller, with its ledger entry."""

    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="payouts")
    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="payouts")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="payout")
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField(help_text="Transferred: available - reserve - debt netted.")
    reserve_minor = models.BigIntegerField(help_text="Held back on the seller's available balance.")
    debt_netted_minor = models.BigIntegerField(default=0)
    debt_left_minor = models.BigIntegerField(default=0, help_text="Seller debt still open after netting.")
    iban = models.CharField(max_length=34)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "seller_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "seller"], name="payout_one_per_run_and_seller"),
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=0, reserve_minor__gte=0, debt_netted_minor__gte=0),
                name="payout_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk}: seller {self.seller_id} {self.amount_minor} {self.currency}"


class StorefrontCost(models.Model):
    """What running a storefront cost the operator in one month, outside the ledger (hosting,
    staff, marketing…): entered by operator staff, read by the profit and loss report. A
    correction changes the row and says who did it; ``ledger.costs`` holds the services."""

    class Kind(models.TextChoices):
        HOSTING = "hosting", _("Hosting")
        STAFF = "staff", _("Staff")
        MARKETING = "marketing", _("Marketing")
        OTHER = "other", _("Other")

    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.PROTECT, related_name="operator_costs"
    )
    month = models.DateField(help_text="The first day of the month the cost belongs to.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="Who entered it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who corrected it last.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["storefront_id", "-month", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gt=0), name="storefront_cost_amount_positive"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="storefront_cost_month_first_day"),
        ]
        indexes = [models.Index(fields=["storefront", "month"], name="storefront_cost_month_idx")]

    def __str__(self) -> str:
        return f"{self.storefront_id} {self.month:%Y-%m} {self.kind}: {self.amount_minor} {self.currency}"


class PayoutHold(models.Model):
    """A reason the payout runs skip a seller (its balance stays available, unpaid) until lifted.

    Placed and lifted only by ``ledger.holds`` services (e.g. DAC7: identification data missing
    after two reminders, docs/dac7.md). At most one active hold per seller and reason; a lifted
    hold stays as the record of when and why payouts were withheld."""

    class Reason(models.TextChoices):
        DAC7_MISSING_DATA = "dac7_missing_data", _("Tax identification data missing (DAC7)")
        OPERATOR = "operator", _("Held by the operator")

    seller = models.ForeignKey("sellers.Seller", on_delete=models.PROTECT, related_name="payout_holds")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    placed_at = models.DateTimeField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["seller_id", "-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "reason"],
                condition=models.Q(lifted_at__isnull=True),
                name="payout_hold_one_active_per_reason",
            ),
        ]
        indexes = [models.Index(fields=["seller", "lifted_at"], name="payout_hold_seller_idx")]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "active"
        return f"Payout hold {self.pk}: seller {self.seller_id} {self.reason} ({state})"
