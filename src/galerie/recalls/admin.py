from django.contrib import admin

from galerie.core.admin_actions import ViewOnly
from galerie.recalls.models import Recall, RecallNotice


@admin.register(Recall)
class RecallAdmin(ViewOnly, admin.ModelAdmin):
    """Read only: a recall is made from the back office's page or the ``recall`` command."""

    list_display = ["product", "recalled_at", "buyers_since", "offers_closed", "created_by"]
    list_select_related = ["product", "created_by"]


@admin.register(RecallNotice)
class RecallNoticeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["recall", "customer", "order", "status", "skip_reason", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["recall__product", "customer", "order"]
    raw_id_fields = ["recall", "customer", "order"]
