"""URLs served on every host: back office, media in the demo (the probes and /metrics:
galerie.web.observability.OperationsMiddleware)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from galerie.web.views.incidents import incident_photo
from galerie.web.views.legal import seller_terms
from galerie.web.views.merge_confirm import merge_confirm

urlpatterns = [
    path("back-office/", include("galerie.web.urls_back_office")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("galerie.api.urls")),  # a string: web does not import the API
    path("seller-terms/", seller_terms, name="seller_terms"),
    path("seller-terms/<int:number>/", seller_terms, name="seller_terms_version"),
    path("payments/", include("galerie.payments.urls")),
    path("sell/", include("galerie.web.urls_seller")),
    path("merge/confirm/<str:token>/", merge_confirm, name="merge_confirm"),
    path("incidents/photos/<uuid:photo>/", incident_photo, name="incident_photo"),
]
if settings.GALERIE_BENCH:
    from galerie.web.bench import floor

    urlpatterns.append(path("bench/floor/<int:pk>/", floor, name="bench_floor"))
if settings.GALERIE_SERVE_MEDIA:
    # The demo serves uploaded images itself; production lets the reverse proxy or the
    # object store do it (GALERIE_SERVE_MEDIA=false).
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media")
    )
