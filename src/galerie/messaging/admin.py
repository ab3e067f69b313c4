"""Conversations in the admin: their facts and counts, never what was written.

A thread is private correspondence between a customer and a seller. The operator reads it on
the back office's Conversations page (/back-office/messages/<thread>/), one thread at a time,
where the operator is a party of the thread: it is listed there when a party asked it in, its
reading moves its read marker and what it writes reaches both parties, as docs/messaging.md
tells the parties. An admin page would put every message of every thread in a searchable list
for anyone with admin access, outside that page: so the admin shows no message, no attachment
and not the reason given to the operator (masked text of a party), only who, when and how many.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from galerie.core.admin_actions import ViewOnly
from galerie.core.pagination import EstimatedCountPaginator
from galerie.messaging.models import Attachment, Message, Thread


def _count_of(queryset: QuerySet[Any], thread_field: str) -> Coalesce:
    """The number of rows of ``queryset`` of each thread: a subquery per row of the page, not a
    GROUP BY over the whole table."""
    counted = (
        queryset.filter(**{thread_field: OuterRef("pk")})
        .order_by()
        .values(thread_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(Thread)
class ThreadAdmin(ViewOnly, admin.ModelAdmin):
    fields = [
        "uuid", "seller_order", "seller", "customer", "storefront", "status", "operator_asked_by",
        "operator_asked_at", "messages", "attachments", "customer_unread", "seller_unread",
        "operator_unread", "created_at", "last_message_at",
    ]  # fmt: skip
    readonly_fields = ["messages", "attachments"]
    list_display = [
        "id", "seller_order", "seller", "storefront", "status", "messages", "attachments",
        "operator_asked_by", "operator_asked_at", "operator_unread", "created_at", "last_message_at",
    ]  # fmt: skip
    list_filter = ["status", "operator_asked_by", "storefront"]
    list_select_related = ["seller_order", "seller", "storefront"]
    search_fields = ["seller_order__number", "seller__display_name"]
    raw_id_fields = ["customer"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Thread]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                message_count=_count_of(Message.objects.all(), "thread"),
                attachment_count=_count_of(Attachment.objects.all(), "message__thread"),
            )
        )

    @admin.display(description=_("messages"), ordering="message_count")
    def messages(self, thread: Thread) -> int:
        return thread.message_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("attachments"), ordering="attachment_count")
    def attachments(self, thread: Thread) -> int:
        return thread.attachment_count  # type: ignore[attr-defined]  # annotated by get_queryset
