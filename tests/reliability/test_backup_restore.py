"""The restore drill: back up a real marketplace, wreck it, restore it, and find everything equal.

The marketplace is the API tests' world (orders placed and paid through the checkout, delivered,
shipped, paid out; a return with its label, a message with its picture, the ledger behind all of
it) plus product pictures stored through the catalog's service. The figures compared are the row
count of every table, the trial balance and each seller's balances, a SHA-256 over the orders,
seller orders and lines in key order, and the SHA-256 of every stored file.

PostgreSQL restores into the test database itself (pg_restore through psql, in one transaction),
after recording the figures; the SQLite drill goes through the online backup API both ways.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from galerie.accounts.models import User
from galerie.catalog.models import Product
from galerie.catalog.services import product_image_add
from galerie.core.backup.archive import MANIFEST
from galerie.ledger.models import JournalEntry
from galerie.ledger.selectors import seller_ledger_balances, trial_balance, unbalanced_entry_ids
from galerie.orders.models import Order, OrderLine, SellerOrder
from galerie.sellers.models import Seller
from tests.api.world import world_build
from tests.factories import make_offer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _payout_files_in_tmp(settings, tmp_path):
    settings.GALERIE_PAYOUT_DIR = tmp_path / "payouts"


def _png(colour: tuple[int, int, int]) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return ContentFile(out.getvalue(), name="cover.png")


def _files_add() -> None:
    for number, product in enumerate(Product.objects.order_by("pk")[:2]):
        product_image_add(product=product, upload=_png((40 * number, 90, 160)))
    storages["private"].save("sellers/identity/kbis.pdf", ContentFile(b"%PDF-1.4 seller's Kbis\n"))


@pytest.fixture
def marketplace(settings, tmp_path):
    """The API tests' world and a few pictures: a few seconds."""
    world = world_build(settings, tmp_path)
    _files_add()
    return world


@pytest.fixture
def small_shop():
    """An offer with its pictures, a seller's document: for the checks that restore nothing."""
    make_offer()
    _files_add()


def _rows_digest(queryset: Any) -> str:
    fields = [f.attname for f in queryset.model._meta.concrete_fields]
    sha = hashlib.sha256()
    for row in queryset.order_by("pk").values_list(*fields):
        sha.update(repr(row).encode())
    return sha.hexdigest()


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def figures() -> dict[str, Any]:
    """Everything the drill compares, read fresh from the database and the storages."""
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return {
        "rows": counts,
        "trial_balance": trial_balance(),
        "sellers": {s.pk: seller_ledger_balances(seller_id=s.pk) for s in Seller.objects.order_by("pk")},
        "orders": [_rows_digest(m.objects.all()) for m in (Order, SellerOrder, OrderLine)],
        "media": _files(Path(storages["default"].location)),
        "private": _files(Path(storages["private"].location)),
        "payout files": _files(settings.GALERIE_PAYOUT_DIR),
    }


def _wreck() -> None:
    """What a bad day does: orders and the ledger gone, a stray account, the pictures deleted."""
    tables = [m._meta.db_table for m in (OrderLine, SellerOrder, Order)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}, ledger_journalentry CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in [*tables, "ledger_journalline", "ledger_journalentry"]:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("PRAGMA foreign_keys = ON")
    User.objects.create(email="written.after.the.backup@example.test")
    shutil.rmtree(storages["default"].location)
    shutil.rmtree(settings.GALERIE_PAYOUT_DIR)
    storages["private"].save("late-upload.csv", ContentFile(b"sku,price\n"))


def _drill(tmp_path: Path) -> None:
    before = figures()
    assert Order.objects.count() >= 4 and JournalEntry.objects.exists()
    assert before["media"] and before["private"] and before["payout files"]
    assert unbalanced_entry_ids() == []
    archive = tmp_path / "drill.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert f"Backup written to {archive}" in out.getvalue()

    _wreck()
    wrecked = figures()
    assert wrecked != before and not Order.objects.exists()
    with pytest.raises(
        CommandError, match=r"The database holds data \(.*\): a restore replaces all of it.*--force"
    ):
        call_command("restore", archive, verbosity=0)
    assert figures() == wrecked

    call_command("restore", archive, force=True, stdout=(out := io.StringIO()))
    assert "Restored" in out.getvalue() and "no migration to apply" in out.getvalue()
    after = figures()
    for part in before:  # one at a time: a difference names its part
        assert after[part] == before[part], part
    assert unbalanced_entry_ids() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill (PostgreSQL has its own)")
def test_the_sqlite_drill_brings_back_every_row_cent_and_file(marketplace, tmp_path):
    _drill(tmp_path)


@pytest.mark.postgres
def test_the_postgresql_drill_brings_back_every_row_cent_and_file(marketplace, tmp_path):
    _drill(tmp_path)


def _rewrite(archive: Path, into: Path, change: Any) -> Path:
    """Copy the archive, passing its manifest through ``change`` (checksums left as they were)."""
    with tarfile.open(archive) as source, tarfile.open(into, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return into


def _refused(archive: Path, match: str, *, force: bool = True) -> None:
    before = figures()
    with pytest.raises(CommandError, match=match):
        call_command("restore", archive, force=force, verbosity=0)
    assert figures() == before


def test_a_corrupt_truncated_or_foreign_archive_is_refused_and_changes_nothing(small_shop, tmp_path):
    archive = tmp_path / "good.tar"
    call_command("backup", output=archive, verbosity=0)
    data = archive.read_bytes()
    User.objects.create(email="after@example.test")  # so that a restore would show

    corrupt = tmp_path / "corrupt.tar"
    middle = data.index(b"PNG") + 40  # a byte inside a picture
    corrupt.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    _refused(corrupt, r"the checksum of “media/.*” does not match the manifest")

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    _refused(truncated, "truncated")

    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"hello" * 100)
    _refused(not_a_backup, "unreadable or truncated")

    other_vendor = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = _rewrite(archive, tmp_path / "foreign.tar", lambda m: m["database"].update(vendor=other_vendor))
    _refused(foreign, f"is a backup of a {other_vendor} database; this installation uses {connection.vendor}")

    newer = _rewrite(
        archive, tmp_path / "newer.tar", lambda m: m["migrations"].append(["orders", "9999_from_the_future"])
    )
    _refused(newer, r"1 migrations this code does not know \(orders.9999_from_the_future…\)")

    with tarfile.open(archive, "a") as tar:  # a member the manifest does not list
        info = tarfile.TarInfo("media/extra.jpg")
        tar.addfile(info, io.BytesIO(b""))
    _refused(archive, "“media/extra.jpg” is not in the manifest")


@pytest.mark.postgres
@pytest.mark.django_db  # refused before it reads a row: no committed data needed
def test_a_backup_that_fails_leaves_no_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no pg_dump at all
    with pytest.raises(CommandError, match="pg_dump is not on PATH"):
        call_command("backup", output=tmp_path / "b.tar", verbosity=0)
    assert list(tmp_path.glob("b.tar*")) == []


def _fake_tool(folder: Path, name: str, version: str) -> None:
    """A stand-in for an old client tool: it only prints the version line the real one would."""
    folder.mkdir(exist_ok=True)
    tool = folder / name
    tool.write_text(
        f"#!/bin/sh\necho '{name} (PostgreSQL) {version} (Debian {version}-1.pgdg120+1)'\nexit 1\n"
    )
    tool.chmod(0o755)


@pytest.mark.postgres
def test_client_tools_older_than_the_server_are_refused(small_shop, tmp_path, monkeypatch):
    archive = tmp_path / "b.tar"
    call_command("backup", output=archive, verbosity=0)  # with the real pg_dump
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server = int(cursor.fetchone()[0]) // 10000
    newer_server = _rewrite(archive, tmp_path / "pg99.tar", lambda m: m["database"].update(server_major=99))
    _refused(newer_server, "comes from PostgreSQL .*; this server is PostgreSQL .*: a dump does not load")

    old = tmp_path / "old-bin"
    _fake_tool(old, "pg_dump", "12.22")
    _fake_tool(old, "pg_restore", "12.22")
    monkeypatch.setenv("PATH", f"{old}{os.pathsep}{os.environ['PATH']}")

    with pytest.raises(CommandError) as refused:
        call_command("backup", output=tmp_path / "again.tar", verbosity=0)
    assert "pg_dump is PostgreSQL 12" in refused.value.args[0]
    assert f"the server is PostgreSQL {server}" in refused.value.args[0]
    assert not list(tmp_path.glob("again.tar*"))

    _refused(archive, f"pg_restore is PostgreSQL 12 .* but the server or the dump is PostgreSQL {server}")
