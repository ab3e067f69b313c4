"""Without a cache every process shares (no Redis), pages are not shared: a change bumped in one
process would not reach the pages another serves."""

import pytest
from django.test import Client

from tests.factories import make_storefront

pytestmark = pytest.mark.django_db


def test_without_the_page_cache_every_visit_renders(settings):
    settings.PAGE_CACHE = False
    make_storefront(code="plain")
    client = Client()
    answers = [client.get("/s/plain/") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.headers["X-Galerie-Cache"] for a in answers] == ["bypass", "bypass"]
    assert "public" not in answers[1].headers["Cache-Control"]


def test_the_default_follows_redis():
    import subprocess
    import sys

    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'galerie.settings';"
        " from django.conf import settings; print(settings.PAGE_CACHE)"
    )
    env_off = {"PATH": "/usr/bin:/bin", "REDIS_URL": ""}
    env_on = {"PATH": "/usr/bin:/bin", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    outputs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
        for env in (env_off, env_on)
    ]
    assert outputs == ["False", "True"]
