"""Which merchant format a file is in, from its header row or its XML root, never its name."""

from __future__ import annotations

import re

from galerie.offers.imports.files import _column_name

FORMATS = ("shopify", "woocommerce", "gmc", "magento")
FORMAT_NAMES = {
    "shopify": "Shopify product CSV",
    "woocommerce": "WooCommerce product CSV",
    "gmc": "Google Merchant Center feed (RSS 2.0 or Atom)",
    "magento": "Magento 2 catalog CSV",
}

# Header cells (as _column_name makes them) that only that system writes, all required.
SIGNATURES = {
    "shopify": {"handle", "variant_price"},
    "woocommerce": {"regular_price", "type", "name"},
    "magento": {"sku", "product_type", "attribute_set_code"},
}


def header_score(cells: list[str]) -> int:
    """How many cells of a header row name a column some merchant format knows (to pick the delimiter)."""
    names = {_column_name(c) for c in cells}
    return max(len(names & required) for required in SIGNATURES.values())


def detect_format(raw: bytes) -> str | None:
    """Return "shopify", "woocommerce", "gmc" or "magento", or None (an offer file, or unknown)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        text = head.decode("utf-8", "replace")
        if re.search(r"<(rss|feed)\b", text) and "base.google.com/ns/1.0" in text:
            return "gmc"
        return None
    text = raw[:8192].decode("utf-8", "replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    for delimiter in (",", ";", "\t"):
        names = {_column_name(c) for c in first.split(delimiter)}
        for fmt, required in SIGNATURES.items():
            if required <= names:
                return fmt
    return None
