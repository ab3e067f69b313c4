"""Scripts in what users type, in Chromium: the world full of payloads (tests/hostile/) walked
once by a visitor, its customer, its seller and the operator, with the Content Security Policy
switched off (``bypass_csp``: the strict CSP would block an inline script and hide an escaping
hole). On every page no dialog opens and the DOM holds no injected element, handler, script or
``javascript:`` link (tests/hostile/corpus.py, ``DOM_CHECK``).

The admin's pages are those of the models that hold typed text (their list and first form);
tests/hostile/test_scripts_in_pages.py reads every admin page's HTML.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.steps import sign_in
from tests.factories import make_user
from tests.hostile.conftest import _payout_dir as _payout_dir
from tests.hostile.conftest import hostile as hostile
from tests.hostile.conftest import paid as paid
from tests.hostile.conftest import shop as shop
from tests.hostile.conftest import world as world
from tests.hostile.corpus import DOM_CHECK
from tests.hostile.pages import area_pages, storefront_pages
from tests.hostile.world import TYPED

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"  # the factories' (tests/factories.py)


def _typed_admin_pages() -> list[str]:
    urls = []
    for model in TYPED:
        if model not in admin.site._registry:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_change", args=[first])]
    return urls


def _walk(page, base: str, urls: list[str], report: dict) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in urls:
        dialogs.clear()
        try:
            response = page.goto(base + url, wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file (an invoice, a label): not a page
            raise
        assert response is not None and response.status < 500, (url, response and response.status)
        if not (response.headers.get("content-type") or "").startswith("text/html"):
            continue
        found = page.evaluate(DOM_CHECK)
        report["pages"] += 1
        if dialogs or found:
            report["holes"][url] = [*dialogs, *found]
        report["dialogs"] += len(dialogs)


def test_no_page_opens_a_dialog_or_holds_an_injected_element(hostile, live_server, browser):
    base, kwargs = live_server.url, hostile["kwargs"]
    pages = storefront_pages(kwargs, hostile["query"])
    report = {"pages": 0, "dialogs": 0, "holes": {}}
    options = {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}

    visitor = browser.new_context(**options).new_page()
    _walk(visitor, base, pages["visitor"], report)

    customer = browser.new_context(**options).new_page()
    storefront = pages["visitor"][0]  # the home: /s/<code>/
    sign_in(customer, f"{base}{storefront}account/login/", hostile["customer"].email, PASSWORD)
    _walk(customer, base, pages["customer"], report)

    seller = browser.new_context(**options).new_page()
    sign_in(seller, f"{base}/sell/login/", hostile["owner_a"].email, PASSWORD)
    _walk(seller, base, [*area_pages("seller_area", kwargs), *hostile["also"]], report)

    operator = browser.new_context(**options).new_page()
    superuser = make_user(is_staff=True, is_superuser=True)
    sign_in(operator, f"{base}/admin/login/", superuser.email, PASSWORD)
    _walk(operator, base, [*area_pages("back_office", kwargs), *_typed_admin_pages()], report)

    assert not report["holes"], report["holes"]
    assert report["dialogs"] == 0 and report["pages"] >= 100, report
    print(f"hostile input: {report['pages']} pages in Chromium, {report['dialogs']} dialogs")

    # The watch sees a hole when there is one: the same payload, unescaped, with the CSP off.
    probe, dialogs = browser.new_context(**options).new_page(), []
    probe.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    probe.set_content('<p>"><img id=xss01 src=x onerror=alert("xss01")></p>')
    probe.wait_for_timeout(200)
    assert dialogs == ["xss01"] and probe.evaluate(DOM_CHECK) == ["<IMG id=xss01>", "<IMG onerror>"]
