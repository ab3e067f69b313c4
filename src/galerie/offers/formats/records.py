"""The normalised rows every merchant format is read into, whatever system wrote the file.

A reader (``shopify``, ``woocommerce``, ``gmc``, ``magento``) turns a file into
:class:`MerchantProduct` records, each with its :class:`MerchantVariant` (the sellable units),
and the problems of its rows. Cells stay text here, with the file's own column name beside each
field (``columns``) so that the report names the column the seller sees; ``normalise`` parses
them (price, stock, GTIN, dates) with the offer import's own rules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3

# What a product description may keep: text structure and links, nothing that runs or loads.
ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a", "span", "sup", "sub", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
MAX_DESCRIPTION_CHARS = 20_000


def sanitise_html(value: str) -> str:
    """Return a description's HTML with only harmless tags (no script, style, image, handler)."""
    if not value.strip():
        return ""
    cleaned = nh3.clean(
        value[: MAX_DESCRIPTION_CHARS * 2],
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return cleaned.strip()[:MAX_DESCRIPTION_CHARS]


def plain_text(value: str) -> str:
    """Return HTML as one line of text (titles, attribute values)."""
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(value, tags=set()))).strip()


_BREAKS = re.compile(r"<\s*(br\s*/?|/\s*(p|li|h[1-6]|tr|blockquote|ul|ol|table))\s*>", re.IGNORECASE)
_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)


def html_to_text(value: str) -> str:
    """Return sanitised HTML as the catalog's plain text: paragraphs and list items on their own lines.

    The catalog's descriptions are text (the product page escapes them and keeps line breaks).
    """
    text = _ITEM.sub("• ", _BREAKS.sub("\n", sanitise_html(value)))
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# The product safety data (GPSR) a CSV may carry, in columns Galerie reads whatever the
# format: our field -> its column. The warnings take one column per language.
SAFETY_COLUMNS = {
    "manufacturer_name": "GPSR Manufacturer",
    "manufacturer_address": "GPSR Manufacturer Address",
    "manufacturer_country": "GPSR Manufacturer Country",
    "manufacturer_contact": "GPSR Manufacturer Contact",
    "responsible_name": "GPSR Responsible Person",
    "responsible_address": "GPSR Responsible Address",
    "responsible_country": "GPSR Responsible Country",
    "responsible_contact": "GPSR Responsible Contact",
}
SAFETY_INFORMATION_COLUMN = "GPSR Safety Information ({language})"


def safety_from_cells(cells: dict[str, str], languages: list[str]) -> dict[str, object]:
    """Return the safety data a row's cells give (columns ``SAFETY_COLUMNS`` and
    ``GPSR Safety Information (en)`` …), without the empty ones."""
    safety: dict[str, object] = {
        field: plain_text(cells[column])
        for field, column in SAFETY_COLUMNS.items()
        if cells.get(column, "").strip()
    }
    information = {
        language: plain_text(text)
        for language in languages
        if (text := cells.get(SAFETY_INFORMATION_COLUMN.format(language=language), "")).strip()
    }
    if information:
        safety["safety_information"] = information
    return safety


@dataclass
class MerchantVariant:
    """One sellable unit of a product and the seller's offer of it, as the file gives them."""

    row: int  # the row (CSV) or item (feed) it comes from
    sku: str = ""
    gtin: str = ""
    mpn: str = ""
    options: dict[str, str] = field(default_factory=dict)  # "Size" -> "M"
    price: str = ""
    currency: str = ""  # when the file names it (a feed's "15.00 EUR")
    sale_price: str = ""
    sale_from: str = ""  # as written; normalise parses them
    sale_to: str = ""
    compare_at: str = ""
    stock: str = ""
    availability: str = ""  # a feed's in_stock / out_of_stock when it gives no quantity
    condition: str = ""
    image: str = ""
    # Our field -> the file's column, for the report ("price" -> "Variant Price").
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class MerchantProduct:
    """A product of the file with its variants (a simple product has one)."""

    row: int
    key: str  # the file's own key: Shopify's Handle, WooCommerce's ID or SKU, Magento's sku, the feed's id
    title: str = ""
    description: str = ""  # sanitised HTML
    brand: str = ""
    category_path: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # URLs or archive paths, the main one first
    link: str = ""
    variants: list[MerchantVariant] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    safety: dict[str, object] = field(default_factory=dict)  # GPSR data, copied to its proposal
