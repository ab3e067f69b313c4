"""The seller area's staff page (owners only) and the invitation link anyone holding it may open.

Members and invitations are fetched through selectors scoped to the current seller: another
seller's member or invitation is a 404, and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from galerie.accounts.services import customer_signup
from galerie.core.errors import DomainError, InvalidInput
from galerie.sellers.access import Perm, seller_access_for
from galerie.sellers.errors import InvitationNotFound
from galerie.sellers.services.staff import (
    seller_invitation_accept,
    seller_invitation_create,
    seller_invitation_get_by_token,
    seller_invitation_revoke,
    seller_invitations_open_for,
    seller_member_get,
    seller_member_notifications_set,
    seller_member_remove,
    seller_member_role_set,
    seller_members_for,
)
from galerie.web.form_errors import add_domain_errors
from galerie.web.forms_staff import ROLE_SHORT, InvitationSignupForm, InviteForm
from galerie.web.requests import SellerRequest
from galerie.web.views.seller.access import LOGIN_URL, not_found, remember_seller, seller_view


def _staff_page(request: SellerRequest, form: InviteForm, *, status: int = 200) -> HttpResponse:
    access = request.seller_access
    return render(
        request,
        "galerie/seller/staff.html",
        {
            "members": seller_members_for(seller=access.seller),
            "invitations": seller_invitations_open_for(seller=access.seller),
            "form": form,
            "roles": ROLE_SHORT.items(),
            "now": timezone.now(),
        },
        status=status,
    )


@seller_view(Perm.MANAGE_STAFF)
def staff_list(request: SellerRequest) -> HttpResponse:
    return _staff_page(request, InviteForm())


@seller_view(Perm.MANAGE_STAFF, methods=("POST",))
def staff_invite(request: SellerRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = seller_invitation_create(
                seller_id=request.seller_access.seller.pk,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s: the link in it works for 7 days.")
                % {"email": invitation.email},
            )
            return redirect("seller_area:staff")
    return _staff_page(request, form, status=400)


@seller_view(Perm.MANAGE_STAFF, methods=("POST",))
def staff_member(request: SellerRequest, member_id: int) -> HttpResponse:
    seller = request.seller_access.seller
    member = seller_member_get(seller=seller, member_id=member_id)  # another seller's: 404
    action = request.POST.get("action")
    try:
        if action == "role":
            seller_member_role_set(
                member_id=member.pk, seller_id=seller.pk, role=request.POST.get("role", ""), by=request.user
            )
            messages.success(
                request,
                _("%(email)s is now %(role)s.")
                % {"email": member.user.email, "role": ROLE_SHORT.get(request.POST.get("role", ""), "")},
            )
        elif action == "notify":
            on = request.POST.get("notify_new_orders") == "on"
            seller_member_notifications_set(
                member_id=member.pk, seller_id=seller.pk, notify_new_orders=on, by=request.user
            )
            messages.success(request, _notify_message(member.user.email, on))
        elif action == "remove":
            seller_member_remove(member_id=member.pk, seller_id=seller.pk, by=request.user)
            if member.user_id == request.user.pk:
                messages.success(request, _("You left %(shop)s.") % {"shop": seller.display_name})
                return redirect("seller_area:dashboard")
            messages.success(
                request, _("%(email)s no longer works for the shop.") % {"email": member.user.email}
            )
        else:
            raise InvalidInput(
                {"action": [_("Choose to change the role or the e-mails, or to remove the member.")]}
            )
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("seller_area:staff")


def _notify_message(email: str, on: bool) -> str:
    if on:
        return _("%(email)s now gets an e-mail for each new order.") % {"email": email}
    return _("%(email)s no longer gets an e-mail for each new order.") % {"email": email}


@seller_view(Perm.VIEW_DASHBOARD, methods=("POST",))
def my_notifications(request: SellerRequest) -> HttpResponse:
    """Let any member turn their own new-order e-mails on or off (from the dashboard)."""
    access = request.seller_access
    on = request.POST.get("notify_new_orders") == "on"
    seller_member_notifications_set(
        member_id=access.member.pk, seller_id=access.seller.pk, notify_new_orders=on, by=request.user
    )
    messages.success(request, _notify_message(request.user.email, on))
    return redirect("seller_area:dashboard")


@seller_view(Perm.MANAGE_STAFF, methods=("POST",))
def invitation_revoke(request: SellerRequest, invitation_id: int) -> HttpResponse:
    seller = request.seller_access.seller
    try:
        invitation = seller_invitation_revoke(
            invitation_id=invitation_id, seller_id=seller.pk, by=request.user
        )
    except InvalidInput as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
    return redirect("seller_area:staff")


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show the invitation (shop, role) to anyone holding the link; accept it for the signed-in user."""
    user = request.user if request.user.is_authenticated else None
    try:
        invitation = seller_invitation_get_by_token(token=token, user=user)
    except InvitationNotFound as error:
        return not_found(request, error.message)
    form = InvitationSignupForm(initial={"email": invitation.email})
    if request.method == "POST":
        if user is None and request.POST.get("action") == "signup":
            form = InvitationSignupForm(request.POST)
            if form.is_valid():
                try:
                    user = customer_signup(
                        email=form.cleaned_data["email"],
                        password=form.cleaned_data["password"],
                        language=request.LANGUAGE_CODE,
                    )
                except InvalidInput as error:
                    add_domain_errors(form, error)
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user is None:
            if form.is_bound:
                return _invitation_page(request, invitation, form, status=400)
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        try:
            member = seller_invitation_accept(token=token, user=user)
        except InvitationNotFound as error:
            return not_found(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
            return _invitation_page(request, invitation, form, status=409)
        remember_seller(request, seller_access_for(user, seller_id=member.seller_id))
        messages.success(
            request,
            _("Welcome to %(shop)s: you work here as %(role)s.")
            % {"shop": invitation.seller.display_name, "role": ROLE_SHORT.get(member.role, member.role)},
        )
        return redirect("seller_area:dashboard")
    return _invitation_page(request, invitation, form)


def _invitation_page(request: HttpRequest, invitation, form: InvitationSignupForm, *, status: int = 200):
    return render(
        request,
        "galerie/seller/invitation.html",
        {
            "invitation": invitation,
            "role": ROLE_SHORT.get(invitation.role, invitation.role),
            "form": form,
            "already_accepted": invitation.accepted_at is not None,
        },
        status=status,
    )
