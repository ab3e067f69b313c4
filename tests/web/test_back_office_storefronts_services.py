"""The services the back office's storefront pages call that were added with them: the commission
plan, a storefront's name/language/currency, its host names."""

from __future__ import annotations

import pytest

from galerie.core.errors import InvalidInput
from galerie.core.models import OutboxEvent
from galerie.ledger.commissions import commission_plan_set
from galerie.ledger.models import CommissionPlan
from galerie.storefronts.models import Storefront, StorefrontHost
from galerie.storefronts.selectors import storefront_id_for_host
from galerie.storefronts.services import storefront_hosts_set, storefront_update
from tests.factories import make_storefront

pytestmark = pytest.mark.django_db


def test_the_commission_plan_is_created_then_changed_and_a_bad_one_changes_nothing():
    storefront = make_storefront()
    plan = commission_plan_set(storefront_id=storefront.pk, rate_bp=1200, fixed_fee_minor=30)
    assert (plan.rate_bp, plan.fixed_fee_minor, plan.on_shipping) == (1200, 30, False)
    commission_plan_set(storefront_id=storefront.pk, rate_bp=800, on_shipping=True)
    assert list(
        CommissionPlan.objects.values_list("storefront_id", "rate_bp", "fixed_fee_minor", "on_shipping")
    ) == [(storefront.pk, 800, 0, True)]
    assert OutboxEvent.objects.filter(topic="commission_plan.set").count() == 2
    for bad, field in (
        ({"rate_bp": 10001}, "rate_bp"),
        ({"rate_bp": 5, "fixed_fee_minor": -1}, "fixed_fee_minor"),
    ):
        with pytest.raises(InvalidInput) as error:
            commission_plan_set(storefront_id=storefront.pk, **{"rate_bp": 5, **bad})
        assert list(error.value.errors) == [field]
    assert CommissionPlan.objects.get().rate_bp == 800
    assert OutboxEvent.objects.filter(topic="commission_plan.set").count() == 2


def test_the_currency_changes_only_while_a_draft():
    draft, live = make_storefront(open_=False), make_storefront()
    storefront_update(storefront_id=draft.pk, name="Clust", tagline="", default_language="en", currency="CHF")
    draft.refresh_from_db()
    assert (draft.name, draft.default_language, draft.currency) == ("Clust", "en", "CHF")
    with pytest.raises(InvalidInput) as error:
        storefront_update(
            storefront_id=live.pk, name="Renamed", tagline="", default_language="fr", currency="GBP"
        )
    assert list(error.value.errors) == ["currency"]
    live.refresh_from_db()
    assert (live.name, live.currency) != ("Renamed", "GBP") and live.currency == "EUR"


def test_hosts_are_set_exactly_the_first_primary_and_routed_at_once(django_capture_on_commit_callbacks):
    storefront = make_storefront(hosts=["a.test", "b.test"])
    other = make_storefront(hosts=["taken.test"])
    assert storefront_id_for_host("a.test") == storefront.pk and storefront_id_for_host("c.test") is None
    with django_capture_on_commit_callbacks(execute=True):
        storefront_hosts_set(storefront_id=storefront.pk, hosts=["C.test.", "b.test", "c.test", " "])
    assert list(StorefrontHost.objects.filter(storefront=storefront).values_list("host", "is_primary")) == [
        ("c.test", True), ("b.test", False),
    ]  # fmt: skip
    assert storefront_id_for_host("a.test") is None and storefront_id_for_host("c.test") == storefront.pk
    before = sorted(StorefrontHost.objects.values_list("storefront_id", "host", "is_primary"))
    for bad in (["d.test", "taken.test"], ["not a host"]):
        with pytest.raises(InvalidInput) as error:
            storefront_hosts_set(storefront_id=storefront.pk, hosts=bad)
        assert list(error.value.errors) == ["hosts"]
    assert sorted(StorefrontHost.objects.values_list("storefront_id", "host", "is_primary")) == before
    assert Storefront.objects.get(pk=other.pk).hosts.get().host == "taken.test"
