"""What search engines read: robots.txt, and a sitemap per storefront.

The sitemap is an index of files of at most 50,000 URLs: one for the home page and the
categories, then one per range of 50,000 product ids, so that no file needs an OFFSET over
the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control

from galerie.search.sitemap import (
    SITEMAP_ID_SPAN,
    storefront_category_tree,
    storefront_product_id_range,
    storefront_sitemap_products,
)
from galerie.storefronts.closure import sells_on
from galerie.web.requests import StorefrontRequest
from galerie.web.views.decorators import storefront_view

SITEMAP_CACHE_SECONDS = 3600
MAX_CHUNK = 10**12  # beyond any id a BIGINT holds, once multiplied by SITEMAP_ID_SPAN
XML = "application/xml; charset=utf-8"
SLUG_PLACEHOLDER = "__slug__"

seo_page = storefront_view(("GET", "HEAD"))


def _absolute(request: StorefrontRequest, name: str, **kwargs: object) -> str:
    """Return the absolute URL of a storefront page, at the host's root or under /s/<code>/."""
    if getattr(request, "storefront_id_from_host", None) is None:
        kwargs = {"storefront": request.storefront.code, **kwargs}
    return request.build_absolute_uri(reverse(f"sf:{name}", kwargs=kwargs))


@seo_page
def robots_txt(request: StorefrontRequest) -> HttpResponse:
    home = reverse(
        "sf:home", kwargs={} if request.storefront_id_from_host else {"storefront": request.storefront.code}
    )
    lines = [
        "User-agent: *",
        *(f"Disallow: {home}{private}/" for private in ("cart", "checkout", "account", "orders")),
        "",
        f"Sitemap: {_absolute(request, 'sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@seo_page
@cache_control(max_age=SITEMAP_CACHE_SECONDS)
def sitemap_index(request: StorefrontRequest) -> HttpResponse:
    files = [_absolute(request, "sitemap_pages")]
    selling = sells_on(request.storefront)  # from its closing date its sitemaps list nothing
    if selling and (bounds := storefront_product_id_range(request.storefront)) is not None:
        low, high = bounds
        files += [
            _absolute(request, "sitemap_products", chunk=chunk)
            for chunk in range(low // SITEMAP_ID_SPAN, high // SITEMAP_ID_SPAN + 1)
        ]
    body = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>\n" for url in files)
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</sitemapindex>\n',
        content_type=XML,
    )


@seo_page
@cache_control(max_age=SITEMAP_CACHE_SECONDS)
def sitemap_pages(request: StorefrontRequest) -> HttpResponse:
    if not sells_on(request.storefront):
        return _urlset(())
    categories = storefront_category_tree(request.storefront)
    urls = [_absolute(request, "home")] + [_absolute(request, "category", slug=c.slug) for c in categories]
    return _urlset((url, None) for url in urls)


@seo_page
@cache_control(max_age=SITEMAP_CACHE_SECONDS)
def sitemap_products(request: StorefrontRequest, chunk: int) -> HttpResponse:
    if chunk > MAX_CHUNK:
        raise Http404("There is no such sitemap.")
    if not sells_on(request.storefront):
        return _urlset(())
    start = chunk * SITEMAP_ID_SPAN
    rows = storefront_sitemap_products(request.storefront, id_from=start, id_to=start + SITEMAP_ID_SPAN)
    # One reverse() for the whole file: tens of thousands of them would cost more than the query.
    before, after = _absolute(request, "product", slug=SLUG_PLACEHOLDER).split(SLUG_PLACEHOLDER)
    return _urlset((f"{before}{slug}{after}", updated_at) for slug, updated_at in rows)


def _urlset(entries: Iterable[tuple[str, datetime | None]]) -> HttpResponse:
    body = "".join(
        f"<url><loc>{escape(url)}</loc>"
        + (f"<lastmod>{updated_at.date().isoformat()}</lastmod>" if updated_at else "")
        + "</url>\n"
        for url, updated_at in entries
    )
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n',
        content_type=XML,
    )
