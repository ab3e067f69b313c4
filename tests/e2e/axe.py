"""axe-core in Playwright: run it on a page and keep the serious and critical violations.

axe-core is an npm package, pinned in ``tests/e2e/axe-core.version`` and installed by
``make test`` (``make axe``) into ``.venv/axe`` (git-ignored). Without it the accessibility tests
are skipped, or fail under CI=true (docs/accessibility.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = (Path(__file__).with_name("axe-core.version")).read_text().strip()
PACKAGE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core"
SERIOUS = {"serious", "critical"}


def axe_source() -> str:
    """The pinned axe-core's script; skip (fail under CI=true) when it is not installed."""
    script = PACKAGE / "axe.min.js"
    installed = json.loads((PACKAGE / "package.json").read_text())["version"] if script.exists() else None
    if installed != VERSION:
        message = (
            f"axe-core {VERSION} is not installed in .venv/axe (found {installed}): run `make axe` "
            f"(npm install --no-save --prefix .venv/axe axe-core@{VERSION})"
        )
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return script.read_text()


def axe_violations(page, source: str) -> list[dict]:
    """Run axe-core on the page as it is now; return its serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def describe(violations: list[dict]) -> list[str]:
    """One line per violation: rule, impact and the first few offending elements."""
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:3]]
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {targets}")
    return lines
