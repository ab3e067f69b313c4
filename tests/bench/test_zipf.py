"""The bench draws requests with a Zipf popularity (s = 1): rank 1 ten times as often as rank
10. Checked on the draws of the wrk script itself (bench/lua/scenario.lua's self-test: a fixed
seed, so the counts are the same on every run — not a timing), and on the weights written for it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import zipf
from bench.run import LUA, MIX

DRAWS = 200_000
NEEDS_WRK = pytest.mark.skipif(
    not shutil.which("wrk"), reason="needs wrk, the bench's load generator (apt-get install wrk)"
)


def _drawn(requests: Path) -> list[int]:
    """How often wrk's script draws each line of ``requests``, in the file's order."""
    # wrk checks that it can connect before it runs the script: a socket that listens is enough.
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        out = subprocess.run(
            ["wrk", "-t1", "-c1", "-d1s", "-s", str(LUA), f"http://127.0.0.1:{port}/"],
            env={**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_SELFTEST": str(DRAWS)},
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    return json.loads(out.stdout.splitlines()[0])["counts"]


@NEEDS_WRK
def test_the_wrk_script_draws_rank_one_ten_times_as_often_as_rank_ten(tmp_path):
    lines = zipf.ranked([f"GET /s/shop/p/product-{n}/" for n in range(100)], ranking="test")
    requests = tmp_path / "requests.txt"
    requests.write_text("\n".join(zipf.table(lines)) + "\n")

    counts = _drawn(requests)

    assert sum(counts) == DRAWS
    assert 9.0 <= counts[0] / counts[9] <= 11.0
    assert 1.8 <= counts[0] / counts[1] <= 2.2
    expected = zipf.weights(100)
    for rank in range(10):  # each of the ten most popular within 5 % of its share
        assert abs(counts[rank] / DRAWS - expected[rank]) <= 0.05 * expected[rank], rank
    assert counts[-1] > 0, "the least popular request is drawn too"
    assert _drawn(requests) == counts, "a fixed seed: the same draws every run"


@NEEDS_WRK
def test_lines_without_a_weight_are_drawn_evenly(tmp_path):
    requests = tmp_path / "requests.txt"
    requests.write_text("GET /a/\nGET /b/\n")
    counts = _drawn(requests)
    assert abs(counts[0] - counts[1]) <= 0.02 * DRAWS


def test_weights_follow_one_over_the_rank_and_add_up_to_one():
    weights = zipf.weights(1000)
    assert sum(weights) == pytest.approx(1)
    assert weights[0] / weights[9] == pytest.approx(10)
    assert weights[0] / weights[999] == pytest.approx(1000)


def test_the_ranking_is_a_fixed_permutation_shared_by_lists_of_one_length():
    categories = [f"GET /c/{n}/" for n in range(50)]
    filtered = [f"GET /c/{n}/?condition=new" for n in range(50)]
    first = zipf.ranked(categories, ranking="category")
    assert sorted(first) == sorted(categories)
    assert first != categories
    assert zipf.ranked(categories, ranking="category") == first
    assert zipf.ranked(filtered, ranking="category") == [f"{line}?condition=new" for line in first]
    assert zipf.ranked(categories, ranking="search") != first


def test_the_mix_gives_each_scenario_its_share():
    plan = {name: [f"GET /{name}/{n}/" for n in range(10 + 7 * i)] for i, name in enumerate(MIX)}
    shares: dict[str, float] = dict.fromkeys(MIX, 0.0)
    for line in zipf.mix_table(plan, MIX):
        weight, request = line.split("\t")
        shares[request.split("/")[1]] += float(weight)
    total = sum(MIX.values())
    for name, n in MIX.items():
        assert shares[name] == pytest.approx(n / total)


class _Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("X-Galerie-Queries", "3")
        self.send_header("X-Galerie-Cache", "hit" if self.path.startswith("/a/") else "miss")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@NEEDS_WRK
def test_the_wrk_script_reports_queries_and_cache_hits_of_what_it_sent(tmp_path):
    """The figures the report reads: every response's query count and cache header, summed."""
    requests = tmp_path / "requests.txt"
    requests.write_text("0.75\tGET /a/\n0.25\tGET /b/\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = subprocess.run(
            ["wrk", "-t2", "-c2", "-d1s", "-s", str(LUA), f"http://127.0.0.1:{server.server_port}/"],
            env={**os.environ, "BENCH_REQUESTS": str(requests)},
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    figures = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))

    assert figures["requests"] > 0
    assert figures["counted"] == figures["cache"]["hit"] + figures["cache"]["miss"]
    assert figures["counted"] == figures["requests"], figures
    assert figures["queries"] == 3 * figures["counted"]
    assert figures["cache"]["bypass"] == 0
    assert figures["errors"]["http_4xx_5xx"] == 0
    if figures["counted"] >= 200:  # drawn 3 to 1
        assert 2.0 <= figures["cache"]["hit"] / figures["cache"]["miss"] <= 4.5
