"""DSA notice and action in Chromium: an anonymous visitor reports a product listing from its
page (the form comes filled from the link), receives the receipt; a member of the operator's
staff finds the notice in the back office's queue, removes the listing (its offers) with a
statement of reasons; the seller's statement and the notifier's decision arrive by e-mail on the test SMTP
server, and the notifier's link opens the complaint page. axe-core finds nothing serious on the
form, the queue, the notice and the complaint page."""

from __future__ import annotations

import re

import pytest

from galerie.notices.models import Decision, Notice
from tests.e2e.axe import axe_source, axe_violations, describe
from tests.e2e.steps import sign_in
from tests.notices.conftest import DECISION, deliver_notice_events
from tests.reviews.conftest import placed as placed  # the fixture
from tests.reviews.conftest import shop as shop  # the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 900}


def test_an_anonymous_report_is_followed_to_the_decision_email(
    placed, live_server, browser, smtp_inbox, settings
):
    from tests.factories import make_user

    source = axe_source()
    settings.GALERIE_SITE_URL = live_server.url
    make_user(email="staff@galerie.test", password=PASSWORD, is_staff=True)
    base, code = live_server.url, placed.storefront.code
    product = placed.book.variant.product
    problems: dict[str, list[str]] = {}

    visitor = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    visitor.goto(f"{base}/s/{code}/p/{product.slug}/")
    visitor.locator(f"a[href*='kind=product'][href*='ref={product.slug}']").click()
    visitor.wait_for_load_state()
    assert visitor.locator("#id_url").input_value().endswith(f"/p/{product.slug}/")
    problems["form"] = describe(axe_violations(visitor, source))
    visitor.select_option("#id_category", "scams_and_fraud")
    visitor.fill("#id_explanation", "Contrefaçon d'une marque connue.")
    visitor.fill("#id_notifier_name", "Nora")
    visitor.fill("#id_notifier_email", "nora@example.test")
    visitor.locator("form.form [type=submit]").click()
    visitor.wait_for_load_state()
    assert visitor.url.endswith("/report-illegal-content/")  # the good-faith box is required
    assert visitor.locator(".has-error #id_good_faith, .has-error input[name=good_faith]").count() == 1
    assert not Notice.objects.exists()
    visitor.check("#id_good_faith")
    visitor.locator("form.form [type=submit]").click()
    visitor.wait_for_load_state()
    assert visitor.url.endswith("/report-illegal-content/sent/")
    notice = Notice.objects.get()
    deliver_notice_events()
    assert len(smtp_inbox.to("nora@example.test")) == 1  # the receipt

    staff = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
    sign_in(staff, f"{base}/admin/login/?next=/back-office/notices/", "staff@galerie.test", PASSWORD)
    problems["queue"] = describe(axe_violations(staff, source))
    staff.locator(f"a[href$='/back-office/notices/{notice.uuid}/']").click()
    staff.wait_for_load_state()
    problems["notice"] = describe(axe_violations(staff, source))
    staff.check("input[name=action][value=product_offers_removed]")
    for field in ("facts", "legal_ground", "explanation"):
        staff.fill(f"#id_{field}", DECISION[field])
    staff.locator("form.form [type=submit]").click()
    staff.wait_for_load_state()
    decision = Decision.objects.get()
    assert (decision.action, decision.offer_ids) == ("product_offers_removed", [placed.book.pk])
    placed.book.refresh_from_db()
    assert placed.book.status == "paused"

    deliver_notice_events()
    [statement] = smtp_inbox.to(placed.seller_a.email)
    assert "L. 716-9" in statement.get_body(("plain",)).get_content()
    receipt, outcome = smtp_inbox.to("nora@example.test")
    assert receipt["Subject"] != outcome["Subject"]
    link = re.search(r"https?://\S+/decisions/\S+/complaint/", outcome.get_body(("plain",)).get_content())
    assert link is not None
    visitor.goto(link.group(0))
    assert visitor.locator("textarea#id_text").count() == 1
    problems["complaint"] = describe(axe_violations(visitor, source))
    assert {name: found for name, found in problems.items() if found} == {}
