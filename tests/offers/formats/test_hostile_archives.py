"""Hostile archives sent as offer files (a ZIP with its pictures, an XLSX workbook): real bombs,
built in memory, are refused from the ZIP directory with little memory, with a
message naming the file, the member and the limit; nothing is stored (core/archives.py)."""

from __future__ import annotations

import io
import stat
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from galerie.catalog.models import ProductProposal
from galerie.core.archives import ArchiveLimits, ArchiveRefused, archive_open, archive_vet
from galerie.offers.errors import OfferImportRefused
from galerie.offers.formats import images as image_rules
from galerie.offers.imports import offer_import_create, offer_import_run
from galerie.offers.models import OfferImport
from tests.factories import TESTS, make_seller
from tests.offers.formats.conftest import FIXTURES
from tests.offers.test_imports_edge_cases import workbook

pytestmark = pytest.mark.django_db

CSV = (FIXTURES / "magento_catalog.csv").read_bytes()
GB = 2**30
CSV_MEMBER = ("magento_catalog.csv", zlib.compress(CSV)[2:-4], len(CSV), zlib.crc32(CSV))


def zeros_deflated(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, made without compressing them all: a
    full flush resets the compressor, so one compressed megabyte repeats as is (1,030 : 1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(2**20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def hand_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP of (name, deflated bytes, declared size, CRC-32), sizes in ZIP64 fields:
    the directory says whatever ``declared`` says, as an attacker's tool writes it."""
    out, central = io.BytesIO(), io.BytesIO()
    big = 2**32 - 1  # "see the ZIP64 field"
    for name, packed, declared, crc in members:
        offset, encoded = out.tell(), name.encode()
        extra = struct.pack("<HHQQ", 1, 16, declared, len(packed))
        sizes = (crc, big, big, len(encoded), len(extra))
        out.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 45, 0, 0, 8, 0, 0x21, *sizes))
        out.write(encoded + extra + packed)
        mode = 0o644 << 16
        central.write(
            struct.pack(
                "<4s4B4HL2L5H2L", b"PK\x01\x02", 45, 3, 45, 0, 0, 8, 0, 0x21, *sizes, 0, 0, 0, mode, offset
            )
        )
        central.write(encoded + extra)
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    count = len(members)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def plain_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, name: str = "catalog.zip") -> tuple[str, int]:
    """Send ``data`` as an offer file; return the refusal and the peak memory it took."""
    seller = make_seller()
    tracemalloc.start()
    with pytest.raises(OfferImportRefused) as caught:
        offer_import_create(by=TESTS, seller=seller, upload=SimpleUploadedFile(name, data))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not OfferImport.objects.exists()
    return caught.value.message, peak


def test_ten_gigabytes_of_zeros_declared_as_such_are_refused_from_the_directory():
    bomb = hand_zip([CSV_MEMBER, ("pictures/zeros.jpg", zeros_deflated(10 * 1024), 10 * GB, 0)])
    assert len(bomb) < 12 * 2**20  # 10 GB in about 10 MB
    message, peak = refused(bomb)
    assert "“catalog.zip” expands to more than 20 MB once uncompressed" in message
    assert "“pictures/zeros.jpg” alone: 10,240 MB" in message
    assert peak < 3 * len(bomb)  # the upload's own copies, nothing inflated


def test_ten_gigabytes_of_zeros_declared_small_are_never_inflated_past_the_declared_size():
    liar = hand_zip([("magento_catalog.csv", zeros_deflated(10 * 1024), 1000, 0)])
    message, peak = refused(liar)
    assert message == (
        "“magento_catalog.csv” in “catalog.zip” is damaged: it does not match its declared size or checksum."
    )
    assert peak < 3 * len(liar)


def test_a_member_compressed_a_thousand_times_is_refused_by_its_ratio():
    bomb = hand_zip([CSV_MEMBER, ("pictures/a.jpg", zeros_deflated(4), 4 * 2**20, 0)])
    message, _peak = refused(bomb)
    assert "“pictures/a.jpg”, compressed 1,0" in message and "times (at most 200)" in message


def test_a_42_zip_is_refused_without_opening_what_it_nests():
    layer = plain_zip({f"{i}.zip": plain_zip({"0.txt": bytes(2**20)}) for i in range(16)})
    nested = plain_zip({"magento_catalog.csv": CSV, "lib/0.zip": layer})
    message, peak = refused(nested)
    assert message == "“catalog.zip” holds another archive, “lib/0.zip”: put the files themselves in it."
    assert peak < 8 * 2**20  # the 16 MB it nests were never inflated


@pytest.mark.parametrize(
    "member",
    ["../../etc/cron.d/galerie", "/etc/passwd", "pictures/../../../x.jpg", "C:/Windows/x.jpg", "..\\x.jpg"],
)
def test_a_name_outside_the_archive_folder_is_refused(member):
    message, _peak = refused(plain_zip({"magento_catalog.csv": CSV, member: b"x"}))
    assert "a name outside the archive's folder: it is refused." in message


def test_a_symbolic_link_is_refused():
    link = zipfile.ZipInfo("pictures/a.jpg")
    link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("magento_catalog.csv", CSV)
        archive.writestr(link, "/etc/passwd")
    message, _peak = refused(buffer.getvalue())
    assert message == "“catalog.zip” holds “pictures/a.jpg”, a symbolic link: it is refused."


def test_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(
        image_rules, "ARCHIVE_LIMITS", ArchiveLimits(max_members=50, max_total_bytes=GB, max_member_bytes=GB)
    )
    files = {"magento_catalog.csv": CSV, **{f"p/{i}.jpg": b"" for i in range(60)}}
    message, _peak = refused(plain_zip(files))
    assert message == "“catalog.zip” holds 61 files: at most 50."


def test_a_product_file_that_is_itself_an_archive_is_refused():
    message, _peak = refused(plain_zip({"magento_catalog.csv": plain_zip({"a.csv": CSV})}))
    assert "is itself an archive" in message


def test_an_xlsx_with_a_part_outside_its_folder_or_a_link_is_refused():
    xlsx = workbook([["sku", "price"], ["A", 1]])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    message, _peak = refused(plain_zip({**parts, "../../x.xml": b"<x/>"}), "offers.xlsx")
    assert "“../../x.xml”, a name outside the archive's folder" in message


def test_a_lying_picture_is_skipped_and_the_import_goes_on(shop):
    _storefront, seller, _products = shop
    liar = hand_zip([CSV_MEMBER, ("m/b/mb02.jpg", zeros_deflated(64), 1000, 0)])
    offer_import = offer_import_create(by=TESTS, seller=seller, upload=SimpleUploadedFile("m.zip", liar))
    tracemalloc.start()
    result = offer_import_run(import_id=offer_import.pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.status == OfferImport.Status.APPLIED, result.failure
    assert not ProductProposal.objects.get(seller=seller, title="Trousse Fusion").image
    assert peak < 40 * 2**20  # 64 MB of zeros behind a picture declared 1,000 bytes: never inflated


def test_the_vetting_reads_the_directory_only():
    # The members hold no valid deflate stream: inflating any of them would raise zlib's error,
    # not the refusal, so the refusal proves only the directory was read.
    bomb = hand_zip([(f"{i}.bin", b"\xff" * 1024, 4 * GB - 1, 0) for i in range(3)])
    archive = archive_open(bomb, "b.zip")
    limits = ArchiveLimits(max_members=10, max_total_bytes=GB, max_member_bytes=8 * GB, max_ratio=10**9)
    with pytest.raises(ArchiveRefused, match=r"expands to more than 1,024 MB"):
        archive_vet(archive, "b.zip", limits)
