"""Where e-mails go without configuration: files under var/mail/ on the embedded default (no
service needed, whichever process sends them), SMTP as soon as a database or a mail host is set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = (
    "import django; django.setup(); from django.conf import settings;"
    " print(settings.EMAIL_BACKEND.rsplit('.', 2)[-2], getattr(settings, 'EMAIL_FILE_PATH', ''))"
)


def _backend(tmp_path, **env: str) -> list[str]:
    unset = {"DATABASE_URL", "EMAIL_HOST", "EMAIL_FILE_PATH"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean |= {"DJANGO_SETTINGS_MODULE": "galerie.settings", "GALERIE_VAR_DIR": str(tmp_path), **env}
    done = subprocess.run([sys.executable, "-c", SHOW], env=clean, capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["filebased", "{var}/mail"]),
        ({"EMAIL_FILE_PATH": "{var}/elsewhere"}, ["filebased", "{var}/elsewhere"]),
        ({"EMAIL_HOST": "mail.example.test"}, ["smtp"]),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}, ["smtp"]),
    ],
)
def test_the_embedded_default_writes_emails_as_files_a_configured_site_sends_them(tmp_path, env, expected):
    var = str(tmp_path.resolve())
    env = {k: v.format(var=var) for k, v in env.items()}
    assert _backend(tmp_path, **env) == [e.format(var=var) for e in expected]
