"""The operator API: staff keys (``galerie api-key create``), with their user's permissions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from galerie.api.auth import staff_key
from galerie.api.routers import (
    operator_moderation,
    operator_reports,
    operator_sellers,
    operator_storefronts,
    webhooks,
)
from galerie.api.routers.operator_caller import staff
from galerie.api.schemas import replies

router = Router(auth=staff_key, tags=["operator"])
router.add_router("/sellers", operator_sellers.router)
router.add_router("/moderation", operator_moderation.router)
router.add_router("/storefronts", operator_storefronts.router)
router.add_router("/reports", operator_reports.router)
router.add_router("/webhooks", webhooks.operator_router)


class StaffOut(Schema):
    user_id: int
    email: str
    superuser: bool


@router.get("/me", response=replies(StaffOut), summary="The staff user of this key")
def me(request: HttpRequest) -> dict[str, object]:
    user = staff(request).user
    return {"user_id": user.pk, "email": user.email, "superuser": user.is_superuser}
