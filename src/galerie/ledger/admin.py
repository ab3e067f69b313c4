"""The ledger in the back office: read-only; entries are posted by services, never typed in."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from galerie.core.admin_actions import ViewOnly
from galerie.ledger.models import (
    Account,
    CommissionOverride,
    CommissionPlan,
    JournalEntry,
    JournalLine,
    PayoutHold,
)


class ReadOnlyAdmin(ViewOnly, admin.ModelAdmin):
    """Ledger rows: appended by the postings, never edited."""


LINE_FIELDS = ("account", "debit_minor", "credit_minor", "currency", "payment", "seller_order")


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "description", "idempotency_key", "posted_at"]
    list_filter = ["kind"]
    search_fields = ["idempotency_key", "description"]
    inlines = [JournalLineInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "currency", "seller"]
    list_filter = ["kind", "currency"]
    list_select_related = ["seller"]


@admin.register(CommissionPlan)
class CommissionPlanAdmin(admin.ModelAdmin):
    list_display = ["storefront", "rate_bp", "fixed_fee_minor", "on_shipping"]
    list_select_related = ["storefront"]


@admin.register(CommissionOverride)
class CommissionOverrideAdmin(admin.ModelAdmin):
    list_display = ["storefront", "seller", "category", "rate_bp"]
    list_select_related = ["storefront", "seller", "category"]
    raw_id_fields = ["seller", "category"]


@admin.register(PayoutHold)
class PayoutHoldAdmin(ReadOnlyAdmin):
    """Placed and lifted by services (ledger/holds.py), e.g. the DAC7 reminders; shown here."""

    list_display = ["id", "seller", "reason", "placed_at", "lifted_at"]
    list_filter = ["reason", ("lifted_at", admin.EmptyFieldListFilter)]
    list_select_related = ["seller"]
