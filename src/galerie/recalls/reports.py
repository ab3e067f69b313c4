"""The report of a recall: who was reached, by which order, when, or why not (page and CSV)."""

from __future__ import annotations

from collections.abc import Iterator

from galerie.recalls.models import Recall
from galerie.recalls.selectors import recall_notices

REPORT_HEADER = ("customer", "email", "order", "storefront", "status", "sent_at", "reason")


def recall_report_rows(*, recall: Recall) -> Iterator[tuple[str, ...]]:
    """Yield one row per buyer of the recall, in the order they were queued."""
    for notice in recall_notices(recall=recall).iterator(chunk_size=2000):
        yield (
            str(notice.customer.uuid),
            notice.email,
            notice.order.number,
            notice.order.storefront.code,
            notice.status,
            notice.sent_at.isoformat() if notice.sent_at else "",
            str(notice.get_skip_reason_display()) if notice.skip_reason else "",
        )
