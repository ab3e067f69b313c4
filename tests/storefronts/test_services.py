import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from galerie.core.errors import InvalidInput, InvalidTransition
from galerie.core.models import OutboxEvent, StatusChange
from galerie.storefronts.closure import storefront_closure_announce, storefront_closure_finish
from galerie.storefronts.models import Storefront
from galerie.storefronts.selectors import storefront_id_for_host, storefronts_public
from galerie.storefronts.services import (
    storefront_create,
    storefront_host_add,
    storefront_mark_transferred,
    storefront_open,
    storefront_theme_update,
)
from tests.factories import make_category, make_storefront, make_user

pytestmark = pytest.mark.django_db


def test_lifecycle_draft_open_closing_closed_with_history_and_events():
    operator = make_user(is_staff=True)
    storefront = storefront_create(code="alpha", name="Alpha", hosts=["alpha.example.test"])
    assert storefront.status == Storefront.Status.DRAFT
    assert storefront not in storefronts_public()

    storefront_open(storefront_id=storefront.pk, by=operator)
    storefront_closure_announce(
        storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="Portfolio review", by=operator
    )
    storefront_closure_finish(storefront_id=storefront.pk, by=operator)

    storefront.refresh_from_db()
    assert storefront.status == Storefront.Status.CLOSED
    history = list(
        StatusChange.objects.filter(model="storefronts.Storefront", object_pk=str(storefront.pk)).values_list(
            "from_status", "to_status", "actor_id"
        )
    )
    assert history == [
        ("draft", "open", operator.pk),
        ("open", "closing", operator.pk),
        ("closing", "closed", operator.pk),
    ]
    topics = list(OutboxEvent.objects.values_list("topic", flat=True))
    assert topics.count("storefront.status_changed") == 3
    assert topics.count("storefront.closure_announced") == topics.count("storefront.closed") == 1
    assert OutboxEvent.objects.filter(
        topic="storefront.status_changed", payload__to_status="closing", payload__reason="Portfolio review"
    ).exists()


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], storefront_closure_finish),  # draft → closed
        ([], storefront_mark_transferred),  # draft → transferred
        (["open"], storefront_closure_finish),  # open → closed without closing first
        (["open", "closing", "closed"], storefront_open),  # closed is final
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(path, illegal):
    storefront = make_storefront(open_=False)
    steps = {
        "open": lambda: storefront_open(storefront_id=storefront.pk),
        "closing": lambda: storefront_closure_announce(
            storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="end"
        ),
        "closed": lambda: storefront_closure_finish(storefront_id=storefront.pk),
    }
    for step in path:
        steps[step]()
    before = Storefront.objects.get(pk=storefront.pk).status
    changes = StatusChange.objects.count()
    with pytest.raises(InvalidTransition, match=f"cannot go from “{Storefront.Status(before).label}”"):
        illegal(storefront_id=storefront.pk)
    assert Storefront.objects.get(pk=storefront.pk).status == before
    assert StatusChange.objects.count() == changes


def test_a_retried_transition_is_a_no_op():
    storefront = make_storefront(open_=False)
    storefront_open(storefront_id=storefront.pk)
    storefront_open(storefront_id=storefront.pk)
    assert StatusChange.objects.filter(object_pk=str(storefront.pk)).count() == 1


def test_closing_needs_a_reason():
    storefront = make_storefront()
    with pytest.raises(InvalidInput, match="Say why"):
        storefront_closure_announce(storefront_id=storefront.pk, closing_on=timezone.localdate(), reason="  ")
    assert Storefront.objects.get(pk=storefront.pk).status == "open"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "Not A Slug!"}, "code"),
        ({"theme": {"colour_primary": "red"}}, "colour_primary"),
        ({"theme": {"sparkles": "yes"}}, "theme"),
        ({"default_language": "xx"}, "default_language"),
    ],
)
def test_bad_input_is_rejected_with_the_field_named(fields, field):
    with pytest.raises(InvalidInput) as caught:
        storefront_create(**{"code": "ok", "name": "OK", **fields})
    assert field in caught.value.errors
    assert not Storefront.objects.exists()


def test_theme_update_validates_colours():
    storefront = make_storefront()
    storefront_theme_update(storefront_id=storefront.pk, theme={"colour_accent": "#123abc", "font": "serif"})
    storefront.refresh_from_db()
    assert (storefront.colour_accent, storefront.font) == ("#123abc", "serif")
    with pytest.raises(InvalidInput, match="#rrggbb"):
        storefront_theme_update(storefront_id=storefront.pk, theme={"colour_accent": "#12"})
    storefront.refresh_from_db()
    assert storefront.colour_accent == "#123abc"


def test_host_routing_only_for_visible_storefronts(django_capture_on_commit_callbacks):
    draft = storefront_create(code="beta", name="Beta", hosts=["Beta.Example.test."])
    assert draft.hosts.get().host == "beta.example.test"
    assert storefront_id_for_host("beta.example.test") is None  # a draft is not served (and cached so)
    with django_capture_on_commit_callbacks(execute=True):
        storefront_open(storefront_id=draft.pk)
    assert storefront_id_for_host("BETA.example.test") == draft.pk
    with pytest.raises(InvalidInput, match="host name"):
        storefront_host_add(storefront=draft, host="https://beta.example.test/")


def test_a_host_belongs_to_one_storefront():
    make_storefront(hosts=["shared.example.test"])
    other = make_storefront()
    with pytest.raises(InvalidInput, match="already exists"):
        storefront_host_add(storefront=other, host="shared.example.test")


def test_one_primary_host_per_storefront_in_the_database():
    storefront = make_storefront(hosts=["one.example.test"])
    with pytest.raises(IntegrityError), transaction.atomic():
        storefront.hosts.create(host="two.example.test", is_primary=True)


def test_catalog_scope():
    books = make_category("Books")
    storefront = make_storefront(scope=[books])
    assert list(storefront.catalog_scope.all()) == [books]
