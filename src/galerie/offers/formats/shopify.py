"""Shopify's product CSV (Products → Export): one product per Handle, variants and images on extra rows.

The first row of a handle carries the product (Title, Body (HTML), Vendor, Product Category or
Type, Tags, Option names); each row with an option value, a Variant SKU or a Variant Price is a
variant; a row with only Image Src adds an image. Shopify files have no condition: new.
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
from galerie.offers.formats.sheets import read_rows

VARIANT_COLUMNS = {
    "sku": "Variant SKU",
    "gtin": "Variant Barcode",
    "price": "Variant Price",
    "compare_at": "Variant Compare At Price",
    "stock": "Variant Inventory Qty",
    "image": "Variant Image",
    "condition": "Variant Condition",  # not Shopify's: what Galerie's export adds
}


def read(raw: bytes, name: str) -> list[MerchantProduct]:
    """Return the file's products in the order of their first rows."""
    _header, rows = read_rows(raw, name)
    products: dict[str, MerchantProduct] = {}
    option_names: dict[str, list[str]] = {}
    for row in rows:
        handle = row.get("Handle")
        product = products.get(handle)
        if product is None:
            category = row.get("Product Category") or row.get("Type")
            product = products[handle] = MerchantProduct(
                row=row.number,
                key=handle,
                title=plain_text(row.get("Title")),
                description=sanitise_html(row.cells.get("Body (HTML)", "")),
                brand=plain_text(row.get("Vendor")),
                category_path=[p.strip() for p in category.split(">") if p.strip()],
                attributes={"tags": row.get("Tags")} if row.get("Tags") else {},
                safety=safety_from_cells(row.cells, safety_languages()),
                columns={
                    "title": "Title",
                    "category": "Product Category" if row.get("Product Category") else "Type",
                },
            )
            option_names[handle] = [row.get(f"Option{i} Name") for i in (1, 2, 3)]
        image = row.get("Image Src")
        if image and image not in product.images:
            product.images.append(image)
        values = [row.get(f"Option{i} Value") for i in (1, 2, 3)]
        if not (any(values) or row.get("Variant SKU") or row.get("Variant Price")):
            continue  # an image row
        options = {
            option: value
            for option, value in zip(option_names[handle], values, strict=True)
            if option and value and not (option == "Title" and value == "Default Title")
        }
        product.variants.append(
            MerchantVariant(
                row=row.number,
                sku=row.get("Variant SKU"),
                gtin=row.get("Variant Barcode").lstrip("'"),
                options=options,
                price=row.get("Variant Price"),
                compare_at=row.get("Variant Compare At Price"),
                stock=row.get("Variant Inventory Qty"),
                image=row.get("Variant Image"),
                condition=row.get("Variant Condition"),
                columns=VARIANT_COLUMNS,
            )
        )
    return list(products.values())
