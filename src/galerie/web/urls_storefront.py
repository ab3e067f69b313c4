"""A storefront's pages, mounted at a host's root or under /s/<code>/."""

from django.urls import path

from galerie.web.views import storefront

app_name = "sf"
urlpatterns = [
    path("", storefront.home, name="home"),
    path("c/<slug:slug>/", storefront.category, name="category"),
    path("p/<slug:slug>/", storefront.product, name="product"),
    path("seller/<slug:slug>/", storefront.seller_shop, name="seller"),
]
