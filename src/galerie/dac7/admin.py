"""The DAC7 data in the admin: read-only (sellers fill their profile in the seller area, the
operator sets exclusions on the back office's DAC7 page)."""

from __future__ import annotations

from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.dac7.models import Dac7Reminder, SellerTaxProfile


@admin.register(SellerTaxProfile)
class SellerTaxProfileAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["seller", "seller_type", "tin_country", "exclusion", "updated_at"]
    list_filter = ["seller_type", "exclusion"]
    list_select_related = ["seller"]
    search_fields = ["seller__display_name", "seller__legal_name"]


@admin.register(Dac7Reminder)
class Dac7ReminderAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["seller", "year", "number", "sent_at"]
    list_filter = ["year", "number"]
    list_select_related = ["seller"]
