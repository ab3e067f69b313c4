"""bench/appservers.py's table, and `galerie bench --servers` refusing a server it does not know."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench.appservers import _table


def _row(floor: float, category: float, product: float, errors: int = 0) -> dict:
    row = {}
    for name, rps in {"floor": floor, "category": category, "product": product}.items():
        row[name] = {"rps": rps, "p50_ms": 10.0, "p99_ms": 90.5, "errors": errors, "to_floor": rps / floor}
    return row


def test_the_table_gives_each_page_its_ratio_to_its_own_floor_and_each_floor_to_the_first():
    table = _table({"a": _row(1000, 500, 250), "b": _row(500, 750, 500, errors=3)}, "a")
    first, second = table.splitlines()[2:]
    assert first == "| a | 1,000 (10.0/90.5) | 500 (10.0/90.5), 1/2.0 | 250 (10.0/90.5), 1/4.0 | ×1.00 |"
    assert second == (
        "| b | 500 (10.0/90.5), 3 errors | 750 (10.0/90.5), ×1.50, 3 errors "
        "| 500 (10.0/90.5), ×1.00, 3 errors | ×0.50 |"
    )


def test_an_unknown_server_is_refused_before_anything_runs():
    with pytest.raises(CommandError, match="unknown waitress"):
        call_command("bench", servers="gunicorn-sync,waitress")
    with pytest.raises(CommandError, match="one at a time"):
        call_command("bench", servers="all", nginx=True)
