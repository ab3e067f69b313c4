"""Staff keys with exactly the permissions a test names (none: a staff user who may do nothing)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import Client

from galerie.api.services import staff_api_token_create
from tests.api.conftest import Api
from tests.factories import make_user


def staff_with(client: Client, *perms: str) -> Api:
    """An Api with the key of a new staff user (not a superuser) holding only ``perms``."""
    user = make_user(is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return Api(client, staff_api_token_create(user=user, name="Automation")[1])
