"""The bundle's format (docs/storefront-bundle.md): its name, version, files and their fields.

A bundle is a directory: ``manifest.json``, one JSON Lines file per entity and ``media/``.
Every line is one JSON object written with sorted keys and no spaces, so that the same rows
always give the same bytes; rows are in the order of their natural key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Any

FORMAT = "galerie-storefront-bundle"
VERSION = 2
VERSIONS = frozenset({1, 2})
MANIFEST = "manifest.json"
MEDIA = "media"
# The manifest's fields that differ from one export of the same storefront to the next.
VOLATILE = ("exported_at", "source")

# The entity files in the order they are written and imported, each with the fields every
# line has (a line may have more only in a later version).
FILES: dict[str, frozenset[str]] = {
    "storefront.jsonl": frozenset(
        {"code", "uuid", "name", "theme", "settings", "status", "catalog_scope", "commission_plan"}
    ),
    "hosts.jsonl": frozenset({"host", "is_primary"}),
    "categories.jsonl": frozenset({"slug", "name", "description", "parent", "path"}),
    "product_types.jsonl": frozenset({"code", "name", "tax_class", "attributes"}),
    "brands.jsonl": frozenset({"slug", "name"}),
    "products.jsonl": frozenset(
        {
            "uuid",
            "slug",
            "title",
            "description",
            "attributes",
            "status",
            "created_at",
            "product_type",
            "category",
            "brand",
            "variants",
            "images",
        }
    ),
    "sellers.jsonl": frozenset(
        {"uuid", "slug", "kind", "status", "display_name", "trader", "admission", "shipping_profile"}
    ),
    "commission_overrides.jsonl": frozenset({"seller", "category", "rate_bp"}),
    "offers.jsonl": frozenset(
        {
            "uuid",
            "seller",
            "variant",
            "condition",
            "seller_sku",
            "price_minor",
            "currency",
            "stock",
            "lead_time_days",
            "status",
            "created_at",
            "price_history",
        }
    ),
    "customers.jsonl": frozenset({"uuid", "pseudonym", "transfer_consent"}),
    "orders.jsonl": frozenset(
        {
            "uuid",
            "number",
            "customer",
            "status",
            "currency",
            "items_minor",
            "shipping_minor",
            "total_minor",
            "vat_minor",
            "placed_at",
            "payment",
            "seller_orders",
        }
    ),
    "reviews.jsonl": frozenset(
        {
            "uuid",
            "order",
            "seller_order",
            "line",
            "customer",
            "author_name",
            "product_stars",
            "seller_stars",
            "title",
            "text",
            "language",
            "status",
            "hidden_reason",
            "created_at",
            "reply_text",
            "replied_at",
        }
    ),
    "url_map.jsonl": frozenset({"path", "kind", "key"}),
}
# The version that added a file: a bundle of an older version has none (read as empty).
SINCE: dict[str, int] = {"reviews.jsonl": 2}


def files_of_version(version: int) -> list[str]:
    """The entity files a bundle of ``version`` has, in the order they are written and imported."""
    return [name for name in FILES if SINCE.get(name, 1) <= version]


def dumps(row: dict[str, Any]) -> bytes:
    """One line of a JSON Lines file: sorted keys, no spaces, UTF-8, a newline."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


class HashingWriter:
    """A file written line by line that counts its rows and bytes and hashes as it goes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("wb")
        self.sha256 = hashlib.sha256()
        self.rows = 0
        self.bytes = 0

    def write_row(self, row: dict[str, Any]) -> None:
        self.write(dumps(row))
        self.rows += 1

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.sha256.update(data)
        self.bytes += len(data)

    def close(self) -> dict[str, Any]:
        self._file.close()
        return {"rows": self.rows, "bytes": self.bytes, "sha256": self.sha256.hexdigest()}


def file_sha256(path: Path) -> tuple[int, str]:
    """The size and SHA-256 of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
