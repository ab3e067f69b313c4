"""The API against its own schema: schemathesis generates requests for every operation of the live
OpenAPI document and sends them to the WSGI application itself, as each kind of caller.

For each actor and each operation: up to ``MAX_EXAMPLES`` positive and half as many negative
cases (derandomized: a CI run is reproducible), half of them with path parameters that name real
objects of the world (seller A's and B's, from ``tests.api.world.KINDS``). Every response must
pass not_a_server_error, response_schema_conformance, status_code_conformance and
content_type_conformance. Cases change the world as they go (no transaction around a request: a
refund or a checkout calls the payment gateway and refuses to run inside one); each caller's
run starts from a new world. Operations added to the routers are covered without a change here.
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from galerie.wsgi import application
from tests.api.world import FAMILY_OF_SCHEME, KINDS, World, world_build

pytestmark = pytest.mark.django_db(transaction=True)

# Positive cases per operation for the caller the operation is for (seller A's owner on the seller
# routes, customer A on the storefront's, the all-permission staff key on the operator's, anonymous
# on the public ones), half as many negative ones; the other callers, refused at the door or
# lacking a permission, get a quarter of that.
MAX_EXAMPLES = 20
FAMILY_OWNER = {"SellerKey": "seller A owner", "CustomerToken": "customer A", "StaffKey": "staff all"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# The site's security headers: every answer carries them (their values: tests/api/test_isolation.py).
SECURITY_HEADERS = ["x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy"]
ACTORS = ["anonymous", "seller A owner", "seller A clerk", "staff all", "staff none", "customer A"]


@contextmanager
def _app_in_this_connection() -> Iterator[None]:
    """Let the WSGI handler run in the test's own database connection, as Django's test client
    does: the handler closes "old" connections at each request's start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(settings, tmp_path) -> World:
    return world_build(settings, tmp_path)


def _real_path_parameters(operation: Any, world: World) -> list[dict[str, Any]]:
    """Sets of path parameters that name objects of the world: A's, B's, and A's with B's."""
    params = {p.name: p.definition.get("schema", {}) for p in operation.path_parameters}
    schemes = {name for req in operation.definition.raw.get("security", []) for name in req}
    family = next((FAMILY_OF_SCHEME[s] for s in schemes if s in FAMILY_OF_SCHEME), "public")
    known = [name for name in params if name in KINDS]
    if not known:
        return []
    sets = []
    for owners in itertools.islice(itertools.product("ab", repeat=len(known)), 4):
        sets.append(
            {
                n: world.value(n, params[n], of=who, family=family)
                for n, who in zip(known, owners, strict=True)
            }
        )
    return sets


def _strategy(operation: Any, world: World, mode: GenerationMode) -> st.SearchStrategy:
    generated = operation.as_strategy(generation_mode=mode)
    real = [
        operation.as_strategy(generation_mode=mode, path_parameters=p)
        for p in _real_path_parameters(operation, world)
    ]
    if not real:
        return generated
    return st.one_of(generated, st.one_of(*real))  # about half the cases name real objects


@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_operation_conforms_to_the_schema_for_every_actor(world, actor_name):
    with _app_in_this_connection():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    # The anonymous caller sends generated credentials (garbage bearer keys, cookies); the others their own.
    schema.config.generation.update(with_security_parameters=actor_name == "anonymous")
    actor = world.actors[actor_name]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4, "the schema lists fewer operations than the foundation has"
    failures: list[str] = []
    cases = 0

    for operation in operations:
        security = {name for req in operation.definition.raw.get("security", []) for name in req}
        owners = {FAMILY_OWNER[name] for name in security if name in FAMILY_OWNER} or {"anonymous"}
        budget = MAX_EXAMPLES if actor_name in owners else MAX_EXAMPLES // 4
        modes = [(GenerationMode.POSITIVE, budget)]
        if list(operation.iter_parameters()) or operation.body:  # else nothing can be made invalid
            modes.append((GenerationMode.NEGATIVE, budget // 2))
        for mode, count in modes:

            @settings(
                max_examples=count,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: the report shows the request
                suppress_health_check=list(HealthCheck),
            )
            @given(case=_strategy(operation, world, mode))
            def run(case: Any) -> None:
                nonlocal cases
                cases += 1
                with _app_in_this_connection():
                    response = case.call(headers=actor.headers())
                case.validate_response(response, checks=CHECKS, headers=actor.headers())
                missing = [h for h in SECURITY_HEADERS if not response.headers.get(h)]
                assert not missing, f"{case.method} {case.formatted_path}: no {missing} in the answer"

            try:
                run()
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:  # a path of plain strings has no invalid value
                    failures.append(f"{operation.label} as {actor_name}: no case could be generated")
            except (Exception, BaseExceptionGroup) as exc:  # every operation runs, then all are told
                failures.append(f"{operation.label} as {actor_name} ({mode.value}):\n{exc}")
    print(f"schemathesis: {len(operations)} operations, {cases} cases as {actor_name}")
    assert not failures, "\n\n".join(failures)
    assert cases >= len(operations)  # every operation was called at least once


def _models(annotation: Any, seen: set[type]) -> None:
    """Collect the pydantic models an annotation reaches (through lists, unions, fields)."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for info in annotation.model_fields.values():
            _models(info.annotation, seen)
    for arg in typing.get_args(annotation):
        _models(arg, seen)


def test_no_two_schemas_share_a_name():
    """The OpenAPI document names each schema by its class name: two routers with a ``StorefrontOut``
    each would publish one of them for both, and the other's answers would break its schema."""
    from galerie.api.urls import api

    seen: set[type] = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    _models(model, seen)
    by_name: dict[str, list[str]] = {}
    for model in seen:
        if model.__module__.startswith("galerie."):
            by_name.setdefault(model.__name__, []).append(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert not clashes, f"schemas of the same name (rename one of each): {clashes}"
    assert len(by_name) >= 5
