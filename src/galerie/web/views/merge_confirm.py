"""The page a confirmation e-mail links to (docs/merge-confirmations.md): a seller or a customer
of a merged storefront's bundle says whether the records matched to theirs are theirs.

No sign-in: the signed link proves the mailbox. GET asks (or says what was answered); POST
records the answer through ``merge_party_decide`` and says what happens next. Served on every
host, in the recipient's language, in the theme of the storefront here they know.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from galerie.core.errors import DomainError
from galerie.portability.confirmations import party_context, party_language, party_storefront
from galerie.portability.merge import MergePartyNotFound, merge_party_decide, party_from_token
from galerie.portability.models import MergeParty, StorefrontMerge
from galerie.storefronts.models import Storefront

TEMPLATE = "galerie/merge/confirm.html"
ANSWERS = {"confirm": True, "decline": False}


def _choices(party: MergeParty) -> tuple[bool, bool]:
    """(may confirm, may decline) now, as the party's status table allows: until the merge is done;
    after it, only a customer whose orders are not joined yet (joining is final)."""
    merge = party.merge
    open_ = merge.status == StorefrontMerge.Status.PLANNED or (
        merge.status == StorefrontMerge.Status.COMMITTED
        and party.kind == MergeParty.Kind.CUSTOMER
        and party.joined_at is None
    )
    if not open_:
        return False, False
    allowed = MergeParty.TRANSITIONS[MergeParty.Status(party.status)]
    return MergeParty.Status.CONFIRMED in allowed, MergeParty.Status.DECLINED in allowed


def _account_url(party: MergeParty) -> str:
    storefront = party.merge.storefront
    if storefront is None:
        return ""
    return reverse("sf:account", kwargs={"storefront": storefront.code}, urlconf="galerie.urls")


def _page(
    request: HttpRequest,
    party: MergeParty,
    storefront: Storefront,
    *,
    outcome: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    may_confirm, may_decline = _choices(party)
    context: dict[str, Any] = {
        **party_context(party=party, storefront=storefront),
        "brand": storefront,
        "merge": party.merge,
        "may_confirm": may_confirm,
        "may_decline": may_decline,
        "outcome": outcome,
        "error": error,
        "account_url": _account_url(party),
    }
    return render(request, TEMPLATE, context, status=status)


def _decide(request: HttpRequest, token: str, party: MergeParty, storefront: Storefront) -> HttpResponse:
    answer = request.POST.get("answer", "")
    if answer not in ANSWERS:
        return _page(request, party, storefront, error=_("Choose to confirm or to decline."), status=400)
    try:
        merge_party_decide(party_id=party.pk, confirm=ANSWERS[answer])
    except DomainError as problem:
        party = party_from_token(token)
        return _page(request, party, storefront, error=problem.message, status=problem.http_status)
    party = party_from_token(token)  # re-read: the merge may have been committed meanwhile
    joined = party.status == MergeParty.Status.CONFIRMED and party.joined_at is not None
    return _page(request, party, storefront, outcome="joined" if joined else str(party.status))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def merge_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Ask a matched seller or customer, or record their answer and say what happens next."""
    try:
        party = party_from_token(token)
    except MergePartyNotFound as error:
        return render(request, "galerie/merge/not_found.html", {"message": error.message}, status=404)
    storefront = party_storefront(party=party)
    language = party_language(party=party, storefront=storefront)
    with translation.override(language):
        request.LANGUAGE_CODE = language
        if request.method == "POST":
            response = _decide(request, token, party, storefront)
        else:
            response = _page(request, party, storefront)
    response.headers["Content-Language"] = language
    return response
