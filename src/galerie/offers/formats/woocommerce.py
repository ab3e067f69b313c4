"""WooCommerce's product CSV (Products → Export): simple and variable products, variations on their own rows.

A ``variable`` product's variations are the ``variation`` rows whose Parent names it
(``id:123`` or its SKU); their ``Attribute N value(s)`` are the options. Categories are
comma-separated ``>`` paths (the first is used); Images a comma-separated list of URLs.
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

GTIN_COLUMNS = ("GTIN, UPC, EAN, or ISBN", "GTIN, UPC, EAN or ISBN", "EAN", "GTIN")
VARIANT_COLUMNS = {
    "sku": "SKU",
    "price": "Regular price",
    "sale_price": "Sale price",
    "sale_from": "Date sale price starts",
    "sale_to": "Date sale price ends",
    "stock": "Stock",
    "availability": "In stock?",
}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _attributes(row: Row) -> dict[str, str]:
    found = {}
    for index in range(1, 10):
        name = row.get(f"Attribute {index} name")
        if name:
            found[name] = row.get(f"Attribute {index} value(s)")
    return found


def _variant(row: Row, options: dict[str, str]) -> MerchantVariant:
    gtin_column = next((c for c in GTIN_COLUMNS if row.get(c)), GTIN_COLUMNS[0])
    return MerchantVariant(
        row=row.number,
        sku=row.get("SKU"),
        gtin=row.get(gtin_column).lstrip("'"),
        options=options,
        price=row.get("Regular price"),
        sale_price=row.get("Sale price"),
        sale_from=row.get("Date sale price starts"),
        sale_to=row.get("Date sale price ends"),
        stock=row.get("Stock"),
        availability="in_stock"
        if row.get("In stock?") in ("1", "yes")
        else "out_of_stock"
        if row.get("In stock?")
        else "",
        image=(_split(row.get("Images")) or [""])[0],
        columns={**VARIANT_COLUMNS, "gtin": gtin_column},
    )


def read(raw: bytes, name: str) -> list[MerchantProduct]:
    """Return the file's simple and variable products, each with its variations."""
    _header, rows = read_rows(raw, name)
    products: list[MerchantProduct] = []
    by_parent: dict[str, MerchantProduct] = {}
    orphans: list[Row] = []
    for row in rows:
        kinds = {kind.strip() for kind in row.get("Type").split(",")}
        if "variation" in kinds:
            parent = by_parent.get(row.get("Parent"))
            if parent is None:
                orphans.append(row)
                continue
            parent.variants.append(_variant(row, _attributes(row)))
            continue
        category = (_split(row.get("Categories")) or [""])[0]
        product = MerchantProduct(
            row=row.number,
            key=row.get("SKU") or row.get("ID"),
            title=plain_text(row.get("Name")),
            description=sanitise_html(
                row.cells.get("Description", "") or row.cells.get("Short description", "")
            ),
            brand=plain_text((_split(row.get("Brands")) or [""])[0]),
            category_path=[p.strip() for p in category.split(">") if p.strip()],
            attributes=_attributes(row),
            images=_split(row.get("Images")),
            columns={"title": "Name", "category": "Categories"},
            safety=safety_from_cells(row.cells, safety_languages()),
        )
        products.append(product)
        if row.get("ID"):
            by_parent[f"id:{row.get('ID')}"] = product
        if row.get("SKU"):
            by_parent[row.get("SKU")] = product
        if "variable" not in kinds:
            product.variants.append(_variant(row, {}))
    for row in orphans:  # a variation whose parent comes later in the file (or never)
        parent = by_parent.get(row.get("Parent"))
        if parent is None:
            orphan = MerchantProduct(row=row.number, key=row.get("Parent"), columns={"title": "Parent"})
            orphan.variants.append(_variant(row, _attributes(row)))
            products.append(orphan)  # reported: its product is unknown
        else:
            parent.variants.append(_variant(row, _attributes(row)))
    return products
