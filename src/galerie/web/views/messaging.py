"""The pages of messages (docs/messaging.md): one thread per seller order, seen by its customer
(storefront account), by its seller's members (seller area) and by operator staff (back office).

The views only parse, call galerie.messaging and render. Every read goes through a scoped
selector: another customer's or another seller's thread or file is a 404. A GET never writes:
the thread page marks itself read with a POST (htmx on load, a button without JavaScript).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from galerie.core.errors import DomainError, InvalidInput
from galerie.messaging.attachments import MAX_BYTES, MAX_FILES
from galerie.messaging.errors import AttachmentNotFound
from galerie.messaging.models import Attachment, Party, Thread
from galerie.messaging.selectors import (
    ThreadPage,
    attachment_for_operator,
    attachment_in_thread,
    seller_order_for_customer,
    thread_for_operator,
    thread_page,
    threads_for_operator,
)
from galerie.messaging.services import (
    MAX_BODY,
    message_post,
    thread_operator_ask,
    thread_operator_done,
    thread_read,
)
from galerie.orders.selectors import seller_order_get_for_member
from galerie.sellers.access import Perm
from galerie.web.requests import OperatorRequest, SellerRequest, StorefrontRequest
from galerie.web.routing import sf_reverse
from galerie.web.views.back_office.access import operator_view
from galerie.web.views.decorators import storefront_view
from galerie.web.views.seller.access import seller_view

TEMPLATE = "galerie/messaging/thread.html"


def _file_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise AttachmentNotFound(_("The file is missing from the storage.")) from None
    # Pictures (re-encoded by Galerie) show in the page; a PDF is only ever downloaded.
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def _render(
    request: HttpRequest,
    page: ThreadPage,
    *,
    base: str,
    urls: dict[str, str],
    file_url: Any,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    for message in page.messages:
        for attachment in message.attachments.all():
            attachment.url = file_url(attachment)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "so": page.seller_order,
        "base_template": base,
        "urls": urls,
        "max_files": MAX_FILES,
        "max_mb": MAX_BYTES // (1024 * 1024),
        "max_body": MAX_BODY,
        "party": page.party,
        "statuses": Thread.Status,
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def _errors(error: DomainError) -> list[str]:
    if isinstance(error, InvalidInput):
        return [m for problems in error.errors.values() for m in problems]
    return [error.message]


def _post(request: HttpRequest, seller_order_id: int, party: str) -> list[str]:
    """Post the form's message; return the problems (none: posted)."""
    try:
        message_post(
            seller_order_id=seller_order_id,
            party=party,
            by=request.user,  # type: ignore[arg-type]
            body=request.POST.get("body", ""),
            files=request.FILES.getlist("files"),
        )
    except DomainError as error:
        return _errors(error)
    return []


def _ask(request: HttpRequest, seller_order_id: int, party: str) -> list[str]:
    try:
        thread_operator_ask(
            seller_order_id=seller_order_id,
            party=party,
            by=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        return _errors(error)
    return []


def _read(request: HttpRequest, seller_order_id: int, party: str) -> int:
    try:
        upto = int(request.POST.get("upto", "0"))
    except ValueError:
        upto = 0
    return thread_read(seller_order_id=seller_order_id, party=party, by=request.user, upto_message_id=upto)  # type: ignore[arg-type]


def _read_answer(request: HttpRequest, back: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return redirect(back)


# --- the customer --------------------------------------------------------------------------


def _customer_urls(request: StorefrontRequest, number: str) -> dict[str, str]:
    return {
        "self": sf_reverse(request, "message_thread", number=number),
        "read": sf_reverse(request, "message_read", number=number),
        "operator": sf_reverse(request, "message_operator", number=number),
    }


def _customer_page(
    request: StorefrontRequest, number: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    seller_order = seller_order_for_customer(
        customer=request.user, storefront=request.storefront, number=number
    )
    page = thread_page(seller_order=seller_order, party=Party.CUSTOMER)
    urls = _customer_urls(request, number)
    urls["back"] = sf_reverse(request, "order", number=seller_order.order.number)
    return _render(
        request,
        page,
        base="galerie/storefront/base.html",
        urls=urls,
        file_url=lambda a: sf_reverse(request, "message_file", number=number, attachment=a.uuid),
        status=status,
        **extra,
    )


def _signed_in(request: StorefrontRequest) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect(f"{sf_reverse(request, 'login')}?next={request.get_full_path()}")


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def customer_thread(request: StorefrontRequest, number: str) -> HttpResponse:
    """The customer's conversation with the seller of one seller order; POST: a new message."""
    if gate := _signed_in(request):
        return gate
    if request.method == "POST":
        seller_order = seller_order_for_customer(
            customer=request.user, storefront=request.storefront, number=number
        )
        problems = _post(request, seller_order.pk, Party.CUSTOMER)
        if not problems:
            flash.success(request, _("Your message is sent."))
            return redirect(sf_reverse(request, "message_thread", number=number))
        return _customer_page(
            request, number, status=400, problems=problems, body=request.POST.get("body", "")
        )
    return _customer_page(request, number)


@storefront_view(("POST",), closed_too=True)
def customer_thread_read(request: StorefrontRequest, number: str) -> HttpResponse:
    if gate := _signed_in(request):
        return gate
    seller_order = seller_order_for_customer(
        customer=request.user, storefront=request.storefront, number=number
    )
    _read(request, seller_order.pk, Party.CUSTOMER)
    return _read_answer(request, sf_reverse(request, "message_thread", number=number))


@storefront_view(("POST",), closed_too=True)
def customer_thread_operator(request: StorefrontRequest, number: str) -> HttpResponse:
    if gate := _signed_in(request):
        return gate
    seller_order = seller_order_for_customer(
        customer=request.user, storefront=request.storefront, number=number
    )
    problems = _ask(request, seller_order.pk, Party.CUSTOMER)
    if problems:
        return _customer_page(
            request, number, status=400, operator_problems=problems, reason=request.POST.get("reason", "")
        )
    flash.success(
        request, _("The marketplace is asked to step in: it reads the conversation and answers in it.")
    )
    return redirect(sf_reverse(request, "message_thread", number=number))


@storefront_view(closed_too=True)
def customer_file(request: StorefrontRequest, number: str, attachment: str) -> HttpResponseBase:
    if gate := _signed_in(request):
        return gate
    seller_order = seller_order_for_customer(
        customer=request.user, storefront=request.storefront, number=number
    )
    return _file_response(attachment_in_thread(seller_order=seller_order, attachment_uuid=attachment))


# --- the seller ----------------------------------------------------------------------------


def _seller_order(request: SellerRequest, number: str):
    return seller_order_get_for_member(request.user, number=number, seller_id=request.seller_access.seller.pk)


def _seller_page(request: SellerRequest, number: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    page = thread_page(seller_order=_seller_order(request, number), party=Party.SELLER)
    urls = {
        "self": reverse("seller_area:message_thread", kwargs={"number": number}),
        "post": reverse("seller_area:message_post", kwargs={"number": number}),
        "read": reverse("seller_area:message_read", kwargs={"number": number}),
        "operator": reverse("seller_area:message_operator", kwargs={"number": number}),
        "back": reverse("seller_area:order", kwargs={"number": number}),
    }
    return _render(
        request,
        page,
        base="galerie/seller/base.html",
        urls=urls,
        file_url=lambda a: reverse(
            "seller_area:message_file", kwargs={"number": number, "attachment": a.uuid}
        ),
        status=status,
        can_write=request.seller_access.can(Perm.FULFIL_ORDERS),
        **extra,
    )


@seller_view(Perm.VIEW_ORDERS)
def seller_thread(request: SellerRequest, number: str) -> HttpResponse:
    """The seller's conversation with the customer of one of its orders."""
    return _seller_page(request, number)


@seller_view(Perm.FULFIL_ORDERS, methods=("POST",))
def seller_thread_post(request: SellerRequest, number: str) -> HttpResponse:
    seller_order = _seller_order(request, number)
    problems = _post(request, seller_order.pk, Party.SELLER)
    if problems:
        return _seller_page(request, number, status=400, problems=problems, body=request.POST.get("body", ""))
    flash.success(request, _("Your message is sent."))
    return redirect("seller_area:message_thread", number=number)


@seller_view(Perm.VIEW_ORDERS, methods=("POST",))
def seller_thread_read(request: SellerRequest, number: str) -> HttpResponse:
    seller_order = _seller_order(request, number)
    _read(request, seller_order.pk, Party.SELLER)
    return _read_answer(request, reverse("seller_area:message_thread", kwargs={"number": number}))


@seller_view(Perm.FULFIL_ORDERS, methods=("POST",))
def seller_thread_operator(request: SellerRequest, number: str) -> HttpResponse:
    seller_order = _seller_order(request, number)
    problems = _ask(request, seller_order.pk, Party.SELLER)
    if problems:
        return _seller_page(
            request, number, status=400, operator_problems=problems, reason=request.POST.get("reason", "")
        )
    flash.success(
        request, _("The marketplace is asked to step in: it reads the conversation and answers in it.")
    )
    return redirect("seller_area:message_thread", number=number)


@seller_view(Perm.VIEW_ORDERS)
def seller_file(request: SellerRequest, number: str, attachment: str) -> HttpResponseBase:
    return _file_response(
        attachment_in_thread(seller_order=_seller_order(request, number), attachment_uuid=attachment)
    )


# --- the operator --------------------------------------------------------------------------


@operator_view()
def operator_threads(request: OperatorRequest) -> HttpResponse:
    """The conversations a customer or a seller asked the marketplace into, the longest waiting first."""
    every = request.GET.get("all") == "1"
    return render(
        request,
        "galerie/messaging/operator_threads.html",
        {"threads": threads_for_operator(asked_only=not every), "every": every},
    )


def _operator_page(request: OperatorRequest, thread: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    page = thread_for_operator(thread_uuid=thread)
    urls = {
        "self": reverse("back_office:message_thread", kwargs={"thread": thread}),
        "post": reverse("back_office:message_post", kwargs={"thread": thread}),
        "read": reverse("back_office:message_read", kwargs={"thread": thread}),
        "done": reverse("back_office:message_done", kwargs={"thread": thread}),
        "back": reverse("back_office:message_threads"),
    }
    return _render(
        request,
        page,
        base="galerie/operator/base.html",
        urls=urls,
        file_url=lambda a: reverse(
            "back_office:message_file", kwargs={"thread": thread, "attachment": a.uuid}
        ),
        status=status,
        can_write=True,
        **extra,
    )


@operator_view()
def operator_thread(request: OperatorRequest, thread: str) -> HttpResponse:
    return _operator_page(request, thread)


@operator_view(methods=("POST",))
def operator_thread_post(request: OperatorRequest, thread: str) -> HttpResponse:
    page = thread_for_operator(thread_uuid=thread)
    problems = _post(request, page.seller_order.pk, Party.OPERATOR)
    if problems:
        return _operator_page(
            request, thread, status=400, problems=problems, body=request.POST.get("body", "")
        )
    flash.success(request, _("Your message is sent to both parties."))
    return redirect("back_office:message_thread", thread=thread)


@operator_view(methods=("POST",))
def operator_thread_read(request: OperatorRequest, thread: str) -> HttpResponse:
    page = thread_for_operator(thread_uuid=thread)
    _read(request, page.seller_order.pk, Party.OPERATOR)
    return _read_answer(request, reverse("back_office:message_thread", kwargs={"thread": thread}))


@operator_view(methods=("POST",))
def operator_thread_done(request: OperatorRequest, thread: str) -> HttpResponse:
    page = thread_for_operator(thread_uuid=thread)
    assert page.thread is not None
    thread_operator_done(thread_id=page.thread.pk, by=request.user)
    flash.success(request, _("The conversation leaves your list; either party can ask you in again."))
    return redirect("back_office:message_threads")


@operator_view()
def operator_file(request: OperatorRequest, thread: str, attachment: str) -> HttpResponseBase:
    return _file_response(attachment_for_operator(thread_uuid=thread, attachment_uuid=attachment))
