"""Several app-server processes, one count: prometheus_client's multiprocess mode (docs/metrics.md).

Each process is a real one, started with PROMETHEUS_MULTIPROC_DIR as ``galerie serve`` would start
gunicorn's workers; whichever answers the scrape sums every worker's counters."""

from __future__ import annotations

import os
import subprocess
import sys

from galerie.core.metrics import metrics_multiprocess_prepare

SERVE = (
    "import django; django.setup()\n"
    "from galerie.core.metrics import http_observe\n"
    "for _ in range({n}): http_observe(route='storefront:home', method='GET', status=200, seconds=0.02)\n"
)
SCRAPE = (
    "import django; django.setup()\n"
    "from galerie.core.metrics import metrics_exposition\n"
    "print(metrics_exposition().decode())\n"
)


def _run(script: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_scrape_adds_up_the_counters_of_every_worker_process_and_a_new_run_starts_from_zero(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "galerie.settings",
        "GALERIE_VAR_DIR": str(tmp_path / "var"),
        **metrics_multiprocess_prepare(tmp_path / "metrics"),
    }
    env.pop("DATABASE_URL", None)
    _run(SERVE.format(n=3), env)
    _run(SERVE.format(n=4), env)  # another worker (another pid)

    text = _run(SCRAPE, env)
    line = 'galerie_http_requests_total{method="GET",route="storefront:home",status="200"} 7.0'
    assert line in text.splitlines()
    assert 'galerie_http_request_duration_seconds_bucket{le="0.025",route="storefront:home"} 7.0' in text

    metrics_multiprocess_prepare(tmp_path / "metrics")  # the next `galerie serve`
    assert "storefront:home" not in _run(SCRAPE, env)
