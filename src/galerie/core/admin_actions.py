"""Admin actions that run a service for each selected object and report what happened, and the
mixin for rows the admin only shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from galerie.core.errors import DomainError


def service_action(
    service: Callable[..., Any], *, description: str, id_arg: str, with_actor: bool = True, **fixed: Any
) -> Callable[[admin.ModelAdmin[Any], HttpRequest, QuerySet[Any]], None]:
    """Build an admin action calling ``service(<id_arg>=obj.pk, by=request.user, **fixed)``
    (without ``by`` when ``with_actor`` is false: services that record no actor)."""

    def action(model_admin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]) -> None:
        done, refused = 0, []
        for obj in queryset.order_by("pk"):
            try:
                actor = {"by": request.user} if with_actor else {}
                service(**{id_arg: obj.pk}, **actor, **fixed)
                done += 1
            except DomainError as error:
                refused.append(f"{obj}: {error.message}")
        if done:
            model_admin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)
        for line in refused:
            model_admin.message_user(request, line, messages.ERROR)

    action.__name__ = service.__name__
    # How the admin names an action: an attribute on the function, which its type does not declare.
    action.short_description = description  # type: ignore[attr-defined]
    return action


class ViewOnly:
    """For a ModelAdmin or an inline of rows only their services write (history, money, decisions
    taken elsewhere): the admin shows them and offers no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
