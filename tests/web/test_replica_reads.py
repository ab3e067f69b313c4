"""Which requests may read the replica, the pin after a write, the fallback, and the page cache.

Without a replica (tests/web/test_read_replica.py has a real one): ``replicas.configured`` and
the health check answer as they would with one.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from galerie.core import replicas, surrogates
from galerie.web import page_cache, replica_reads
from galerie.web.replica_reads import PIN_COOKIE, ReplicaPinMiddleware, pinned
from tests.factories import make_user

rf = RequestFactory()


@pytest.fixture
def with_replica(monkeypatch, settings):
    monkeypatch.setattr(replicas, "configured", lambda: True)
    monkeypatch.setattr(replicas, "replica_usable", lambda **_: True)
    settings.GALERIE_REPLICA_PIN_SECONDS = 10


def scope_seen(request):
    """A view that records the replica scope it ran under."""
    scope = replicas.current_scope()
    request.seen.append(scope)
    if scope is not None:
        scope.used = True
    return HttpResponse("ok")


def call(view, request):
    request.seen = []
    request.user = getattr(request, "user", AnonymousUser())
    view(request)
    return request.seen


def test_a_public_get_runs_in_a_replica_scope_other_methods_do_not(with_replica):
    view = replica_reads.replica_reads(scope_seen)
    assert call(view, rf.get("/"))[0] is not None
    assert call(view, rf.post("/")) == [None]


def test_without_a_replica_nothing_changes():
    view = replica_reads.replica_reads(scope_seen)
    assert call(view, rf.get("/")) == [None]


def test_a_browser_that_wrote_is_pinned_to_the_primary(with_replica):
    request = rf.post("/sell/shop/")
    request.user = AnonymousUser()
    response = ReplicaPinMiddleware(lambda r: HttpResponse())(request)
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert ReplicaPinMiddleware(lambda r: HttpResponse())(rf.get("/")).cookies == {}
    pinned_get = rf.get("/")
    pinned_get.COOKIES[PIN_COOKIE] = "1"
    assert call(replica_reads.replica_reads(scope_seen), pinned_get) == [None]


@pytest.mark.django_db
def test_a_signed_in_writer_is_pinned_on_every_device(with_replica, settings):
    user = make_user()
    post = rf.post("/sell/shop/")
    post.user = user
    ReplicaPinMiddleware(lambda r: HttpResponse())(post)
    elsewhere = rf.get("/")
    elsewhere.COOKIES[settings.SESSION_COOKIE_NAME] = "a-session"
    elsewhere.user = user
    assert pinned(elsewhere)
    someone_else = rf.get("/")
    someone_else.COOKIES[settings.SESSION_COOKIE_NAME] = "another-session"
    someone_else.user = make_user()
    assert not pinned(someone_else)


def test_a_page_whose_replica_fails_is_rendered_again_on_the_primary(with_replica, monkeypatch):
    runs = []
    down = []

    def view(request):
        scope = replicas.current_scope()
        runs.append(scope)
        if scope is not None:
            scope.used = True
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    monkeypatch.setattr(replicas, "replica_usable", lambda **_: False)  # the fresh check fails too
    monkeypatch.setattr(replicas, "replica_down", lambda: down.append(1))
    request = rf.get("/")
    request.user = AnonymousUser()
    response = replica_reads.replica_reads(view)(request)
    assert response.content == b"from the primary" and runs[0] is not None and runs[1] is None
    assert down == [1]


def test_an_error_of_the_primary_is_not_retried(with_replica):
    def view(request):
        replicas.current_scope().used = True
        raise OperationalError("the primary's error")

    request = rf.get("/")
    request.user = AnonymousUser()
    with pytest.raises(OperationalError, match="the primary's error"):
        replica_reads.replica_reads(view)(request)  # the replica answers its check: not its error


def test_a_page_read_from_the_replica_is_not_stored_while_a_change_may_be_missing_from_it(settings):
    settings.GALERIE_REPLICA_MAX_LAG_SECONDS = 5  # staleness bound: 5 + 2 s
    surrogates.bump(["seller:1"])
    started = time.time() + 3  # the render began 3 s after the change

    def response():
        page = HttpResponse("page")
        setattr(page, page_cache._KEYS, {"seller:1"})
        return page

    assert page_cache._storable(response(), started) is not None  # read from the primary
    with replicas.reads_allowed() as scope:
        assert page_cache._storable(response(), started) is not None  # no read went to the replica
        scope.used = True
        assert page_cache._storable(response(), started) is None  # the replica may lack the change
        assert page_cache._storable(response(), started + 5) is not None  # 8 s later: it cannot
