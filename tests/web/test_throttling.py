"""Sign-in, password reset, sign-up and the seller application are throttled
per account and per IP, on the real cache (Redis when REDIS_URL is set).

The clock django-ratelimit and the lock read is moved forward (not the cache emptied) to show the
lock ends.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django_ratelimit import core as ratelimit_core

from galerie.accounts.models import User
from galerie.core import throttling
from galerie.sellers.models import Seller, SellerMember
from tests.factories import make_seller, make_staff_member, make_storefront, make_user
from tests.web.test_become_seller import form_data

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-password-42"
LOCKED = "Too many attempts. For your security, try again in"
AREAS = {
    "storefront": "/s/plume/account/login/",
    "seller": "/sell/login/",
    "admin": "/admin/login/",
}


class Clock:
    """The time django-ratelimit sees: real time plus an offset the test moves forward."""

    def __init__(self, real) -> None:
        self.real, self.offset = real, 0.0

    def time(self) -> float:
        return self.real.time() + self.offset


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(ratelimit_core.time)
    monkeypatch.setattr(ratelimit_core, "time", fake)
    monkeypatch.setattr(throttling, "time", fake)
    return fake


@pytest.fixture
def storefront():
    return make_storefront(code="plume", name="Page et Plume", default_language="en")


@pytest.fixture
def accounts(storefront):
    seller = make_seller(storefronts=[storefront])
    return {
        "storefront": make_user(email="customer@example.test", password=PASSWORD),
        "seller": make_staff_member(
            seller, SellerMember.Role.OWNER, email="owner@example.test", password=PASSWORD
        ),
        "admin": make_user(
            email="operator@example.test", password=PASSWORD, is_staff=True, is_superuser=True
        ),
    }


def _login(client, area: str, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post(AREAS[area], {"username": email, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("area", AREAS)
def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_waits_for_the_lock_to_end(
    client, accounts, clock, area
):
    email = accounts[area].email
    answers = [_login(client, area, email, "wrong-password") for _ in range(50)]

    # the first five are told the password is wrong; from the sixth on, when to retry
    assert all(LOCKED not in a.content.decode() for a in answers[:5])
    assert all(a.status_code in (200, 400) for a in answers[:5])
    assert all(LOCKED in a.content.decode() for a in answers[5:])
    # the fifth failure locks the account for a whole 15 minutes, whatever the counting window
    assert f"{LOCKED} 15 minutes." in answers[5].content.decode()
    clock.offset += 14 * 60
    assert f"{LOCKED} 1 minute." in _login(client, area, email, "wrong-password").content.decode()
    # every refusal is a 429 saying when to retry, in seconds (the admin's too)
    assert {a.status_code for a in answers[5:]} == {429}
    assert 14 * 60 < int(answers[5]["Retry-After"]) <= 15 * 60
    assert all("Retry-After" not in a for a in answers[:5])

    right = _login(client, area, email, PASSWORD)
    assert LOCKED in right.content.decode() and not _signed_in(client)

    clock.offset += 60 + 1  # the lock is over
    assert _login(client, area, email, PASSWORD).status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize("area", AREAS)
def test_an_unknown_address_is_locked_exactly_like_a_known_one(client, accounts, clock, area):
    known = [_login(client, area, accounts[area].email, "wrong-password") for _ in range(6)]
    unknown = [_login(client, area, "nobody@example.test", "wrong-password") for _ in range(6)]

    assert [a.status_code for a in known] == [a.status_code for a in unknown]
    assert LOCKED in known[-1].content.decode() and LOCKED in unknown[-1].content.decode()
    assert LOCKED not in known[-2].content.decode() and LOCKED not in unknown[-2].content.decode()


def test_the_lock_is_per_account_and_per_ip(client, accounts, clock):
    for _ in range(6):
        _login(client, "storefront", "customer@example.test", "wrong-password")
    # another account from the same IP is not locked by this account's failures
    other = make_user(email="other@example.test", password=PASSWORD)
    assert _login(client, "storefront", other.email, PASSWORD).status_code == 302
    client.logout()

    # one IP trying many addresses: 30 failures lock that IP for every account …
    for n in range(30):
        _login(client, "storefront", f"guess{n}@example.test", "wrong-password", ip="198.51.100.9")
    answer = _login(client, "storefront", other.email, PASSWORD, ip="198.51.100.9")
    assert LOCKED in answer.content.decode() and not _signed_in(client)
    # … and not the same account from another IP
    assert _login(client, "storefront", other.email, PASSWORD, ip="192.0.2.44").status_code == 302


def test_the_message_is_translated(client, accounts, clock):
    french = make_storefront(code="livres", name="Livres", default_language="fr")
    for _ in range(6):
        answer = client.post(
            f"/s/{french.code}/account/login/",
            {"username": "customer@example.test", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert "Trop de tentatives" in answer.content.decode()


def test_password_reset_is_throttled_per_address(client, storefront, clock):
    make_user(email="customer@example.test", password=PASSWORD)
    answers = [
        client.post("/s/plume/account/password-reset/", {"email": "customer@example.test"}) for _ in range(5)
    ]

    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429]
    assert LOCKED in answers[3].content.decode()
    assert 3500 < int(answers[3]["Retry-After"]) <= 3600
    assert len(mail.outbox) == 3  # no e-mail for the refused requests
    clock.offset += 3601
    assert (
        client.post("/s/plume/account/password-reset/", {"email": "customer@example.test"}).status_code == 302
    )


def test_sign_up_is_throttled_per_ip_and_creates_nothing_once_locked(client, storefront, clock):
    for n in range(10):
        client.post(
            "/s/plume/account/signup/",
            {"full_name": "Bot", "email": f"bot{n}@example.test", "password": "12345678"},  # refused: weak
        )
    users = User.objects.count()

    answer = client.post(
        "/s/plume/account/signup/",
        {"full_name": "Real", "email": "real@example.test", "password": "a-good-long-password"},
    )

    assert answer.status_code == 429 and LOCKED in answer.content.decode()
    assert 3500 < int(answer["Retry-After"]) <= 3600
    assert User.objects.count() == users


def test_the_seller_application_is_throttled_and_creates_nothing_once_locked(client, clock):
    make_storefront(code="atelier", name="Atelier Onze", default_language="en")
    for n in range(5):
        client.post("/s/atelier/become-a-seller/", form_data(account_email=f"a{n}@example.test", iban="bad"))
    users = User.objects.count()

    answer = client.post("/s/atelier/become-a-seller/", form_data())

    assert answer.status_code == 429 and LOCKED in answer.content.decode()
    assert 3500 < int(answer["Retry-After"]) <= 3600
    assert not Seller.objects.filter(display_name="Atelier Martin").exists()
    assert User.objects.count() == users
