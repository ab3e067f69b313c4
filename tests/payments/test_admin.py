"""The back office: payments are read-only there; its actions go through the services."""

import pytest
from django.urls import reverse

from galerie.payments.models import Payment
from tests.factories import make_user
from tests.payments.conftest import DECLINED, authorize, deliver_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_lists_and_pages_load_and_nothing_can_be_added_by_hand(operator_client):
    payment = authorize()
    deliver_all()
    for name in ("payment", "paymentevent"):
        assert operator_client.get(reverse(f"admin:payments_{name}_changelist")).status_code == 200
        assert operator_client.get(reverse(f"admin:payments_{name}_add")).status_code == 403
    page = operator_client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert page.status_code == 200 and payment.provider_reference in page.content.decode()


def test_capture_from_the_back_office_and_a_refused_one_is_reported(operator_client):
    good, bad = authorize(), authorize(DECLINED)
    response = operator_client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "payment_capture", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Capture: 1 done." in page
    assert "Only an authorized payment can be captured; this one is declined." in page
    assert Payment.objects.get(pk=good.pk).status == "capture_pending"
    assert Payment.objects.get(pk=bad.pk).status == "declined"
