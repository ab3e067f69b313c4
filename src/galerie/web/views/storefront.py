"""Storefront pages: home, category, product, seller shop. Thin: resolve, select, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from galerie.catalog.errors import CategoryNotFound, ProductNotFound
from galerie.catalog.models import Category
from galerie.core.errors import NotFound
from galerie.offers.selectors import (
    offers_for_variant,
    prior_prices,
    storefront_category_get,
    storefront_product_get,
    storefront_products,
)
from galerie.sellers.selectors import seller_get_public
from galerie.storefronts.errors import StorefrontNotFound
from galerie.storefronts.selectors import storefront_get_public, storefront_top_categories

PAGE_SIZE = 24


def storefront_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the storefront (host or /s/<code>/), speak its language, turn NotFound into 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, storefront: str | None = None, **kwargs) -> HttpResponse:
        try:
            if storefront is not None:
                request.storefront = storefront_get_public(code=storefront)
            else:
                request.storefront = storefront_get_public(storefront_id=request.storefront_id_from_host)
            language = request.storefront.default_language
            with translation.override(language):
                response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = language
            return response
        except (StorefrontNotFound, CategoryNotFound, ProductNotFound, NotFound) as error:
            raise Http404(error.message) from None

    return require_safe(wrapper)


@storefront_page
def home(request: HttpRequest) -> HttpResponse:
    storefront = request.storefront
    categories = storefront_top_categories(storefront)
    products = storefront_products(storefront, limit=12)
    return render(request, "galerie/storefront/home.html", {"categories": categories, "products": products})


def _after(request: HttpRequest) -> int | None:
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() else None


@storefront_page
def category(request: HttpRequest, slug: str) -> HttpResponse:
    storefront = request.storefront
    current = storefront_category_get(storefront, slug=slug)
    products = storefront_products(
        storefront, category=current, after_id=_after(request), limit=PAGE_SIZE + 1
    )
    next_after = products[PAGE_SIZE - 1].pk if len(products) > PAGE_SIZE else None
    return render(
        request,
        "galerie/storefront/category.html",
        {
            "category": current,
            "ancestors": Category.objects.get_ancestors(current),
            "children": Category.objects.get_children(current),
            "products": products[:PAGE_SIZE],
            "next_after": next_after,
        },
    )


@storefront_page
def product(request: HttpRequest, slug: str) -> HttpResponse:
    storefront = request.storefront
    item = storefront_product_get(storefront, slug=slug)
    variants = list(item.variants.all())
    if not variants:
        raise Http404("This product has nothing on sale.")
    wanted = request.GET.get("v", "")
    variant = next((v for v in variants if v.uuid.hex == wanted), variants[0])
    offers = offers_for_variant(storefront=storefront, variant_id=variant.pk)
    priors = prior_prices(o.pk for o in offers)
    for offer in offers:
        offer.prior_minor = priors.get(offer.pk)
    definitions = {d.code: d for d in item.product_type.attributes.all()}
    attributes = [
        (definitions[code], value)
        for code, value in {**item.attributes, **variant.attributes}.items()
        if code in definitions
    ]
    return render(
        request,
        "galerie/storefront/product.html",
        {
            "product": item,
            "variants": variants,
            "variant": variant,
            "offers": offers,
            "buy_box": offers[0] if offers else None,
            "other_offers": offers[1:],
            "attributes": sorted(attributes, key=lambda pair: pair[0].position),
            "images": list(item.images.all()),
        },
    )


@storefront_page
def seller_shop(request: HttpRequest, slug: str) -> HttpResponse:
    seller = seller_get_public(storefront=request.storefront, slug=slug)
    return render(request, "galerie/storefront/seller.html", {"seller": seller})
