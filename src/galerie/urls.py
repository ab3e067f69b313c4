"""URLs of the operator's host: landing page, and every storefront under /s/<code>/."""

from django.urls import include, path

from galerie.web.urls_common import urlpatterns as common
from galerie.web.views.landing import landing

urlpatterns = [
    *common,
    path("", landing, name="landing"),
    path("s/<slug:storefront>/", include("galerie.web.urls_storefront")),
]
