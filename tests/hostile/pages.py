"""The pages that show what users typed, as (who, url) pairs: the storefront's (a visitor's and
the customer's), every GET route of the seller area and of the back office (walked from the URL
confs, so a new page is covered), and the Django admin's list and form of every model."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import admin
from django.urls import reverse

from galerie.orders.models import SellerOrder
from tests.web.test_isolation import _methods, _routes, _url

# Not pages: files, feeds and redirects to them.
NOT_HTML = {"import_template", "import_errors", "logout", "invitation", "login", "application"}


def storefront_pages(kwargs: dict, query: str) -> dict[str, list[str]]:
    """The storefront's pages that show sellers' and customers' text, by who sees them."""
    part = SellerOrder.objects.select_related("order__storefront", "seller").get(number=kwargs["number"])
    order, base = part.order, f"/s/{part.order.storefront.code}/"
    line = part.lines.select_related("variant__product__category").first()
    product = line.variant.product
    visitor = [
        "", f"c/{product.category.slug}/", f"p/{product.slug}/", f"seller/{part.seller.slug}/",
        f"search/?q={quote(query)}", f"search/suggest/?q={quote(query)}", "ranking/", "terms/",
        "withdrawal/", "become-a-seller/", "reviews/",
        f"report-illegal-content/?kind=seller&ref={part.seller.slug}&url={quote(query)}",
        f"report-illegal-content/?kind=product&ref={product.slug}", "cart/",
    ]  # fmt: skip
    customer = [
        "cart/", "checkout/", "account/", "account/settings/", "account/privacy/",
        f"account/orders/{order.number}/",
        f"account/messages/{part.number}/",
        f"account/orders/{order.number}/withdraw/{part.pk}/",
        f"account/orders/{order.number}/defect/{part.pk}/",
        f"account/orders/{order.number}/review/{line.pk}/", f"orders/{order.number}/placed/",
    ]  # fmt: skip
    return {"visitor": [base + p for p in visitor], "customer": [base + p for p in customer]}


def area_pages(namespace: str, kwargs: dict) -> list[str]:
    """Every GET page of the seller area or the back office, with the world's objects."""
    return [
        _url(route, namespace, kwargs)
        for route in _routes(namespace)
        if route.name not in NOT_HTML and "GET" in _methods(route.callback)
    ]


def admin_pages() -> list[str]:
    """The list and the change form of every model of the admin (its first row)."""
    urls = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(reverse(f"{prefix}_change", args=[first]))
    return urls
