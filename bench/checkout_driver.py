"""The checkout scenario: signed-in customers buy from two sellers, as a browser would.

Each virtual customer (a thread with its own keep-alive connection and session) adds an offer
of each seller to its cart, opens the checkout page, reads its hidden fields (the idempotency key
and the quote the page showed, which the checkout refuses to charge without) and pays with the
success test card. wrk cannot carry this conversation, so it is driven here; the figure is the
latency of the POST that places the order, and checkouts per second.
"""

from __future__ import annotations

import html
import http.client
import re
import threading
import time
from urllib.parse import urlencode

HIDDEN = re.compile(
    rb'<input type="hidden" name="(idempotency_key|quote_fingerprint|quote_shown)" value="([^"]*)"'
)
CARD = {
    "name": "Bench Customer", "line1": "1 rue du Banc", "postal_code": "75011", "city": "Paris",
    "country": "FR", "number": "4242424242424242", "expiry": "12/35", "cvc": "123", "holder": "Bench",
}  # fmt: skip


def _customer(port: int, plan: dict, cookie: str, until: float, out: dict, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    prefix = f"/s/{plan['storefront']}"
    headers = {
        "Cookie": cookie,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": "http://127.0.0.1/",
    }
    latencies, queries, errors, done = [], 0, 0, 0

    def call(method: str, path: str, body: dict | None = None) -> http.client.HTTPResponse:
        nonlocal queries
        conn.request(method, path, urlencode(body) if body else None, headers)
        response = conn.getresponse()
        response.body = response.read()
        queries += int(response.getheader("X-Galerie-Queries", "0"))
        return response

    while time.monotonic() < until:
        try:
            for offer in plan["offers"]:
                call(
                    "POST",
                    f"{prefix}/cart/add/",
                    {"offer": offer, "quantity": 1, "csrfmiddlewaretoken": plan["csrf"]},
                )
            page = call("GET", f"{prefix}/checkout/")
            fields = HIDDEN.findall(page.body)
            shown = {name.decode(): html.unescape(value.decode()) for name, value in fields}
            if "idempotency_key" not in shown:
                errors += 1
                continue
            started = time.perf_counter()
            response = call(
                "POST", f"{prefix}/checkout/", {**CARD, **shown, "csrfmiddlewaretoken": plan["csrf"]}
            )
            latencies.append((time.perf_counter() - started) * 1e6)
            if response.status == 302 and b"/placed/" in (response.getheader("Location") or "").encode():
                done += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    with lock:
        out["latencies"].extend(latencies)
        out["queries"] += queries
        out["requests"] += done * 4
        out["checkouts"] += done
        out["errors"] += errors


def run(port: int, plan: dict, *, customers: int, seconds: float) -> dict:
    out = {"latencies": [], "queries": 0, "requests": 0, "checkouts": 0, "errors": 0}
    lock = threading.Lock()
    until = time.monotonic() + seconds
    started = time.monotonic()
    threads = [
        threading.Thread(target=_customer, args=(port, plan, cookie, until, out, lock))
        for cookie in plan["cookies"][:customers]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["duration_s"] = time.monotonic() - started
    return out
