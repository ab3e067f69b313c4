"""The seller area's offers: the list with search and filters, the inline edit of a row (htmx),
finding a catalog product to sell and putting it on sale.

Every offer and variant is fetched through selectors scoped to the current seller: another
seller's offer is a 404. Without JavaScript every link and form still works: the row pages
render the offer alone in the table, and saving redirects back to the list.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from galerie.catalog.books import is_book, publisher_price
from galerie.core.errors import DomainError, PermissionDenied
from galerie.core.money import Money
from galerie.notifications.emails import site_url
from galerie.offers.models import Offer
from galerie.offers.selectors.seller import (
    InvalidGtin,
    offer_changes,
    offer_get_for_seller,
    offers_for_seller,
    variant_get_for_listing,
    variants_find_for_seller,
)
from galerie.offers.services import offer_create, offer_status_set, offer_update
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_portal import OfferFindForm, OfferNewForm, OfferRowForm, amount_text
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import seller_view

ROW_TEMPLATE = "galerie/seller/_offer_row.html"
EDIT_TEMPLATE = "galerie/seller/_offer_edit_row.html"
QUICK_STATUS = {"pause": Offer.Status.PAUSED, "resume": Offer.Status.ACTIVE}
PATH_URLCONF = "galerie.urls"  # /s/<code>/… : the storefront's pages from any host


def storefront_product_url(offer_or_variant, storefront) -> str:
    """Return the absolute URL of a product's page on a storefront (path mode)."""
    product = (
        offer_or_variant.variant.product if hasattr(offer_or_variant, "variant") else offer_or_variant.product
    )
    path = reverse(
        "sf:product", kwargs={"storefront": storefront.code, "slug": product.slug}, urlconf=PATH_URLCONF
    )
    variant = offer_or_variant.variant if hasattr(offer_or_variant, "variant") else offer_or_variant
    return site_url(f"{path}?v={variant.uuid.hex}")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _with_links(offers: list[Offer]) -> list[Offer]:
    for offer in offers:
        # ``storefront`` is annotated by the offers selectors, ``public_url`` is for the template:
        # neither is a field of Offer.
        offer.public_url = storefront_product_url(offer, offer.storefront) if offer.storefront else ""  # type: ignore[attr-defined]
    return offers


def _row_context(request: SellerRequest, offer: Offer, form: OfferRowForm | None = None) -> dict:
    return {
        "offer": offer,
        "form": form,
        "can_edit": request.seller_access.can(Perm.EDIT_OFFERS),
    }


def _single(
    request: SellerRequest, offer: Offer, form: OfferRowForm | None = None, status: int = 200
) -> HttpResponse:
    """The offer alone in the list's table, with its history: its own page, the no-JavaScript page
    of a row and of its edit form."""
    _with_links([offer])
    text = request.GET.get("history_before", "")
    before = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    history = offer_changes(offer=offer, before=before)
    context = {
        "history": history.changes,
        "history_next": history.next_before,
        "history_older": before is not None,
        "offers": [offer],
        "single": True,
        "editing": offer.pk if form is not None else None,
        "form": form,
        "can_edit": request.seller_access.can(Perm.EDIT_OFFERS),
        "statuses": Offer.Status.choices,
    }
    return render(request, "galerie/seller/offers.html", context, status=status)


def _after(request: HttpRequest) -> int | None:
    text = request.GET.get("after", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


@seller_view(Perm.VIEW_OFFERS)
def offer_list(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    q = request.GET.get("q", "").strip()[:120]
    status = request.GET.get("status", "")
    status = status if status in Offer.Status.values else ""
    low_stock = request.GET.get("low_stock") == "1"
    page = offers_for_seller(seller, q=q, status=status, low_stock=low_stock, after=_after(request))
    params = request.GET.copy()
    params.pop("after", None)
    next_url = ""
    if page.next_after is not None:
        params["after"] = str(page.next_after)
        next_url = f"?{params.urlencode()}"
    return render(
        request,
        "galerie/seller/offers.html",
        {
            "offers": _with_links(page.offers),
            "q": q,
            "status": status,
            "low_stock": low_stock,
            "statuses": Offer.Status.choices,
            "next_url": next_url,
            "first_page": _after(request) is not None,
            "threshold": seller.low_stock_threshold,
            "can_edit": request.seller_access.can(Perm.EDIT_OFFERS),
        },
    )


@seller_view(Perm.EDIT_OFFERS)
def offer_edit_row(request: SellerRequest, offer_id: int) -> HttpResponse:
    offer = offer_get_for_seller(request.seller_access.seller, offer_id)
    form = OfferRowForm(offer=offer)
    if not _is_htmx(request):
        return _single(request, offer, form)
    _with_links([offer])
    return render(request, EDIT_TEMPLATE, _row_context(request, offer, form))


def _save(request: SellerRequest, offer: Offer) -> tuple[Offer, OfferRowForm | None, str]:
    """Apply a row's POST; return the offer, the form with its errors (None when saved), a message."""
    action = request.POST.get("action", "")
    if action in QUICK_STATUS:
        try:
            offer = offer_status_set(offer_id=offer.pk, status=QUICK_STATUS[action], by=request.user)
        except PermissionDenied:
            raise
        except DomainError as error:  # the row comes back as its form, the reason on top
            form = OfferRowForm(OfferRowForm(offer=offer).initial, offer=offer)
            form.is_valid()
            form.add_error(None, error.message)
            return offer, form, ""
        return (
            offer,
            None,
            _("Offer paused: it is hidden from the storefronts.")
            if action == "pause"
            else _("Offer back on sale."),
        )
    form = OfferRowForm(request.POST, offer=offer)
    if not form.is_valid():
        return offer, form, ""
    data = form.cleaned_data
    try:
        offer = offer_update(
            offer_id=offer.pk,
            by=request.user,
            price=Money(data["price"], offer.currency),
            stock=data["stock"],
            status=data["status"],
            seller_sku=data.get("seller_sku") or None,
        )
    except PermissionDenied:
        raise  # the 403 page
    except DomainError as error:
        add_domain_errors(form, error)
        return offer, form, ""
    return offer, None, _("Offer saved.")


@seller_view(Perm.VIEW_OFFERS, methods=("GET", "HEAD", "POST"))
def offer_row(request: SellerRequest, offer_id: int) -> HttpResponse:
    seller = request.seller_access.seller
    offer = offer_get_for_seller(seller, offer_id)
    if request.method == "POST":
        request.seller_access.require(Perm.EDIT_OFFERS)
        _, form, message = _save(request, offer)
        offer = offer_get_for_seller(seller, offer_id)  # re-read: what the database now holds
        if form is not None:
            if not _is_htmx(request):
                return _single(request, offer, form, status=400)
            _with_links([offer])
            return render(request, EDIT_TEMPLATE, _row_context(request, offer, form))
        if not _is_htmx(request):
            messages.success(request, message)
            return redirect("seller_area:offers")
        _with_links([offer])
        return render(request, ROW_TEMPLATE, {**_row_context(request, offer), "saved": message})
    if not _is_htmx(request):
        return _single(request, offer)
    _with_links([offer])
    return render(request, ROW_TEMPLATE, _row_context(request, offer))


@seller_view(Perm.EDIT_OFFERS)
def offer_find(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    form = OfferFindForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = variants_find_for_seller(seller, form.cleaned_data["q"])
        except InvalidGtin as error:
            form.add_error("q", str(error))  # names the value and what is wrong with it
    return render(
        request,
        "galerie/seller/offer_find.html",
        {"form": form, "result": result, "searched": form.is_bound},
    )


@seller_view(Perm.EDIT_OFFERS, methods=("GET", "HEAD", "POST"))
def offer_new(request: SellerRequest, variant_id: int) -> HttpResponse:
    seller = request.seller_access.seller
    variant = variant_get_for_listing(seller, variant_id)
    # ``storefront``: annotated on the row by variant_get_for_listing (not a field of Variant).
    currency = variant.storefront.currency  # type: ignore[attr-defined]
    # A book: a new copy sells at its publisher's price (loi Lang), offered as the price.
    book_price = publisher_price(variant.product) if is_book(variant.product.product_type) else None
    initial = {"price": amount_text(book_price.amount_minor, currency)} if book_price is not None else {}
    form = OfferNewForm(request.POST or None, currency=currency, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer = offer_create(
                seller=seller,
                variant=variant,
                price=Money(data["price"], currency),
                stock=data["stock"],
                condition=data["condition"],
                lead_time_days=data["lead_time_days"],
                seller_sku=data["seller_sku"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Your offer is on sale."),
                    storefront_product_url(variant, variant.storefront),  # type: ignore[attr-defined]
                    _("See it on %(storefront)s") % {"storefront": variant.storefront.name},  # type: ignore[attr-defined]
                ),
            )
            url = reverse("seller_area:offers")
            return redirect(f"{url}?q={offer.variant.gtin}" if offer.variant.gtin else url)
    return render(
        request,
        "galerie/seller/offer_new.html",
        {
            "form": form,
            "variant": variant,
            "product": variant.product,
            "currency": currency,
            "is_book": is_book(variant.product.product_type),
            "book_price": book_price,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
