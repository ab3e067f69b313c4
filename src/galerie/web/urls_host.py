"""URLs of a host that belongs to a storefront: the storefront at the root."""

from django.urls import include, path

from galerie.web.urls_common import urlpatterns as common

urlpatterns = [*common, path("", include("galerie.web.urls_storefront"))]
