"""Customer account pages of a storefront: sign up, sign in and out, password reset, orders,
the customer's own details (name, consent to a transfer)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from galerie.accounts.models import User
from galerie.accounts.services import customer_profile_update, customer_signup
from galerie.cart.selectors import cart_find, cart_item_count
from galerie.cart.services import cart_merge
from galerie.core.errors import DomainError, InvalidInput
from galerie.invoices.errors import InvoiceNotFound
from galerie.invoices.selectors import invoice_get_for_customer, invoices_of_order
from galerie.messaging.selectors import customer_unread_by_order, threads_of_order
from galerie.orders.delivery import seller_order_confirm_receipt
from galerie.orders.selectors import lines_to_ship, order_get_for_customer, order_refunds, orders_for_customer
from galerie.privacy.errors import ErasureBlocked
from galerie.privacy.selectors import customer_export_json
from galerie.privacy.services import customer_erase, customer_erase_blockers
from galerie.returns.selectors import order_returns
from galerie.reviews.selectors import order_reviews
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms import ErasureForm, ProfileForm, SignupForm
from galerie.web.requests import StorefrontRequest
from galerie.web.routing import sf_prefix, sf_reverse
from galerie.web.throttling import ThrottledAuthenticationForm, refused, throttle_attempt
from galerie.web.views.decorators import storefront_view
from galerie.web.views.shop import remember_cart_count, session_cart_key


def _next(request: StorefrontRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return sf_reverse(request, "account")


def _sign_in(request: StorefrontRequest, user) -> None:
    """Sign the user in and merge this browser's guest cart into theirs."""
    key = session_cart_key(request.storefront)
    guest = cart_find(storefront=request.storefront, cart_uuid=request.session.get(key))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    merged = cart_merge(storefront=request.storefront, guest_cart=guest, customer=user)
    request.session.pop(key, None)
    remember_cart_count(request, cart_item_count(merged))


@storefront_view(("GET", "HEAD", "POST"))
def signup(request: StorefrontRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    throttled = request.method == "POST" and throttle_attempt(
        request, "signup", account=request.POST.get("email", "")
    )
    if throttled:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, throttled.message)
    elif request.method == "POST" and form.is_valid():
        try:
            user = customer_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                language=request.storefront.default_language,
            )
        except InvalidInput as error:
            add_domain_errors(form, error)
        else:
            _sign_in(request, user)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(_next(request))
    response = render(
        request,
        "galerie/account/signup.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )
    return refused(response, throttled or None)


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def sign_in(request: StorefrontRequest) -> HttpResponse:
    form = ThrottledAuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        _sign_in(request, form.get_user())
        return redirect(_next(request))
    response = render(
        request,
        "galerie/account/login.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )
    return refused(response, form.throttled)


@storefront_view(("POST",), closed_too=True)
def sign_out(request: StorefrontRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect(sf_reverse(request, "home"))


def _to_sign_in(request: StorefrontRequest) -> HttpResponse:
    return redirect(f"{sf_reverse(request, 'login')}?next={request.get_full_path()}")


@storefront_view(closed_too=True)
def account(request: StorefrontRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    orders = orders_for_customer(customer=request.user, storefront=request.storefront).prefetch_related(
        "seller_orders__seller"
    )[:50]
    unread = customer_unread_by_order(customer=request.user, storefront=request.storefront)
    return render(request, "galerie/account/home.html", {"orders": orders, "messaging_unread": unread})


@storefront_view(("GET", "HEAD", "POST"), closed_too=True)
def account_settings(request: StorefrontRequest) -> HttpResponse:
    """The customer's details: their name and their consent to a transfer of their account."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    user = request.user
    initial = {"full_name": user.full_name, "transfer_consent": user.transfer_consent}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        customer_profile_update(
            user_id=user.pk,
            full_name=form.cleaned_data["full_name"],
            transfer_consent=form.cleaned_data["transfer_consent"],
        )
        messages.success(request, _("Your details are saved."))
        return redirect(sf_reverse(request, "account_settings"))
    return render(
        request, "galerie/account/settings.html", {"form": form}, status=400 if form.errors else 200
    )


def _privacy_page(request: StorefrontRequest, form: ErasureForm, status: int = 200) -> HttpResponse:
    assert isinstance(request.user, User)  # the views below send visitors to sign in first
    blockers = customer_erase_blockers(user=request.user)
    return render(
        request, "galerie/account/privacy.html", {"form": form, "blockers": blockers}, status=status
    )


@storefront_view(closed_too=True)
def account_privacy(request: StorefrontRequest) -> HttpResponse:
    """The customer's data protection rights: download their data, erase their account."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    return _privacy_page(request, ErasureForm(user=request.user))


@storefront_view(closed_too=True)
def account_export(request: StorefrontRequest) -> HttpResponse:
    """Everything Galerie holds about the customer, as one JSON file (GDPR art. 15 and 20)."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    now = timezone.now()
    response = HttpResponse(
        customer_export_json(user=request.user, now=now), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{now:%Y-%m-%d}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@storefront_view(("POST",), closed_too=True)
def account_erase(request: StorefrontRequest) -> HttpResponse:
    """Erase the customer's account once they confirm with their password (GDPR art. 17)."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    form = ErasureForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            customer_erase(user_id=request.user.pk, now=timezone.now(), by=request.user)
        except ErasureBlocked as error:
            form.add_error(None, error.message)
        else:
            logout(request)
            messages.success(request, _("Your account is erased. Your orders are kept, without your name."))
            return redirect(sf_reverse(request, "home"))
    return _privacy_page(request, form, status=400)


@storefront_view(closed_too=True)
def order_detail(request: StorefrontRequest, number: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    threads = threads_of_order(order_id=order.pk)
    invoices = invoices_of_order(order=order)
    for part in order.seller_orders.all():  # the prefetched parts the template shows
        part.invoice_documents = invoices.get(part.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "galerie/account/order.html",
        {
            "order": order,
            "refunds": order_refunds(order=order),
            "order_reviews": order_reviews(order=order),
            "returns_ctx": order_returns(order=order),
            "messaging_threads": threads,
            "partly_shipped": {
                part.pk for part in order.seller_orders.all() if any(row.left for row in lines_to_ship(part))
            },
        },
    )


@storefront_view(closed_too=True)
def order_invoice(request: StorefrontRequest, number: str, invoice: str) -> HttpResponseBase:
    """An invoice or credit note of one of the customer's orders: the stored PDF, as issued."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    try:
        found = invoice_get_for_customer(customer=request.user, order=order, uuid=invoice)
    except InvoiceNotFound:
        raise Http404 from None
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=f"{found.number}.pdf",
                        content_type="application/pdf")  # fmt: skip


@storefront_view(("POST",), closed_too=True)
def order_confirm_receipt(request: StorefrontRequest, number: str) -> HttpResponse:
    """The customer says one seller's parcel arrived."""
    if not request.user.is_authenticated:
        return _to_sign_in(request)
    order = order_get_for_customer(customer=request.user, number=number, storefront=request.storefront)
    part = next((p for p in order.seller_orders.all() if str(p.pk) == request.POST.get("part")), None)
    if part is None:
        messages.error(request, _("Choose the parcel you received."))
    else:
        try:
            shipment = request.POST.get("shipment", "")
            seller_order_confirm_receipt(
                seller_order_id=part.pk,
                customer=request.user,
                shipment_id=int(shipment) if shipment.isdigit() else None,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Thank you: the parcel from %(seller)s is marked as received.")
                % {"seller": part.seller.display_name},
            )
    return redirect(sf_reverse(request, "order", number=order.number))


class _StorefrontPasswordReset(auth_views.PasswordResetView):
    request: StorefrontRequest
    template_name = "galerie/account/password_reset.html"
    email_template_name = "galerie/account/password_reset_email.txt"
    subject_template_name = "galerie/account/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        throttled = throttle_attempt(request, "password_reset", account=request.POST.get("email", ""))
        if throttled:
            form = self.get_form()
            form.is_valid()
            form.errors.clear()
            form.add_error(None, throttled.message)
            return refused(self.render_to_response(self.get_context_data(form=form)), throttled)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {"storefront": self.request.storefront, "prefix": sf_prefix(self.request)}
        return super().form_valid(form)

    def get_success_url(self) -> str:
        return sf_reverse(self.request, "password_reset_done")


class _StorefrontPasswordResetConfirm(auth_views.PasswordResetConfirmView):
    request: StorefrontRequest
    template_name = "galerie/account/password_reset_confirm.html"

    def get_success_url(self) -> str:
        return sf_reverse(self.request, "password_reset_complete")


password_reset = storefront_view(("GET", "HEAD", "POST"), closed_too=True)(_StorefrontPasswordReset.as_view())
password_reset_done = storefront_view(closed_too=True)(
    auth_views.PasswordResetDoneView.as_view(template_name="galerie/account/password_reset_done.html")
)
password_reset_confirm = storefront_view(("GET", "HEAD", "POST"), closed_too=True)(
    _StorefrontPasswordResetConfirm.as_view()
)
password_reset_complete = storefront_view(closed_too=True)(
    auth_views.PasswordResetCompleteView.as_view(template_name="galerie/account/password_reset_complete.html")
)
