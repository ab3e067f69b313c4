"""Every e-mail template escapes what users typed: a script payload in every variable reaches
the HTML part only escaped.

The templates are discovered from the templates directory, so a new e-mail is covered as soon
as its files exist; each is rendered by ``email_render`` with every variable (and every attribute
or item of it) holding the payload, and sent through a real SMTP server.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

import galerie.notifications
from galerie.core.outbox import emit
from galerie.notifications.emails import email_render
from galerie.notifications.services import email_send_once
from galerie.sellers.models import SellerApplicationMessage
from galerie.storefronts.models import Storefront
from tests.factories import make_seller, make_storefront

pytestmark = pytest.mark.django_db

PAYLOAD = "X<script>alert(\"pwn\")</script><img src=x onerror='alert(1)'>&"
RAW_MARKERS = ("<script", "<img", "onerror='")
ESCAPED = (
    "X&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;&lt;img src=x onerror=&#x27;alert(1)&#x27;&gt;&amp;"
)

TEMPLATES_DIR = Path(galerie.notifications.__file__).parent / "templates" / "galerie" / "emails"


def email_templates() -> list[str]:
    """Every e-mail: an HTML template that is neither a fragment (``_…``) nor the base layout."""
    names = sorted(p.stem for p in TEMPLATES_DIR.glob("*.html") if not p.name.startswith("_"))
    return [name for name in names if name != "base"]


class Payload(str):
    """The payload as every variable: any attribute or key of it, and each item of it, is the payload too."""

    def __getattr__(self, name: str) -> Payload:
        if name.startswith("__"):
            raise AttributeError(name)
        return Payload(PAYLOAD)

    def __getitem__(self, key):  # type: ignore[override]
        return Payload(PAYLOAD)

    def __iter__(self):  # type: ignore[override]
        yield Payload(PAYLOAD)


TAG = re.compile(r"{[{%](.*?)[%}]}", re.S)
QUOTED = re.compile(r'"[^"]*"')
NAME = re.compile(r"(?<![\w.|:])([a-z_][a-z0-9_]*)")
NOT_TEXT = {
    "decided_at": datetime(2026, 12, 4, 9, 30, tzinfo=UTC),  # a date, formatted by |date
    "window_days": 90,  # numbers, for {% blocktranslate count %}
    "quality_orders": 4,
}
SET_BY_EMAIL_RENDER = {"storefront", "s", "theme", "language", "site", "site_host", "recipient", "subject"}


def payload_context() -> dict[str, Any]:
    """Every name any e-mail template or fragment reads (and tag words, harmless) as the payload."""
    names: set[str] = set()
    for path in TEMPLATES_DIR.iterdir():
        for tag in TAG.findall(path.read_text()):
            names.update(NAME.findall(QUOTED.sub(" ", tag)))
    context: dict[str, Any] = {name: Payload(PAYLOAD) for name in names - SET_BY_EMAIL_RENDER}
    context.update(NOT_TEXT)
    return context


def payload_storefront() -> Storefront:
    return Storefront(
        name=PAYLOAD,
        code="xss",
        tagline=PAYLOAD,
        default_language="en",
        colour_primary="#23395b",
        colour_accent="#c8553d",
        colour_background="#f4f1ea",
        colour_text="#1d1d1f",
    )


def test_the_templates_are_discovered():
    names = email_templates()
    assert {"seller_approved", "seller_closed", "order_placed", "seller_order_placed"} <= set(names)
    for name in names:  # every e-mail has its three parts
        assert (TEMPLATES_DIR / f"{name}.txt").exists(), name
        assert (TEMPLATES_DIR / f"{name}_subject.txt").exists(), name


@pytest.mark.parametrize("template", email_templates())
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_email_template_escapes_a_script_payload_in_every_variable(template, language, smtp_inbox):
    email = email_render(
        kind=template[:40],
        template=template,
        storefront=payload_storefront(),
        language=language,
        recipient="victim@example.test",
        context=payload_context(),
    )
    assert PAYLOAD in email.text  # the payload did reach the templates (the text part is plain text)

    email_send_once(event_uuid=uuid.uuid4(), email=email)

    [message] = smtp_inbox.messages
    html = message.get_body(preferencelist=("html",)).get_content()
    for marker in RAW_MARKERS:
        assert marker not in html, f"{template}: {marker!r} unescaped in the HTML part"
    assert ESCAPED in html
    assert html.count(ESCAPED) >= 2  # at least the <title> and the storefront's name


SELLER_EVENTS = [
    ("seller.curation_approved", "seller_approved"),
    ("seller.info_requested", "seller_info_requested"),
    ("seller.storefront_refused", "seller_admission_refused"),
    ("seller.rejected", "seller_rejected"),
    ("seller.suspended", "seller_suspended"),
    ("seller.closed", "seller_closed"),
]


@pytest.mark.parametrize(("topic", "kind"), SELLER_EVENTS)
def test_a_shop_named_with_a_script_reaches_the_curation_emails_escaped(topic, kind, smtp_inbox):
    """The seller-typed shop name, which the preheader shows too, reaches it escaped."""
    storefront = make_storefront(code="parc", default_language="fr")
    seller = make_seller(storefronts=[storefront], display_name=PAYLOAD, email="shop@example.test")
    payload = {"seller_id": seller.pk, "storefront_id": storefront.pk, "reason": PAYLOAD}
    if topic == "seller.info_requested":
        message = SellerApplicationMessage.objects.create(seller=seller, body=PAYLOAD, from_operator=True)
        payload["message_id"] = message.pk
    with transaction.atomic():
        emit(topic, **payload)

    call_command("worker", "--once", stdout=StringIO())

    [mail] = [m for m in smtp_inbox.to("shop@example.test") if f".{kind}." in m["Message-ID"]]
    assert PAYLOAD in str(mail["Subject"])
    html = mail.get_body(preferencelist=("html",)).get_content()
    for marker in RAW_MARKERS:
        assert marker not in html, f"{kind}: {marker!r} unescaped in the HTML part"
    assert ESCAPED in html
