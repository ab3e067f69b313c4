"""The applicant is told the application is received; every member who wants
new orders (the shipping clerk too) gets the new-order e-mail, and each member can turn it off.

Through the real worker (`galerie worker --once`) and a real SMTP server.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from galerie.core.errors import PermissionDenied
from galerie.core.models import OutboxEvent
from galerie.sellers.models import SellerMember
from galerie.sellers.services import seller_apply, seller_member_add
from galerie.sellers.services.staff import seller_member_notifications_set
from galerie.web.views.seller.access import SESSION_KEY
from tests.factories import (
    VALID_IDENTITY,
    make_offer,
    make_product,
    make_seller,
    make_storefront,
    make_user,
    make_variant,
)
from tests.notifications.orders import emit_event, make_order

pytestmark = pytest.mark.django_db
Role = SellerMember.Role


def run_worker() -> None:
    call_command("worker", "--once", stdout=StringIO())


def kinds(mail) -> str:
    return str(mail["Message-ID"])


def test_an_applicant_gets_an_application_received_email_in_the_storefronts_language(smtp_inbox):
    parc = make_storefront(name="Librairie du Parc", default_language="fr")
    other = make_storefront(name="Plume", default_language="en")
    owner = make_user(email="camille@atelier.test")
    seller_apply(
        kind="trader",
        identity={**VALID_IDENTITY, "display_name": "Atelier Camille", "email": "contact@atelier.test"},
        storefronts=[parc, other],
        certifies_compliance=True,
        owner=owner,
    )

    run_worker()

    for address in ("contact@atelier.test", "camille@atelier.test"):
        [mail] = [m for m in smtp_inbox.to(address) if ".seller_application_received." in kinds(m)]
        assert str(mail["Subject"]).strip() == "Nous avons bien reçu la candidature de Atelier Camille"
        assert mail["Content-Language"] == "fr"
        text = mail.get_body(preferencelist=("plain",)).get_content()
        html = mail.get_body(preferencelist=("html",)).get_content()
        for body in (text, html):
            assert "Librairie du Parc" in body and "Plume" in body
            assert "/sell/application/" in body

    run_worker()  # delivered once: a second pass sends nothing more
    assert len([m for m in smtp_inbox.messages if ".seller_application_received." in kinds(m)]) == 2


@pytest.fixture
def shop():
    return make_storefront(name="Librairie du Parc", default_language="fr")


@pytest.fixture
def staffed(shop):
    seller = make_seller(storefronts=[shop], display_name="Bouquinerie", email="shop@bouquinerie.test")
    owner = seller_member_add(seller=seller, user=make_user(email="owner@bouquinerie.test"), role=Role.OWNER)
    clerk = seller_member_add(
        seller=seller, user=make_user(email="clerk@bouquinerie.test"), role=Role.SHIPPING_CLERK
    )
    other_clerk = seller_member_add(
        seller=seller, user=make_user(email="clerk2@bouquinerie.test"), role=Role.SHIPPING_CLERK
    )
    return seller, owner, clerk, other_clerk


def _new_order(shop, seller) -> None:
    offer = make_offer(
        seller=seller, variant=make_variant(product=make_product(title="Candide")), price_minor=900
    )
    order = make_order(storefront=shop, lines=[(offer, 1)])
    part = order.seller_orders.get()
    OutboxEvent.objects.all().delete()  # only this order's e-mails
    emit_event("seller_order.placed", seller_order_id=part.pk, order_id=order.pk, seller_id=seller.pk)


def _new_order_recipients(inbox) -> list[str]:
    return sorted(str(m["To"]) for m in inbox.messages if ".seller_order_placed." in kinds(m))


def test_the_shipping_clerk_gets_the_new_order_email_by_default(smtp_inbox, shop, staffed):
    seller, owner, clerk, _other_clerk = staffed
    assert clerk.notify_new_orders and owner.notify_new_orders  # on by default, every role

    _new_order(shop, seller)
    run_worker()

    assert _new_order_recipients(smtp_inbox) == [
        "clerk2@bouquinerie.test",
        "clerk@bouquinerie.test",
        "owner@bouquinerie.test",
        "shop@bouquinerie.test",
    ]


def test_a_member_who_turned_it_off_gets_no_new_order_email(smtp_inbox, shop, staffed):
    seller, _owner, clerk, _other_clerk = staffed
    seller_member_notifications_set(
        member_id=clerk.pk, seller_id=seller.pk, notify_new_orders=False, by=clerk.user
    )

    _new_order(shop, seller)
    run_worker()

    assert "clerk@bouquinerie.test" not in _new_order_recipients(smtp_inbox)
    assert "clerk2@bouquinerie.test" in _new_order_recipients(smtp_inbox)


def test_only_the_member_or_a_staff_manager_may_change_the_setting(staffed):
    seller, owner, clerk, other_clerk = staffed
    with pytest.raises(PermissionDenied):
        seller_member_notifications_set(
            member_id=other_clerk.pk, seller_id=seller.pk, notify_new_orders=False, by=clerk.user
        )
    other_clerk.refresh_from_db()
    assert other_clerk.notify_new_orders  # nothing changed

    seller_member_notifications_set(
        member_id=other_clerk.pk, seller_id=seller.pk, notify_new_orders=False, by=owner.user
    )
    other_clerk.refresh_from_db()
    assert not other_clerk.notify_new_orders


def _sign_in(client, member) -> None:
    client.force_login(member.user)
    session = client.session
    session[SESSION_KEY] = member.seller_id
    session.save()


def test_the_owner_turns_a_clerks_emails_off_on_the_staff_page(client, staffed):
    _seller, owner, clerk, _other_clerk = staffed
    _sign_in(client, owner)
    page = client.get("/sell/staff/").content.decode()
    assert f'id="notify-{clerk.pk}"' in page
    assert "E-mail clerk@bouquinerie.test each new order" in page  # the checkbox's accessible name

    response = client.post(reverse("seller_area:staff_member", args=[clerk.pk]), {"action": "notify"})

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.notify_new_orders
    client.post(
        reverse("seller_area:staff_member", args=[clerk.pk]), {"action": "notify", "notify_new_orders": "on"}
    )
    clerk.refresh_from_db()
    assert clerk.notify_new_orders


def test_a_clerk_turns_their_own_emails_off_from_the_dashboard_but_not_anyone_elses(client, staffed):
    _seller, _owner, clerk, other_clerk = staffed
    _sign_in(client, clerk)
    assert 'id="my-notify"' in client.get("/sell/").content.decode()

    response = client.post(reverse("seller_area:my_notifications"), {})

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert not clerk.notify_new_orders
    # The staff page is the owners': a clerk posting there changes nothing.
    denied = client.post(reverse("seller_area:staff_member", args=[other_clerk.pk]), {"action": "notify"})
    assert denied.status_code == 403
    other_clerk.refresh_from_db()
    assert other_clerk.notify_new_orders
