"""Magento 2's catalog CSV (System → Export → Products): simple and configurable products.

A configurable product lists its children in ``configurable_variations``
(``sku=MH01-XS-Black,color=Black,size=XS|sku=…``); the children are ``simple`` rows of the file,
which then sell as that product's variants. ``additional_attributes`` is ``key=value,key=value``;
its ``ean``, ``gtin``, ``upc``, ``isbn``, ``mpn`` and ``manufacturer``/``brand`` keys are read as
such. Categories are ``/`` paths under the root ("Default Category/Gear/Bags"); only the
default store view's rows (empty ``store_view_code``) are read.
"""

from __future__ import annotations

from galerie.catalog.safety import safety_languages
from galerie.offers.formats.records import (
    MerchantProduct,
    MerchantVariant,
    plain_text,
    safety_from_cells,
    sanitise_html,
)
from galerie.offers.formats.sheets import Row, read_rows

GTIN_KEYS = ("gtin", "ean", "upc", "isbn", "barcode")
BRAND_KEYS = ("brand", "manufacturer")
VARIANT_COLUMNS = {
    "sku": "sku",
    "price": "price",
    "sale_price": "special_price",
    "sale_from": "special_price_from_date",
    "sale_to": "special_price_to_date",
    "stock": "qty",
    "availability": "is_in_stock",
    "gtin": "additional_attributes",
}


def _pairs(value: str, separator: str = ",") -> dict[str, str]:
    found = {}
    for part in value.split(separator):
        key, equals, item = part.partition("=")
        if equals and key.strip():
            found[key.strip()] = item.strip()
    return found


def _variant(row: Row, options: dict[str, str]) -> MerchantVariant:
    extra = _pairs(row.get("additional_attributes"))
    return MerchantVariant(
        row=row.number,
        sku=row.get("sku"),
        gtin=next((extra[k] for k in GTIN_KEYS if extra.get(k)), ""),
        mpn=extra.get("mpn", ""),
        options=options,
        price=row.get("price"),
        sale_price=row.get("special_price"),
        sale_from=row.get("special_price_from_date"),
        sale_to=row.get("special_price_to_date"),
        stock=row.get("qty"),
        availability={"1": "in_stock", "0": "out_of_stock"}.get(row.get("is_in_stock"), ""),
        image=row.get("base_image"),
        columns=VARIANT_COLUMNS,
    )


def _product(row: Row) -> MerchantProduct:
    extra = _pairs(row.get("additional_attributes"))
    category = (row.get("categories").split(",") or [""])[0]
    path = [p.strip() for p in category.split("/") if p.strip()]
    images = [row.get("base_image")] if row.get("base_image") else []
    images += [
        i.strip() for i in row.get("additional_images").split(",") if i.strip() and i.strip() not in images
    ]
    return MerchantProduct(
        row=row.number,
        key=row.get("sku"),
        title=plain_text(row.get("name")),
        description=sanitise_html(row.cells.get("description", "") or row.cells.get("short_description", "")),
        brand=next((extra[k] for k in BRAND_KEYS if extra.get(k)), ""),
        category_path=path[1:] if len(path) > 1 else path,  # without the root ("Default Category")
        attributes={k: v for k, v in extra.items() if k not in (*GTIN_KEYS, *BRAND_KEYS, "mpn")},
        images=images,
        columns={"title": "name", "category": "categories"},
        safety=safety_from_cells(row.cells, safety_languages()),
    )


def read(raw: bytes, name: str) -> list[MerchantProduct]:
    """Return the file's products: configurables with their children, and the other simple products."""
    _header, rows = read_rows(raw, name)
    simple: dict[str, Row] = {}
    order: list[tuple[str, Row]] = []
    for row in rows:
        if row.get("store_view_code"):
            continue  # a translation of a row of the default view
        kind = row.get("product_type") or "simple"
        order.append((kind, row))
        if kind == "simple":
            simple[row.get("sku")] = row
    products: list[MerchantProduct] = []
    children: set[str] = set()
    for kind, row in order:
        if kind != "configurable":
            continue
        product = _product(row)
        for child in row.cells.get("configurable_variations", "").split("|"):
            values = _pairs(child)
            sku = values.pop("sku", "")
            if sku in simple:
                children.add(sku)
                variant = _variant(simple[sku], values)
                product.variants.append(variant)
        products.append(product)
    for kind, row in order:
        if kind == "simple" and row.get("sku") not in children:
            product = _product(row)
            product.variants.append(_variant(row, {}))
            products.append(product)
    products.sort(key=lambda p: p.row)
    return products
