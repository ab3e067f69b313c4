"""A real HTTP receiver on loopback for the webhook tests, and its host allowed explicitly.

The receiver answers each POST with the next status of ``statuses`` (then ``default``) and
keeps what it received: headers and raw body. It listens on a port of the range given to these
tests (8700-8749), the first one free.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from galerie.webhooks.services import webhook_endpoint_create
from tests.factories import make_user

PORTS = range(8700, 8750)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)
    default: int = 200
    delay: float = 0.0  # seconds before answering
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else self.default


def _server(receiver_ref: list[Receiver]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.next_status()
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    for port in PORTS:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError:
            continue
    raise RuntimeError("no free port in 8700-8749 for the test receiver")


@pytest.fixture
def receiver(settings):
    ref: list[Receiver] = []
    server = _server(ref)
    ref.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks?source=galerie"))
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ref[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def operator():
    return make_user(is_staff=True)


@pytest.fixture
def operator_endpoint(receiver, operator):
    from galerie.webhooks.catalogue import EVENT_TYPES

    return webhook_endpoint_create(
        seller_id=None, url=receiver.url, event_types=[t.name for t in EVENT_TYPES], by=operator
    )
