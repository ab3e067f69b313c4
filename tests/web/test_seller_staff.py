"""The staff page and the invitation link, end to end: invite, e-mail on a real SMTP server, sign up,
accept, land on the dashboard as a member with the role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from galerie.accounts.models import User
from galerie.core.delivery import outbox_deliver_batch
from galerie.notifications.handlers import HANDLERS
from galerie.sellers.models import SellerInvitation, SellerMember
from galerie.sellers.services.staff import seller_invitation_create
from galerie.web.views.seller.access import SESSION_KEY
from tests.factories import make_seller, make_staff_member, make_user

pytestmark = pytest.mark.django_db
Role = SellerMember.Role
STAFF = "/sell/staff/"


def deliver() -> None:
    topics = {"seller.invitation_created": HANDLERS["seller.invitation_created"]}
    while outbox_deliver_batch(topics, batch=500).claimed:
        pass


@pytest.fixture
def seller():
    return make_seller()


@pytest.fixture
def owner(seller):
    return make_staff_member(seller, Role.OWNER)


def _staff(seller) -> list[tuple[str, str]]:
    return sorted(SellerMember.objects.filter(seller=seller).values_list("user__email", "role"))


def test_invite_by_email_sign_up_from_the_link_and_land_on_the_dashboard(client, seller, owner, smtp_inbox):
    client.force_login(owner)
    page = client.get(STAFF)
    assert page.status_code == 200 and owner.email in page.content.decode()

    response = client.post(
        reverse("seller_area:staff_invite"), {"email": "Pat@Example.test", "role": "manager"}
    )
    assert response.status_code == 302
    assert "pat@example.test" in client.get(STAFF).content.decode()  # listed as open
    deliver()

    [message] = smtp_inbox.to("pat@example.test")
    link = re.search(r"https?://\S+/sell/invitation/[\w-]+/", message.get_body(("plain",)).get_content())[0]
    path = "/" + link.split("/", 3)[3]

    client.logout()
    page = client.get(path)
    body = page.content.decode()
    assert page.status_code == 200 and seller.display_name in body and "Manager" in body
    assert f"{reverse('seller_area:login')}?next=" in body  # sign in instead

    response = client.post(
        path, {"action": "signup", "email": "pat@example.test", "password": "a-long-new-secret"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("seller_area:dashboard")
    pat = User.objects.get(email="pat@example.test")
    assert SellerMember.objects.get(user=pat).role == Role.MANAGER
    assert client.session[SESSION_KEY] == seller.pk
    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200 and seller.display_name in dashboard.content.decode()
    # The link is used: it now shows "already accepted" to pat, and is a 404 for anyone else.
    assert "already accepted" in client.get(path).content.decode()
    client.logout()
    assert client.get(path).status_code == 404


def test_a_signed_in_user_accepts_with_one_click_and_twice_is_harmless(client, seller, owner):
    _invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role=Role.SHIPPING_CLERK, by=owner
    )
    someone = make_user()
    client.force_login(someone)
    url = reverse("seller_area:invitation", kwargs={"token": token})
    assert client.post(url, {"action": "accept"})["Location"] == reverse("seller_area:dashboard")
    assert client.post(url, {"action": "accept"})["Location"] == reverse("seller_area:dashboard")
    assert (
        SellerMember.objects.filter(user=someone).values_list("role", flat=True).get() == Role.SHIPPING_CLERK
    )


def test_an_anonymous_accept_goes_to_sign_in_first(client, seller, owner):
    _invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role="manager", by=owner
    )
    url = reverse("seller_area:invitation", kwargs={"token": token})
    response = client.post(url, {"action": "accept"})
    assert response.status_code == 302 and response["Location"].startswith("/sell/login/?next=")
    assert _staff(seller) == [(owner.email, Role.OWNER)]


def test_a_bad_signup_is_explained_and_creates_nothing(client, seller, owner):
    _invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role="manager", by=owner
    )
    url = reverse("seller_area:invitation", kwargs={"token": token})
    response = client.post(url, {"action": "signup", "email": owner.email, "password": "short"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already exists" in body
    assert _staff(seller) == [(owner.email, Role.OWNER)]
    assert SellerInvitation.objects.get().accepted_at is None


@pytest.mark.parametrize("case", ["expired", "revoked", "garbage"])
def test_expired_revoked_and_garbage_links_are_a_clear_404(client, seller, owner, case):
    invitation, token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role="owner", by=owner
    )
    if case == "expired":
        SellerInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
        expected = "expired"
    elif case == "revoked":
        SellerInvitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
        expected = "withdrawn"
    else:
        token, expected = "garbage-token", "not valid"
    client.force_login(make_user())
    url = reverse("seller_area:invitation", kwargs={"token": token})
    for response in (client.get(url), client.post(url, {"action": "accept"})):
        assert response.status_code == 404 and expected in response.content.decode()
    assert _staff(seller) == [(owner.email, Role.OWNER)]


def test_invite_errors_are_shown_on_the_form(client, seller, owner):
    client.force_login(owner)
    response = client.post(reverse("seller_area:staff_invite"), {"email": owner.email, "role": "manager"})
    assert response.status_code == 400 and "already works for this shop" in response.content.decode()
    response = client.post(reverse("seller_area:staff_invite"), {"email": "nope", "role": "manager"})
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
    assert not SellerInvitation.objects.exists()


def test_change_role_remove_and_the_last_owner_is_protected(client, seller, owner):
    clerk = make_staff_member(seller, Role.SHIPPING_CLERK)
    clerk_member = SellerMember.objects.get(user=clerk)
    owner_member = SellerMember.objects.get(user=owner)
    client.force_login(owner)
    url = reverse("seller_area:staff_member", kwargs={"member_id": clerk_member.pk})

    client.post(url, {"action": "role", "role": "manager"})
    assert _staff(seller) == sorted([(owner.email, Role.OWNER), (clerk.email, Role.MANAGER)])

    own = reverse("seller_area:staff_member", kwargs={"member_id": owner_member.pk})
    response = client.post(own, {"action": "remove"}, follow=True)
    assert "only owner" in response.content.decode()
    response = client.post(own, {"action": "role", "role": "manager"}, follow=True)
    assert "only owner" in response.content.decode()

    client.post(url, {"action": "remove"})
    assert _staff(seller) == [(owner.email, Role.OWNER)]


def test_revoke_an_invitation_from_the_page(client, seller, owner):
    invitation, _token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role="owner", by=owner
    )
    client.force_login(owner)
    response = client.post(reverse("seller_area:invitation_revoke", kwargs={"invitation_id": invitation.pk}))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "withdrawn" in client.get(STAFF).content.decode()  # the message, once
    assert "x@example.test" not in client.get(STAFF).content.decode()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SHIPPING_CLERK])
def test_managers_and_clerks_get_403_on_staff_and_change_nothing(client, seller, owner, role):
    user = make_staff_member(seller, role)
    owner_member = SellerMember.objects.get(user=owner)
    invitation, _token = seller_invitation_create(
        seller_id=seller.pk, email="x@example.test", role="owner", by=owner
    )
    before = _staff(seller)
    client.force_login(user)
    assert client.get(STAFF).status_code == 403
    assert (
        client.post(
            reverse("seller_area:staff_invite"), {"email": "y@example.test", "role": "owner"}
        ).status_code
        == 403
    )
    url = reverse("seller_area:staff_member", kwargs={"member_id": owner_member.pk})
    assert client.post(url, {"action": "remove"}).status_code == 403
    revoke = reverse("seller_area:invitation_revoke", kwargs={"invitation_id": invitation.pk})
    assert client.post(revoke).status_code == 403
    assert _staff(seller) == before
    assert SellerInvitation.objects.filter(revoked_at__isnull=True).count() == 1


def test_another_sellers_member_and_invitation_are_404_and_unchanged(client, seller, owner):
    other = make_seller()
    other_owner = make_staff_member(other, Role.OWNER)
    other_member = SellerMember.objects.get(user=other_owner)
    invitation, _token = seller_invitation_create(
        seller_id=other.pk, email="x@example.test", role="owner", by=other_owner
    )
    client.force_login(owner)
    for action in ({"action": "remove"}, {"action": "role", "role": "shipping_clerk"}):
        url = reverse("seller_area:staff_member", kwargs={"member_id": other_member.pk})
        assert client.post(url, action).status_code == 404
    revoke = reverse("seller_area:invitation_revoke", kwargs={"invitation_id": invitation.pk})
    assert client.post(revoke).status_code == 404
    assert _staff(other) == [(other_owner.email, Role.OWNER)]
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert "x@example.test" not in client.get(STAFF).content.decode()
