"""The applicant's own page: the application's status per storefront, the conversation with the
operator, and the answer when more information was asked for.

Not behind ``@seller_view`` (an applicant has no portal yet): it needs a signed-in user and reads
only that user's own applications; a user who works for no shop gets a 403 with where to apply.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from galerie.core.errors import DomainError, InvalidInput, NotFound
from galerie.sellers.access import memberships_for
from galerie.sellers.selectors import seller_application_get_for_user, seller_applications_for_user
from galerie.sellers.services import seller_application_answer
from galerie.storefronts.middleware import HostRoutedRequest
from galerie.storefronts.models import Storefront
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_sellers import ApplicationAnswerForm
from galerie.web.views.seller.access import LOGIN_URL, not_found


def _apply_links(request: HostRoutedRequest) -> list[tuple[str, str]]:
    """(storefront name, URL of its “Sell on” page) for the storefronts taking applications."""
    storefronts = Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("name")
    if getattr(request, "storefront_id_from_host", None):
        # On a storefront's own host only its pages are routed: link to its form.
        found = [s for s in storefronts if s.pk == request.storefront_id_from_host]
        return [(s.name, reverse("sf:become_seller")) for s in found]
    links = []
    for storefront in storefronts:
        try:
            links.append(
                (storefront.name, reverse("sf:become_seller", kwargs={"storefront": storefront.code}))
            )
        except NoReverseMatch:
            continue
    return links


@require_http_methods(["GET", "HEAD", "POST"])
def application(request: HostRoutedRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), LOGIN_URL)
    applications = seller_applications_for_user(user=request.user)
    if not applications:
        if memberships_for(request.user):
            return redirect("seller_area:dashboard")  # approved: the portal is open
        context = {"no_application": True, "apply_links": _apply_links(request)}
        return render(request, "galerie/seller/application.html", context, status=403)
    forms: dict[int, ApplicationAnswerForm] = {}
    status = 200
    if request.method == "POST":
        try:
            seller = seller_application_get_for_user(
                user=request.user, seller_id=_int(request.POST.get("seller"))
            )
        except NotFound as error:
            return not_found(request, error.message)
        form = ApplicationAnswerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                seller_application_answer(
                    seller_id=seller.pk,
                    body=form.cleaned_data["body"],
                    documents=form.pairs(),
                    by=request.user,
                )
            except InvalidInput as error:
                add_domain_errors(form, error)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("seller_area:application")
            else:
                messages.success(request, _("Thank you: your answer is sent to the operator."))
                return redirect("seller_area:application")
        forms[seller.pk] = form
        status = 400
        applications = seller_applications_for_user(user=request.user)
    for seller in applications:
        if seller.status == seller.Status.INFO_REQUESTED:
            # For the template, set on the row: not a field of Seller.
            seller.answer_form = forms.get(seller.pk) or ApplicationAnswerForm()  # type: ignore[attr-defined]
    return render(request, "galerie/seller/application.html", {"applications": applications}, status=status)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
