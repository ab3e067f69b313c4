"""The incident pages: the customer opens one from the order page with a photo, the seller
answers on its order page, the customer escalates, the operator decides in the back office; a
customer or seller that is not a party gets a 404 for the incident and its photo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from galerie.incidents.models import Incident
from tests.factories import make_staff_member, make_user
from tests.incidents.conftest import png

pytestmark = pytest.mark.django_db(transaction=True)


def order_url(sale) -> str:
    return reverse("sf:order", kwargs={"storefront": sale.storefront.code, "number": sale.order.number})


def test_the_whole_round_through_the_pages(client, sale, operator):
    client.force_login(sale.customer)
    page = client.get(order_url(sale)).content.decode()
    assert "Un problème avec un colis\u00a0?" in page and 'value="damaged"' in page
    assert 'value="not_received"' not in page  # not late yet
    url = reverse(
        "sf:incident_open", kwargs={"storefront": sale.storefront.code, "number": sale.order.number}
    )
    response = client.post(
        url, {"seller_order": sale.part_a.pk, "kind": "damaged", "description": "Torn", "photos": [png()]}
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    photo = incident.photos.get()
    photo_url = reverse("incident_photo", kwargs={"photo": photo.uuid})
    assert client.get(photo_url)["Content-Type"] == "image/png"

    # Outsiders: another customer, seller B's owner, nobody.
    stranger, owner_b = make_user(), sale.owner_b
    for user in (stranger, owner_b, None):
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(photo_url).status_code == 404
    client.force_login(stranger)
    action = reverse(
        "sf:incident_action", kwargs={"storefront": sale.storefront.code, "incident": incident.uuid}
    )
    assert client.post(action, {"action": "escalate"}).status_code == 404
    client.force_login(owner_b)
    answer_url = reverse("seller_area:incident_answer", kwargs={"incident": incident.uuid})
    assert client.post(answer_url, {"proposal": "rejected", "answer": "no"}).status_code == 404
    assert Incident.objects.get().status == "open"

    client.force_login(sale.owner_a)
    page = client.get(reverse("seller_area:order", kwargs={"number": sale.part_a.number})).content.decode()
    assert "Torn" in page and photo_url in page
    assert "1 incident to answer" in client.get(reverse("seller_area:dashboard")).content.decode()
    assert client.get(photo_url).status_code == 200
    client.post(answer_url, {"proposal": "rejected", "answer": "It left here intact"})
    assert Incident.objects.get().status == "answered"

    client.force_login(sale.customer)
    assert "It left here intact" in client.get(order_url(sale)).content.decode()
    client.post(action, {"action": "escalate", "note": "See the photo"})
    assert Incident.objects.get().status == "escalated"

    client.force_login(operator)
    queue = client.get(reverse("back_office:incidents")).content.decode()
    detail = reverse("back_office:incident", kwargs={"incident": incident.uuid})
    assert detail in queue
    page = client.get(detail).content.decode()
    assert "See the photo" in page and photo_url in page
    assert client.get(photo_url).status_code == 200
    response = client.post(detail, {"decision": "refund_operator", "amount": "10.00", "reason": "Damaged"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.status, incident.refund_minor, incident.decision) == ("closed", 1000, "refund_operator")


def test_a_clerk_of_another_shop_sees_no_incident_of_this_one(client, sale):
    Incident.objects.create(
        seller_order=sale.part_a, seller=sale.part_a.seller, storefront=sale.storefront,
        customer=sale.customer, kind="damaged", description="SECRET-INCIDENT", opened_at=sale.order.placed_at,
        answer_due_at=sale.order.placed_at,
    )  # fmt: skip
    clerk_b = make_staff_member(sale.part_b.seller, role="shipping_clerk")
    client.force_login(clerk_b)
    assert "SECRET-INCIDENT" not in client.get(reverse("seller_area:incidents")).content.decode()
    assert "0 incidents to answer" in client.get(reverse("seller_area:dashboard")).content.decode()
