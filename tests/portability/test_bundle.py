"""The storefront bundle (docs/storefront-bundle.md): export, import into an empty installation,
the round trip byte for byte, damaged bundles refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from galerie.accounts.models import User
from galerie.catalog.models import Product
from galerie.offers.models import Offer, PriceHistory
from galerie.orders.models import Order, SellerOrder
from galerie.portability.errors import BundleConflict, BundleInvalid
from galerie.portability.export import storefront_export
from galerie.portability.format import MANIFEST, VOLATILE
from galerie.portability.importer import storefront_import
from galerie.reviews.models import RatingSummary, Review, ReviewRequest
from galerie.reviews.services import review_report, review_requests_send
from galerie.sellers.models import Seller
from galerie.storefronts.models import Storefront
from tests.factories import make_user
from tests.portability.world import build_world, wipe_database

pytestmark = pytest.mark.django_db


def files_of(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def stable_manifest(path: Path) -> dict:
    manifest = json.loads((path / MANIFEST).read_text())
    for name in VOLATILE:
        manifest.pop(name)
    return manifest


@pytest.fixture
def exported(tmp_path):
    world = build_world()
    path = tmp_path / "bundle"
    storefront_export(storefront=world["storefront"], path=path)
    return world, path


def test_round_trip_gives_the_same_bundle_byte_for_byte(exported, tmp_path):
    _world, first = exported
    wipe_database()
    assert not Storefront.objects.exists() and not Product.objects.exists()

    storefront = storefront_import(path=first)
    second = tmp_path / "again"
    storefront_export(storefront=storefront, path=second)

    a, b = files_of(first), files_of(second)
    assert a.keys() == b.keys()
    for name in a:
        if name != MANIFEST:
            assert a[name] == b[name], name
    assert stable_manifest(first) == stable_manifest(second)
    assert set(json.loads((first / MANIFEST).read_text())["volatile"]) == {"exported_at", "source"}


def test_the_bundle_carries_every_kind_of_row(exported):
    _world, path = exported
    manifest = json.loads((path / MANIFEST).read_text())
    rows = {name: facts.get("rows") for name, facts in manifest["files"].items()}
    assert rows["products.jsonl"] == 2  # in the scope; not the category elsewhere
    assert rows["categories.jsonl"] == 4
    assert rows["sellers.jsonl"] == 2
    assert rows["offers.jsonl"] == 3
    assert rows["orders.jsonl"] == 2
    assert rows["customers.jsonl"] == 2
    assert sum(1 for name in manifest["files"] if name.startswith("media/")) == 4  # 2 images + thumbnails
    text = (path / "customers.jsonl").read_text() + (path / "orders.jsonl").read_text()
    assert "anne@example.test" in text and "Anne Martin" in text
    # The customer who did not consent: a pseudonym, no e-mail, no name, no address.
    assert "paul" not in text.lower() and "Durand" not in text
    order = next(json.loads(line) for line in (path / "orders.jsonl").read_text().splitlines())
    assert len(order["seller_orders"]) == 2


def test_import_recreates_the_storefront(exported):
    world, path = exported
    novel_uuid = world["novel"].uuid
    wipe_database()
    storefront = storefront_import(path=path)
    assert storefront.code == world["storefront"].code
    assert sorted(storefront.hosts.values_list("host", flat=True)) == [
        "books.example.test",
        "www.books.example.test",
    ]
    offer = Offer.objects.get(price_minor=1500)
    # The prior price survives: the history has the 20.00 before the 15.00.
    assert list(PriceHistory.objects.filter(offer=offer).values_list("price_minor", flat=True)) == [
        2000,
        1500,
    ]
    assert Product.objects.get(uuid=novel_uuid).images.count() == 2
    order = Order.objects.get(number=world["order"].number)
    assert SellerOrder.objects.filter(order=order).count() == 2
    assert order.placed_at == world["order"].placed_at
    anne = User.objects.get(email="anne@example.test")
    assert anne.transfer_consent and anne.full_name == "Anne Martin" and not anne.has_usable_password()
    pseudonymous = User.objects.exclude(pk=anne.pk).get()
    assert pseudonymous.email.endswith("@pseudonymised.invalid") and not pseudonymous.is_active
    assert Order.objects.get(customer=pseudonymous).ship_name == ""


def test_old_urls_answer_301_after_the_import(exported, client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    world, path = exported
    novel_slug = world["novel"].slug
    code = world["storefront"].code
    wipe_database()
    storefront_import(path=path)
    response = client.get(f"/s/{code}/p/vingt-mille-lieues-old/?ref=1")
    assert response.status_code == 301
    assert response["Location"] == f"/s/{code}/p/{novel_slug}/?ref=1"
    on_host = client.get("/p/vingt-mille-lieues-old/", HTTP_HOST="books.example.test")
    assert on_host.status_code == 301 and on_host["Location"] == f"/p/{novel_slug}/"
    assert client.get(f"/s/{code}/p/never-was/").status_code == 404


def counts() -> dict[str, int]:
    return {
        "storefronts": Storefront.objects.count(),
        "products": Product.objects.count(),
        "offers": Offer.objects.count(),
        "users": User.objects.count(),
        "orders": Order.objects.count(),
    }


def rewrite_manifest(path: Path, change) -> None:
    manifest = json.loads((path / MANIFEST).read_text())
    change(manifest)
    (path / MANIFEST).write_text(json.dumps(manifest))


def damage_checksum(path: Path) -> None:
    # Still valid lines, one stock changed: only the checksum tells.
    text = (path / "offers.jsonl").read_text()
    stock = re.search(r'"stock":(\d+)', text)
    assert stock is not None
    text = text.replace(stock.group(0), f'"stock":{int(stock.group(1)) + 1}', 1)
    (path / "offers.jsonl").write_text(text)


def truncate_products(path: Path) -> None:
    data = (path / "products.jsonl").read_bytes()
    (path / "products.jsonl").write_bytes(data[:-40])

    def same_facts(manifest):  # a truncation the manifest agrees with: the line must tell
        manifest["files"]["products.jsonl"]["bytes"] = len(data) - 40
        manifest["files"]["products.jsonl"]["sha256"] = hashlib.sha256(data[:-40]).hexdigest()

    rewrite_manifest(path, same_facts)


def cut_products(path: Path) -> None:
    data = (path / "products.jsonl").read_bytes()
    (path / "products.jsonl").write_bytes(data[:-40])  # the manifest still has the whole file


CUT = "products.jsonl, line 2: the line is cut short (no end of line): the file is truncated (and "


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (cut_products, CUT),
        (damage_checksum, "offers.jsonl: its SHA-256 is not the manifest's"),
        (lambda path: (path / "sellers.jsonl").unlink(), "sellers.jsonl: missing"),
        (
            lambda path: rewrite_manifest(path, lambda m: m.update(version=99)),
            "manifest.json: version 99 is unknown",
        ),
        (truncate_products, "products.jsonl, line 2: the line is cut short"),
    ],
    ids=["cut-file", "bad-checksum", "missing-file", "unknown-version", "truncated-line"],
)
def test_a_damaged_bundle_is_refused_before_anything_is_written(exported, damage, where):
    _world, path = exported
    wipe_database()
    damage(path)
    before = counts()
    with pytest.raises(BundleInvalid) as refused:
        storefront_import(path=path)
    assert str(refused.value).startswith(where), str(refused.value)
    assert counts() == before == {k: 0 for k in before}


def test_a_reference_to_nothing_is_refused_with_its_line(exported):
    _world, path = exported
    wipe_database()
    lines = (path / "offers.jsonl").read_text().splitlines(keepends=True)
    row = json.loads(lines[1])
    row["variant"] = "00000000-0000-0000-0000-000000000000"
    lines[1] = json.dumps(row) + "\n"
    data = "".join(lines).encode()
    (path / "offers.jsonl").write_bytes(data)

    def facts(manifest):
        manifest["files"]["offers.jsonl"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    rewrite_manifest(path, facts)
    with pytest.raises(BundleInvalid, match=r"^offers.jsonl, line 2: variant '0{8}-"):
        storefront_import(path=path)
    assert counts()["storefronts"] == 0


def test_an_existing_storefront_or_key_is_refused(exported):
    world, path = exported
    before = counts()
    code = world["storefront"].code
    with pytest.raises(BundleConflict, match=f"storefronts.Storefront.code={code}") as refused:
        storefront_import(path=path)
    assert str(refused.value).startswith(f"a storefront with code '{code}' exists here already")
    assert counts() == before


def test_the_command_exports_and_imports_with_a_summary(exported, tmp_path):
    world, _ = exported
    code = world["storefront"].code
    out = io.StringIO()
    # A report still open is said: reports do not travel.
    review_report(review_id=world["reviews"]["published"].pk, reporter=make_user(), reason="spam")
    call_command("storefront", "export", code, str(tmp_path / "cmd"), stdout=out, verbosity=0)
    assert f"Exported {code} to" in out.getvalue() and "2 products, 3 offers" in out.getvalue()
    assert (
        "3 reviews" in out.getvalue()
        and "(1 reviews with open reports: reports do not travel" in out.getvalue()
    )
    with pytest.raises(
        CommandError, match=f"Bundle refused, nothing written: a storefront with code '{code}' exists"
    ):
        call_command("storefront", "import", str(tmp_path / "cmd"), stdout=io.StringIO(), verbosity=0)
    wipe_database()
    out = io.StringIO()
    call_command("storefront", "import", str(tmp_path / "cmd"), stdout=out, verbosity=0)
    assert f"Imported {code}" in out.getvalue()
    # The closure's actions of the same command still answer.
    out = io.StringIO()
    call_command("storefront", "status", code, stdout=out)
    assert out.getvalue().strip()


def test_a_line_that_cannot_be_written_rolls_everything_back(exported, settings):
    _world, path = exported
    wipe_database()
    lines = (path / "offers.jsonl").read_text().splitlines(keepends=True)
    row = json.loads(lines[-1])
    row["price_minor"] = -5  # the database's check refuses it, after the products were written
    lines[-1] = json.dumps(row) + "\n"
    data = "".join(lines).encode()
    (path / "offers.jsonl").write_bytes(data)

    def facts(manifest):
        manifest["files"]["offers.jsonl"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    rewrite_manifest(path, facts)
    media = Path(settings.MEDIA_ROOT)
    files_before = sorted(media.rglob("*")) if media.exists() else []
    with pytest.raises(BundleInvalid, match=rf"^offers.jsonl, line {len(lines)}: cannot be written"):
        storefront_import(path=path)
    assert counts() == {k: 0 for k in counts()}
    assert (sorted(media.rglob("*")) if media.exists() else []) == files_before


def test_categories_carry_their_path_of_slugs(exported):
    _world, path = exported
    rows = [json.loads(line) for line in (path / "categories.jsonl").read_text().splitlines()]
    by_slug = {row["slug"]: row for row in rows}
    for row in rows:
        expected = f"{by_slug[row['parent']]['path']}/{row['slug']}" if row["parent"] else row["slug"]
        assert row["path"] == expected
    assert max(row["path"].count("/") for row in rows) == 2  # Books / Novels / Adventure


def test_the_bundle_carries_the_reviews_without_a_pseudonym_s_name(exported):
    world, path = exported
    rows = {r["uuid"]: r for r in map(json.loads, (path / "reviews.jsonl").read_text().splitlines())}
    reviews = world["reviews"]
    assert set(rows) == {str(r.uuid) for r in reviews.values()}
    replied, hidden, published = (rows[str(reviews[k].uuid)] for k in ("replied", "hidden", "published"))
    assert (replied["author_name"], replied["product_stars"], replied["seller_stars"]) == ("Anne M.", 5, 4)
    assert (replied["title"], replied["text"], replied["reply_text"]) == (
        "Superbe",
        "Bien\nlu.",
        "Merci Anne !",
    )
    assert replied["replied_at"].endswith("Z") and replied["status"] == "published"
    assert (hidden["status"], hidden["hidden_reason"]) == ("hidden", "Not about the product")
    # Paul did not consent: his review travels, his name does not (shown as "A customer").
    assert Review.objects.get(uuid=published["uuid"]).author_name == "Paul D."
    assert published["author_name"] == "" and "Paul" not in (path / "reviews.jsonl").read_text()
    # The line: its seller order's number and its position among that seller order's lines.
    order = next(json.loads(line) for line in (path / "orders.jsonl").read_text().splitlines())
    part = next(so for so in order["seller_orders"] if so["number"] == hidden["seller_order"])
    assert hidden["order"] == order["number"] and len(part["lines"]) == 2
    assert part["lines"][hidden["line"] - 1]["product_title"] == reviews["hidden"].order_line.product_title
    assert part["lines"][hidden["line"] - 1]["offer"] == str(reviews["hidden"].order_line.offer.uuid)
    assert all(so["review_requested_at"] for so in order["seller_orders"])
    assert json.loads((path / MANIFEST).read_text())["version"] == 2


def summaries() -> set[tuple[str, str, int, int, int]]:
    """Every rating summary by natural keys: (kind, subject, count, stars sum, average × 100)."""
    names = {
        "product": dict(Product.objects.values_list("pk", "uuid")),
        "seller": dict(Seller.objects.values_list("pk", "uuid")),
    }
    return {
        (s.kind, str(names[s.kind][s.subject_id]), s.count, s.stars_sum, s.average_centi)
        for s in RatingSummary.objects.exclude(count=0)
    }


def test_import_recreates_the_reviews_and_their_summaries(exported):
    world, path = exported
    before = summaries()
    source = {
        str(r.uuid): (
            r.order_line.product_title,
            str(r.order_line.offer.uuid),
            r.status,
            r.hidden_reason,
            r.reply_text,
            r.replied_at,
            r.created_at,
        )
        for r in Review.objects.select_related("order_line__offer")
    }
    recent_before = RatingSummary.objects.get(kind="product", subject_id=world["novel"].pk).recent
    wipe_database()
    storefront = storefront_import(path=path)
    imported = Review.objects.filter(storefront=storefront).select_related("order_line__offer", "customer")
    assert {
        str(r.uuid): (
            r.order_line.product_title,
            str(r.order_line.offer.uuid),
            r.status,
            r.hidden_reason,
            r.reply_text,
            r.replied_at,
            r.created_at,
        )
        for r in imported
    } == source
    for review in imported:  # product, seller and customer are the line's, its order's
        assert review.product_id == review.order_line.variant.product_id
        assert review.seller_id == review.seller_order.seller_id == review.order_line.seller_order.seller_id
        assert review.customer_id == review.seller_order.order.customer_id
    assert {r.customer.email: r.author_name for r in imported if not r.customer.transfer_consent} == {
        User.objects.get(transfer_consent=False).email: ""
    }
    # The summaries, recomputed: the same figures as at the source (the hidden review left out).
    assert summaries() == before
    assert ("product", str(world["novel"].uuid), 2, 8, 400) in before
    novel = Product.objects.get(uuid=world["novel"].uuid)
    recent = RatingSummary.objects.get(storefront=storefront, kind="product", subject_id=novel.pk).recent
    assert [(r["uuid"], r["author"], r["reply"]) for r in recent] == [
        (r["uuid"], "" if r["author"] == "Paul D." else r["author"], r["reply"]) for r in recent_before
    ]
    # The review requests went already: the job does not ask these customers again.
    assert ReviewRequest.objects.count() == 3
    assert review_requests_send() == 0


def test_a_version_1_bundle_is_read_as_having_no_reviews(exported):
    _world, path = exported
    (path / "reviews.jsonl").unlink()

    def as_version_1(manifest):
        manifest["version"] = 1
        del manifest["files"]["reviews.jsonl"]

    rewrite_manifest(path, as_version_1)
    wipe_database()
    storefront = storefront_import(path=path)
    assert Order.objects.filter(storefront=storefront).count() == 2
    assert not Review.objects.exists() and not RatingSummary.objects.exists()


def rewrite_review(path: Path, change) -> None:
    lines = (path / "reviews.jsonl").read_text().splitlines(keepends=True)
    row = json.loads(lines[0])
    change(row)
    lines[0] = json.dumps(row) + "\n"
    data = "".join(lines).encode()
    (path / "reviews.jsonl").write_bytes(data)
    rewrite_manifest(
        path,
        lambda m: m["files"]["reviews.jsonl"].update(
            bytes=len(data), sha256=hashlib.sha256(data).hexdigest()
        ),
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda row: row.update(line=3), r"line 3 of seller order '.+' is not in the bundle"),
        (lambda row: row.update(seller_order="XX-0"), r"seller order 'XX-0' is not in the bundle"),
        (lambda row: row.update(order="XX-0"), r"seller order '.+' is not part of order 'XX-0'"),
        (lambda row: row.update(customer="0" * 8), r"customer '0{8}' is not the customer of order"),
        (lambda row: row.update(status="gone"), r"unknown status 'gone'"),
    ],
    ids=["no-such-line", "no-such-seller-order", "another-order", "not-the-buyer", "unknown-status"],
)
def test_a_review_that_refers_to_nothing_is_refused_with_its_line(exported, change, reason):
    _world, path = exported
    wipe_database()
    rewrite_review(path, change)
    with pytest.raises(BundleInvalid, match=rf"^reviews.jsonl, line 1: {reason}"):
        storefront_import(path=path)
    assert counts() == {k: 0 for k in counts()} and not Review.objects.exists()
