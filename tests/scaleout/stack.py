"""The scale-out test's machine room: real processes on loopback, each in its own process group
(a kill takes a Celery worker and its pool children at once, as a lost machine would), each one's
output in a log file of the run's directory.

- ``Stack``: start, kill (SIGKILL), restart and stop named processes; read their logs;
- ``nginx_config``: the shipped site file (``deploy/nginx/galerie.conf``) rendered for the run,
  inside a minimal ``nginx.conf`` whose paths (pid, logs, temporary files) are the run's, as
  tests/deploy/nginx.py renders it;
- ``rabbitmq_vhost``: a vhost of the run's own, deleted afterwards;
- ``Driver``: customers placing orders through nginx, as a browser does.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from tests.deploy.nginx import (
    main_conf,
    nginx_binary,
    site_render,
)

REPOSITORY = Path(__file__).resolve().parents[2]
NGINX = nginx_binary() or "nginx"
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


# --- processes -------------------------------------------------------------------------------------


@dataclass
class Stack:
    var: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    kills: Counter = field(default_factory=Counter)
    offsets: dict[str, int] = field(default_factory=dict)  # where the latest start's output begins

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        self.commands[name] = command
        with open(self.var / f"{name}.log", "ab") as log:
            self.offsets[name] = log.tell()
            process = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.var,
                start_new_session=True,  # its own process group: killpg reaches its children
            )
        self.processes[name] = process
        return process

    def kill_and_restart(self, name: str) -> None:
        """SIGKILL the process and every child of it (no handler runs), then start it again."""
        process = self.processes[name]
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.kills[name] += 1
        with open(self.var / f"{name}.log", "ab") as log:
            log.write(b"\n--- killed with SIGKILL by the test; restarting ---\n")
        self.start(name, self.commands[name])

    def exited(self) -> list[str]:
        """The processes that stopped by themselves (not killed by the test)."""
        return [
            name
            for name, p in list(self.processes.items())
            if p.poll() is not None and p.returncode != -signal.SIGKILL
        ]

    def log(self, name: str, *, latest: bool = False) -> str:
        """The process's output (``latest``: since it was last started)."""
        path = self.var / f"{name}.log"
        if not path.exists():
            return ""
        with open(path, "rb") as log:
            log.seek(self.offsets.get(name, 0) if latest else 0)
            return log.read().decode(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_http(url: str, stack: Stack, name: str, timeout: float = 90) -> None:
    """Wait until ``url`` answers 200; fail with the process's log if it stops or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.processes[name].poll() is not None:
            raise RuntimeError(f"{name} stopped while starting:\n{stack.log(name)[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{name} did not answer {url} in {timeout:.0f} s:\n{stack.log(name)[-3000:]}")


def wait_logged(stack: Stack, name: str, text: str, timeout: float = 90) -> None:
    """Wait until the process, since it was last started, wrote ``text``."""
    deadline = time.monotonic() + timeout
    while text not in stack.log(name, latest=True):
        if stack.processes[name].poll() is not None:
            raise RuntimeError(f"{name} stopped while starting:\n{stack.log(name)[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not log {text!r} in {timeout:.0f} s:\n{stack.log(name)[-3000:]}")
        time.sleep(0.2)


# --- nginx -----------------------------------------------------------------------------------------


def nginx_config(
    var: Path, *, listen: str, upstreams: list[str], static_root: Path, media_root: Path
) -> Path:
    """Write the run's nginx.conf around the shipped site file (rendered as tests/deploy renders
    it); return its path. The access log is ``var/nginx-access.log``."""
    site = var / "site.conf"
    site.write_text(
        site_render(
            listen=listen,
            upstreams=upstreams,
            static_root=static_root,
            media_root=media_root,
            access_log=var / "nginx-access.log",
            server_name="127.0.0.1 localhost",
        )
    )
    prefix = var / "nginx"
    prefix.mkdir(exist_ok=True)
    config = var / "nginx.conf"
    config.write_text(main_conf(site, prefix))
    return config


# The site file's log format: … "$request" $status $body_bytes_sent $request_time $upstream_addr …
ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<uri>\S+) [^"]*" (?P<status>\d{3}) \d+ \S+ (?P<upstream>\S+)')


def upstream_counts(var: Path, path_part: str) -> Counter:
    """Per app server (its address), how many POSTs to a URI holding ``path_part`` it answered
    with a redirect (a placed order answers 302), from nginx's access log."""
    counts: Counter = Counter()
    for line in (var / "nginx-access.log").read_text().splitlines():
        found = ACCESS.search(line)
        if found and found["method"] == "POST" and path_part in found["uri"] and found["status"] == "302":
            counts[found["upstream"]] += 1
    return counts


# --- RabbitMQ --------------------------------------------------------------------------------------


def rabbitmq_answers(url: str = RABBITMQ_URL) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def rabbitmq_vhost(name: str, url: str = RABBITMQ_URL) -> Iterator[str]:
    """Yield the broker URL of a vhost of our own (made with rabbitmqctl, deleted afterwards)."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    parts = urlsplit(url)
    user = parts.username or "guest"
    subprocess.run([ctl, "-q", "add_vhost", name], check=True, capture_output=True, timeout=60)
    try:
        subprocess.run(
            [ctl, "-q", "set_permissions", "-p", name, user, ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))
    finally:
        subprocess.run([ctl, "-q", "delete_vhost", name], capture_output=True, timeout=60)


# --- the customers ---------------------------------------------------------------------------------

HIDDEN = re.compile(
    rb'<input type="hidden" name="(idempotency_key|quote_fingerprint|quote_shown)" value="([^"]*)"'
)
CARD = {
    "name": "Client Deux", "line1": "2 rue des Serveurs", "postal_code": "75011", "city": "Paris",
    "country": "FR", "number": "4242424242424242", "expiry": "12/35", "cvc": "123", "holder": "Client",
}  # fmt: skip


@dataclass
class Driver:
    """Customers (one thread each, its own session and keep-alive connection to nginx) taking the
    next order of the plan until none is left: add its offers to the cart, open the checkout, pay."""

    port: int
    world: dict[str, Any]
    placed: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_order: int = 0

    def _take(self) -> list | None:
        with self.lock:
            if self.next_order >= len(self.world["plan"]):
                return None
            self.next_order += 1
            return self.world["plan"][self.next_order - 1]

    def _customer(self, cookie: str) -> None:
        prefix = f"/s/{self.world['storefront']}"
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/",
        }
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

        def call(method: str, path: str, body: dict | None = None) -> tuple[int, str, bytes]:
            conn.request(method, path, urlencode(body) if body else None, headers)
            response = conn.getresponse()
            return response.status, response.getheader("Location") or "", response.read()

        csrf = self.world["csrf"]
        while (lines := self._take()) is not None:
            try:
                for offer, quantity in lines:
                    status, _, body = call(
                        "POST",
                        f"{prefix}/cart/add/",
                        {"offer": offer, "quantity": quantity, "csrfmiddlewaretoken": csrf},
                    )
                    if status >= 400:
                        raise RuntimeError(f"cart add answered {status}: {body[:300]!r}")
                status, _, page = call("GET", f"{prefix}/checkout/")
                shown = {n.decode(): html.unescape(v.decode()) for n, v in HIDDEN.findall(page)}
                if "idempotency_key" not in shown:
                    raise RuntimeError(f"checkout page {status} without its form: {page[:300]!r}")
                status, location, body = call(
                    "POST", f"{prefix}/checkout/", {**CARD, **shown, "csrfmiddlewaretoken": csrf}
                )
                if status == 302 and "/placed/" in location:
                    with self.lock:
                        self.placed += 1
                else:
                    raise RuntimeError(f"checkout answered {status} {location}: {body[:300]!r}")
            except (OSError, http.client.HTTPException, RuntimeError) as error:
                with self.lock:
                    self.errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.close()

    def run(self) -> float:
        """Place every order of the plan; return the seconds it took."""
        started = time.monotonic()
        threads = [threading.Thread(target=self._customer, args=(c,)) for c in self.world["cookies"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def python(*args: str) -> list[str]:
    return [sys.executable, *args]
