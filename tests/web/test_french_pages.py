"""Every page of the seller area and the back office speaks French to a French visitor.

The pages are walked from the URL confs with the isolation test's objects (so a new route is
covered automatically) and rendered with ``Accept-Language: fr``. A page fails when one of its
text nodes or labelling attributes is an English message id that the French catalog translates
(the message was not translated when shown: an eager gettext at import time, a choice not
marked, a label built from a raw value), or one of a few English words that never come from the
catalog (statuses and kinds shown raw, dates written the English way).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from django.contrib.auth.models import Permission
from django.urls import reverse

from galerie.catalog.models import ProductProposal
from galerie.sellers.models import Seller
from tests.factories import make_storefront, make_user
from tests.test_translations import PO
from tests.web.test_become_seller import form_data
from tests.web.test_isolation import _methods, _routes, _url
from tests.web.test_isolation import _payout_dir as _payout_dir
from tests.web.test_isolation import paid as paid
from tests.web.test_isolation import shop as shop
from tests.web.test_isolation import world as world

pytestmark = pytest.mark.django_db(transaction=True)

# English that reaches a page without going through the catalog: raw values and English dates.
ENGLISH_WORDS = {
    "Applied", "Approved", "Pending", "Admitted", "Owner", "Shipping clerk", "Manager",
    "carried_forward", "reserve_held", "reserve_released", "sale", "commission", "View", "CSV",
    "Identity document", "Flat rate", "Per item", "identity", "per_item", "flat",
    "shipping_clerk", "applied", "approved", "pending", "admitted", "like_new", "refurbished",
}  # fmt: skip
ENGLISH_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d")
LABELS = ("placeholder", "aria-label", "title", "alt")
# Text that is the same in both languages, or data (a product's own title), not UI.
SAME_IN_FRENCH = {
    "Total",
    "Type",
    "Page",
    "Notes",
    "Description",
    "Date",
    "Position",
    "Commission",
    "Commissions",
    "Code",
    "Message",
    "Contact",
    "Document",
    "Documents",
    "Actions",
    "Action",
    "Article",
    "Articles",
    "Stock",
    "Note",
    "Statut",
    "Source",
    "Format",
    "Transport",
    "Mode",
    "Email",
    "Total TTC",
    "Options",
    "Surface",
    "Minimum",
    "Maximum",
    "Distance",
    "Science",
    "Local",
    "Fiction",
    "Bonus",
    "Initiales",
    "Destination",
    "Menu",
    "Question",
    "Principal",
    "Service",
    "Services",
    "Web",
    "Site web",
    "Max",
    "Min",
    "Marketplace",
    "Galerie",
    "API",
    "SKU",
    "EAN",
    "GTIN",
    "SIREN",
    "SIRET",
    "IBAN",
    "BIC",
    "TVA",
    "CSV",
    "XLSX",
    "PDF",
    "URL",
    "ERP",
    "Reference",
    "Variante",
    "ISBN-13",
}


class _Text(HTMLParser):
    """The visible text nodes and labelling attributes of a page (not scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in LABELS and value:
                self.found.append(value.strip())
            if (
                tag == "input"
                and name == "value"
                and dict(attrs).get("type") in ("submit", "button")
                and value
            ):
                self.found.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.found.append(" ".join(data.split()))


@pytest.fixture(scope="module")
def translated_msgids() -> set[str]:
    """English message ids whose French translation differs from them."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    ids = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        if target and target != source and "%" not in source and "{" not in source:
            ids.add(" ".join(source.split()))
    return ids - SAME_IN_FRENCH


def _english(html: str, msgids: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for text in parser.found:
        if text in SAME_IN_FRENCH:
            continue
        if text in msgids or text in ENGLISH_WORDS or ENGLISH_DATE.search(text):
            found.append(text)
    return found


def _walk(client, namespace: str, kwargs: dict, skip: set[str] = frozenset()) -> dict[str, list[str]]:
    pages = {}
    for route in _routes(namespace):
        if route.name in skip or "GET" not in _methods(route.callback):
            continue
        url = _url(route, namespace, kwargs)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, (route.name, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            continue
        assert response["Content-Language"] == "fr", route.name
        pages[route.name] = response.content.decode()
    return pages


def test_every_seller_area_page_is_french(client, world, translated_msgids):
    seller = world["a"]
    client.force_login(world["owner_a"])
    Seller.objects.filter(pk=seller.pk).update(status="applied")
    response = client.get(reverse("seller_area:application"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    application = response.content.decode()
    Seller.objects.filter(pk=seller.pk).update(status="approved")
    # The sign-in and invitation pages are for visitors.
    pages = _walk(
        client, "seller_area", world["kwargs"], skip={"login", "logout", "invitation", "application"}
    )
    pages["application"] = application
    client.logout()
    pages["login"] = client.get(reverse("seller_area:login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert len(pages) >= 20
    english = {name: found for name, page in pages.items() if (found := _english(page, translated_msgids))}
    assert not english, f"English on French seller pages: {english}"


def test_the_seller_application_form_and_its_errors_are_french(client, translated_msgids):
    here = make_storefront(code="atelier", name="Atelier Onze", default_language="fr")
    page = client.get("/s/atelier/become-a-seller/").content.decode()
    assert not _english(page, translated_msgids)
    data = form_data(
        storefronts=[here.pk], iban="FR76 3000 6000 0112 3456 7890 188", trade_register_number="123"
    )
    data.update(phone="12", vat_number="FR00123", postal_code="x")
    response = client.post("/s/atelier/become-a-seller/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"iban", "trade_register_number"} <= errors.keys(), errors
    page = response.content.decode()
    assert not _english(page, translated_msgids)
    for field, messages in errors.items():
        for message in messages:
            assert message not in translated_msgids and not re.search(
                r"\b(?:invalid|is|the|not)\b", message
            ), (
                field,
                message,
            )
    # The model's own rules speak French too.
    data = form_data(storefronts=[here.pk], trade_register_number="", certifies_compliance=None)
    response = client.post("/s/atelier/become-a-seller/", data)
    errors = response.context["form"].errors
    assert errors["trade_register_number"] == [
        "Un vendeur professionnel doit indiquer son numéro d’immatriculation (SIREN ou SIRET en France)."
    ]
    assert "certifies_compliance" in errors and "must" not in str(errors["certifies_compliance"])
    # The countries are the real ones, named in French and sorted the French way.
    countries = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', page)
    codes = [code for code, _ in countries]
    assert {"FR", "DE", "BE", "CH", "US"} <= set(codes)
    assert not {"XA", "XB", "EU", "EZ", "UN", "QO", "CQ", "ZZ"} & set(codes)
    names = dict(countries)
    assert names["DE"] == "Allemagne" and names["AE"] == "Émirats arabes unis"
    assert [n for _, n in countries].index("Émirats arabes unis") < [n for _, n in countries].index(
        "Équateur"
    )
    assert [n for _, n in countries].index("Émirats arabes unis") < [n for _, n in countries].index("Espagne")


def test_every_back_office_page_is_french(client, world, translated_msgids):
    ProductProposal.objects.filter(pk=world["kwargs"]["proposal_id"]).update(
        price_minor=1250, currency="EUR", condition="like_new", stock=2
    )
    Seller.objects.filter(pk=world["a"].pk).update(status="applied")
    staff = make_user(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["storefronts", "terms"])
    )
    client.force_login(staff)
    pages = _walk(client, "back_office", world["kwargs"])
    assert len(pages) >= 7
    # A seller's status agrees with « candidature » / « boutique », not with an import's « Appliqué ».
    assert "Candidature déposée" in pages["seller"] and "Appliqué" not in pages["seller"]
    english = {name: found for name, page in pages.items() if (found := _english(page, translated_msgids))}
    assert not english, f"English on French back-office pages: {english}"


def test_the_check_finds_english(translated_msgids):
    assert _english("<p>Shipping clerk</p><td>Dec 4, 2026</td><td>04/12/2026</td>", translated_msgids) == [
        "Shipping clerk",
        "Dec 4, 2026",
    ]
    assert _english('<p>Commandes</p><input placeholder="Rechercher">', translated_msgids) == []


def test_the_statement_names_its_rows_and_dates_them_the_french_way(client, world):
    client.force_login(world["owner_a"])
    url = reverse("seller_area:statement", kwargs={"payout_id": world["kwargs"]["payout_id"]})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for label in ("Report", "Commande", "Réserve retenue", "Virement"):
        assert f'data-label="Type">{label}</th>' in page, label
    assert "carried_forward" not in re.sub(r'data-type="[a-z_]+"', "", page)
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">\d{2}/\d{2}/\d{4}</time>', page)
    assert 'class="table-scroll"' in page  # the wide table scrolls in its own box
    money = client.get(reverse("seller_area:money"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    ref = f"GALERIE-P{world['kwargs']['payout_id']}"
    assert f">Relevé {ref}</a>" in money and f">{ref} en CSV</a>" in money


def test_amounts_come_back_with_the_decimal_separator_they_were_typed_with(client, world):
    from galerie.sellers.models import ShippingProfile

    ShippingProfile.objects.update_or_create(seller=world["a"], defaults={"base_minor": 390, "kind": "flat"})
    client.force_login(world["owner_a"])
    french = client.get(reverse("seller_area:shop"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(reverse("seller_area:shop"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="3,90"' in french and 'value="3.90"' not in french
    assert 'value="3.90"' in english
    url = reverse("seller_area:offer_edit_row", kwargs={"offer_id": world["kwargs"]["offer_id"]})
    editor = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'value="19,90"' in editor  # the inline price editor of the book at 19.90


def test_english_dates_are_unambiguous(client, world):
    from galerie.ledger.models import Payout

    payout = Payout.objects.get(pk=world["kwargs"]["payout_id"])
    client.force_login(world["owner_a"])
    page = client.get(reverse("seller_area:money"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    day = payout.run.run_date
    assert f"<td>{day.day} {day.strftime('%b')} {day.year}</td>" in page
    assert f"{day.month:02d}/{day.day:02d}/{day.year}" not in page
    french = client.get(reverse("seller_area:money"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"<td>{day.day:02d}/{day.month:02d}/{day.year}</td>" in french


def test_the_staff_invitation_speaks_of_joining_the_shop_not_of_being_a_customer(client, world):
    # The world's invitation was made with the token "x" (its hash is sha256("x")).
    page = client.get(reverse("seller_area:invitation", kwargs={"token": "x"}), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    html = page.content.decode()
    shop = world["a"].display_name
    assert f"Pas encore de compte\xa0? Créez-en un pour rejoindre l’équipe de {shop}" in html
    assert "Nouveau client" not in html and "New here" not in html
    english = client.get(reverse("seller_area:invitation", kwargs={"token": "x"}), HTTP_ACCEPT_LANGUAGE="en")
    assert f"No account yet? Create one to join the team of {shop}" in english.content.decode()


def test_the_landing_pages_back_office_link_goes_to_the_back_office(client, world):
    html = client.get("/").content.decode()
    assert f'href="{reverse("back_office:sellers")}"' in html
    assert 'href="/admin/"' not in html


def test_creating_an_offer_says_so_on_the_next_page(client, world):
    client.force_login(world["owner_a"])
    url = reverse("seller_area:offer_new", kwargs={"variant_id": world["kwargs"]["variant_id"]})
    data = {"condition": "new", "price": "3,90", "stock": "2", "lead_time_days": "2", "seller_sku": ""}
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr", follow=True)
    assert response.status_code == 200 and response.redirect_chain
    html = response.content.decode()
    assert '<div role="status"><ul class="messages">' in html and "Votre offre est en vente." in html
