"""The report shows both passes, each scenario against the floor of its own pass, and says by
how much a target is missed (figures made up here: this checks the arithmetic, not a run)."""

from __future__ import annotations

import json

from bench.report import write_reports


def _wrk(rps: float, p95_ms: float, *, errors: int = 0, hits: int = 0, misses: int = 0) -> dict:
    return {
        "requests": int(rps * 10), "duration_us": 10_000_000, "bytes": 0,
        "errors": {"connect": 0, "read": 0, "write": 0, "status": errors, "timeout": 0,
                   "http_4xx_5xx": errors},
        "latency_us": {"p50": 1000 * p95_ms / 2, "p90": 0, "p95": 1000 * p95_ms, "p99": 1000 * p95_ms * 2,
                       "max": 0, "mean": 0},
        "queries": int(rps * 10) * 4, "counted": int(rps * 10),
        "cache": {"hit": hits, "miss": misses, "bypass": 0},
        "cpu_ticks": {"server": 100, "database": 50},
    }  # fmt: skip


def test_each_pass_has_its_floor_and_each_target_its_verdict(tmp_path):
    results = {
        "passes": {
            "warm": {
                "floor": _wrk(900, 20), "home": _wrk(450, 30, hits=90, misses=10), "product": _wrk(100, 80),
                "floor_end": _wrk(900, 20),
            },
            "bypass": {
                "floor": _wrk(700, 25), "home": _wrk(50, 250), "product": _wrk(100, 150, errors=2),
                "floor_end": _wrk(500, 25),
            },
        },
        "invariants": {"offers with negative stock": 0},
        "meta": {
            "when": "2026-12-04T19:00:00+00:00", "scale": "demo", "offers": 900, "duration_s": 10,
            "connections": 16, "server": "gunicorn", "cache": "Redis", "cpus": 2, "python": "3.11",
            "clock_ticks": 100, "popularity": {"exponent": 1.0, "seed": 14}, "mix": {"home": 1}, "run_s": 60,
        },
    }  # fmt: skip
    report = write_reports(results, tmp_path)

    saved = json.loads((tmp_path / "20261204T190000-demo.json").read_text())
    rows = {(r["pass"], r["scenario"]): r for r in saved["rows"]}
    assert rows["warm", "home"]["ratio_to_floor"] == 0.5
    # The mean of its own pass's floors, at the start and at the end.
    assert rows["bypass", "product"]["ratio_to_floor"] == round(100 / 600, 3)
    assert saved["floor_swing"] == {"warm": 0, "bypass": round(200 / 700, 3)}
    table = report["table"]
    assert "### Caches warm" in table and "### Caches bypassed" in table
    assert "90 % hit · 10 % miss" in table
    verdicts = {(t["pass"], t["scenario"]): t["verdict"] for t in saved["targets"]}
    assert verdicts["warm", "home"] == "met"
    assert verdicts["bypass", "home"] == "missed: req/s ×1.5 short, p95 +50 ms"
    assert verdicts["warm", "product"] == "missed: req/s ×3.0 short, p95 +30 ms"
    assert verdicts["bypass", "product"] == "missed: 2 errors"
    assert "| product page | bypass | 0.167 (1/6.0) | ≥ 1/8 | 150.0 | ≤ 200 | 2 | missed: 2 errors |" in table
    assert "Errors in all: 2" in table
    assert table.count("Noisy pass") == 1
    assert "the floor moved by 29 %" in table.split("### Caches bypassed")[1]
    assert (tmp_path / "20261204T190000-demo.png").exists()
