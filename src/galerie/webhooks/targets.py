"""Where a webhook may be sent: the guard against server-side request forgery (docs/webhooks.md).

A URL is checked when an endpoint is subscribed and again before every try. It must be https
(http only for a host the operator lists in ``GALERIE_WEBHOOK_ALLOWED_HOSTS``), carry no
credentials, and its host must resolve only to public addresses: no loopback, link-local,
private, reserved, multicast or unspecified address, IPv4 or IPv6, nor one of those inside an
IPv6 address (IPv4-mapped, NAT64, 6to4). A listed host skips the address check. The sender then
connects to the address checked here (``Target.address``), never resolving the name again, so a
name that answers differently a second later (DNS rebinding) cannot lead it elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from galerie.webhooks.errors import WebhookUrlRefused

URL_MAX_LENGTH = 2000
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to ``address`` and speak to ``host`` (TLS name, Host header)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str


def allowed_hosts() -> frozenset[str]:
    """Return the host names the operator allows explicitly (http, and internal addresses)."""
    return frozenset(
        h.strip().lower().rstrip(".") for h in settings.GALERIE_WEBHOOK_ALLOWED_HOSTS if h.strip()
    )


def _refuse(message: str) -> WebhookUrlRefused:
    return WebhookUrlRefused({"url": [message]})


def address_problem(address: IPAddress) -> str | None:
    """Return why ``address`` may not be called (in words), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    checks = (
        (address.is_unspecified, _("an unspecified address")),
        (address.is_loopback, _("a loopback address (this machine)")),
        (address.is_link_local, _("a link-local address (such as a cloud metadata service)")),
        (address.is_multicast, _("a multicast address")),
        (address.is_reserved, _("a reserved address")),
        (address.is_private, _("a private network address")),
        (not address.is_global, _("an address that is not public")),
    )
    return next((words for hit, words in checks if hit), None)


def webhook_url_check(url: str, *, resolve: bool = True) -> Target:
    """Check ``url`` and resolve its host once; return where to connect, or raise
    WebhookUrlRefused saying what is wrong with it (field ``url``)."""
    url = (url or "").strip()
    if not url:
        raise _refuse(_("Enter the URL that will receive the events."))
    if len(url) > URL_MAX_LENGTH:
        raise _refuse(_("The URL is too long (at most %(max)d characters).") % {"max": URL_MAX_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse(_("This is not a valid URL (check the host name and the port).")) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise _refuse(_("Enter a full URL starting with https://, such as https://example.com/hooks."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refuse(
            _("Remove the user name and password from the URL: check the signature of each event instead.")
        )
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise _refuse(_("The URL may not contain spaces or control characters."))
    allowed = host in allowed_hosts()
    if scheme == "http" and not allowed:
        raise _refuse(_("Use https: events are only sent to an http URL on a host the marketplace allows."))
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not resolve:
        return Target(scheme, host, port, path, "")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            raise _refuse(_("The host name “%(host)s” cannot be found.") % {"host": host}) from None
        # A scope id (fe80::1%eth0) is not part of the address to check.
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise _refuse(_("The host name “%(host)s” cannot be found.") % {"host": host})
    if not allowed:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise _refuse(
                    _("“%(host)s” leads to %(what)s (%(address)s): events are only sent to public addresses.")
                    % {"host": host, "what": problem, "address": address}
                )
    return Target(scheme, host, port, path, str(addresses[0]))
