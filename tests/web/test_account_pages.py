"""Sign up, sign in with cart merge, sign out, password reset by e-mail through a real SMTP server."""

from __future__ import annotations

import re

import pytest

from galerie.accounts.models import User
from galerie.cart.models import Cart
from tests.factories import make_offer, make_seller, make_storefront, make_user, make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront():
    return make_storefront(code="plume", name="Page & Plume", default_language="fr")


def test_sign_up_refuses_a_weak_password_and_a_taken_email_and_creates_nothing(client, storefront):
    make_user(email="taken@example.test")
    response = client.post(
        "/s/plume/account/signup/", {"full_name": "A", "email": "taken@example.test", "password": "12345678"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('class="errorlist') >= 2
    assert User.objects.count() == 1


def test_signing_in_merges_the_guest_cart_into_the_customers(client, storefront):
    seller = make_seller(storefronts=[storefront])
    first, second = (make_offer(seller=seller, variant=make_variant(), stock=9) for _ in range(2))
    customer = make_user(password="correct horse battery")
    client.force_login(customer)
    client.post("/s/plume/cart/add/", {"offer": first.uuid.hex, "quantity": 1})
    client.post("/s/plume/account/logout/")
    client.post("/s/plume/cart/add/", {"offer": first.uuid.hex, "quantity": 2})
    client.post("/s/plume/cart/add/", {"offer": second.uuid.hex, "quantity": 1})
    response = client.post(
        "/s/plume/account/login/", {"username": customer.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    cart = Cart.objects.get()
    assert cart.customer == customer
    assert dict(cart.lines.values_list("offer_id", "quantity")) == {first.pk: 3, second.pk: 1}


def test_password_reset_mail_arrives_and_its_link_sets_a_new_password(client, storefront, smtp_inbox):
    customer = make_user(email="alice@example.test", password="old password here")
    response = client.post("/s/plume/account/password-reset/", {"email": "alice@example.test"})
    assert response.status_code == 302
    (mail,) = smtp_inbox.to("alice@example.test")
    assert "Page & Plume" in mail["Subject"]
    body = mail.get_content()
    link = re.search(r"http://testserver(/s/plume/account/reset/\S+/)", body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("a brand new passphrase")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, storefront, smtp_inbox
):
    response = client.post("/s/plume/account/password-reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert smtp_inbox.messages == []
