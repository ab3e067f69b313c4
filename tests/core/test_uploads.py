"""Uploads are bounded while they arrive and judged by their content: a file past the ceiling is
counted, not kept, and refused by its field's own limit; PDFs are parsed; pictures everywhere
(identity documents and the admin's forms included) have a pixel limit (core/uploads.py)."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict
from PIL import Image

from galerie.catalog.models import ProductImage
from galerie.core.errors import InvalidInput
from galerie.core.images import CleanImageFormField
from galerie.core.uploads import BoundedUploadHandler, DocumentRefused, OversizedUpload, pdf_check
from galerie.returns.services import _check_label
from galerie.sellers.models import SellerDocument
from galerie.sellers.services import seller_document_add
from tests.core.test_images import jpeg_with_gps
from tests.factories import make_product, make_seller, make_user, pdf_bytes

pytestmark = pytest.mark.django_db
BOUNDARY = "galerieboundary"


def png_bomb(name: str = "tiny.png", side: int = 30_000) -> SimpleUploadedFile:
    """A PNG of 100 bytes whose header says ``side`` × ``side`` pixels (900 million): what
    matters is refusing it from the header, before any pixel is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit per pixel, grey
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return SimpleUploadedFile(name, data + chunk(b"IEND", b""), content_type="image/png")


class StreamedBody(io.RawIOBase):
    """A multipart body of one file of ``size`` zero bytes, produced as it is read (never held)."""

    def __init__(self, size: int, field: str = "logo", name: str = "huge.png") -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        end = self.length if size is None or size < 0 else min(self.length, self.position + size)
        out = bytearray()
        while self.position < end:
            if self.position < len(self.head):
                piece = self.head[self.position : end]
            elif self.position >= self.length - len(self.tail):
                offset = self.position - (self.length - len(self.tail))
                piece = self.tail[offset : offset + end - self.position]
            else:
                piece = bytes(min(end, self.length - len(self.tail)) - self.position)
            out += piece
            self.position += len(piece)
        return bytes(out)


def parse(body: StreamedBody) -> MultiValueDict:
    from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(body.length)}
    handlers = [BoundedUploadHandler(), MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    _post, files = MultiPartParser(meta, body, handlers).parse()
    return files


def test_a_100_mb_upload_is_counted_not_kept_and_its_field_refuses_it_by_name_and_limit(settings):
    settings.GALERIE_UPLOAD_MAX_FILE_BYTES = 20 * 2**20
    tracemalloc.start()
    files = parse(StreamedBody(100 * 2**20))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    upload = files["logo"]
    assert isinstance(upload, OversizedUpload) and upload.size == 100 * 2**20 and upload.read() == b""
    assert peak < 4 * 2**20  # chunks of 64 KB pass through; nothing is gathered
    from galerie.sellers.services.shop import logo_prepare

    with pytest.raises(InvalidInput, match=r"“huge.png” is 100.0 MB: the logo may be 2 MB at most."):
        logo_prepare(upload)


def test_a_file_under_the_ceiling_arrives_whole(settings):
    settings.GALERIE_UPLOAD_MAX_FILE_BYTES = 20 * 2**20
    upload = parse(StreamedBody(3 * 2**20))["logo"]
    assert not isinstance(upload, OversizedUpload) and upload.size == 3 * 2**20
    assert len(upload.read()) == 3 * 2**20


def test_the_settings_put_the_bounded_handler_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "galerie.core.uploads.BoundedUploadHandler"
    assert settings.GALERIE_UPLOAD_MAX_FILE_BYTES == 20 * 2**20


def test_an_oversized_upload_through_a_form_is_refused_and_nothing_is_stored(client, settings):
    from tests.web.portal_data import member
    from tests.web.test_seller_shop import VALID

    settings.GALERIE_UPLOAD_MAX_FILE_BYTES = 2**20
    seller = make_seller()
    client.force_login(member(seller))
    response = client.post(
        "/sell/shop/",
        {
            **VALID,
            "logo": SimpleUploadedFile("big.png", b"\x89PNG" + bytes(3 * 2**20), content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "“big.png” is 3.0 MB: the logo may be 2 MB at most." in response.content.decode()
    seller.refresh_from_db()
    assert not seller.logo


# --- PDF documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "is not a readable PDF document"),  # a header alone
        (b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", "is not a readable PDF document"),
        (b"<html><script>alert(1)</script></html>", "is not a readable PDF document"),
        (b"", "is empty"),
        (pdf_bytes() + bytes(6 * 2**20), "weighs 6.0 MB: at most 5 MB."),
    ],
)
def test_a_pdf_is_parsed_not_only_sniffed(content, message):
    with pytest.raises(DocumentRefused, match=message) as caught:
        pdf_check(SimpleUploadedFile("scan.pdf", content), max_bytes=5 * 2**20)
    assert "“scan.pdf”" in str(caught.value)


def test_a_real_pdf_is_kept_as_sent():
    data = pdf_bytes(3)
    assert pdf_check(SimpleUploadedFile("scan.pdf", data), max_bytes=5 * 2**20) == data


def test_a_return_label_that_only_starts_like_a_pdf_is_refused():
    with pytest.raises(InvalidInput, match=r"“label.pdf” is not a readable PDF document\."):
        _check_label(SimpleUploadedFile("label.pdf", b"%PDF-1.4 a label"))
    assert _check_label(SimpleUploadedFile("label.pdf", pdf_bytes())) == pdf_bytes()


# --- pictures of identity documents and of the admin ------------------------------------------


def test_an_identity_picture_that_decodes_to_900_million_pixels_is_refused_and_nothing_kept():
    seller = make_seller()
    with pytest.raises(InvalidInput) as caught:
        seller_document_add(seller_id=seller.pk, kind="identity", file=png_bomb("passport.png"))
    # Refused from its header by the pixel limit (the decoder would have failed otherwise, after
    # allocating 112 MB), naming the file.
    assert caught.value.errors["document_identity"][0] == (
        "“passport.png” would take too much memory to open: it is refused."
    )
    assert not SellerDocument.objects.exists()


def test_an_identity_photo_is_kept_without_where_it_was_taken():
    seller = make_seller()
    document = seller_document_add(seller_id=seller.pk, kind="identity", file=jpeg_with_gps("id.jpg"))
    assert (document.content_type, document.original_name) == ("image/jpeg", "id.jpg")
    with document.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and not image.getexif()


def test_the_admin_picture_field_refuses_a_bomb_and_re_encodes_the_rest():
    field = CleanImageFormField()
    with pytest.raises(ValidationError, match=r"“tiny\.png”"):
        field.clean(png_bomb())
    clean = field.clean(jpeg_with_gps("holiday.jpg"))
    assert clean.name == "holiday.jpg"
    with Image.open(clean) as image:
        assert not image.getexif()


def test_the_admin_refuses_a_bomb_as_a_product_picture_and_stores_nothing(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    product = make_product()
    response = client.post(
        "/admin/catalog/productimage/add/",
        {"product": product.pk, "image": png_bomb(), "alt": "x", "position": "0"},
    )
    assert response.status_code == 200 and "tiny.png" in response.content.decode()
    assert not ProductImage.objects.exists()
