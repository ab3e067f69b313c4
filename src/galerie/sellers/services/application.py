"""A seller's application: its legal identity, its documents, its answers to the operator.

Documents are PDF, JPEG or PNG files told by their content, kept in the private storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.accounts.services import customer_signup
from galerie.core.actors import Actor, actor_user
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.identifiers import clean_iban, clean_phone, clean_vat_number
from galerie.core.images import ImageRefused, image_clean
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.core.statemachine import transition
from galerie.core.uploads import DocumentRefused, pdf_check
from galerie.sellers.errors import SellerApplicationDecided, SellerNotFound
from galerie.sellers.models import (
    Seller,
    SellerAdmission,
    SellerApplicationMessage,
    SellerDocument,
    SellerMember,
)
from galerie.storefronts.models import Storefront

IDENTITY_FIELDS = (
    "display_name",
    "legal_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "id_document_reference",
    "iban",
    "trade_register_number",
    "vat_number",
    "description",
)

Status = Seller.Status

# --- documents ---------------------------------------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_PIXELS = 60_000_000  # a phone's photo of a passport is 12 to 50 million
# What a document may be, told by its first bytes (never by its name or the browser's word).
DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", ("pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", ("jpg", "jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", ("png",)),
)


def document_checked(file: File, *, field: str = "documents") -> tuple[ContentFile[bytes], str]:
    """Return a document ready to keep and its content type: a PDF checked as a PDF (parsed), a
    JPEG or PNG re-encoded without its metadata (core.images, pixels bounded). Raise InvalidInput
    naming ``field`` when it is none of them, is empty, is over 10 MB or its extension lies."""
    name = os.path.basename(getattr(file, "name", "") or "")
    size = file.size or 0
    if size == 0:
        raise InvalidInput({field: [_("“%(name)s” is empty.") % {"name": name}]})
    if size > DOCUMENT_MAX_BYTES:
        raise InvalidInput(
            {
                field: [
                    _("“%(name)s” weighs %(size).1f MB: the limit is 10 MB per file.")
                    % {"name": name, "size": size / 1024 / 1024}
                ]
            }
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    for magic, content_type, extensions in DOCUMENT_SIGNATURES:
        if head.startswith(magic):
            if extension not in extensions:
                raise InvalidInput(
                    {
                        field: [
                            _("“%(name)s” is a %(type)s file but its name does not end in .%(ext)s.")
                            % {"name": name, "type": extensions[0].upper(), "ext": extensions[0]}
                        ]
                    }
                )
            try:
                if content_type == "application/pdf":
                    data = pdf_check(file, max_bytes=DOCUMENT_MAX_BYTES, name=name)
                else:
                    kind = "PNG" if content_type == "image/png" else "JPEG"
                    clean = image_clean(
                        file, formats=(kind,), max_bytes=DOCUMENT_MAX_BYTES, max_pixels=DOCUMENT_MAX_PIXELS
                    )
                    data = clean.file.read()
            except (DocumentRefused, ImageRefused) as refused:
                raise InvalidInput({field: [str(refused)]}) from None
            return ContentFile(data, name=name), content_type
    raise InvalidInput(
        {
            field: [
                _("“%(name)s” is not a PDF, JPEG or PNG file (its content says otherwise).") % {"name": name}
            ]
        }
    )


def document_content_type(file: File, *, field: str = "documents") -> str:
    """Return the content type of a PDF, JPEG or PNG checked by its content; raise InvalidInput
    naming ``field`` as :func:`document_checked` does."""
    return document_checked(file, field=field)[1]


def _documents_check(documents: Sequence[tuple[str, File]]) -> list[tuple[str, File, str]]:
    checked: list[tuple[str, File, str]] = []
    for kind, file in documents:
        if kind not in SellerDocument.Kind.values:
            raise InvalidInput({"documents": [f"“{kind}” is not a kind of document."]})
        checked.append((kind, *document_checked(file, field=f"document_{kind}")))
    return checked


def _documents_save(
    seller: Seller, checked: list[tuple[str, File, str]], by: Actor | None
) -> list[SellerDocument]:
    saved = []
    uploader = actor_user(by)
    for kind, file, content_type in checked:
        original = os.path.basename(file.name or kind)[-255:]
        document = SellerDocument(
            seller=seller,
            kind=kind,
            original_name=original,
            content_type=content_type,
            size=file.size,
            uploaded_by_id=uploader.pk if uploader is not None else None,
        )
        document.file.save(get_valid_filename(original) or kind, file, save=False)
        document.save()
        saved.append(document)
    return saved


@transaction.atomic
def seller_document_add(*, seller_id: int, kind: str, file: File, by: Actor | None = None) -> SellerDocument:
    """Keep a document (PDF, JPEG or PNG, 10 MB at most) of a seller in the private storage."""
    seller = _lock(seller_id)
    (document,) = _documents_save(seller, _documents_check([(kind, file)]), by)
    emit("seller.document_added", seller_id=seller.pk, document_id=document.pk, kind=kind)
    return document


# --- application -------------------------------------------------------------------------------


def _unique_slug(display_name: str) -> str:
    base = (slugify(display_name)[:72].strip("-")) or "shop"
    taken = set(
        Seller.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def seller_apply(
    *,
    kind: str,
    identity: dict[str, str],
    storefronts: Iterable[Storefront],
    certifies_compliance: bool,
    owner: User | None = None,
    slug: str = "",
    documents: Sequence[tuple[str, File]] = (),
) -> Seller:
    """Record a seller's application with its legal identity, its documents (kind, file) and one
    pending admission per storefront; raise InvalidInput naming each bad field, saving nothing."""
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise InvalidInput({"identity": [f"Unknown fields: {', '.join(sorted(unknown))}."]})
    storefronts = list(storefronts)
    if not storefronts:
        raise InvalidInput({"storefronts": [_("Choose at least one storefront to sell on.")]})
    checked = _documents_check(documents)
    seller = Seller(
        kind=kind,
        slug=slug or _unique_slug(identity.get("display_name", "")),
        compliance_certified_at=timezone.now() if certifies_compliance else None,
        **identity,
    )
    full_clean(seller)
    # Store the standard numbers in one canonical form, whatever spacing was typed.
    seller.iban = clean_iban(seller.iban)
    seller.phone = clean_phone(seller.phone)
    if seller.vat_number:
        seller.vat_number = clean_vat_number(seller.vat_number)
    seller.save()
    SellerAdmission.objects.bulk_create(SellerAdmission(seller=seller, storefront=s) for s in storefronts)
    if owner is not None:
        SellerMember.objects.create(seller=seller, user=owner, role=SellerMember.Role.OWNER)
    _documents_save(seller, checked, owner)
    emit("seller.applied", seller_id=seller.pk, storefront_ids=[s.pk for s in storefronts])
    return seller


@transaction.atomic
def seller_application_submit(
    *,
    kind: str,
    identity: dict[str, str],
    storefronts: Iterable[Storefront],
    certifies_compliance: bool,
    documents: Sequence[tuple[str, File]] = (),
    user: User | None = None,
    email: str = "",
    password: str = "",
    language: str = "",
) -> tuple[Seller, User]:
    """Apply to sell, as ``user`` or with a new account (``email``, ``password``) created in the
    same transaction; return (seller, user). Nothing is saved when any part is refused."""
    if user is None:
        try:
            user = customer_signup(
                email=email, password=password, full_name=identity.get("legal_name", ""), language=language
            )
        except InvalidInput as error:  # name the account's fields, not the shop's contact e-mail
            names = {"email": "account_email"}
            raise InvalidInput({names.get(k, k): v for k, v in error.errors.items()}) from None
    seller = seller_apply(
        kind=kind,
        identity=identity,
        storefronts=storefronts,
        certifies_compliance=certifies_compliance,
        owner=user,
        documents=documents,
    )
    return seller, user


@transaction.atomic
def seller_application_answer(
    *, seller_id: int, body: str, documents: Sequence[tuple[str, File]] = (), by: User
) -> Seller:
    """Answer the operator's request for information (text and documents) as one of the seller's
    members; the application goes back to ``applied``. Raise SellerApplicationDecided otherwise."""
    if not SellerMember.objects.filter(seller_id=seller_id, user_id=by.pk).exists():
        raise SellerNotFound(_("You have no such application."))
    seller = _lock(seller_id)
    if seller.status != Status.INFO_REQUESTED:
        raise SellerApplicationDecided(_("The operator is not waiting for an answer to this application."))
    body = (body or "").strip()
    if not body and not documents:
        raise InvalidInput({"body": [_("Write your answer or add a document.")]})
    checked = _documents_check(documents)
    message = SellerApplicationMessage.objects.create(
        seller=seller, author=by, from_operator=False, body=body or _("(documents added)")
    )
    _documents_save(seller, checked, by)
    transition(seller, to=Status.APPLIED, by=by, reason=_("The applicant answered."), seller_id=seller.pk)
    emit("seller.application_answered", seller_id=seller.pk, message_id=message.pk)
    return seller


def _lock(seller_id: int) -> Seller:
    try:
        return lock_row(Seller.objects.all(), seller_id)
    except Seller.DoesNotExist:
        raise SellerNotFound(f"There is no seller {seller_id}.") from None
