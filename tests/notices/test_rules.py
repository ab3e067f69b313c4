"""The time rules: deadlines per category from one ``now``; six calendar months."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from galerie.notices.rules import buyers_since, complaint_deadline, notice_due_at

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("category", "due_paris"),
    [
        # CSAM and terrorism: 24 hours, the weekend counts: Saturday 19:00.
        ("child_sexual_abuse", datetime(2026, 12, 5, 19, 0, tzinfo=PARIS)),
        ("terrorist_content", datetime(2026, 12, 5, 19, 0, tzinfo=PARIS)),
        # Unsafe products: 72 hours, Monday 19:00, inside GPSR's three working days.
        ("unsafe_products", datetime(2026, 12, 7, 19, 0, tzinfo=PARIS)),
        # Everything else: 7 days, the next Friday 19:00.
        ("scams_and_fraud", datetime(2026, 12, 11, 19, 0, tzinfo=PARIS)),
    ],
)
def test_a_notice_received_friday_19h_paris_is_due_in_elapsed_hours(category, due_paris):
    # given a notice received on Friday 4 December 2026 at 19:00 in Paris (18:00 UTC)
    received = datetime(2026, 12, 4, 19, 0, tzinfo=PARIS)
    # when its deadline is computed / then it counts elapsed hours, weekend included
    assert notice_due_at(category=category, received_at=received) == due_paris


def test_across_summer_time_the_deadline_keeps_its_168_hours():
    # given a notice received on Friday 27 March 2026 at 19:00 CET; summer time starts on the 29th
    received = datetime(2026, 3, 27, 19, 0, tzinfo=PARIS)
    due = notice_due_at(category="other", received_at=received)
    # then it is due 168 hours later: 20:00 CEST on the wall clock
    assert (due - received.astimezone(UTC)).total_seconds() == 168 * 3600
    assert due.astimezone(PARIS).hour == 20


def test_six_months_are_calendar_months_clamped_to_the_month_end(settings):
    settings.TIME_ZONE = "Europe/Paris"
    decided = datetime(2026, 8, 31, 10, 0, tzinfo=PARIS)
    assert complaint_deadline(decided_at=decided) == datetime(2027, 2, 28, 10, 0, tzinfo=PARIS)
    # 13:00 in Paris in December (CET) is 13:00 in Paris in June (CEST): wall-clock months
    assert buyers_since(decided_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == datetime(
        2026, 6, 5, 13, 0, tzinfo=PARIS
    )
