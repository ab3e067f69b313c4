"""Reads of personal data: everything Galerie holds about one customer (GDPR art. 15 and 20)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from galerie.accounts.models import User
from galerie.privacy.errors import SubjectNotFound
from galerie.privacy.registry import EXPORTED, POLICIES

EXPORT_FORMAT = "galerie-personal-data/1"


def customer_get_by_email(*, email: str) -> User:
    """Return the account with this e-mail address; raise SubjectNotFound naming it otherwise."""
    try:
        return User.objects.get(email__iexact=(email or "").strip())
    except User.DoesNotExist:
        raise SubjectNotFound(f"No account has the e-mail address “{email}”.", field="email") from None


def _value(field: models.Field, value: Any) -> Any:
    if isinstance(field, models.FileField):
        return str(value) if value else ""
    return value


def _rows(model: type[models.Model], fields: list[models.Field], queryset: models.QuerySet) -> list[dict]:
    names = [f.attname for f in fields]
    return [
        {f.name: _value(f, row[f.attname]) for f in fields} for row in queryset.order_by("pk").values(*names)
    ]


def customer_export(*, user: User, now: datetime) -> dict[str, Any]:
    """Return every row the registry ties to ``user``, each with its exported fields (credentials
    and other people's data left out), as one JSON-ready document. One query per model."""
    data: dict[str, list[dict]] = {}
    ordered = sorted(POLICIES.items(), key=lambda item: (item[1].export_order, item[0]))
    for label, entry in ordered:
        if entry.subject is None:
            continue
        model = apps.get_model(label)
        fields = [f for f in model._meta.concrete_fields if entry.fields.get(f.name) in EXPORTED]
        data[label] = _rows(model, fields, model._default_manager.filter(entry.subject(user)))
    return {
        "format": EXPORT_FORMAT,
        "generated_at": now.isoformat(),
        "account": data.pop("accounts.User")[0],
        "data": data,
    }


def customer_export_json(*, user: User, now: datetime) -> str:
    """The export as a JSON text (UTF-8, indented)."""
    return json.dumps(
        customer_export(user=user, now=now), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
