"""The time rules of notice and action, each on one ``now`` given by the caller.

Deadlines are elapsed hours from receipt, not working days: illegal content stays online over a
weekend as much as on a Tuesday, so a notice of child sexual abuse material received on a Friday
at 19:00 (Paris) is due on Saturday at 19:00, and the operator staffs the queue accordingly.
Unsafe products keep to 72 hours, inside the three working days of art. 22(8) GPSR
(Regulation (EU) 2023/988) whatever the weekday. Across a change of summer time the deadline
keeps its hours (168 h), so its Paris wall-clock hour moves by one.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from galerie.notices.models import Category

DEFAULT_TARGET_HOURS = 7 * 24
TARGET_HOURS: dict[str, int] = {
    Category.CHILD_SEXUAL_ABUSE: 24,
    Category.TERRORIST_CONTENT: 24,
    Category.UNSAFE_PRODUCTS: 72,
}
# Art. 20(1) DSA: a complaint may be lodged for at least six months after the decision.
COMPLAINT_MONTHS = 6
# Art. 32 DSA: the buyers of the past six months are told of an illegal product.
BUYERS_MONTHS = 6
# Categories for which the notifier need not give their name and e-mail (art. 16(2)(c) DSA).
ANONYMOUS_CATEGORIES = frozenset({Category.CHILD_SEXUAL_ABUSE})


def notice_due_at(*, category: str, received_at: datetime) -> datetime:
    """The time a decision on a notice of ``category`` received at ``received_at`` is due."""
    # In UTC: Python adds a timedelta to a zoned time on the wall clock, which would lose or
    # gain the hour of a change of summer time.
    return received_at.astimezone(UTC) + timedelta(hours=TARGET_HOURS.get(category, DEFAULT_TARGET_HOURS))


def months_shift(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months in the site's time zone (31 August + 6 months is
    28 or 29 February: the day is clamped to the month's last)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    naive = local.replace(tzinfo=None, year=year, month=month + 1, day=day)
    return timezone.make_aware(naive, local.tzinfo)


def complaint_deadline(*, decided_at: datetime) -> datetime:
    """The last moment a complaint against a decision taken at ``decided_at`` is received."""
    return months_shift(decided_at, COMPLAINT_MONTHS)


def buyers_since(*, decided_at: datetime) -> datetime:
    """The first moment of the six months whose buyers of an illegal product are told (art. 32)."""
    return months_shift(decided_at, -BUYERS_MONTHS)
