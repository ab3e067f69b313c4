"""The SSRF guard: which URLs webhooks may call, and the messages that say why not."""

from __future__ import annotations

import pytest

from galerie.webhooks.errors import WebhookUrlRefused
from galerie.webhooks.targets import webhook_url_check


@pytest.fixture(autouse=True)
def _nothing_allowed(settings):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = []


def refusal(url: str) -> str:
    with pytest.raises(WebhookUrlRefused) as caught:
        webhook_url_check(url)
    assert caught.value.field == "url"
    return " ".join(caught.value.errors["url"])


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.8.9.10:8443/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://10.1.2.3/hook", "private"),
        ("https://172.16.0.9/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://[fc00::1]/hook", "private"),
        ("https://[fd12:3456::1]/hook", "private"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://[64:ff9b::a9fe:a9fe]/hook", "link-local"),  # NAT64 of 169.254.169.254
        ("https://[2002:7f00:1::]/hook", "loopback"),  # 6to4 of 127.0.0.1
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://[::]/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://240.0.0.1/hook", "reserved"),
        ("https://100.64.0.1/hook", "not public"),
        ("https://localhost/hook", "loopback"),
        ("https://localhost./hook", "loopback"),
    ],
)
def test_internal_addresses_are_refused_with_the_reason(url, words):
    message = refusal(url)
    assert words in message and "public addresses" in message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://example.com/hook", "Use https"),
        ("ftp://example.com/hook", "starting with https://"),
        ("example.com/hook", "starting with https://"),
        ("https://user:secret@example.com/hook", "Remove the user name and password"),
        ("https://token@example.com/hook", "Remove the user name and password"),
        ("https://example.com:99999/hook", "not a valid URL"),
        ("https://exa mple.com/hook", "spaces"),
        ("", "Enter the URL"),
        ("https://no-such-host.invalid/hook", "cannot be found"),
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_malformed_urls_are_refused_with_what_to_fix(url, words):
    assert words in refusal(url)


def test_an_allowed_host_may_be_internal_and_use_http(settings):
    settings.GALERIE_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "LocalHost"]

    target = webhook_url_check("http://127.0.0.1:8710/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "http", "127.0.0.1", 8710, "/in?x=1", "127.0.0.1",
    )  # fmt: skip
    assert webhook_url_check("https://localhost/hook").address in {"127.0.0.1", "::1"}
    # Another loopback name is not allowed because one is.
    assert "loopback" in refusal("https://127.0.0.2/hook")


def test_a_public_address_is_accepted_and_pinned():
    target = webhook_url_check("https://93.184.215.14/hooks/galerie")
    assert (target.scheme, target.port, target.path, target.address) == (
        "https", 443, "/hooks/galerie", "93.184.215.14",
    )  # fmt: skip
    assert webhook_url_check("https://[2606:4700:4700::1111]:8443/").address == "2606:4700:4700::1111"


def test_a_name_is_resolved_once_and_every_address_must_be_public(monkeypatch):
    """A name resolving to a public and an internal address is refused; the target carries the
    address checked, so the sender never looks the name up again (no DNS rebinding)."""
    import socket

    answers = {
        "mixed.example": ["93.184.215.14", "10.0.0.7"],
        "public.example": ["93.184.215.14"],
    }
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert "private network address (10.0.0.7)" in refusal("https://mixed.example/hook")
    target = webhook_url_check("https://public.example/hook")
    assert target.address == "93.184.215.14" and target.host == "public.example"
    assert lookups == ["mixed.example", "public.example"]
