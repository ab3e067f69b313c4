"""The apps form layers: an app imports only apps of lower layers (docs/architecture.md).

The import graph is read from the source by grimp (the library under import-linter): every
``import`` and ``from … import`` of ``galerie``, at module level or inside a function, under
``if TYPE_CHECKING:`` too. Imports by name (``importlib``, ``apps.get_model``, the string
labels of foreign keys) are not imports and do not count.

The picture in docs/architecture.md is generated from the same graph; after changing which app
imports which, regenerate it with ``GALERIE_WRITE_ARCHITECTURE=1 pytest tests/test_architecture.py``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import grimp
import pytest

# Lowest first. An app may import the apps of the layers below its own, never those of its own
# layer or above. ROOT (settings, urls, cli, wsgi/asgi, formats) is above every app.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("accounts", "payments"),
    ("catalog",),
    ("storefronts",),
    ("sellers",),
    ("offers",),
    ("pricing",),
    ("cart", "search"),
    ("orders",),
    ("ledger",),
    ("checkout",),
    ("notifications",),
    ("seeding",),
    ("reviews",),
    ("portability", "incidents", "returns", "dac7", "terms", "notices", "recalls"),
    ("invoices",),
    ("messaging", "webhooks"),
    ("privacy",),
    ("web", "api"),
)
ROOT = "(root)"
LAYER_OF: dict[str, int] = {app: level for level, apps in enumerate(LAYERS) for app in apps}
LAYER_OF[ROOT] = len(LAYERS)

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"
START, END = "<!-- app-graph:start -->", "<!-- app-graph:end -->"
REGENERATE = "GALERIE_WRITE_ARCHITECTURE=1 .venv/bin/pytest tests/test_architecture.py"


@dataclass(frozen=True)
class Import:
    importer: str  # module
    imported: str
    line: int
    text: str

    def __str__(self) -> str:
        path = "src/" + self.importer.replace(".", "/")
        return f"{path}.py:{self.line}: {self.text}  ({app_of(self.importer)} -> {app_of(self.imported)})"


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("galerie", cache_dir=None)


def app_of(module: str) -> str:
    """The app a module belongs to: ``galerie.<app>.…``; the package's own modules are ROOT."""
    parts = module.split(".")
    if len(parts) == 1:
        return ROOT
    is_package = graph().find_children(".".join(parts[:2])) or len(parts) > 2
    return parts[1] if is_package and parts[1] != "formats" else ROOT


@cache
def imports_between_apps() -> tuple[Import, ...]:
    """Every import from one app into another, with its line, in a stable order."""
    found = []
    for importer in sorted(graph().modules):
        for imported in sorted(graph().find_modules_directly_imported_by(importer)):
            # ``import galerie`` (to find the package's folder) loads nothing of any app.
            if imported == "galerie" or app_of(importer) == app_of(imported):
                continue
            for detail in graph().get_import_details(importer=importer, imported=imported):
                found.append(Import(importer, imported, detail["line_number"], detail["line_contents"]))
    return tuple(found)


def app_edges() -> dict[tuple[str, str], list[Import]]:
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for item in imports_between_apps():
        edges[(app_of(item.importer), app_of(item.imported))].append(item)
    return dict(edges)


def apps_in_source() -> set[str]:
    return {app_of(module) for module in graph().modules}


def test_every_app_has_a_layer():
    unplaced = sorted(apps_in_source() - set(LAYER_OF))
    assert not unplaced, (
        f"Apps without a layer: {unplaced}. Add each to LAYERS in tests/test_architecture.py "
        "(and to docs/architecture.md), at the lowest layer its imports allow."
    )


def test_no_app_imports_its_own_layer_or_above():
    wrong = [
        str(item)
        for item in imports_between_apps()
        if app_of(item.imported) in LAYER_OF
        and LAYER_OF.get(app_of(item.importer), -1) <= LAYER_OF[app_of(item.imported)]
    ]
    assert not wrong, (
        "Imports against the layer order (an app imports only lower layers; see docs/architecture.md):\n"
        + "\n".join(wrong)
    )


def test_no_domain_app_imports_the_web_app():
    wrong = [
        str(item)
        for item in imports_between_apps()
        if app_of(item.imported) == "web" and app_of(item.importer) != ROOT
    ]
    assert not wrong, "Domain code imports galerie.web (pages call the domain, never the reverse):\n" + (
        "\n".join(wrong)
    )


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one app (Tarjan)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted({a for a, _ in edges} | {b for _, b in edges}):
        if node not in index:
            visit(node)
    return groups


def test_no_cycle_between_apps():
    edges = app_edges()
    lines = []
    for group in _cycles(set(edges)):
        inside = {edge: items for edge, items in sorted(edges.items()) if set(edge) <= set(group)}
        # Name the imports that close the cycle: those going up (or across) the layer order.
        upward = {
            (a, b): items
            for (a, b), items in inside.items()
            if LAYER_OF.get(a, len(LAYERS)) <= LAYER_OF.get(b, len(LAYERS))
        }
        lines.append(f"cycle between {', '.join(group)}, closed by:")
        lines.extend(f"  {item}" for items in (upward or inside).values() for item in items)
    assert not lines, "Apps import each other in a cycle:\n" + "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    assert _cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]
    assert _cycles({("a", "b"), ("b", "c")}) == []


# --- the picture ---------------------------------------------------------------------------


def mermaid() -> str:
    """The app graph as a Mermaid flowchart: one row per layer, an arrow per importing pair."""
    edges = sorted(app_edges())
    used = {app for edge in edges for app in edge}
    rows = ["```mermaid", "flowchart TD"]
    for level in range(len(LAYERS) - 1, -1, -1):
        members = [app for app in LAYERS[level] if app in used]
        if members:
            rows.append(f'  subgraph L{level}["layer {level}"]')
            rows.extend(f"    {app}" for app in members)
            rows.append("  end")
    rows.extend(f"  {a} --> {b}" for a, b in edges if a != ROOT)
    rows.append("```")
    return "\n".join(rows)


def test_the_picture_in_docs_architecture_is_the_real_graph():
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"{DOC} lost its markers {START} … {END}"
    before, rest = text.split(START, 1)
    current, after = rest.split(END, 1)
    fresh = "\n" + mermaid() + "\n"
    if os.environ.get("GALERIE_WRITE_ARCHITECTURE") == "1":
        DOC.write_text(before + START + fresh + END + after, encoding="utf-8")
        pytest.skip(f"wrote the app graph into {DOC}")
    assert current == fresh, f"The app graph in docs/architecture.md is stale: run {REGENERATE}"
