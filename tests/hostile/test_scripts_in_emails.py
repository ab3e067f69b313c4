"""Scripts in what users type, in e-mails: the world full of payloads (conftest.py) gets every
e-mail its events call for again, through a real SMTP server; each HTML part shows the payloads
as text, each subject is one line and no typed newline makes a header (``Bcc:``)."""

from __future__ import annotations

import pytest

from galerie.core.delivery import handlers_autodiscover
from galerie.core.models import OutboxEvent
from galerie.incidents.models import Incident
from galerie.notices.models import Decision, Notice
from galerie.notifications.models import SentEmail
from galerie.orders.models import SellerOrder
from galerie.reviews.models import Review
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront
from tests.hostile.corpus import holes

# Every line break Python's e-mail headers know: \r\n, and \v, \f, \x1c which they refused.
HEADER = "Librairie <b id=xss98>\r\nBcc: victim@evil.test\vBcc: victim@evil.test\f\x1c\u2028\r\n\r\nbody"

pytestmark = pytest.mark.django_db(transaction=True)

# The apps whose handlers send e-mails (each through notifications.services.email_send_once).
EMAILING = (
    "galerie.notifications.", "galerie.incidents.", "galerie.reviews.", "galerie.messaging.",
    "galerie.returns.", "galerie.notices.", "galerie.recalls.", "galerie.portability.",
)  # fmt: skip


def _more_events(hostile) -> list[OutboxEvent]:
    """The events of the world's rows that were written as data (the isolation world writes its
    incident, review, return and notice straight, for their ids), as their services emit them."""
    k, seller = hostile["kwargs"], hostile["a"]
    incident = Incident.objects.get(uuid=k["incident"])
    notice = Notice.objects.get(uuid=k["notice"])
    decision = Decision.objects.get(uuid=k["decision"])
    part = SellerOrder.objects.get(number=k["number"])
    review = Review.objects.get(uuid=k["review_uuid"])
    storefront = part.order.storefront
    events = [
        *(("incident." + step, {"incident_id": incident.pk}) for step in ("opened", "answered", "resolved")),
        ("incident.escalated", {"incident_id": incident.pk, "escalated_by": "customer"}),
        ("incident.decided", {"incident_id": incident.pk}),
        ("review.requested", {"seller_order_id": part.pk}),
        ("review.status_changed", {"id": review.pk, "to_status": "hidden"}),
        ("return.declared", {"return_id": k["return_id"]}),
        ("return.status_changed", {"id": k["return_id"], "to_status": "instructed"}),
        ("return.status_changed", {"id": k["return_id"], "to_status": "refused"}),
        ("notice.received", {"notice_id": notice.pk}),
        ("notice.decided", {"decision_ids": [decision.pk]}),
        ("notice.overdue", {"notice_id": notice.pk}),
        ("seller.suspended", {"seller_id": seller.pk, "reason": "x", "ground": "y"}),
        ("seller.closed", {"seller_id": seller.pk, "reason": "x"}),
        ("seller.rejected", {"seller_id": seller.pk, "reason": "x"}),
        ("seller.curation_approved", {"seller_id": seller.pk, "storefront_id": storefront.pk}),
        ("seller.storefront_refused", {"seller_id": seller.pk, "storefront_id": storefront.pk}),
        ("productproposal.status_changed", {"id": k["proposal_id"], "to_status": "rejected"}),
        ("seller_order.refused", {"seller_order_id": part.pk}),
    ]
    return [OutboxEvent(topic=topic, payload=payload) for topic, payload in events]


def test_no_email_runs_or_sends_on_what_users_typed(hostile, smtp_inbox):
    # A newline in a shop's and a storefront's name: the subjects that name them stay one line.
    Seller.objects.update(display_name=HEADER)
    Storefront.objects.update(name=HEADER)
    SentEmail.objects.all().delete()  # the world's e-mails went out before the payloads came
    handlers = handlers_autodiscover()
    for event in [*OutboxEvent.objects.order_by("pk"), *_more_events(hostile)]:
        for handler in handlers.get(event.topic, []):
            if handler.__module__.startswith(EMAILING):
                handler(event)
    messages = smtp_inbox.messages
    kinds = set(SentEmail.objects.values_list("kind", flat=True))
    assert len(messages) >= 15 and len(kinds) >= 10, sorted(kinds)
    found = []
    for message in messages:
        subject = str(message["Subject"])
        assert "\n" not in subject and "\r" not in subject, subject
        assert message["Bcc"] is None and "victim@evil.test" not in str(message["To"]), message.keys()
        html = message.get_body(("html",)).get_content()
        found += [f"{subject[:60]}: {p}" for p in holes(html, hostile["payloads"])]
    assert not found, "\n".join(found)


def test_a_line_break_in_a_name_never_reaches_a_header(smtp_inbox, settings):
    """Regression: a \\r\\n in a storefront's name made ``sender()`` raise, a \\v or a \\f in a
    shop's name made the subject "contain an embedded header": the e-mail was never sent."""
    from django.core.mail import EmailMultiAlternatives

    from galerie.notifications.emails import one_line, sender

    assert one_line("A\r\nBcc: x\vy\fz\x1c\x85\u2028\u2029 12,50\xa0€ ") == "A Bcc: x y z 12,50\xa0€"
    storefront = Storefront(name="Shop\r\nBcc: victim@evil.test")
    EmailMultiAlternatives(
        subject=one_line("Shop\vBcc: victim@evil.test"),
        body="x",
        from_email=sender(storefront),
        to=["c@d.test"],
    ).send()
    [message] = smtp_inbox.messages
    assert message["Bcc"] is None and message["Subject"] == "Shop Bcc: victim@evil.test"
    assert message["From"].addresses[0].display_name == "Shop Bcc: victim@evil.test"
