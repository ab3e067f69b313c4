"""Scripts in what users type: every page that shows a seller's, a customer's or a notifier's
text, in the storefront, the seller area, the back office and the admin, shows the corpus's
payloads as text — none injects an element, a handler, a script or a ``javascript:`` link, none
is in the HTML unescaped (tests/hostile/corpus.py). The browser's side: tests/e2e/test_hostile_input.py."""

from __future__ import annotations

import html

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from galerie.invoices.documents import _display, sale_invoice_data
from galerie.orders.models import SellerOrder
from tests.factories import make_user
from tests.hostile.corpus import Payload, holes, payload
from tests.hostile.pages import admin_pages, area_pages, storefront_pages

pytestmark = pytest.mark.django_db(transaction=True)


def _visit(
    client, urls: list[str], payloads: list[Payload], found: dict, statuses: dict, **headers: str
) -> set[str]:
    shown: set[str] = set()
    for url in urls:
        response = client.get(url, **headers)
        statuses[url + (" (htmx)" if headers else "")] = response.status_code
        assert response.status_code < 500, url
        if response.get("Content-Type", "").startswith("text/html"):
            page = response.content.decode()
            shown |= {p.marker for p in payloads if p.marker in page}
            if problems := holes(page, payloads):
                found[url] = problems
    return shown


def test_no_page_runs_what_sellers_and_customers_typed(client, hostile):
    payloads, kwargs = hostile["payloads"], hostile["kwargs"]
    found: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    pages = storefront_pages(kwargs, hostile["query"])
    shown = _visit(client, pages["visitor"], payloads, found, statuses)
    client.force_login(hostile["customer"])
    shown |= _visit(client, pages["customer"], payloads, found, statuses)
    client.force_login(hostile["owner_a"])
    shown |= _visit(client, [*area_pages("seller_area", kwargs), *hostile["also"]], payloads, found, statuses)
    # The rows and the progress the seller area's htmx asks for (HX-Request: a partial).
    seller_pages = [*area_pages("seller_area", kwargs), *hostile["also"]]
    shown |= _visit(client, seller_pages, payloads, found, statuses, HTTP_HX_REQUEST="true")
    client.force_login(hostile["staff"])
    shown |= _visit(client, area_pages("back_office", kwargs), payloads, found, statuses)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    shown |= _visit(client, admin_pages(), payloads, found, statuses)
    assert not found, "\n".join(f"{url}: {p}" for url, problems in found.items() for p in problems)
    ok = [url for url, status in statuses.items() if status == 200]
    assert len(ok) >= 150, {u: s for u, s in statuses.items() if s != 200}
    # Every payload is shown somewhere (so the pages were looked at with it in them).
    unseen = sorted(p.where for p in payloads if p.marker not in shown)
    assert not unseen, f"payloads no page showed: {unseen}"
    # The invoice's HTML, which WeasyPrint renders (and would fetch an injected <img src> for).
    part = SellerOrder.objects.get(number=kwargs["number"])
    data = sale_invoice_data(seller_order=part, number="F-HOSTILE-1", issued_at=timezone.now())
    invoice = render_to_string("galerie/invoices/document.html", {"doc": _display(data)})
    assert part.seller.display_name[:40] in html.unescape(invoice)
    assert not holes(invoice, payloads), holes(invoice, payloads)
    print(f"hostile input: {len(payloads)} typed fields, {len(statuses)} pages ({len(ok)} answered 200)")


def test_the_checks_find_each_kind_of_hole():
    p = payload(1, "Seller.description")
    assert holes(f"<p>{p.text}</p>", [p])  # raw
    assert holes('<img id=xss01 src=x onerror="alert(1)">') == ["<img id=xss01> injected [?]"]
    assert holes("<a href=\" javascript:alert('xss02')\">x</a>")
    assert holes('<script type="application/ld+json">{"name": "</script><script>alert(\'xss03\')</script>')
    assert holes("<p>xss-evaluated</p>")
    from django.utils.html import escape

    assert holes(f'<p>{escape(p.text)}</p><input value="{escape(p.text)}">', [p]) == []
