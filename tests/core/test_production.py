"""`galerie serve` refuses to start production with DEBUG on, the test payment gateway or the
demo's operator IBAN, each unless its own override says so; `galerie check --deploy` says the
same. The demo (`galerie demo`) serves through `serve --demo` and is not refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from galerie.core.production import production_refusals

DEMO_IBAN = "FR7630006000011234567890189"
REAL = {
    "DEBUG": False,
    "GALERIE_PAYMENT_GATEWAY": "stripe",
    "GALERIE_OPERATOR_IBAN": "FR1420041010050500013M02606",
}
RISKS = {
    # the risky value, the error's id, the words the message must hold, the override
    "DEBUG": (True, "galerie.E001", "DEBUG is on", "GALERIE_ALLOW_DEBUG"),
    "GALERIE_PAYMENT_GATEWAY": (
        "test",
        "galerie.E002",
        "GALERIE_PAYMENT_GATEWAY is 'test'",
        "GALERIE_ALLOW_TEST_GATEWAY",
    ),
    "GALERIE_OPERATOR_IBAN": (
        DEMO_IBAN,
        "galerie.E003",
        "GALERIE_OPERATOR_IBAN is the demo's IBAN",
        "GALERIE_ALLOW_DEMO_IBAN",
    ),
}


@pytest.fixture
def production(settings):
    for name, value in REAL.items():
        setattr(settings, name, value)
    for *_, override in RISKS.values():
        setattr(settings, override, False)
    return settings


def test_real_settings_are_not_refused(production):
    assert production_refusals() == []


@pytest.mark.parametrize("setting", RISKS)
def test_each_risky_setting_is_refused_by_name_until_its_own_override(production, setting):
    value, error_id, words, override = RISKS[setting]
    setattr(production, setting, value)

    refusals = production_refusals()

    assert [r.id for r in refusals] == [error_id]
    assert words in refusals[0].msg and f"{override}=1" in refusals[0].hint
    with pytest.raises(CommandError) as refused:
        call_command("serve", no_collectstatic=True)  # refused before gunicorn is started
    assert words in str(refused.value) and f"{override}=1" in str(refused.value)
    with pytest.raises(SystemCheckError, match=error_id):
        call_command("check", deploy=True, tags=["security"], fail_level="ERROR")
    # another risk's override does not allow this one; its own does
    for *_, other in RISKS.values():
        setattr(production, other, other != override)
    assert [r.id for r in production_refusals()] == [error_id]
    setattr(production, override, True)
    assert production_refusals() == []


def test_a_demo_iban_written_with_spaces_is_still_the_demos(production):
    production.GALERIE_OPERATOR_IBAN = "fr76 3000 6000 0112 3456 7890 189"
    assert [r.id for r in production_refusals()] == ["galerie.E003"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, port: int, **env: str) -> subprocess.Popen:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GALERIE_ALLOW_")}
    clean.pop("GALERIE_PAYMENT_GATEWAY", None)
    clean.pop("GALERIE_OPERATOR_IBAN", None)
    clean.pop("DATABASE_URL", None)  # an SQLite file of its own: nothing is read before serving
    return subprocess.Popen(
        [sys.executable, "-m", "galerie.cli", "serve", "--no-collectstatic", "--workers", "1",
         "--threads", "1", "--bind", f"127.0.0.1:{port}"],
        env={**clean, "GALERIE_VAR_DIR": str(tmp_path), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def test_galerie_serve_exits_naming_every_risk_and_starts_with_the_overrides(tmp_path):
    refused = _serve(tmp_path, _free_port(), DEBUG="1")
    _out, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    for _value, error_id, words, override in RISKS.values():
        assert words in err and f"{override}=1" in err and error_id in err

    port = _free_port()
    allowed = {
        "DEBUG": "1",
        "GALERIE_ALLOW_DEBUG": "1",
        "GALERIE_ALLOW_TEST_GATEWAY": "1",
        "GALERIE_ALLOW_DEMO_IBAN": "1",
    }
    server = _serve(tmp_path, port, **allowed)
    try:
        deadline, answered = time.monotonic() + 60, None
        while answered is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    answered = reply.status
            except urllib.error.HTTPError as error:  # served, whatever it says
                answered = error.code
            except OSError:
                time.sleep(0.2)
        assert answered is not None, server.communicate(timeout=5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, 15)
        server.wait(timeout=30)
