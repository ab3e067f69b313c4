"""A customer's details page: their name, and their consent that their account and orders move
with the storefront if it is sold or merged (off by default; docs/merge-confirmations.md)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from galerie.accounts.models import User
from galerie.core.models import OutboxEvent
from tests.factories import make_storefront, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_storefront(code="alapage", name="Alapage", default_language="en")


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def _consent_input(html: str) -> str:
    return re.search(r"<input[^>]*name=\"transfer_consent\"[^>]*>", html).group(0)


def test_a_customer_gives_then_withdraws_their_consent(client, shop):
    customer = make_user(email="chloe@example.test", full_name="Chloé")
    assert customer.transfer_consent is False
    client.force_login(customer)
    home = client.get("/s/alapage/account/")
    assert 'href="/s/alapage/account/settings/"' in home.content.decode()

    page = client.get("/s/alapage/account/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label class="check" for="id_transfer_consent">' in html
    assert 'aria-describedby="id_transfer_consent_helptext"' in html
    assert (
        "If this shop is sold or merged into another marketplace, my account and order history may move"
        in (_text(page))
    )
    assert "checked" not in _consent_input(html)

    saved = client.post("/s/alapage/account/settings/", {"full_name": "Chloé D.", "transfer_consent": "on"})
    assert saved.status_code == 302 and saved["Location"] == "/s/alapage/account/settings/"
    customer.refresh_from_db()
    assert (customer.full_name, customer.transfer_consent) == ("Chloé D.", True)
    event = OutboxEvent.objects.get(topic="customer.transfer_consent_changed")
    assert event.payload == {"user_id": customer.pk, "transfer_consent": True}
    after = client.get(saved["Location"])
    assert "Your details are saved." in _text(after) and "checked" in _consent_input(after.content.decode())

    client.post("/s/alapage/account/settings/", {"full_name": "Chloé D."})  # unticked
    customer.refresh_from_db()
    assert customer.transfer_consent is False
    assert OutboxEvent.objects.filter(topic="customer.transfer_consent_changed").count() == 2
    # Saving the same again records nothing new.
    client.post("/s/alapage/account/settings/", {"full_name": "Chloé D."})
    assert OutboxEvent.objects.filter(topic="customer.transfer_consent_changed").count() == 2


def test_the_page_is_for_the_signed_in_customer_and_in_the_storefront_language(client, shop):
    response = client.get("/s/alapage/account/settings/")
    assert response.status_code == 302 and response["Location"].startswith("/s/alapage/account/login/")
    assert client.post("/s/alapage/account/settings/", {"transfer_consent": "on"}).status_code == 302
    assert not User.objects.filter(transfer_consent=True).exists()

    make_storefront(code="fnac", name="Fnac", default_language="fr")
    client.force_login(make_user())
    text = _text(client.get("/s/fnac/account/settings/"))
    assert "Vos informations" in text and "Mon compte peut suivre ce site" in text
    assert "sinon, ils sont transmis sous pseudonyme" in text
    for english in ("Your details", "My account may move", "Save", "Your name"):
        assert english not in text, english
