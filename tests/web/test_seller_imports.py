"""The seller area's bulk offer updates: upload, progress (htmx polling), report, errors CSV, template;
who may see what (owner, manager, shipping clerk, another seller, a customer, anonymous)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galerie.core.models import OutboxEvent
from galerie.offers.handlers import offer_import_queued
from galerie.offers.imports import offer_import_create
from galerie.offers.models import Offer, OfferImport, OfferImportError
from galerie.sellers.models import SellerMember
from tests.factories import make_offer, make_seller, make_staff_member, make_user, make_variant

pytestmark = pytest.mark.django_db
LIST = reverse("seller_area:imports")
TEMPLATE = reverse("seller_area:import_template")


def csv_file(text: str, name: str = "prices.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def detail(offer_import: OfferImport) -> str:
    return reverse("seller_area:import", kwargs={"import_id": offer_import.pk})


def errors_csv(offer_import: OfferImport) -> str:
    return reverse("seller_area:import_errors", kwargs={"import_id": offer_import.pk})


def run_queued() -> None:
    for event in OutboxEvent.objects.filter(topic="offer_import.queued"):
        offer_import_queued(event)


@pytest.fixture
def world():
    seller, rival = make_seller(), make_seller()
    owner = make_staff_member(seller, SellerMember.Role.OWNER)
    book = make_offer(seller=seller, seller_sku="BOOK-1", price_minor=1000, stock=2)
    offer_import = offer_import_create(
        seller=seller, by=owner, upload=csv_file("sku,price\nBOOK-1,12\nNOPE,1\n", "secret-a.csv")
    )
    run_queued()
    return {
        "seller": seller,
        "owner": owner,
        "manager": make_staff_member(seller, SellerMember.Role.MANAGER),
        "clerk": make_staff_member(seller, SellerMember.Role.SHIPPING_CLERK),
        "rival_owner": make_staff_member(rival, SellerMember.Role.OWNER),
        "customer": make_user(),
        "book": book,
        "import": OfferImport.objects.get(pk=offer_import.pk),
    }


# --- who may do what ------------------------------------------------------------------------------

EXPECTED = {  # actor -> (list page, template, detail, errors CSV)
    "anonymous": (302, 302, 302, 302),
    "customer": (403, 403, 403, 403),
    "clerk": (403, 403, 403, 403),
    "rival_owner": (200, 200, 404, 404),
    "manager": (200, 200, 200, 200),
    "owner": (200, 200, 200, 200),
}


@pytest.mark.parametrize("actor", EXPECTED)
def test_every_route_answers_each_actor_as_it_should_and_never_shows_another_sellers_import(
    client, world, actor
):
    if actor != "anonymous":
        client.force_login(world[actor])
    urls = [LIST, TEMPLATE, detail(world["import"]), errors_csv(world["import"])]
    codes = tuple(client.get(url).status_code for url in urls)
    assert codes == EXPECTED[actor]
    if actor == "rival_owner":
        assert b"secret-a.csv" not in client.get(LIST).content
    if actor == "anonymous":
        assert client.get(LIST)["Location"].startswith("/sell/login/")
    # A POST of a file by anyone but the seller's editors creates nothing for the seller.
    response = client.post(LIST, {"file": csv_file("sku,price\nBOOK-1,99\n")})
    mine = OfferImport.objects.filter(seller=world["seller"]).count()
    assert mine == (2 if actor in ("manager", "owner") else 1)
    if actor in ("anonymous", "customer", "clerk"):
        assert response.status_code in (302, 403)


# --- upload ----------------------------------------------------------------------------------------


def test_an_uploaded_file_is_queued_then_its_report_shows_the_counts_and_each_problem(client, world):
    client.force_login(world["manager"])
    variant = make_variant()
    content = f"sku;gtin;price;stock\nBOOK-1;;14,50;6\nNEW-1;{variant.gtin};3,00;1\nBAD;;x;1\n"
    response = client.post(LIST, {"file": csv_file(content)})
    offer_import = OfferImport.objects.filter(seller=world["seller"]).first()
    assert response.status_code == 302 and response["Location"] == detail(offer_import)
    assert (offer_import.status, offer_import.total_rows, offer_import.check_only) == ("queued", 3, False)
    assert offer_import.uploaded_by == world["manager"]
    page = client.get(detail(offer_import))
    assert b'hx-trigger="every 1s"' in page.content and b"htmx" in page.content
    run_queued()
    page = client.get(detail(offer_import)).content.decode()
    assert "status-import-applied" in page and "hx-trigger" not in page
    assert (
        "<strong>1</strong><span>offers created" in page and "<strong>1</strong><span>offers updated" in page
    )
    assert '<td class="num">4</td><td><code>price</code></td><td>x</td>' in page
    world["book"].refresh_from_db()
    assert (world["book"].price_minor, world["book"].stock) == (1450, 6)


def test_check_only_is_kept_and_nothing_changes(client, world):
    client.force_login(world["owner"])
    client.post(LIST, {"file": csv_file("sku,price\nBOOK-1,99\n"), "check_only": "on"})
    offer_import = OfferImport.objects.filter(seller=world["seller"]).first()
    assert offer_import.check_only
    run_queued()
    page = client.get(detail(offer_import)).content.decode()
    assert "status-import-checked" in page and "offers to update" in page and "nothing was changed" in page
    world["book"].refresh_from_db()
    assert world["book"].price_minor == 1200  # from the world's own import, not 99


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv"),
            "is an image (PNG)",
        ),
        (SimpleUploadedFile("doc.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "text/csv"), "is a PDF document"),
        (
            SimpleUploadedFile("prices.csv", "article;désignation\nA;1\n".encode(), "text/csv"),
            "must name the columns",
        ),
        (None, "This field is required"),
    ],
)
def test_a_bad_file_is_a_form_error_and_nothing_is_created(client, world, upload, message):
    client.force_login(world["owner"])
    before = OfferImport.objects.count(), OutboxEvent.objects.count()
    response = client.post(LIST, {"file": upload} if upload else {})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b'class="errorlist' in response.content
    assert (OfferImport.objects.count(), OutboxEvent.objects.count()) == before


def test_the_template_has_the_columns_and_two_rows_and_imports_as_it_is(client, world):
    client.force_login(world["owner"])
    response = client.get(TEMPLATE)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["sku", "gtin", "price", "stock", "condition", "lead_time_days"] and len(rows) == 3
    for row in rows[1:]:
        make_variant(gtin=row[1])
    client.post(LIST, {"file": csv_file(response.content.decode(), "template.csv")})
    run_queued()
    offer_import = OfferImport.objects.filter(seller=world["seller"]).first()
    assert (offer_import.status, offer_import.created_offers, offer_import.error_rows) == ("applied", 2, 0)
    created = Offer.objects.filter(seller=world["seller"]).exclude(pk=world["book"].pk).order_by("id")
    assert list(created.values_list("price_minor", "condition")) == [(1290, "new"), (750, "used")]


# --- progress and report ---------------------------------------------------------------------------


def test_the_progress_partial_polls_while_running_and_stops_when_done(client, world):
    client.force_login(world["owner"])
    offer_import = world["import"]
    OfferImport.objects.filter(pk=offer_import.pk).update(
        status="checking", total_rows=10_000, processed_rows=2500
    )
    partial = client.get(detail(offer_import), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section id="import-progress"') and "<html" not in partial
    assert 'hx-trigger="every 1s"' in partial and 'data-width="25"' in partial
    assert 'aria-valuenow="25"' in partial and "status-import-checking" in partial
    OfferImport.objects.filter(pk=offer_import.pk).update(status="applied", total_rows=2, processed_rows=2)
    partial = client.get(detail(offer_import), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "status-import-applied" in partial


def test_a_failed_import_says_why_and_that_nothing_was_applied(client, world):
    client.force_login(world["owner"])
    OfferImport.objects.filter(pk=world["import"].pk).update(status="failed", failure="The disk is full.")
    page = client.get(detail(world["import"])).content.decode()
    assert "Nothing was applied." in page and "The disk is full." in page and "status-import-failed" in page


def test_the_report_shows_the_first_200_problems_and_the_csv_has_them_all(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["owner"])
    OfferImportError.objects.bulk_create(
        OfferImportError(
            offer_import=world["import"], row=r, column="price", value="=HYPERLINK(1)", reason="bad"
        )
        for r in range(10, 260)
    )
    with django_assert_max_num_queries(10):
        page = client.get(detail(world["import"])).content.decode()
    assert page.count('<td class="num">') == 200
    assert "The first 200 problems" in page
    response = client.get(errors_csv(world["import"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert len(rows) == 1 + 251  # the world's own problem (row 3) and the 250 above
    assert rows[1][:2] == ["3", "sku"]
    assert rows[2] == ["10", "price", "'=HYPERLINK(1)", "bad"]  # never a live formula in a spreadsheet


def test_the_list_shows_the_latest_imports_with_their_status(client, world):
    client.force_login(world["owner"])
    page = client.get(LIST).content.decode()
    assert "secret-a.csv" in page and "status-import-applied" in page
    assert 'enctype="multipart/form-data"' in page and 'name="check_only"' in page
    assert reverse("seller_area:import_template") in page


# --- formulas, all-or-nothing, XLSX, reasons in French -------------------------------------------


def test_the_errors_csv_neutralises_a_value_starting_with_a_minus_formula(client, world):
    client.force_login(world["owner"])
    attack = "-2+3+cmd|' /C calc'!A0"
    OfferImportError.objects.create(
        offer_import=world["import"], row=9, column="sku", value=attack, reason="x"
    )
    response = client.get(errors_csv(world["import"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[-1] == ["9", "sku", "'" + attack, "x"]


def test_the_page_applies_a_file_only_when_every_row_is_valid_if_asked(client, world):
    client.force_login(world["owner"])
    page = client.get(LIST).content.decode()
    assert 'name="all_or_nothing"' in page
    response = client.post(LIST, {"file": csv_file("sku;prix\nBOOK-1;30\nNOPE;1\n"), "all_or_nothing": "on"})
    assert response.status_code == 302
    offer_import = OfferImport.objects.latest("id")
    assert offer_import.all_or_nothing
    run_queued()
    page = client.get(detail(offer_import)).content.decode()
    assert "Nothing was applied" in page and "only if every row is valid" in page
    assert "You have no offer with this SKU" in page  # the problems are listed
    world["book"].refresh_from_db()
    assert world["book"].price_minor == 1200  # the world's own import, not this one


def test_an_xlsx_upload_is_queued_without_being_parsed_and_a_hostile_one_refused(client, world):
    from tests.offers.test_imports_edge_cases import with_shared_strings, workbook

    client.force_login(world["owner"])
    good = SimpleUploadedFile("prix.xlsx", workbook([["Référence", "Prix"], ["BOOK-1", 14]]))
    response = client.post(LIST, {"file": good})
    assert response.status_code == 302
    run_queued()
    world["book"].refresh_from_db()
    assert world["book"].price_minor == 1400
    bomb = SimpleUploadedFile("bomb.xlsx", with_shared_strings(workbook([["sku", "price"]]), megabytes=100))
    before = OfferImport.objects.count()
    response = client.post(LIST, {"file": bomb})
    assert response.status_code == 400 and "more than an offer file can hold" in response.content.decode()
    assert OfferImport.objects.count() == before


def test_the_scope_and_formula_reasons_are_shown_in_the_sellers_language(client, world):
    from galerie.offers.imports.checks import OUTSIDE_SCOPE_REASON
    from galerie.offers.imports.rows import SKU_FORMULA_REASON

    client.force_login(world["owner"])
    for row, reason in ((7, OUTSIDE_SCOPE_REASON), (8, SKU_FORMULA_REASON)):
        OfferImportError.objects.create(offer_import=world["import"], row=row, column="gtin", reason=reason)
    page = client.get(detail(world["import"]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce produit n’est au catalogue d’aucune boutique où vous vendez." in page
    assert "un tableur l’exécuterait comme une formule" in page
    response = client.get(errors_csv(world["import"]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "aucune boutique où vous vendez" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_file_whose_every_row_fails_says_nothing_was_applied_not_applied(client, world):
    client.force_login(world["owner"])
    client.post(LIST, {"file": csv_file("sku;prix\nNOPE;30\nNADA;1\n")})
    offer_import = OfferImport.objects.latest("id")
    run_queued()
    offer_import.refresh_from_db()
    assert (offer_import.total_rows, offer_import.error_rows) == (2, 2)
    page = client.get(detail(offer_import)).content.decode()
    assert "No row was applied: every row of the file has a problem." in page
    assert "status-import-applied" not in page and "Nothing applied" in page
    # A file with one good row still reads as applied.
    page = client.get(detail(world["import"])).content.decode()
    assert "status-import-applied" in page and "No row was applied" not in page
