"""deploy/nginx/galerie.conf, for real: nginx in front of two `galerie serve` processes (SQLite).

Requests are balanced over both and still answered when one is killed; static and media files
come from disk with their cache headers; a body past the cap is refused with 413; the request id
reaches the app (checked on a recording upstream, which sees every header nginx passes).
"""

from __future__ import annotations

import http.client
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.deploy.nginx import free_port, nginx_binary, nginx_running


@pytest.fixture(scope="module", autouse=True)
def _nginx_installed() -> None:
    if nginx_binary() is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true but nginx is not installed (.ci/run installs Debian's nginx)")
        pytest.skip("needs nginx: apt-get install nginx")


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers.items()), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def _wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate(timeout=5)
        try:
            if _get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"galerie serve on {port} did not answer /healthz")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Two `galerie serve` on one migrated SQLite database, nginx in front: (nginx's port, servers,
    the folder)."""
    var = tmp_path_factory.mktemp("galerie-behind-nginx")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        GALERIE_VAR_DIR=str(var), DEBUG="false", ALLOWED_HOSTS="127.0.0.1,localhost",
        GALERIE_SERVE_MEDIA="false", GALERIE_ALLOW_TEST_GATEWAY="1", GALERIE_ALLOW_DEMO_IBAN="1",
    )  # fmt: skip
    galerie = [sys.executable, "-m", "galerie.cli"]
    subprocess.run([*galerie, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*galerie, "collectstatic", "--no-input", "--verbosity", "0"], env=env, check=True)
    (var / "media" / "products").mkdir(parents=True, exist_ok=True)
    (var / "media" / "products" / "lamp.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [*galerie, "serve", "--no-collectstatic", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_healthy(port, server)
        with nginx_running(
            var / "nginx",
            upstreams=[f"127.0.0.1:{port}" for port in ports],
            static_root=var / "static",
            media_root=var / "media",
        ) as front:
            yield front, list(zip(ports, servers, strict=True)), var
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def test_requests_are_balanced_over_both_app_servers_and_survive_one_dying(site):
    front, servers, var = site
    for _ in range(12):
        assert _get(front, "/healthz")[0] == 200
    log = (var / "nginx" / "access.log").read_text()
    for port, _server in servers:
        assert f"127.0.0.1:{port}" in log  # $upstream_addr: both served some

    _port, killed = servers[0]
    os.killpg(killed.pid, signal.SIGTERM)
    killed.wait(timeout=30)
    statuses = [_get(front, "/healthz")[0] for _ in range(12)]
    assert statuses == [200] * 12  # a refused connection goes on to the other server


def test_static_files_come_from_disk_with_long_cache_headers_for_hashed_names(site):
    front, _servers, var = site
    hashed = next((var / "static" / "galerie").glob("site.*.css")).name
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", hashed)
    status, headers, body = _get(front, f"/static/galerie/{hashed}")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Type"] == "text/css"
    assert "Content-Security-Policy" not in headers  # not the app's answer: the app adds its CSP
    assert body == (var / "static" / "galerie" / hashed).read_bytes()

    status, headers, _body = _get(front, f"/static/galerie/{hashed}", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"  # WhiteNoise's .gz, as it is

    status, headers, _body = _get(front, "/static/galerie/site.css")  # unhashed: a short cache
    assert status == 200 and headers["Cache-Control"] == "public, max-age=3600"


def test_media_files_come_from_disk_and_never_run_as_a_page(site):
    front, _servers, var = site
    status, headers, body = _get(front, "/media/products/lamp.png")
    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert body == (var / "media" / "products" / "lamp.png").read_bytes()
    assert _get(front, "/media/products/nothing.png")[0] == 404


def test_a_form_posted_through_nginx_on_its_own_port_passes_the_csrf_check(site):
    """The browser's Origin (http://host:port) must match the Host the app sees: nginx passes the
    port on ($http_host), or every form POST on a port other than 80/443 is refused with 403."""
    front, _servers, _var = site
    status, headers, body = _get(front, "/admin/login/")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    connection = http.client.HTTPConnection("127.0.0.1", front, timeout=10)
    form = f"csrfmiddlewaretoken={token}&username=nobody%40example.test&password=wrong"
    connection.request("POST", "/admin/login/", body=form, headers={
        "Cookie": cookie, "Origin": f"http://127.0.0.1:{front}", "Host": f"127.0.0.1:{front}",
        "Content-Type": "application/x-www-form-urlencoded",
    })  # fmt: skip
    reply = connection.getresponse()
    page = reply.read().decode()
    connection.close()
    assert reply.status == 200, (reply.status, page[:300])  # the form again, with its error: not a 403
    assert "csrfmiddlewaretoken" in page


def _post(port: int, size: int) -> int:
    """POST ``size`` bytes; the status nginx answers (it may answer before the body is sent)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", "/healthz")
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        chunk = b"\0" * 2**20
        try:
            for start in range(0, size, len(chunk)):
                connection.send(chunk[: min(len(chunk), size - start)])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the end of the body: the answer is already there
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_body_past_the_upload_cap_is_refused_by_nginx_with_413(site):
    front, _servers, _var = site
    assert _post(front, 22 * 2**20) == 413
    assert _post(front, 2**20) != 413  # under the cap: the app answers (no CSRF token: 403)


def test_the_request_id_is_the_clients_when_sane_else_nginxs_and_is_sent_back(site):
    front, _servers, _var = site
    assert (
        _get(front, "/healthz", {"X-Request-ID": "order-42.retry:1"})[1]["X-Request-ID"] == "order-42.retry:1"
    )
    for sent in ({}, {"X-Request-ID": "not a sane id; drop table"}):
        answered = _get(front, "/healthz", sent)[1]["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answered)
    a, b = (_get(front, "/healthz")[1]["X-Request-ID"] for _ in range(2))
    assert a != b


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, "version": self.request_version, **self.headers})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("X-Request-ID", "the-apps-own")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def test_the_app_receives_the_forwarded_headers_over_kept_alive_http_1_1(tmp_path):
    """A recording upstream in place of Galerie: what nginx passes, header by header."""
    recorder = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    try:
        upstream = f"127.0.0.1:{recorder.server_address[1]}"
        (tmp_path / "static").mkdir()
        (tmp_path / "media").mkdir()
        with nginx_running(
            tmp_path / "nginx",
            upstreams=[upstream],
            static_root=tmp_path / "static",
            media_root=tmp_path / "media",
        ) as front:
            _status, headers, _body = _get(front, "/p/lamp?x=1", {"X-Request-ID": "abc-123"})
            _get(front, "/healthz", {"X-Forwarded-Proto": "https", "X-Real-IP": "203.0.113.9"})
    finally:
        recorder.shutdown()
        recorder.server_close()
    first, second = _Recorder.seen
    assert first["path"] == "/p/lamp?x=1" and first["version"] == "HTTP/1.1"
    assert first["X-Request-ID"] == "abc-123" and headers["X-Request-ID"] == "abc-123"  # not the app's
    assert first["X-Forwarded-Proto"] == "http"
    assert first["X-Real-IP"] == "127.0.0.1" and first["X-Forwarded-For"] == "127.0.0.1"
    assert first["Host"] == f"127.0.0.1:{front}"  # the port too: Django's CSRF check compares Origin
    assert "close" not in first.get("Connection", "")  # kept alive to the upstream
    # What a client claims is replaced, not passed on: the app trusts these from nginx only.
    assert second["X-Forwarded-Proto"] == "http" and second["X-Real-IP"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", second["X-Request-ID"])
