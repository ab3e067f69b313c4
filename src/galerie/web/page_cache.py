"""Shared cached pages: a storefront page is rendered once for anonymous visitors and served to
every one of them from the default cache until a change to what it shows makes it stale.

docs/page-cache.md says why and how. In short:

- A page is stored under a hash of scheme, host, path with query string and htmx flag (the host
  and path name the storefront, whose language is the page's), with the surrogate keys it shows
  (core/surrogates.py) and their versions. A hit is one cache get for the page and one get_many
  for the versions of its keys: no SQL, no template, no session write.
- Nobody signed in (customer, seller, staff) is served from the cache or stored into it, nor a
  visitor with a message pending (messages.html would show it). Their pages render as before.
- What is personal in an anonymous page is rendered as a marker and filled per request: the
  CSRF token of its forms, the CSP nonce of its inline style, the cart count in its header. The
  marker is random per render, so a page's own text cannot forge one.
- A page is not stored if one of its keys was bumped after its render may have read the data
  (:data:`CLOCK_SKEW`): a change racing a render costs a render, never a stale page. A render
  that read from a read replica counts as started as long before as the replica may lag.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.http import parse_etags

from galerie.core import replicas, surrogates

PAGE_SECONDS = 600  # a safety net: a page lives until a key it shows is bumped, at most this
CDN_SECONDS = 60  # s-maxage of a page with nothing personal in it (docs/page-cache.md: purge)
CLOCK_SKEW = 0.1  # seconds between the clocks of the hosts that render and those that bump
MAX_QUERY = 1024  # a longer query string is rendered but never stored
HEADER = "X-Galerie-Cache"
FORMAT = 1  # of a stored page; a page stored in another format is a miss

CSRF, NONCE, CART = "csrf", "nonce", "cart"
SLOTS = (CSRF, NONCE, CART)
_MARKER = "_galerie_page_marker"
_KEYS = "_galerie_page_keys"

PUBLIC = f"public, max-age=0, s-maxage={CDN_SECONDS}, stale-while-revalidate=30"
PRIVATE_REVALIDATE = "private, no-cache"
PRIVATE = "private, no-store"


def page_keys(request: HttpRequest, keys: Iterable[str]) -> None:
    """Name surrogate keys the page being rendered shows (``product:12``…), beside its
    storefront's, which :func:`shared_page` adds itself."""
    request.__dict__.setdefault(_KEYS, set()).update(keys)


def shared_marker(request: HttpRequest | None) -> str | None:
    """Return the marker prefix of a shared render in progress (None: a personal render)."""
    return getattr(request, _MARKER, None)


def cart_count_key(storefront_id: int) -> str:
    """The session key holding the number of items in the visitor's cart of a storefront."""
    return f"cart_count:{storefront_id}"


def cart_count(request: HttpRequest, storefront_id: int) -> int:
    """Return the cart count the session holds for this storefront; no session work for a
    visitor without a session cookie."""
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return 0
    value = request.session.get(cart_count_key(storefront_id), 0)
    return value if isinstance(value, int) else 0


def cart_badge(count: int) -> str:
    """Return the header's cart count as HTML (nothing for an empty cart)."""
    # The space keeps the link's accessible name "Cart 2", not "Cart2".
    return format_html('<span class="cart-count"> {}</span>', count) if count > 0 else ""


def _is_personal(request: HttpRequest) -> bool:
    """Whether this request must neither read nor fill the shared cache: someone signed in, or a
    message waiting to be shown. Loads the session only if the request has a session cookie."""
    if request.COOKIES.get(CookieStorage.cookie_name):
        return True
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return False
    session = request.session
    return SESSION_KEY in session or SessionStorage.session_key in session


def _page_key(request: HttpRequest) -> str | None:
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY:
        return None
    htmx = "1" if request.headers.get("HX-Request") else "0"
    raw = f"{request.scheme}|{request.get_host()}|{request.path}?{query}|{htmx}"
    return "page:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def _personal_tag(request: HttpRequest, slots: tuple[str, ...], storefront_id: int, *, filled: bool) -> str:
    """What the personal parts of a page depend on, hashed into its ETag: the visitor's CSRF
    secret (the tokens filled in are masked at random, but any of them is valid for it) and
    cart count. Empty if the visitor has no CSRF cookie yet (before the fill): no match."""
    parts = []
    if CSRF in slots:
        secret = request.META.get("CSRF_COOKIE")
        if not secret and not filled:
            return ""
        parts.append(secret or "")
    if CART in slots:
        parts.append(str(cart_count(request, storefront_id)))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12] if parts else "-"


def _fill(
    request: HttpRequest, body: bytes, marker: str, slots: tuple[str, ...], storefront_id: int
) -> bytes:
    for slot in slots:
        if slot == CSRF:
            value = get_token(request)
        elif slot == NONCE:
            value = str(request.csp_nonce)  # type: ignore[attr-defined]
        else:
            value = cart_badge(cart_count(request, storefront_id))
        body = body.replace(f"{marker}{slot}".encode(), value.encode())
    return body


class StoredPage:
    """A page as stored: the shared body with its markers, and what serving it needs."""

    __slots__ = (
        "body",
        "cache_control",
        "content_language",
        "content_type",
        "etag",
        "marker",
        "slots",
        "storefront_id",
        "versions",
    )

    def __init__(
        self,
        *,
        body: bytes,
        content_type: str,
        content_language: str,
        cache_control: str,
        marker: str,
        storefront_id: int,
        versions: dict[str, str],
    ) -> None:
        self.body = body
        self.content_type = content_type
        self.content_language = content_language
        self.cache_control = cache_control
        self.marker = marker
        self.slots = tuple(s for s in SLOTS if f"{marker}{s}".encode() in body)
        self.storefront_id = storefront_id
        self.versions = versions
        self.etag = hashlib.sha256(body.replace(marker.encode(), b"")).hexdigest()[:20]

    def dump(self) -> tuple[Any, ...]:
        return (FORMAT, *(getattr(self, name) for name in self.__slots__))

    @classmethod
    def load(cls, value: object) -> StoredPage | None:
        if not isinstance(value, tuple) or not value or value[0] != FORMAT:
            return None
        page = cls.__new__(cls)
        for name, item in zip(cls.__slots__, value[1:], strict=True):
            setattr(page, name, item)
        return page

    def is_fresh(self) -> bool:
        return surrogates.versions(self.versions) == self.versions

    def personal(self, request: HttpRequest) -> bool:
        """Whether the filled page holds something of this visitor's (not for a shared cache)."""
        return CSRF in self.slots or (CART in self.slots and cart_count(request, self.storefront_id) > 0)

    def serve(self, request: HttpRequest, state: str) -> HttpResponseBase:
        """Answer with this page filled for this visitor, or 304 if the visitor has it already."""
        personal = self.personal(request)
        headers = {
            "Cache-Control": PRIVATE_REVALIDATE if personal else self.cache_control,
            "Surrogate-Key": " ".join(sorted(self.versions)),
            HEADER: state,
        }
        wanted = request.headers.get("If-None-Match")
        if wanted:
            tag = _personal_tag(request, self.slots, self.storefront_id, filled=False)
            etag = f'W/"{self.etag}-{tag}"'
            if tag and _etag_matches(wanted, etag):
                response: HttpResponseBase = HttpResponseNotModified()
                for name, value in {**headers, "ETag": etag}.items():
                    response.headers[name] = value
                # A 304's headers update the stored ones: a CSP with another nonce than the
                # stored body's would block its style.
                response._csp_exempt = True  # type: ignore[attr-defined]
                patch_vary_headers(response, ("HX-Request",))
                return response
        body = _fill(request, self.body, self.marker, self.slots, self.storefront_id)
        response = HttpResponse(body, content_type=self.content_type)
        for name, value in headers.items():
            response.headers[name] = value
        tag = _personal_tag(request, self.slots, self.storefront_id, filled=True)
        response.headers["ETag"] = f'W/"{self.etag}-{tag}"'
        if self.content_language:
            response.headers["Content-Language"] = self.content_language
        patch_vary_headers(response, ("HX-Request",))
        return response


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    weak = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == weak for tag in parse_etags(header))


def _render_shared(
    request: HttpRequest, view: Callable[..., HttpResponseBase], args: Any, kwargs: Any
) -> tuple[HttpResponseBase, str, bool]:
    """Render the page as any anonymous visitor would see it, personal parts as markers; return
    the response, the marker prefix and whether the page may be shared."""
    marker = f"gpc{secrets.token_hex(8)}-"
    no_nonce = object()
    nonce = request.__dict__.get("csp_nonce", no_nonce)
    needed_token = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
    setattr(request, _MARKER, marker)
    request.csp_nonce = f"{marker}{NONCE}"  # type: ignore[attr-defined]
    try:
        response = view(request, *args, **kwargs)
    finally:
        delattr(request, _MARKER)
        if nonce is no_nonce:
            del request.csp_nonce  # type: ignore[attr-defined]
        else:
            request.csp_nonce = nonce  # type: ignore[attr-defined]
    # Something that called get_token() outside the csrf_token tag may have written this
    # visitor's real token into the page: it must not be shared.
    shareable = not request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False) or needed_token
    return response, marker, shareable


def _storable(response: HttpResponseBase, started: float) -> dict[str, str] | None:
    """Return the versions to store the page with, or None if it must not be stored."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if "private" in response.get("Cache-Control", "") or response.has_header("Vary"):
        return None
    versions = surrogates.versions_initialised(getattr(response, _KEYS, ()))
    if (scope := replicas.current_scope()) is not None and scope.used:
        # Read from a replica: its data may be as old as the lag it is allowed, so a change
        # committed that long before the render may be missing from it (docs/read-replicas.md).
        started -= replicas.staleness_bound()
    if any(surrogates.bumped_at(v) > started - CLOCK_SKEW for v in versions.values()):
        return None  # a change may have committed after the render read its data
    return versions


def shared_page(*, listing: bool = False) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """Serve a storefront page (a view under ``storefront_view``) to anonymous visitors from the
    shared cache. The page shows its storefront (``storefront:<id>``), with ``listing`` its
    listings (``listing:<id>``), and whatever the view names with :func:`page_keys`."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            if not settings.PAGE_CACHE or getattr(settings, "CACHE_BYPASS", False) or _is_personal(request):
                response = view(request, *args, **kwargs)
                _name_keys(request, response, listing)
                if response.status_code == 200:
                    response.headers["Cache-Control"] = PRIVATE
                response.headers[HEADER] = "bypass"
                return response
            key = _page_key(request)
            if key is not None:
                page = StoredPage.load(cache.get(key))
                if page is not None and page.is_fresh():
                    return page.serve(request, "hit")
            started = time.time()
            response, marker, shareable = _render_shared(request, view, args, kwargs)
            _name_keys(request, response, listing)
            versions = _storable(response, started) if key is not None and shareable else None
            if versions is None or not isinstance(response, HttpResponse):
                if isinstance(response, HttpResponse) and not response.streaming:
                    body = response.content
                    slots = tuple(s for s in SLOTS if f"{marker}{s}".encode() in body)
                    response.content = _fill(request, body, marker, slots, _storefront_id(request))
                if response.status_code == 200:
                    response.headers["Cache-Control"] = PRIVATE
                response.headers[HEADER] = "miss"
                return response
            page = StoredPage(
                body=response.content,
                content_type=response.get("Content-Type", "text/html; charset=utf-8"),
                content_language=response.get("Content-Language", ""),
                cache_control=response.get("Cache-Control") or PUBLIC,
                marker=marker,
                storefront_id=_storefront_id(request),
                versions=versions,
            )
            cache.set(key, page.dump(), PAGE_SECONDS)
            return page.serve(request, "miss")

        return wrapper

    return decorate


def _storefront_id(request: HttpRequest) -> int:
    storefront = getattr(request, "storefront", None)
    return storefront.pk if storefront is not None else 0


def _name_keys(request: HttpRequest, response: HttpResponseBase, listing: bool) -> None:
    keys = set(request.__dict__.pop(_KEYS, ()))
    storefront_id = _storefront_id(request)
    if storefront_id:
        keys.add(surrogates.key("storefront", storefront_id))
        if listing:
            keys.add(surrogates.key("listing", storefront_id))
    setattr(response, _KEYS, keys)
    if keys:
        response.headers["Surrogate-Key"] = " ".join(sorted(keys))
