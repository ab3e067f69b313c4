"""A storefront, two sellers with their staff, two customers with one order each."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from galerie.orders.models import SellerOrder
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_member_add
from tests.factories import make_seller, make_storefront, make_user
from tests.orders.quality_data import place

T0 = datetime.fromisoformat("2026-11-02T09:00:00+01:00")
H = timedelta(hours=1)


def picture(
    name: str = "photo.jpg", kind: str = "JPEG", size: tuple[int, int] = (64, 48)
) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=kind)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[kind]
    return SimpleUploadedFile(name, out.getvalue(), content_type=content_type)


def pdf(name: str = "facture.pdf") -> SimpleUploadedFile:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)  # one A4 page: what the attachment check reads
    body = io.BytesIO()
    writer.write(body)
    return SimpleUploadedFile(name, body.getvalue(), content_type="application/pdf")


def staff(seller, role=SellerMember.Role.OWNER, **fields):
    user = make_user(**fields)
    seller_member_add(seller=seller, user=user, role=role)
    return user


@pytest.fixture
def world(db):
    storefront = make_storefront(name="Page & Plume", code="pageplume", default_language="fr")
    seller_a = make_seller(
        storefronts=[storefront], display_name="Librairie Martin", email="contact@martin.test"
    )
    seller_b = make_seller(
        storefronts=[storefront], display_name="Bouquins du Port", email="contact@port.test"
    )
    owner_a = staff(seller_a, email="owner@martin.test", preferred_language="en")
    clerk_a = staff(seller_a, SellerMember.Role.SHIPPING_CLERK, email="clerk@martin.test")
    SellerMember.objects.filter(user=clerk_a).update(notify_new_orders=False)
    SellerMember.objects.filter(user=owner_a).update(notify_new_orders=True)
    owner_b = staff(seller_b, email="owner@port.test")
    customer = make_user(email="alice@example.test", full_name="Alice Martin")
    other = make_user(email="bob@example.test")
    part_a = place(storefront, seller_a, customer, placed_at=T0, status=SellerOrder.Status.SHIPPED)
    part_other = place(storefront, seller_a, other, placed_at=T0, status=SellerOrder.Status.SHIPPED)
    part_b = place(storefront, seller_b, other, placed_at=T0, status=SellerOrder.Status.NEW)
    operator = make_user(email="operator@galerie.test", is_staff=True)
    return SimpleNamespace(
        storefront=storefront,
        seller_a=seller_a,
        seller_b=seller_b,
        owner_a=owner_a,
        clerk_a=clerk_a,
        owner_b=owner_b,
        customer=customer,
        other=other,
        part_a=part_a,
        part_other=part_other,
        part_b=part_b,
        operator=operator,
    )
