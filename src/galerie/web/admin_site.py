"""The Django admin as part of the back office: operator staff only, a 403 for everyone else.

Django's own admin sends a signed-in user who is not staff back to its sign-in form, which
reads as a broken login to a seller or a customer. Here such a user gets the back office's
403 page; anonymous visitors still get the admin's sign-in form.
"""

from __future__ import annotations

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import render
from django.urls import reverse


class GalerieAdminSite(admin.AdminSite):
    site_header = "Galerie back office"
    site_title = "Galerie back office"
    index_title = "Catalog, sellers, orders and money"

    @property
    def login_form(self):
        """The throttled sign-in form (docs/throttling.md), imported late: this module loads with the apps."""
        from galerie.web.throttling import ThrottledAdminAuthenticationForm

        return ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        """Django's admin answers its sign-in form's errors with 200: a throttled one is a 429
        with ``Retry-After``, like the other sign-in forms (docs/throttling.md)."""
        from galerie.web.throttling import refused

        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        return refused(response, getattr(form, "throttled", None))

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gate(request, *args, **kwargs):
            signed_in = request.user.is_authenticated
            if signed_in and not self.has_permission(request) and request.path != reverse("admin:logout"):
                return render(request, "galerie/operator/forbidden.html", status=403)
            return inner(request, *args, **kwargs)

        gate.operator_only = True  # read by the isolation test
        return update_wrapper(gate, inner)


class GalerieAdminConfig(AdminConfig):
    default_site = "galerie.web.admin_site.GalerieAdminSite"
