"""Django settings, read from the environment.

Every variable has a safe default for the demo (SQLite under ``var/``, local-memory cache,
DEBUG off). Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and
``ALLOWED_HOSTS``; the README lists them all.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from galerie.core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GALERIE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """Use SECRET_KEY, else a random key kept in var/ so sessions survive a restart."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


DEBUG = env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Storefronts are found by host name (production) or by a /s/<code>/ path prefix (demo and
# any host that is not a storefront's). Both always work; see docs/storefront-routing.md.
GALERIE_SERVE_MEDIA = env_bool("GALERIE_SERVE_MEDIA", default=True)
# The benchmark harness's floor view and query-count header (bench/); never in production.
GALERIE_BENCH = env_bool("GALERIE_BENCH")
# Every result cache misses (pages, facet counts, suggestions, home blocks): nothing is read from
# the cache or written to it, everything is computed each time. The bench's second pass runs a
# server with it, so that caching never hides a slow query (docs/performance.md). Sessions,
# throttling and the host → storefront lookup keep their cache: they are not results.
CACHE_BYPASS = os.environ.get("GALERIE_CACHE_BYPASS", "").strip().lower() in {"1", "true", "yes"}

INSTALLED_APPS = [
    "galerie.web.admin_site.GalerieAdminConfig",  # django.contrib.admin, staff only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "treebeard",
    "galerie.core",
    "galerie.accounts",
    # Before storefronts: its `storefront` command adds export and import to storefronts' own.
    "galerie.portability",
    "galerie.api",
    "ninja",  # the API's interactive docs: Swagger UI from static files, no CDN
    "galerie.incidents",
    "galerie.notices",
    "galerie.reviews",
    "galerie.returns",
    "galerie.recalls",
    "galerie.messaging",
    "galerie.storefronts",
    "galerie.sellers",
    "galerie.terms",
    "galerie.catalog",
    "galerie.offers",
    "galerie.pricing",
    "galerie.payments",
    "galerie.cart",
    "galerie.orders",
    "galerie.checkout",
    "galerie.ledger",
    "galerie.dac7",  # DAC7 reporting of sellers' income, above the ledger
    "galerie.invoices",
    "galerie.notifications",
    "galerie.search",
    "galerie.privacy",  # reads every app: export and erasure of personal data (GDPR)
    "galerie.webhooks",  # after the apps whose handlers do the work: its own run last
    "galerie.web",
    "galerie.seeding",
]

MIDDLEWARE = [
    # Before all: every log line of the request, and every answer, has its id; the metrics time it all.
    "galerie.web.observability.RequestObservationMiddleware",
    # Then, so that every answer gets their headers, a static file's or a redirect's of a
    # middleware below too (docs/security-headers.md).
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # /healthz, /readyz and /metrics, with the headers above but before host routing (by IP too).
    "galerie.web.observability.OperationsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "galerie.storefronts.middleware.StorefrontMiddleware",
    "galerie.storefronts.redirects.StorefrontRedirectMiddleware",  # a 404's old path: 301
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # /api/ writes with an Idempotency-Key; last, so that its own answers get every header above.
    "galerie.api.idempotency.IdempotencyMiddleware",
]

if GALERIE_BENCH:
    MIDDLEWARE.insert(0, "galerie.web.bench.QueryCountMiddleware")

ROOT_URLCONF = "galerie.urls"
WSGI_APPLICATION = "galerie.wsgi.application"
ASGI_APPLICATION = "galerie.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "galerie.web.context.storefront",
                # After Django's csrf processor: a shared render's forms get a marker, not a token.
                "galerie.web.context.shared_render",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'galerie.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The search entries' covering index (INCLUDE columns) is PostgreSQL's; SQLite builds it on the
    # key columns alone, which is what it should do there: nothing to warn about on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
    # BEGIN so that two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=5000; PRAGMA cache_size=-64000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Facet counts group a few hundred thousand rows: with PostgreSQL's default 4 MB they sort on
    # disk (0.41 s for a broad search at 1,000,000 offers), with 32 MB they hash in memory (0.21 s).
    work_mem = os.environ.get("DATABASE_WORK_MEM", "32MB")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c work_mem={work_mem}"

# A PostgreSQL streaming replica for the public storefront pages' reads (docs/read-replicas.md):
# only pages that opt in read from it, never after a write in the same request, never the pages
# of someone who wrote in the last GALERIE_REPLICA_PIN_SECONDS, never while it lags more than
# GALERIE_REPLICA_MAX_LAG_SECONDS (checked every GALERIE_REPLICA_CHECK_SECONDS per process).
GALERIE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("GALERIE_REPLICA_MAX_LAG_SECONDS", "5"))
GALERIE_REPLICA_CHECK_SECONDS = 2.0
GALERIE_REPLICA_PIN_SECONDS = float(os.environ.get("GALERIE_REPLICA_PIN_SECONDS", "10"))
if _replica_url := os.environ.get("DATABASE_REPLICA_URL"):
    _replica = dj_database_url.parse(
        _replica_url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if {DATABASES["default"]["ENGINE"], _replica["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is for a PostgreSQL streaming replica of a PostgreSQL DATABASE_URL;"
            f" here DATABASE_URL is {DATABASES['default']['ENGINE']},"
            f" DATABASE_REPLICA_URL {_replica['ENGINE']}."
        )
    if GALERIE_REPLICA_PIN_SECONDS < GALERIE_REPLICA_MAX_LAG_SECONDS + GALERIE_REPLICA_CHECK_SECONDS:
        raise ImproperlyConfigured(
            f"GALERIE_REPLICA_PIN_SECONDS ({GALERIE_REPLICA_PIN_SECONDS:g}) must be at least"
            f" GALERIE_REPLICA_MAX_LAG_SECONDS ({GALERIE_REPLICA_MAX_LAG_SECONDS:g}) plus"
            f" {GALERIE_REPLICA_CHECK_SECONDS:g} s: who just wrote must read the primary as long as"
            " the replica may lag."
        )
    # The same session options as the primary's (work_mem), and a short connect timeout: a replica
    # that does not answer costs a public page two seconds once per check, then is skipped.
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2}
    # The test suite's replica is the test database itself (Django's test mirror).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["galerie.core.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "galerie.web.replica_reads.ReplicaPinMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Content-Security-Policy on every response (django-csp; docs/content-security-policy.md): no
# inline script, no eval; the one inline <style> (the storefront's theme colours) carries the
# request's nonce. Origins a deployment adds (a CDN for media, a payment page elsewhere) come
# from CSP_EXTRA_IMG_SRC and CSP_EXTRA_FORM_ACTION, space separated.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:", *os.environ.get("CSP_EXTRA_IMG_SRC", "").split()],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF, *os.environ.get("CSP_EXTRA_FORM_ACTION", "").split()],
        "frame-ancestors": [CSP_NONE],
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "galerie"),
            "OPTIONS": {"IGNORE_EXCEPTIONS": False},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The shared page cache (docs/page-cache.md) needs a cache every process shares: the versions a
# change bumps in one process must reach the pages the others serve. Redis is that cache; the
# embedded default's local memory is one per process, so without Redis pages are not shared
# (GALERIE_PAGE_CACHE=1 forces it on, for one process; =0 turns it off).
PAGE_CACHE = os.environ.get("GALERIE_PAGE_CACHE", "1" if REDIS_URL else "0").strip().lower() in {
    "1",
    "true",
    "yes",
}

# Throttling of sign-in, password reset, sign-up and seller applications (docs/throttling.md):
# django-ratelimit counts on the default cache (shared by every process only with Redis).
RATELIMIT_USE_CACHE = "default"
# Behind a reverse proxy REMOTE_ADDR is the proxy's: name the header holding the client's IP
# (e.g. HTTP_X_REAL_IP), set by the proxy itself, or every client shares one per-IP limit.
RATELIMIT_IP_META_KEY = os.environ.get("THROTTLE_IP_HEADER") or None
# "login.account=5/15m,login.ip=30/15m,…": overrides of galerie.web.throttling.DEFAULT_RATES.
GALERIE_THROTTLE_RATES: dict[str, dict[str, str]] = {}
for _item in filter(None, (i.strip() for i in os.environ.get("THROTTLE_RATES", "").split(","))):
    _name, _, _rate = _item.partition("=")
    _action, _, _scope = _name.strip().partition(".")
    GALERIE_THROTTLE_RATES.setdefault(_action, {})[_scope] = _rate.strip()
# "key=1200/m,ip=600/m,failed_auth=20/m": the API's limits (galerie.api.throttles); "key=" turns one off.
GALERIE_API_RATES: dict[str, str] = {
    _name.strip(): _rate.strip()
    for _name, _, _rate in (i.partition("=") for i in os.environ.get("API_RATES", "").split(",") if i.strip())
}

# Celery (docs/celery.md). Without a broker, `galerie worker` delivers the outbox itself (the
# embedded default). With one (amqp://… RabbitMQ, redis://…), `galerie worker` is the relay: it
# publishes committed outbox events to Celery, whose workers deliver them with the same handlers
# (`celery -A galerie worker`); the periodic jobs run under `celery -A galerie beat`.
GALERIE_BROKER_URL = os.environ.get("GALERIE_BROKER_URL", "").strip()
CELERY_BROKER_URL = GALERIE_BROKER_URL or "memory://"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "galerie"
# The periodic jobs have a queue of their own, which every worker also consumes: a job due every
# second (the test gateway's webhooks) must not expire behind a long queue of deliveries.
CELERY_TASK_QUEUES = (Queue("galerie"), Queue("galerie.jobs"))
CELERY_TASK_ROUTES = {"galerie.job": {"queue": "galerie.jobs"}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once it ran, and given back if its worker died: with the outbox's lease
# behind it, a killed worker's events are delivered by another (at least once, handlers idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "galerie.core.celery_app:JobsScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Events per published task: a batched handler (the search index) does its work once for them all.
GALERIE_RELAY_CHUNK = int(os.environ.get("GALERIE_RELAY_CHUNK", "20"))

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["galerie.formats"]  # English dates as "4 Dec 2026" (docs/dates.md)

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads (docs/hostile-input.md): no file is kept past the largest limit any field has (an offer
# file, 20 MB), the rest is only counted so that the field refuses it by name and limit; at most
# 2.5 MB in memory, the rest in a temporary file; 20 files a request (five is the most a form takes).
FILE_UPLOAD_HANDLERS = [
    "galerie.core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
GALERIE_UPLOAD_MAX_FILE_BYTES = 20 * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # a request's fields other than files (and an API body)
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# Files that must never be public (identity documents, uploaded offer files): no URL at all.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "galerie.core.files.MediaStorage"},  # FileSystemStorage, faster url()
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Galerie <no-reply@galerie.test>")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
if os.environ.get("EMAIL_FILE_PATH") or not (os.environ.get("DATABASE_URL") or os.environ.get("EMAIL_HOST")):
    # E-mails as files instead of an SMTP server: where EMAIL_FILE_PATH says, and on the embedded
    # default (no DATABASE_URL, no EMAIL_HOST: the demo, which needs no service) in var/mail/,
    # whichever process sends them (the demo's worker, or `galerie worker` run by hand).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")

# The outbox worker (docs/worker-and-emails.md): how long a claimed batch is its worker's (renewed
# every third of it while the worker lives, so it bounds how long a killed worker's events wait),
# and the first retry delay of a failed event (doubling, at most 6 h).
GALERIE_OUTBOX_LEASE_SECONDS = float(os.environ.get("GALERIE_OUTBOX_LEASE_SECONDS", "60"))
GALERIE_OUTBOX_BACKOFF_SECONDS = float(os.environ.get("GALERIE_OUTBOX_BACKOFF_SECONDS", "30"))

# Absolute links in e-mails; the public address of the operator's site.
GALERIE_SITE_URL = os.environ.get("GALERIE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Hosts a merchant file's image URLs may be fetched from (docs/merchant-formats.md); empty: none.
GALERIE_IMPORT_IMAGE_HOSTS = [
    host.strip() for host in os.environ.get("GALERIE_IMPORT_IMAGE_HOSTS", "").split(",") if host.strip()
]
# Webhooks (docs/webhooks.md): hosts that may be called over http or at an internal address.
_hooks = os.environ.get("GALERIE_WEBHOOK_ALLOWED_HOSTS", "")
GALERIE_WEBHOOK_ALLOWED_HOSTS = [host.strip() for host in _hooks.split(",") if host.strip()]
# Payments: the gateway (docs/payments.md); "test" is the built-in test gateway.
GALERIE_PAYMENT_GATEWAY = os.environ.get("GALERIE_PAYMENT_GATEWAY", "test")
GALERIE_PAYMENT_WEBHOOK_URL = os.environ.get("GALERIE_PAYMENT_WEBHOOK_URL") or None
GALERIE_TEST_GATEWAY_WEBHOOK_SECRET = os.environ.get("GALERIE_TEST_GATEWAY_WEBHOOK_SECRET", "")
# The test gateway's fee on a capture: percentage + fixed amount (payments/testgateway/fees.py).
GALERIE_TEST_GATEWAY_FEE = os.environ.get("GALERIE_TEST_GATEWAY_FEE", "1.5%+0.25")
# Money (docs/payouts.md): when funds become available, the reserve, the operator's bank account.
GALERIE_WITHDRAWAL_DAYS = int(os.environ.get("GALERIE_WITHDRAWAL_DAYS", "14"))
GALERIE_PAYOUT_RESERVE_BP = int(os.environ.get("GALERIE_PAYOUT_RESERVE_BP", "1000"))
GALERIE_PAYOUT_RESERVE_DAYS = int(os.environ.get("GALERIE_PAYOUT_RESERVE_DAYS", "30"))
GALERIE_PAYOUT_DIR = Path(os.environ.get("GALERIE_PAYOUT_DIR", VAR_DIR / "payouts"))
# Product matching (docs/product-matching.md): from UPPER a candidate is matched, from LOWER it
# goes to the operator's review, below it is new; scores run from 0 to 1000.
GALERIE_MATCH_UPPER = int(os.environ.get("GALERIE_MATCH_UPPER", "850"))
GALERIE_MATCH_LOWER = int(os.environ.get("GALERIE_MATCH_LOWER", "600"))
GALERIE_MATCH_BRAND_CANDIDATES = int(os.environ.get("GALERIE_MATCH_BRAND_CANDIDATES", "2000"))
GALERIE_OPERATOR_NAME = os.environ.get("GALERIE_OPERATOR_NAME", "Galerie Demo SAS")
GALERIE_DEMO_OPERATOR_IBAN = "FR7630006000011234567890189"  # the demo's: `galerie serve` refuses it
GALERIE_OPERATOR_IBAN = os.environ.get("GALERIE_OPERATOR_IBAN", GALERIE_DEMO_OPERATOR_IBAN)
GALERIE_OPERATOR_BIC = os.environ.get("GALERIE_OPERATOR_BIC", "AGRIFRPPXXX")
GALERIE_OPERATOR_COUNTRY = os.environ.get("GALERIE_OPERATOR_COUNTRY", "FR")
# The operator's legal identity: on its commission invoices to the sellers (docs/invoices.md) and
# as the platform operator of the DAC7 declaration (docs/dac7.md).
GALERIE_OPERATOR_LEGAL_FORM = os.environ.get("GALERIE_OPERATOR_LEGAL_FORM", "SAS au capital de 10 000 €")
GALERIE_OPERATOR_ADDRESS_LINE1 = os.environ.get("GALERIE_OPERATOR_ADDRESS_LINE1", "1 rue de la Galerie")
GALERIE_OPERATOR_POSTAL_CODE = os.environ.get("GALERIE_OPERATOR_POSTAL_CODE", "75001")
GALERIE_OPERATOR_CITY = os.environ.get("GALERIE_OPERATOR_CITY", "Paris")
GALERIE_OPERATOR_SIREN = os.environ.get("GALERIE_OPERATOR_SIREN", "123456782")
GALERIE_OPERATOR_VAT_NUMBER = os.environ.get("GALERIE_OPERATOR_VAT_NUMBER", "FR40123456782")
GALERIE_OPERATOR_RCS = os.environ.get("GALERIE_OPERATOR_RCS", "RCS Paris 123 456 782")
# DAC7 (docs/dac7.md): the platform operator in the declaration is the identity above (its
# SIREN as TIN); TEST or PROD files, and the schedule of the reminders to sellers whose tax
# identification data is missing: 2nd reminder N days after the 1st, payouts held M days later.
GALERIE_DAC7_NEXUS = os.environ.get("GALERIE_DAC7_NEXUS", "RPONEX1")
GALERIE_DAC7_ENV = os.environ.get("GALERIE_DAC7_ENV", "TEST")
GALERIE_DAC7_REMINDER_INTERVAL_DAYS = max(
    14, int(os.environ.get("GALERIE_DAC7_REMINDER_INTERVAL_DAYS", "30"))
)
GALERIE_DAC7_HOLD_GRACE_DAYS = int(os.environ.get("GALERIE_DAC7_HOLD_GRACE_DAYS", "30"))

# Security headers on every response (docs/security-headers.md), by Django's SecurityMiddleware
# and XFrameOptionsMiddleware; the CSP above forbids framing too (frame-ancestors 'none').
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS: sent only on a secure request (HTTPS, or behind a TLS proxy below), never on plain HTTP.
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
# Behind a proxy that terminates TLS, the request reaches Galerie over HTTP: trust the header the
# proxy sets (X-Forwarded-Proto: https, or another named by TLS_PROXY_HEADER) to tell it was HTTPS.
# Only where the proxy always sets or strips that header, or a client could claim HTTPS.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
_tls_header = os.environ.get("TLS_PROXY_HEADER", "X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _tls_header.upper().replace("-", "_"), "https") if BEHIND_TLS_PROXY else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = BEHIND_TLS_PROXY
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
# Probes and scrapes reach a process directly, in plain HTTP: never redirected (docs/metrics.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# What `galerie serve` refuses to start with unless told (docs/security-headers.md): each risk
# has its own explicit override, so allowing one never allows another.
GALERIE_ALLOW_DEBUG = env_bool("GALERIE_ALLOW_DEBUG")
GALERIE_ALLOW_TEST_GATEWAY = env_bool("GALERIE_ALLOW_TEST_GATEWAY")
GALERIE_ALLOW_DEMO_IBAN = env_bool("GALERIE_ALLOW_DEMO_IBAN")

# Logs on stderr (docs/logging.md): LOG_FORMAT=json, one JSON object a line with the request id, is
# the default in production (DATABASE_URL set, DEBUG off); text on the demo, under DEBUG, or when set.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or (
    "json" if os.environ.get("DATABASE_URL") and not DEBUG else "text"
)
LOGGING = logging_config(level=os.environ.get("LOG_LEVEL", "WARNING"), fmt=LOG_FORMAT)
# A request's id (docs/logging.md): a new one for each request, unless the reverse proxy in front
# sets X-Request-ID on every request (overwriting the client's): then set this, and its id is kept.
GALERIE_TRUST_REQUEST_ID = env_bool("GALERIE_TRUST_REQUEST_ID")
# /metrics (docs/metrics.md) answers only `Authorization: Bearer <this token>`; unset, it is off (404).
GALERIE_METRICS_TOKEN = os.environ.get("GALERIE_METRICS_TOKEN", "")
# /readyz checks the Celery broker too when one is set (amqp://… or redis://…).
GALERIE_BROKER_URL = os.environ.get("GALERIE_BROKER_URL", "")
