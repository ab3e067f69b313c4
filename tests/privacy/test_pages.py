"""The account's privacy page: download, erase with the password, refusals; in French too."""

from __future__ import annotations

import json

import pytest

from galerie.accounts.models import User
from galerie.orders.models import SellerOrder
from galerie.privacy.models import Erasure
from tests.privacy.conftest import EMAIL, make_world

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "s3cret-Passw0rd"


def _base(world) -> str:
    return f"/s/{world.storefront.code}/account/privacy/"


def test_the_customer_downloads_their_data(client):
    world = make_world()
    client.force_login(world.customer)
    response = client.get(_base(world) + "export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["account"]["email"] == EMAIL


def test_a_visitor_is_sent_to_sign_in(client):
    world = make_world()
    for path in ("", "export.json"):
        response = client.get(_base(world) + path)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_a_wrong_password_erases_nothing(client):
    world = make_world()
    client.force_login(world.customer)
    response = client.post(_base(world) + "erase/", {"password": "not-it"})
    assert response.status_code == 400
    assert "This is not your password" in response.content.decode()
    assert User.objects.get(pk=world.customer.pk).email == EMAIL and not Erasure.objects.exists()


def test_the_right_password_erases_and_signs_out(client):
    world = make_world()
    client.force_login(world.customer)
    response = client.post(_base(world) + "erase/", {"password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(pk=world.customer.pk)
    assert not user.is_active and user.email.endswith("@erased.invalid")
    assert client.get(f"/s/{world.storefront.code}/account/").status_code == 302  # signed out
    assert not client.login(email=EMAIL, password=PASSWORD)


def test_an_open_order_is_named_and_nothing_changes(client):
    world = make_world()
    SellerOrder.objects.filter(order=world.order).update(status=SellerOrder.Status.ACCEPTED)
    client.force_login(world.customer)
    page = client.get(_base(world)).content.decode()
    assert "cannot be erased yet" in page and world.order.seller_orders.first().number in page
    response = client.post(_base(world) + "erase/", {"password": PASSWORD})
    assert response.status_code == 400
    assert User.objects.get(pk=world.customer.pk).is_active and not Erasure.objects.exists()


FRENCH = ["Vos données personnelles", "Télécharger mes données (JSON)", "Effacer votre compte",
          "Votre mot de passe", "Effacer définitivement mon compte"]  # fmt: skip
ENGLISH = ["Your personal data", "Download my data", "Erase your account", "Your password"]


def test_the_page_speaks_french_on_a_french_storefront(client):
    world = make_world(language="fr")
    client.force_login(world.customer)
    response = client.get(_base(world))
    page = response.content.decode()
    assert response["Content-Language"] == "fr" and '<html lang="fr">' in page
    for phrase in FRENCH:
        assert phrase in page, phrase
    for phrase in ENGLISH:
        assert phrase not in page, phrase
    home = client.get(f"/s/{world.storefront.code}/account/").content.decode()
    assert "Vos données personnelles" in home
    wrong = client.post(_base(world) + "erase/", {"password": "non"}).content.decode()
    assert "Ce n’est pas votre mot de passe" in wrong
    SellerOrder.objects.filter(order=world.order).update(status=SellerOrder.Status.SHIPPED)
    blocked = client.get(_base(world)).content.decode()
    assert "Votre compte ne peut pas encore être effacé" in blocked and "Commandes encore en route" in blocked
