"""Writes of a seller's shop page: name, description, return policy, logo, stock alert, shipping.

The identity a trader gave the operator (legal name, address, register number …) is not
here: it changes through the operator, who checked it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.core.errors import InvalidInput, full_clean
from galerie.core.images import ImageRefused, image_clean
from galerie.core.locking import lock_row
from galerie.core.outbox import emit
from galerie.sellers.models import Seller, ShippingProfile

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_MAX_PIXELS = 40_000_000
# Formats read from the content (core.images).
LOGO_FORMATS = ("PNG", "JPEG", "WEBP")
SHOP_FIELDS = ("display_name", "description", "return_policy", "low_stock_threshold")
RETURN_POLICY_MAX = 4000
DESCRIPTION_MAX = 4000


@dataclass(frozen=True)
class ShippingSettings:
    """A shipping profile as the seller sets it; amounts in minor units of the profile's currency."""

    kind: str
    base_minor: int
    per_item_minor: int = 0
    free_above_minor: int | None = None
    transit_days_min: int = 2
    transit_days_max: int = 4
    book_discount_bp: int = 0  # new books' reduction off the delivery charge, at most 500 (loi Lang)


# Loi 2014-779 (art. 1 of loi 81-766 as amended): at most 5 % off a new book's price, and only
# off its delivery (docs/loi-lang.md).
BOOK_DISCOUNT_MAX_BP = 500


def logo_prepare(upload: File) -> ContentFile:
    """Check that an upload is a PNG, JPEG or WebP image of at most 2 MB, and return it re-encoded,
    no side longer than 512 px, without its metadata; raise InvalidInput on the ``logo`` field."""
    name = PurePath(upload.name or "logo").name
    if upload.size is not None and upload.size > LOGO_MAX_BYTES:
        raise InvalidInput(
            {"logo": [f"“{name}” is {upload.size / 1024 / 1024:.1f} MB: the logo may be 2 MB at most."]}
        )
    try:
        clean = image_clean(
            upload,
            formats=LOGO_FORMATS,
            max_bytes=LOGO_MAX_BYTES,
            max_pixels=LOGO_MAX_PIXELS,
            max_side=LOGO_MAX_SIDE,
        )
    except ImageRefused as refused:
        raise InvalidInput({"logo": [str(refused)]}) from None
    return clean.file


def _shipping_apply(seller: Seller, shipping: ShippingSettings) -> bool:
    """Create or update the seller's shipping profile; return whether anything changed."""
    bp = shipping.book_discount_bp
    if isinstance(bp, bool) or not isinstance(bp, int) or not 0 <= bp <= BOOK_DISCOUNT_MAX_BP:
        message = _(
            "Loi Lang: the reduction on new books is at most 5 %% of their price (500 basis points),"
            " taken off the delivery charge only; %(value)s is more."
        )
        raise InvalidInput({"book_discount_bp": [message % {"value": bp}]})
    profile = ShippingProfile.objects.select_for_update().filter(seller=seller).first()
    if profile is None:
        profile = ShippingProfile(seller=seller)
        before = None
    else:
        before = {field: getattr(profile, field) for field in asdict(shipping)}
    for field, value in asdict(shipping).items():
        setattr(profile, field, value)
    if before == asdict(shipping):
        return False
    full_clean(profile, validate_unique=False)
    profile.save()
    return True


def _check_shop_fields(seller: Seller, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values["display_name"]).strip():
        errors["display_name"] = ["The shop needs a name customers see."]
    if len(values["description"]) > DESCRIPTION_MAX:
        errors["description"] = [f"At most {DESCRIPTION_MAX} characters."]
    if len(values["return_policy"]) > RETURN_POLICY_MAX:
        errors["return_policy"] = [f"At most {RETURN_POLICY_MAX} characters."]
    threshold = values["low_stock_threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 100_000:
        errors["low_stock_threshold"] = ["A whole number from 0 to 100000."]
    if errors:
        raise InvalidInput(errors)
    try:
        seller.clean_fields(exclude=[f.name for f in Seller._meta.fields if f.name not in SHOP_FIELDS])
    except ValidationError as error:
        raise InvalidInput.from_validation_error(error) from None


@transaction.atomic
def seller_shop_update(
    *,
    seller_id: int,
    by: User,
    display_name: str,
    description: str = "",
    return_policy: str = "",
    low_stock_threshold: int = 3,
    shipping: ShippingSettings | None = None,
    logo: File | None = None,
    logo_remove: bool = False,
) -> Seller:
    """Update a seller's shop page and shipping profile; emit ``seller.shop_updated`` if anything
    changed. Locks the seller row; everything is checked before anything is saved, so bad input
    (InvalidInput naming the field) changes nothing."""
    seller = lock_row(Seller.objects.all(), seller_id)
    values = {
        "display_name": display_name.strip(),
        "description": description.strip(),
        "return_policy": return_policy.strip(),
        "low_stock_threshold": low_stock_threshold,
    }
    changed = [field for field, value in values.items() if getattr(seller, field) != value]
    for field, value in values.items():
        setattr(seller, field, value)
    _check_shop_fields(seller, values)
    new_logo = logo_prepare(logo) if logo is not None else None
    old_logo = seller.logo.name if seller.logo else ""
    if shipping is not None and _shipping_apply(seller, shipping):
        changed.append("shipping_profile")
    if new_logo is not None:
        seller.logo.save(f"{seller.slug}-{new_logo.name}", new_logo, save=False)
        changed.append("logo")
    elif logo_remove and old_logo:
        seller.logo = ""
        changed.append("logo")
    if not changed:
        return seller
    seller_fields = [field for field in changed if field != "shipping_profile"]
    if seller_fields:
        seller.save(update_fields=seller_fields)
    if "logo" in changed and old_logo:
        storage = seller.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    emit("seller.shop_updated", seller_id=seller.pk, by_user_id=by.pk, fields=changed)
    return seller
