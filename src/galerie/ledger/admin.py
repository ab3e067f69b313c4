"""The ledger in the back office: read-only; entries are posted by services, never typed in."""

from django.contrib import admin

from galerie.ledger.models import Account, CommissionOverride, CommissionPlan, JournalEntry, JournalLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ["account", "debit_minor", "credit_minor", "currency", "payment", "seller_order"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
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
