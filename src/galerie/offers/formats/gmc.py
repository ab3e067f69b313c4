"""Google Merchant Center feeds: RSS 2.0 (``<item>``) or Atom 1.0 (``<entry>``) with the ``g:`` namespace.

Parsed with defusedxml: a DTD, an entity declaration or an external reference is refused, and
nothing is fetched. Items sharing an ``g:item_group_id`` are one product's variants (their
``g:color``, ``g:size``, ``g:material``, ``g:pattern`` are the options). A row number in the
report is the item's position in the feed (the first item is 1).
"""

from __future__ import annotations

import re
from typing import Any

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from galerie.offers.formats.records import MerchantProduct, MerchantVariant, plain_text, sanitise_html
from galerie.offers.imports.files import _refuse

G = "{http://base.google.com/ns/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
OPTION_KEYS = ("color", "size", "material", "pattern")
CONDITIONS = {"new": "new", "refurbished": "refurbished", "used": "used"}


def _text(item: Any, tag: str) -> str:
    found = item.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _price(value: str) -> str:
    """“15.00 USD” → “15.00” (the currency must be the storefront's: checked by normalise)."""
    return re.sub(r"\s*[A-Z]{3}$", "", value.strip())


def read(raw: bytes, name: str) -> list[MerchantProduct]:
    """Return the feed's products, grouped by item_group_id."""
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _refuse(
            f"“{name}” declares a DTD or entities: a product feed needs none, and none is read."
        ) from None
    except Exception as error:  # ParseError
        raise _refuse(f"“{name}” is not well-formed XML ({error}).") from None
    atom = root.tag == f"{ATOM}feed"
    items = root.findall(f"{ATOM}entry") if atom else root.findall("channel/item")
    groups: dict[str, MerchantProduct] = {}
    products: list[MerchantProduct] = []
    for number, item in enumerate(items, start=1):

        def g(tag: str, item: Any = item) -> str:
            return _text(item, f"{G}{tag}")

        title = g("title") or _text(item, f"{ATOM}title" if atom else "title")
        description = g("description") or _text(item, f"{ATOM}summary" if atom else "description")
        link = g("link")
        if not link:
            if atom:
                element = item.find(f"{ATOM}link")
                link = element.get("href", "") if element is not None else ""
            else:
                link = _text(item, "link")
        currency = re.search(r"[A-Z]{3}$", g("price"))
        dates = g("sale_price_effective_date").split("/")
        variant = MerchantVariant(
            row=number,
            sku=g("id"),
            gtin=g("gtin"),
            mpn=g("mpn"),
            options={key: g(key) for key in OPTION_KEYS if g(key)},
            price=_price(g("price")),
            currency=currency.group(0) if currency else "",
            sale_price=_price(g("sale_price")),
            sale_from=dates[0] if len(dates) == 2 else "",
            sale_to=dates[1] if len(dates) == 2 else "",
            stock=g("quantity") or g("sell_on_google_quantity"),
            availability=g("availability").replace(" ", "_"),
            condition=CONDITIONS.get(g("condition"), g("condition")),
            image=g("image_link"),
            columns={
                "sku": "g:id", "gtin": "g:gtin", "price": "g:price", "sale_price": "g:sale_price",
                "sale_from": "g:sale_price_effective_date", "sale_to": "g:sale_price_effective_date",
                "stock": "g:availability", "availability": "g:availability", "condition": "g:condition",
            },
        )  # fmt: skip
        group = g("item_group_id")
        if group and group in groups:
            groups[group].variants.append(variant)
            continue
        images = [g("image_link")] if g("image_link") else []
        images += [
            a.text.strip() for a in item.findall(f"{G}additional_image_link") if a.text and a.text.strip()
        ]
        product_type = g("product_type") or g("google_product_category")
        product = MerchantProduct(
            row=number,
            key=group or g("id"),
            title=plain_text(title),
            description=sanitise_html(description),
            brand=plain_text(g("brand")),
            category_path=[p.strip() for p in product_type.split(">") if p.strip()],
            attributes={k: v for k in ("google_product_category", "shipping_weight") if (v := g(k))},
            images=images,
            link=link,
            columns={"title": "g:title", "category": "g:product_type"},
        )
        shipping = item.find(f"{G}shipping")
        if shipping is not None:
            product.attributes["shipping"] = " ".join(
                f"{child.tag.removeprefix(G)}={(child.text or '').strip()}" for child in shipping
            )
        product.variants.append(variant)
        products.append(product)
        if group:
            groups[group] = product
    return products
