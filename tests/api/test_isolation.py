"""Isolation between callers of the API: walk every operation of the live OpenAPI schema.

Seller A and customer A own one object of every kind a path can name (``tests/api/world.py``,
``KINDS``: one line per parameter name). Every operation is requested with A's objects by seller
B's owner key, B's shipping clerk key, customer B, a staff key without permissions and an
anonymous caller. Each must get 401 (a credential of another family, or none), 403/404 where the
path names A's private objects, never a 5xx; no response may contain A's markers (a secret SKU,
customer A's e-mail, A's order numbers...); A's rows are unchanged after each operation. A's own
caller (seller A's owner key, customer A, the staff key with all permissions) gets 2xx on the same
GET URLs first, so a 404 is never a mistyped URL (and a cached answer would show).

Ids inside request bodies (``*_id``, ``*_ids``, ``id``) are sent with A's values by B, with B's
own objects in the path: refused, or a per-row error, and A's rows unchanged.

Every response carries the site's security headers. New operations are covered when their
routers are merged; one that names an unknown path parameter or body id fails here until a line
is added to ``KINDS``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from galerie.api.urls import api
from tests.api.world import FAMILY_OF_SCHEME, KINDS, Actor, World, checksum, world_build

pytestmark = pytest.mark.django_db(transaction=True)

OTHERS = ["seller B owner", "seller B clerk", "customer B", "staff none", "anonymous"]
FULL_RIGHTS = {"seller B owner", "customer B"}  # nothing but ownership can refuse them
OWNER = {"seller": "seller A owner", "customer": "customer A", "operator": "staff all", "public": "anonymous"}
# Who sends A's ids inside a body: the other caller of the route's family with every permission.
BODY_SENDER = {"seller": "seller B owner", "customer": "customer B", "operator": "staff none"}
BODY_SENDER["public"] = "anonymous"
SECURITY_HEADERS = [
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
]
# Query parameters sent even when optional, for a route that needs one of them (a search: words).
QUERY = {"q": lambda world: world.a["product"].title.split()[0]}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    method: str
    path: str  # the schema's path, with {name} templates
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def family(self) -> str:
        names = {name for requirement in self.spec.get("security", []) for name in requirement}
        families = {FAMILY_OF_SCHEME.get(name, name) for name in names}
        assert len(families) <= 1, f"{self}: credentials of several families {sorted(names)}"
        return families.pop() if families else "public"

    @property
    def optional_auth(self) -> bool:
        """An empty requirement (``{}``) among the security: a caller without a credential is served."""
        return {} in self.spec.get("security", [])

    @property
    def path_parameters(self) -> dict[str, dict[str, Any]]:
        declared = {p["name"]: p.get("schema", {}) for p in self.parameters("path")}
        return {name: declared.get(name, {}) for name in re.findall(r"{(\w+)}", self.path)}

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == where]

    def names_private(self) -> bool:
        """Whether the path names an object that only A's side (or a permitted staff user) may reach."""
        names = list(self.path_parameters)
        if self.family == "operator":
            return bool(names)
        return any(self.family not in KINDS[name].public for name in names)

    def url(self, world: World, *, of: str = "a") -> str:
        path = self.path
        for name, schema in self.path_parameters.items():
            path = path.replace("{" + name + "}", str(world.value(name, schema, of=of, family=self.family)))
        query = {
            p["name"]: QUERY[p["name"]](world) if p["name"] in QUERY else sample(p.get("schema", {}))
            for p in self.parameters("query")
            if p.get("required") or p["name"] in QUERY
        }
        return path + (f"?{urlencode(query, doseq=True)}" if query else "")

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        return content.get("application/json", {}).get("schema") if content else None


def operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    found = [
        Operation(method, path, spec)
        for path, item in schema["paths"].items()
        for method, spec in item.items()
        if method in METHODS
    ]
    assert len(found) >= 4, "the API's schema lists fewer operations than the foundation has"
    return found


# --- a minimal valid instance of a JSON schema, with A's ids where the fields name objects ----


COMPONENTS: dict[str, Any] = {}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        if not COMPONENTS:
            COMPONENTS.update(api.get_openapi_schema().get("components", {}).get("schemas", {}))
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def id_kind(name: str, parent: str | None, path_names: list[str]) -> str | None:
    """The KINDS name an id field names (``offer_ids`` → ``offer_id``; ``id`` in ``offers`` →
    ``offer_id``; a top-level ``id`` → the path's last parameter), or None if not an id field."""
    if name == "id":
        if parent:
            return re.sub(r"(ies|s)$", lambda m: "y" if m.group(1) == "ies" else "", parent) + "_id"
        return path_names[-1] if path_names else "id"
    if name.endswith("_ids"):
        return name[:-1]
    if name.endswith("_id"):
        return name
    return None


def sample(
    schema: dict[str, Any],
    *,
    ids: Any = None,
    name: str = "",
    parent: str | None = None,
    path_names: list[str] | None = None,
    found: list[str] | None = None,
) -> Any:
    """A minimal valid value of ``schema``. With ``ids`` (a function kind, schema → value), every
    id field (even optional) carries the object of that kind, and ``found`` collects their kinds."""
    schema = _resolve(schema)
    path_names = path_names or []
    kind = id_kind(name, parent, path_names) if name else None
    if kind is not None and ids is not None and found is not None:
        found.append(kind)
        if kind in KINDS:
            item = _resolve(schema.get("items", {})) if "array" in _types(schema) else schema
            value = ids(kind, item)
            return [value] if "array" in _types(schema) else value
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(s) for s in schema[key]]
            chosen = next((s for s in options if s.get("type") != "null"), options[0])
            return sample(chosen, ids=ids, name=name, parent=parent, path_names=path_names, found=found)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part))
        return sample(merged, ids=ids, name=name, parent=parent, path_names=path_names, found=found)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and ids is None:
        return schema["default"]
    types = _types(schema) or {"object" if "properties" in schema else "string"}
    if "object" in types:
        out = {}
        required = set(schema.get("required", []))
        for prop, sub in schema.get("properties", {}).items():
            has_ids = ids is not None and _mentions_ids(sub, prop)
            if prop in required or has_ids:
                out[prop] = sample(
                    sub, ids=ids, name=prop, parent=name or None, path_names=path_names, found=found
                )
        return out
    if "array" in types:
        item = schema.get("items", {})
        count = max(schema.get("minItems", 0), 1 if ids is not None and _mentions_ids(item, name) else 0)
        return [sample(item, ids=ids, name=name, parent=parent, path_names=path_names, found=found)] * count
    if "integer" in types or "number" in types:
        value = max(1, int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)))
        return min(value, int(schema["maximum"])) if "maximum" in schema else value
    if "boolean" in types:
        return False
    if "null" in types:
        return None
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-01-01T12:00:00Z"
    if fmt == "date":
        return "2026-01-01"
    if fmt == "email":
        return "someone@example.test"
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    return "x" * max(schema.get("minLength", 1), 1)


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind if isinstance(kind, list) else [kind] if kind else [])


def _mentions_ids(schema: dict[str, Any], name: str, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if id_kind(name, "x", []) is not None:
        return True
    schema = _resolve(schema)
    subs = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
    if "items" in schema:
        subs.append(schema["items"])
    if any(_mentions_ids(s, name, depth + 1) for s in subs):
        return True
    return any(_mentions_ids(sub, prop, depth + 1) for prop, sub in schema.get("properties", {}).items())


# --- requests ----------------------------------------------------------------------------------


def send(client, actor: Actor, op: Operation, url: str, body: Any = None):
    data = json.dumps(body) if body is not None else ""
    headers = actor.headers()
    return client.generic(op.method.upper(), url, data, content_type="application/json", headers=headers)


def header_problems(response, where: str, site: dict[str, str]) -> list[str]:
    missing = {h: site[h] for h in SECURITY_HEADERS if response.get(h) != site[h]}
    if "frame-ancestors 'none'" not in response.get("Content-Security-Policy", ""):
        missing["Content-Security-Policy"] = "frame-ancestors 'none'"
    return [f"{where}: lacks the site's security headers {missing}"] if missing else []


def leak_problems(response, where: str, world: World) -> list[str]:
    body = response.content.decode(errors="replace")
    leaked = [m for m in world.markers if m in body]
    return [f"{where}: shows A's {leaked}"] if leaked else []


def report(problems: list[str]) -> str:
    return f"{len(problems)} problems:\n  " + "\n  ".join(problems)


@pytest.fixture
def world(settings, tmp_path) -> World:
    return world_build(settings, tmp_path)


@pytest.fixture
def site_headers(client) -> dict[str, str]:
    """The security headers a page of the site carries: every API answer must carry them too."""
    page = client.get("/")
    return {h: page[h] for h in SECURITY_HEADERS}


def unknown_parameters(ops: list[Operation]) -> list[str]:
    return [
        f"{op}: {', '.join(missing)}"
        for op in ops
        if (missing := [name for name in op.path_parameters if name not in KINDS])
    ]


def test_every_path_parameter_names_a_known_kind_of_object():
    unknown = unknown_parameters(operations())
    assert not unknown, (
        "These operations name path parameters the isolation walker does not know; use a name of "
        "docs/api.md's list, or add one line to KINDS in tests/api/world.py naming seller A's or "
        "customer A's object of that kind:\n  " + "\n  ".join(unknown)
    )


def test_every_operation_refuses_others_objects_and_shows_nothing_of_a(client, world, site_headers):
    ops = operations()
    assert not unknown_parameters(ops), "see test_every_path_parameter_names_a_known_kind_of_object"
    walked, problems = 0, []
    for op in ops:
        url = op.url(world)
        body = sample(op.body_schema()) if op.body_schema() else None
        if op.method == "get":
            owner = OWNER[op.family]
            mine = send(client, world.actors[owner], op, url, body)
            if not 200 <= mine.status_code < 300:
                problems.append(
                    f"{op} as {owner} with A's own objects ({url}) → {mine.status_code} "
                    f"{mine.content[:200]!r}: give the world an object this route accepts"
                )
            problems += header_problems(mine, f"{op} as {owner}", site_headers)
        before = checksum(world)
        for name in OTHERS:
            actor = world.actors[name]
            response = send(client, actor, op, url, body)
            where = f"{op} as {name} ({url}) → {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where}: a server error")
            if response.status_code == 405:
                problems.append(f"{where}: the schema declares this method; another route's path shadows it")
            problems += header_problems(response, where, site_headers) + leak_problems(response, where, world)
            if op.family != "public" and actor.family != op.family and not op.optional_auth:
                if response.status_code != 401:
                    problems.append(f"{where}: a credential of another family, or none, must be a 401")
            elif op.family != "public" and op.names_private():
                # Another's object is a 404, never a 403 (docs/api.md); a role without the
                # permission (B's clerk, the staff key without any) may be refused first.
                strict = name in FULL_RIGHTS and actor.family == op.family
                allowed = (404,) if strict else (401, 403, 404)
                if response.status_code not in allowed:
                    problems.append(f"{where}: the path names A's objects, it must be {allowed}")
            walked += 1
        if checksum(world) != before:
            problems.append(f"{op}: another caller changed seller A's or customer A's rows")
    print(f"isolation walker: {len(ops)} operations × {len(OTHERS)} callers = {walked} requests")
    assert not problems, report(problems)
    assert walked == len(ops) * len(OTHERS)


def test_a_method_a_path_does_not_have_gets_the_error_body(client, world, site_headers):
    paths: dict[str, set[str]] = {}
    for op in operations():
        paths.setdefault(op.path, set()).add(op.method.upper())
    problems = []
    for path, methods in paths.items():
        other = next(m for m in ("PUT", "DELETE", "PATCH", "POST", "GET") if m not in methods)
        url = Operation(other.lower(), path, {}).url(world)
        response = client.generic(other, url, "", content_type="application/json")
        where = f"{other} {path} → {response.status_code}"
        problems += header_problems(response, where, site_headers)
        if response.status_code != 405 or not response["Content-Type"].startswith("application/json"):
            problems.append(f"{where} {response['Content-Type']}: must be a 405 with the error body")
        elif response.json()["error"]["code"] != "method_not_allowed" or not response.has_header("Allow"):
            problems.append(f"{where}: {response.content[:200]!r} without the code or the Allow header")
    assert not problems, report(problems)


def test_ids_inside_bodies_never_reach_others_objects(client, world, site_headers):
    ops = operations()
    checked, unknown, problems = 0, [], []
    for op in ops:
        schema = op.body_schema()
        if schema is None:
            continue
        kinds: list[str] = []
        body = sample(
            schema,
            ids=lambda kind, s, family=op.family: world.value(kind, s, family=family),
            path_names=list(op.path_parameters),
            found=kinds,
        )
        if missing := sorted({k for k in kinds if k not in KINDS}):
            unknown.append(f"{op}: {', '.join(missing)}")
            continue
        if not kinds:
            continue
        sender = BODY_SENDER[op.family]
        url = op.url(world, of="b")  # B's own objects in the path: only the body names A's
        before = checksum(world)
        response = send(client, world.actors[sender], op, url, body)
        sent = json.dumps(body)[:200]
        where = f"{op} as {sender} with A's ids {sorted(set(kinds))} in {sent} → {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{where}: a server error")
        problems += header_problems(response, where, site_headers) + leak_problems(response, where, world)
        if checksum(world) != before:
            problems.append(f"{where}: seller A's or customer A's rows changed")
        checked += 1
    assert not unknown, (
        "These request bodies have id fields the walker does not know; add one line to KINDS in "
        "tests/api/world.py for each:\n  " + "\n  ".join(unknown)
    )
    print(f"body ids: {checked} operations sent A's ids")
    assert not problems, report(problems)


# --- the walker's own parts ----------------------------------------------------------------------


def test_the_sampler_puts_a_value_in_every_id_field_of_a_body():
    schema = {
        "type": "object",
        "required": ["price"],
        "properties": {
            "price": {"type": "integer", "minimum": 1},
            "note": {"type": "string"},
            "address_id": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "offers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "stock": {"type": "integer"}},
                },
            },
            "variant_ids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        },
    }
    kinds: list[str] = []
    body = sample(schema, ids=lambda kind, s: f"A's {kind}", found=kinds)
    # address_id is not in KINDS (no saved addresses yet): found, reported, not filled in.
    expected = {
        "price": 1,
        "address_id": 1,
        "offers": [{"id": "A's offer_id"}],
        "variant_ids": ["A's variant_id"],
    }
    assert body == expected
    assert sorted(set(kinds)) == ["address_id", "offer_id", "variant_id"]
    assert sample(schema) == {"price": 1}


def test_an_unknown_path_parameter_is_named():
    op = Operation("get", "/api/v1/seller/widgets/{widget_id}/parts/{offer_id}", {"parameters": []})
    assert unknown_parameters([op]) == ["GET /api/v1/seller/widgets/{widget_id}/parts/{offer_id}: widget_id"]


def test_the_idempotency_answers_carry_the_security_headers_too(client, world, site_headers):
    """Regression: the Idempotency-Key middleware answered replays, reused keys and bad keys itself,
    inside the clickjacking middleware: those answers lacked X-Frame-Options."""
    url = f"/api/v1/storefronts/{world.a['storefront'].code}/auth/token"
    body = {"email": "nobody@example.test", "password": "wrong"}

    def post(key: str, sent: dict[str, str]):
        return client.post(url, sent, content_type="application/json", headers={"Idempotency-Key": key})

    first, replayed = post("k-1", body), post("k-1", body)
    reused, too_long = post("k-1", {**body, "password": "other"}), post("k" * 300, body)
    assert (first.status_code, replayed["Idempotent-Replayed"]) == (403, "true")
    assert (reused.status_code, too_long.status_code) == (422, 422)
    problems = []
    for name, response in {
        "first": first,
        "replayed": replayed,
        "reused": reused,
        "too long": too_long,
    }.items():
        problems += header_problems(response, name, site_headers)
    assert not problems, report(problems)
