"""The seller terms, acceptances and complaints in the admin: read-only; the back office's pages
and the services write them (publish, accept, file, answer)."""

from __future__ import annotations

from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.terms.models import SellerComplaint, SellerTermsAcceptance, SellerTermsVersion


@admin.register(SellerTermsVersion)
class SellerTermsVersionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("number", "title", "effective_at", "published_at", "exception")


@admin.register(SellerTermsAcceptance)
class SellerTermsAcceptanceAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("seller", "version", "how", "accepted_at")
    list_filter = ("how",)
    list_select_related = ("seller", "version")


@admin.register(SellerComplaint)
class SellerComplaintAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ("pk", "seller", "kind", "subject", "status", "created_at", "answered_at")
    list_filter = ("status", "kind", "outcome")
    list_select_related = ("seller",)
