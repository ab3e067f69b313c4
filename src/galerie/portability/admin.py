"""Storefront merges in the admin, read-only: planned and committed from the back office's merge
pages (/back-office/merges/) or ``galerie storefront merge``, decided by their services."""

from __future__ import annotations

from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.portability.models import MergeParty, MergeProduct, StorefrontMerge


@admin.register(StorefrontMerge)
class StorefrontMergeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["id", "name", "bundle_code", "code", "status", "created_at", "committed_at"]
    list_filter = ["status"]
    list_select_related = ["storefront"]
    search_fields = ["name", "code", "bundle_code"]


@admin.register(MergeProduct)
class MergeProductAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["id", "merge", "title", "decision", "score", "signal", "product"]
    list_filter = ["decision", "merge"]
    list_select_related = ["merge", "product"]
    search_fields = ["title", "incoming"]
    show_full_result_count = False


@admin.register(MergeParty)
class MergePartyAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["id", "merge", "kind", "name", "signal", "email", "status", "decided_at", "joined_at"]
    list_filter = ["kind", "status", "merge"]
    list_select_related = ["merge"]
    search_fields = ["name", "email"]
    show_full_result_count = False
