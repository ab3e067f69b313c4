"""Steps several browser journeys share: signing in, and applying to sell on a storefront."""

from __future__ import annotations

from pathlib import Path


def sign_in(page, url: str, email: str, password: str) -> None:
    """Open a sign-in page (storefront, seller area or admin) and sign in."""
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_load_state()


def fill_seller_application(page, storefront_url: str, fields: dict[str, str], document: Path) -> None:
    """From a storefront's home, open "Sell on …" and fill in a trader's application with one
    document for each kind asked; the caller submits it (and may take a screenshot first)."""
    page.goto(storefront_url)
    page.locator("a[href$='/become-a-seller/']").first.click()
    page.wait_for_load_state()
    page.check("#id_kind_0")  # a trader
    for field, value in fields.items():
        page.fill(f"#id_{field}", value)
    page.check("#id_certifies_compliance")
    for kind in ("identity", "registration", "bank"):
        page.set_input_files(f"#id_document_{kind}", str(document))


def image_width(img) -> int:
    """The natural width of an image once it has loaded (scrolled into view: it may be lazy)."""
    img.scroll_into_view_if_needed()
    return img.evaluate(
        "img => img.complete && img.naturalWidth ? img.naturalWidth : new Promise(done =>"
        " img.addEventListener('load', () => done(img.naturalWidth), {once: true}))"
    )
