"""The operator routers' one gate: the staff key's user must hold the route's permissions."""

from __future__ import annotations

from django.http import HttpRequest

from galerie.api.auth import StaffCaller


def staff(request: HttpRequest, *perms: str) -> StaffCaller:
    """The staff caller of ``request``, once it holds every one of ``perms`` (else a 403)."""
    auth = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, StaffCaller)
    auth.require(*perms)
    return auth
