"""The security headers every response carries (docs/security-headers.md), and a test client
that checks them on every response it gets: the isolation walkers use it, so every route is
checked as every actor, whatever its status (200, 3xx, 4xx)."""

from __future__ import annotations

from django.test import Client


def assert_security_headers(response, *, secure: bool = False) -> None:
    where = f"{response.request.get('PATH_INFO', '?')} ({response.status_code})"
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy") == "same-origin", where
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("Cross-Origin-Opener-Policy") == "same-origin", where
    # A 304 of the page cache leaves the CSP out on purpose: its headers update the stored
    # page's, whose CSP (with frame-ancestors) stays (galerie/web/page_cache.py).
    if response.status_code != 304:
        csp = response.get("Content-Security-Policy", "")
        assert csp, where
        # A message's attachment sets a policy of its own (default-src 'none'; sandbox), framing
        # refused by X-Frame-Options above; every other answer has the site's policy.
        assert "frame-ancestors 'none'" in csp or "sandbox" in csp.split(), where
    if secure:
        assert response.get("Strict-Transport-Security", "").startswith("max-age=31536000"), where
    else:
        assert "Strict-Transport-Security" not in response, where


class HeaderCheckingClient(Client):
    """A test client asserting the security headers on every response; ``checked`` counts them."""

    checked = 0

    def request(self, **request):
        response = super().request(**request)
        assert_security_headers(response, secure=request.get("wsgi.url_scheme") == "https")
        self.checked += 1
        return response
