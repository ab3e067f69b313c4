"""Bulk offer update figures for docs/offer-imports.md: a 100,000-row file, checked then applied.

``python -m bench.imports [--database-url postgres://…/galerie_bench_imports] [--rows 100000]``
creates (or empties) the database, migrates it, then in a child process builds a fresh small
catalog (one variant per row, a seller holding offers for 60 % of them), writes the file (60 %
updates by SKU, 40 % new offers by GTIN, 50 broken rows), runs the import as ``galerie
offers_import`` would and times its two phases; an XLSX copy of the same rows is then checked
only. Prints the figures and writes them to ``bench/results/<stamp>-imports.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/galerie_bench_imports"


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("GALERIE_BENCH_IMPORTS_URL", DEFAULT_URL))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(figures(Path(args.child), rows=args.rows)))
        return
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the import bench runs on PostgreSQL: pass --database-url postgres://…")
    var = Path(tempfile.mkdtemp(prefix="galerie-bench-imports-"))
    env = {
        **os.environ, "DATABASE_URL": args.database_url, "GALERIE_VAR_DIR": str(var), "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "galerie.settings", "PYTHONPATH": str(REPOSITORY),
    }  # fmt: skip
    _recreate(args.database_url)
    subprocess.run([sys.executable, "-m", "galerie.cli", "migrate", "-v", "0"], env=env, check=True)
    child = [sys.executable, "-m", "bench.imports", "--child", str(var), "--rows", str(args.rows)]
    out = subprocess.run(child, env=env, check=True, text=True, capture_output=True, cwd=REPOSITORY).stdout
    result = json.loads(out.strip().splitlines()[-1])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = BENCH_DIR / "results" / f"{stamp}-imports.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    csv_, xlsx = result["csv"], result["xlsx_check_only"]
    print(
        f"{result['rows']:,} rows on {result['database']}: check {csv_['check_rows_per_s']:,} rows/s"
        f" ({csv_['check_s']} s), apply {csv_['apply_rows_per_s']:,} rows/s ({csv_['apply_s']} s),"
        f" in all {csv_['total_s']} s; the same rows as XLSX checked at {xlsx['check_rows_per_s']:,} rows/s"
        f" — {path.relative_to(REPOSITORY)}"
    )


# --- in the child, against the bench database ---------------------------------------------------


def _catalog(rows: int):
    from stdnum import ean

    from galerie.catalog.models import Category, Product, ProductType, Variant

    product_type = ProductType.objects.create(code="bench", name="Bench")
    category = Category.add_root(name="Bench", slug="bench")
    products = Product.objects.bulk_create(
        Product(product_type=product_type, category=category, title=f"Bench {i}", slug=f"bench-{i}")
        for i in range(-(-rows // 1000))
    )
    bodies = (f"376{i:09d}" for i in range(rows))
    return Variant.objects.bulk_create(
        (
            Variant(product=products[i // 1000], gtin=b + ean.calc_check_digit(b))
            for i, b in enumerate(bodies)
        ),
        batch_size=10_000,
    )


def _seller():
    from django.utils import timezone

    from galerie.sellers.models import Seller, SellerAdmission
    from galerie.storefronts.services import storefront_create

    seller = Seller.objects.create(
        kind="trader", display_name="Bench imports", slug="bench-imports", status=Seller.Status.ACTIVE,
        legal_name="Bench SARL", email="bench@example.test", phone="+33142685300",
        address_line1="1 rue du Banc", postal_code="75011", city="Paris", country="FR",
        id_document_reference="Passport 00AA00000", iban="FR7630006000011234567890189",
        trade_register_number="732829320", vat_number="FR44732829320", compliance_certified_at=timezone.now(),
    )  # fmt: skip
    # New offers by GTIN need a storefront whose catalog holds the product (the pages' rule).
    storefront = storefront_create(code="bench-imports", name="Bench imports")
    SellerAdmission.objects.create(
        seller=seller, storefront=storefront, status=SellerAdmission.Status.ADMITTED
    )
    return seller


def _rows(variants, existing: int) -> list[list[str]]:
    rows = [["sku", "gtin", "price", "stock", "condition", "lead_time_days"]]
    for i, variant in enumerate(variants):
        if i < existing:
            rows.append([f"SKU{i:07d}", "", f"{10 + i % 40},{i % 100:02d}", str(i % 30), "", ""])
        else:
            rows.append([f"NEW{i:07d}", variant.gtin, "4,99", str(i % 9), "new", "3"])
    for i in range(7, len(rows), max(len(rows) // 50, 1)):  # 50 broken rows
        rows[i][2] = "12.999"
    return rows


def _timed_run(import_id: int) -> dict:
    from galerie.offers.imports import offer_import_run

    marks: dict[str, float] = {"start": time.perf_counter()}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())

    offer_import = offer_import_run(import_id=import_id, progress=progress)
    end = time.perf_counter()
    rows = offer_import.total_rows
    check_end = marks.get("apply", end)
    check_s, apply_s = check_end - marks["start"], end - check_end
    return {
        "status": offer_import.status,
        "error_rows": offer_import.error_rows,
        "created": offer_import.created_offers,
        "updated": offer_import.updated_offers,
        "unchanged": offer_import.unchanged_offers,
        "check_s": round(check_s, 2),
        "check_rows_per_s": round(rows / check_s),
        "apply_s": round(apply_s, 2),
        "apply_rows_per_s": round((rows - offer_import.error_rows) / apply_s) if apply_s > 0.01 else None,
        "total_s": round(end - marks["start"], 2),
    }


def figures(var: Path, *, rows: int) -> dict:
    import csv

    import django

    django.setup()
    import openpyxl
    from django.core.files import File
    from django.db import connection

    from galerie.core.actors import System
    from galerie.offers.imports import offer_import_create
    from galerie.offers.models import Offer

    existing = rows * 3 // 5
    started = time.perf_counter()
    variants, seller = _catalog(rows), _seller()
    Offer.objects.bulk_create(
        (
            Offer(seller=seller, variant=v, seller_sku=f"SKU{i:07d}", price_minor=1000, stock=1)
            for i, v in enumerate(variants[:existing])
        ),
        batch_size=10_000,
    )
    setup_s = time.perf_counter() - started
    table = _rows(variants, existing)
    path = var / "offers.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(table)
    # As Excel saves it: numbers as numbers, and a <dimension> (openpyxl's write-only mode omits it,
    # which makes every reader parse the whole sheet once more to size it).
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(table[0])
    for sku, gtin, price, stock, condition, lead in table[1:]:
        number = float(price.replace(",", ".")) if price != "12.999" else 12.999
        sheet.append([sku, gtin, number, int(stock), condition, int(lead) if lead else None])
    xlsx = var / "offers.xlsx"
    workbook.save(xlsx)

    def run(file: Path, check_only: bool) -> dict:
        started = time.perf_counter()
        with file.open("rb") as handle:
            offer_import = offer_import_create(
                by=System("bench"), seller=seller, upload=File(handle, name=file.name), check_only=check_only
            )
        upload_s = time.perf_counter() - started
        return {"upload_s": round(upload_s, 2), **_timed_run(offer_import.pk)}

    result_csv = run(path, check_only=False)
    result_xlsx = run(xlsx, check_only=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    return {
        "rows": rows,
        "database": version,
        "cpus": os.cpu_count(),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "xlsx_mb": round(xlsx.stat().st_size / 2**20, 1),
        "setup_s": round(setup_s, 1),
        "csv": result_csv,
        "xlsx_check_only": result_xlsx,
    }


if __name__ == "__main__":
    main()
