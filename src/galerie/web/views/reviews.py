"""Review pages: the customer's review of an order line, a report, the notice on how reviews
are checked; the seller's list of its reviews and its one reply; the back office's queue of
reported reviews. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError
from galerie.orders.models import SellerOrder
from galerie.reviews import selectors, services
from galerie.reviews.services import REVIEW_WINDOW_DAYS
from galerie.sellers.access import Perm
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_reviews import ModerationForm, ReplyForm, ReportForm, ReviewForm
from galerie.web.requests import OperatorRequest, SellerRequest, StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.decorators import storefront_view
from galerie.web.views.seller.access import seller_view

PAGE_SIZE = 50


def _to_sign_in(request: StorefrontRequest) -> HttpResponse:
    return redirect(f"{sf_reverse(request, 'login')}?next={request.get_full_path()}")


# --- storefront ----------------------------------------------------------------------------------


@storefront_view(("GET", "HEAD"))
def about(request: StorefrontRequest) -> HttpResponse:
    """How reviews are checked: the notice of art. 7(6) of the Unfair Commercial Practices Directive."""
    return render(request, "galerie/reviews/about.html", {"window_days": REVIEW_WINDOW_DAYS})


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def review_write(request: StorefrontRequest, number: str, line_id: int) -> HttpResponse:
    """The customer's review of one line of their order."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    line = selectors.order_line_for_review(
        customer=request.user, storefront=request.storefront, number=number, line_id=line_id
    )
    order_url = sf_reverse(request, "order", number=number)
    if line.seller_order.status != SellerOrder.Status.DELIVERED:
        messages.error(request, _("You can review this item once it is delivered."))
        return redirect(order_url)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_create(customer=request.user, order_line_id=line.pk, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Thank you: your review is published."))
            return redirect(f"{order_url}#reviews-{line.seller_order_id}")
    return render(
        request,
        "galerie/reviews/write.html",
        {"line": line, "form": form, "order_url": order_url},
        status=400 if form.errors else 200,
    )


@storefront_view(("GET", "HEAD", "POST"))
def review_report(request: StorefrontRequest, review_uuid: str) -> HttpResponse:
    """Anyone signed in may ask the operator to check a published review."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    review = selectors.review_get_public(storefront=request.storefront, review_uuid=review_uuid)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_report(review_id=review.pk, reporter=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Thank you: we will check this review."))
            return redirect(sf_reverse(request, "product", slug=review.product.slug))
    return render(
        request,
        "galerie/reviews/report.html",
        {"review": review, "form": form},
        status=400 if form.errors else 200,
    )


# --- seller area ---------------------------------------------------------------------------------


@seller_view(Perm.VIEW_ORDERS)
def seller_reviews(request: SellerRequest) -> HttpResponse:
    seller = request.seller_access.seller
    queryset = selectors.seller_reviews(seller=seller)
    if request.GET.get("unanswered"):
        queryset = queryset.filter(replied_at__isnull=True, status="published")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "galerie/reviews/seller_reviews.html",
        {
            "page": page,
            "unanswered": selectors.seller_reviews_unanswered_count(seller=seller),
            "only_unanswered": bool(request.GET.get("unanswered")),
            "can_reply": request.seller_access.can(Perm.FULFIL_ORDERS),
            "form": ReplyForm(),
        },
    )


@seller_view(Perm.FULFIL_ORDERS, ("POST",))
def seller_review_reply(request: SellerRequest, review_uuid: str) -> HttpResponse:
    seller = request.seller_access.seller
    review = selectors.review_get_for_seller(seller=seller, review_uuid=review_uuid)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.review_reply(review_id=review.pk, seller=seller, text=form.cleaned_data["text"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your reply is published under the review."))
    else:
        messages.error(request, _("Write your reply (at most 2000 characters)."))
    return redirect(reverse("seller_area:reviews") + f"#review-{review.uuid.hex}")


# --- back office ---------------------------------------------------------------------------------


@operator_view()
def review_queue(request: OperatorRequest) -> HttpResponse:
    hidden = bool(request.GET.get("hidden"))
    reviews = selectors.reviews_hidden() if hidden else selectors.reviews_reported()
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(review, [] if hidden else selectors.review_reports_open(review=review)) for review in page]
    return render(request, "galerie/reviews/queue.html", {"page": page, "rows": rows, "hidden": hidden})


@operator_view(("POST",))
def review_decide(request: OperatorRequest, review_uuid: str) -> HttpResponse:
    review = selectors.review_get_for_operator(review_uuid=review_uuid)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("back_office:reviews")
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    try:
        if decision == "hide":
            services.review_hide(review_id=review.pk, by=request.user, reason=reason)
            messages.success(request, _("The review is hidden; its author is told why."))
        elif decision == "publish":
            services.review_publish(review_id=review.pk, by=request.user)
            messages.success(request, _("The review is published again."))
        else:
            services.review_keep(review_id=review.pk, by=request.user)
            messages.success(request, _("The review stays published; its reports are closed."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("back_office:reviews")
