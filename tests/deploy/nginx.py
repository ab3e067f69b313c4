"""Run deploy/nginx/galerie.conf for real: render its placeholders, wrap it in a minimal nginx.conf
whose pid, logs and temporary files stay in a temporary folder, start nginx in the foreground.

Used by this folder's tests and by the benchmark of several app servers (bench/appservers.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "galerie.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str | None:
    """nginx's path, or None: on PATH, or Debian's /usr/sbin/nginx (not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_render(
    *, listen: str, upstreams: list[str], static_root: Path, media_root: Path, access_log: Path,
    server_name: str = "_",
) -> str:  # fmt: skip
    """The site file with its placeholders filled."""
    text = SITE.read_text()
    for name, value in {
        "@LISTEN@": listen,
        "@SERVER_NAME@": server_name,
        "@UPSTREAMS@": " ".join(f"server {address};" for address in upstreams),
        "@STATIC_ROOT@": str(static_root).rstrip("/"),
        "@MEDIA_ROOT@": str(media_root).rstrip("/"),
        "@ACCESS_LOG@": str(access_log),
    }.items():
        text = text.replace(name, value)
    assert "@" not in "".join(line.split("#")[0] for line in text.splitlines()), "a placeholder is left"
    return text


def main_conf(site: Path, prefix: Path, *, workers: int = 1) -> str:
    """A minimal nginx.conf around the site file: everything nginx writes stays under ``prefix``."""
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else "types { text/css css; }"
    # As root, nginx's workers would switch to an unprivileged user who cannot read the test's
    # temporary folders (0700): they stay root here. A real host gives www-data read access.
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
"""


@contextmanager
def nginx_running(
    prefix: Path, *, upstreams: list[str], static_root: Path, media_root: Path, workers: int = 1
) -> Iterator[int]:
    """Start nginx in front of ``upstreams`` on a free loopback port; yield the port; stop it."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = prefix / "galerie.conf"
    rendered = site_render(
        listen=f"127.0.0.1:{port}", upstreams=upstreams, static_root=static_root,
        media_root=media_root, access_log=prefix / "access.log",
    )  # fmt: skip
    site.write_text(rendered)
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(site, prefix, workers=workers))
    test = [binary, "-t", "-p", str(prefix), "-c", str(conf)]
    checked = subprocess.run(test, capture_output=True, text=True)
    if checked.returncode:
        raise RuntimeError(f"nginx refuses the rendered site file:\n{checked.stderr}")
    server = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {server.communicate(timeout=5)[1]}") from None
                time.sleep(0.05)
        yield port
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
