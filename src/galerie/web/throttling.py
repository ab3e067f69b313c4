"""The web side of throttling (the counting is galerie.core.throttling): the throttled sign-in
forms, and the ``Retry-After`` header on every refusal a page answers with 429."""

from __future__ import annotations

from typing import TypeVar

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseBase

from galerie.core.throttling import Throttled, throttle_attempt, throttle_check, throttle_count

__all__ = [
    "Throttled",
    "ThrottledAdminAuthenticationForm",
    "ThrottledAuthenticationForm",
    "refused",
    "throttle_attempt",
]


Response = TypeVar("Response", bound=HttpResponseBase)


def refused(response: Response, throttled: Throttled | None) -> Response:
    """Make ``response`` the answer to a throttled request: 429 and ``Retry-After`` in seconds.
    Return it unchanged when ``throttled`` is None."""
    if throttled:
        response.status_code = 429
        response["Retry-After"] = str(throttled.retry_after)
    return response


class ThrottledLoginMixin:
    """An authentication form that refuses to check any password once the limits are reached.

    The refusal comes before authentication, so the right password is refused like a wrong one,
    and an unknown address is counted like a known one: the answer never says whether the
    account exists.
    """

    throttled: Throttled | None = None

    def clean(self):
        username = str(self.data.get("username", ""))
        request = self.request
        self.throttled = throttle_check(request, "login", account=username)
        if self.throttled:
            raise forms.ValidationError(self.throttled.message, code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            throttle_count(request, "login", account=username)
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The storefront's and the seller area's sign-in form, throttled."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's (back office's) sign-in form, throttled."""
