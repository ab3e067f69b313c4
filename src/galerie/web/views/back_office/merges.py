"""The back office's storefront merges (docs/merge-confirmations.md): the list, and each merge's
plan, what is still undecided (doubtful products, sellers and customers asked to confirm), what the
commit wrote; commit and abandon, each after a confirmation page.

Reading is for every operator; committing or abandoning needs the admin's ``add_storefront``
permission (a commit writes a storefront). The commit runs in the request: a large merge is
committed with ``galerie storefront merge commit ID``, which shows its progress.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galerie.core.errors import DomainError
from galerie.portability.merge import merge_abandon, merge_commit, merge_progress
from galerie.portability.models import MergeParty, StorefrontMerge
from galerie.portability.selectors import merge_get_for_operator, merge_parties, merges_for_operator
from galerie.web.requests import OperatorRequest
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.back_office.storefronts import ADD, needs

LIST_SIZE = 100
PARTIES_SHOWN = 200
PLAN = [
    ("products", gettext_lazy("Products in the bundle")),
    ("products_match", gettext_lazy("Same as a catalog product")),
    ("products_review", gettext_lazy("Doubtful, sent to review")),
    ("products_new", gettext_lazy("New products")),
    ("sellers", gettext_lazy("Sellers in the bundle")),
    ("sellers_to_confirm", gettext_lazy("Sellers asked to confirm")),
    ("customers", gettext_lazy("Customers in the bundle")),
    ("customers_to_confirm", gettext_lazy("Customers asked to confirm")),
    ("offers", gettext_lazy("Offers")),
    ("orders", gettext_lazy("Orders")),
]
WRITTEN = {
    "product_matched": gettext_lazy("Products matched to catalog products"),
    "product_added": gettext_lazy("Products added"),
    "variant_added": gettext_lazy("Variants added to matched products"),
    "gtin_dropped": gettext_lazy("GTINs left off (taken by another product)"),
    "brand_matched": gettext_lazy("Brands matched"),
    "category_matched": gettext_lazy("Categories matched"),
    "seller_joined": gettext_lazy("Sellers joined to a shop here"),
    "seller_added": gettext_lazy("Sellers added"),
    "offer_kept": gettext_lazy("Offers mapped onto offers here"),
    "offer_added": gettext_lazy("Offers added"),
    "customer_joined": gettext_lazy("Customers joined to their account"),
    "customer_held": gettext_lazy("Customers kept apart until they confirm"),
    "customer_added": gettext_lazy("Customers added"),
    "customer_same": gettext_lazy("Customers already here"),
    "product_renamed": gettext_lazy("Product addresses renamed"),
    "category_renamed": gettext_lazy("Category addresses renamed"),
    "brand_renamed": gettext_lazy("Brand addresses renamed"),
    "seller_renamed": gettext_lazy("Seller addresses renamed"),
}
STATUSES = [s for s, _label in MergeParty.Status.choices]


def _progress(merge: StorefrontMerge) -> dict[str, Any]:
    progress = merge_progress(merge=merge)
    kinds = []
    for kind, label in MergeParty.Kind.choices:
        counts = [(MergeParty.Status(s).label, s, progress.get(f"{kind}_{s}", 0)) for s in STATUSES]
        kinds.append({"kind": kind, "label": label, "counts": counts, "total": sum(c for *_x, c in counts)})
    return {
        "reviews_pending": progress["reviews_pending"],
        "sellers_pending": progress.get("seller_pending", 0),
        "customers_pending": progress.get("customer_pending", 0),
        "kinds": kinds,
    }


def _matches_url(merge: StorefrontMerge, status: str = "pending") -> str:
    return reverse("back_office:matches") + "?" + urlencode({"batch": merge.batch, "status": status})


@operator_view()
def merge_list(request: OperatorRequest) -> HttpResponse:
    merges = list(merges_for_operator()[:LIST_SIZE])
    return render(request, "galerie/operator/merges.html", {"merges": merges, "list_size": LIST_SIZE})


@operator_view()
def merge_detail(request: OperatorRequest, merge_id: int) -> HttpResponse:
    merge = merge_get_for_operator(merge_id=merge_id)
    counts = merge.counts or {}
    written = [
        (WRITTEN.get(key.removeprefix("written_"), key.removeprefix("written_")), value)
        for key, value in sorted(counts.items())
        if key.startswith("written_")
    ]
    sellers = list(merge_parties(merge=merge, kind=MergeParty.Kind.SELLER)[:PARTIES_SHOWN])
    customers = list(merge_parties(merge=merge, kind=MergeParty.Kind.CUSTOMER)[:PARTIES_SHOWN])
    context = {
        "merge": merge,
        "plan": [(label, counts.get(key, 0)) for key, label in PLAN],
        "written": written,
        "progress": _progress(merge),
        "sellers": sellers,
        "customers": customers,
        "parties_shown": PARTIES_SHOWN,
        "matches_url": _matches_url(merge),
        "all_matches_url": _matches_url(merge, "all"),
        "can_decide": request.user.has_perm(ADD) and merge.status == StorefrontMerge.Status.PLANNED,
    }
    return render(request, "galerie/operator/merge_detail.html", context)


def _closed(request: OperatorRequest, merge: StorefrontMerge) -> HttpResponse | None:
    if merge.status == StorefrontMerge.Status.PLANNED:
        return None
    messages.error(
        request,
        _("This merge is %(status)s: it can no longer change.") % {"status": merge.get_status_display()},
    )
    return redirect("back_office:merge", merge_id=merge.pk)


@operator_view(methods=("GET", "HEAD", "POST"))
@needs(ADD)
def merge_commit_view(request: OperatorRequest, merge_id: int) -> HttpResponse:
    """GET: what the commit will do, to confirm; POST (confirmed): write the merge."""
    merge = merge_get_for_operator(merge_id=merge_id)
    if closed := _closed(request, merge):
        return closed
    apart = (request.POST if request.method == "POST" else request.GET).get("apart") == "on"
    if request.method != "POST" or request.POST.get("confirm") != "on":
        progress = _progress(merge)
        blocked = progress["reviews_pending"] > 0 or (progress["sellers_pending"] > 0 and not apart)
        context = {
            "merge": merge,
            "apart": apart,
            "progress": progress,
            "blocked": blocked,  # the commit would be refused: no button, the page says why
            "matches_url": _matches_url(merge),
        }
        return render(request, "galerie/operator/merge_commit.html", context)
    try:
        storefront = merge_commit(merge_id=merge.pk, by=request.user, sellers_unanswered_apart=apart)
    except DomainError as problem:
        if problem.http_status == 404:
            raise
        messages.error(request, problem.message)
    else:
        messages.success(
            request,
            _("Merge committed: the storefront %(name)s is written with its sellers, offers and orders.")
            % {"name": storefront.name},
        )
    return redirect("back_office:merge", merge_id=merge.pk)


@operator_view(methods=("GET", "HEAD", "POST"))
@needs(ADD)
def merge_abandon_view(request: OperatorRequest, merge_id: int) -> HttpResponse:
    """GET: what abandoning means, to confirm; POST (confirmed): give the merge up."""
    merge = merge_get_for_operator(merge_id=merge_id)
    if closed := _closed(request, merge):
        return closed
    if request.method != "POST" or request.POST.get("confirm") != "on":
        context = {"merge": merge, "progress": _progress(merge)}
        return render(request, "galerie/operator/merge_abandon.html", context)
    try:
        merge_abandon(merge_id=merge.pk, by=request.user)
    except DomainError as problem:
        if problem.http_status == 404:
            raise
        messages.error(request, problem.message)
    else:
        messages.success(request, _("Merge abandoned: nothing was written, its reviews are dropped."))
    return redirect("back_office:merge", merge_id=merge.pk)
