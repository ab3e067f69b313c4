"""Category listings, read from the search index: filters, facets, sorts and keyset pages,
checked against a brute force over the offers themselves (prices with shipping for one item)."""

import re
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from galerie.catalog.services import brand_create, product_create
from galerie.core.money import Money
from galerie.offers.selectors import category_subtree
from galerie.offers.services import offer_create
from galerie.pricing.shipping import ShippingRule
from galerie.reviews.models import RatingSummary
from galerie.search import listing
from galerie.search.listing import Cursor, ProductFilters, ProductSort, listing_facets, listing_page
from galerie.search.services import search_reindex
from galerie.sellers.models import ShippingProfile
from galerie.sellers.services import seller_suspend
from tests.factories import (
    SAFE_PRODUCT,
    TESTS,
    make_category,
    make_offer,
    make_product_type,
    make_seller,
    make_storefront,
    make_variant,
)

pytestmark = pytest.mark.django_db

PRICES = (500, 1000, 1000, 1250, 2000)  # ties on the best price must happen
CONDITIONS = ("new", "like_new", "refurbished", "used")
SELLABLE_SELLERS = {0, 1, 2}  # 3 is suspended, 4 is admitted to another storefront only


@dataclass
class World:
    shop: object
    categories: list  # novels, comics, books (the root), music (outside the scope)
    brands: list
    sellers: list
    product_type: object
    brand_slugs: list = field(default_factory=list)
    seller_slugs: list = field(default_factory=list)
    rules: list = field(default_factory=list)  # each seller's shipping
    elsewhere: object = None  # another storefront: its ratings must not count here


@pytest.fixture
def world():
    books = make_category("Books")
    novels = make_category("Novels", parent=books)
    comics = make_category("Comics", parent=books)
    music = make_category("Music")
    shop = make_storefront(code="books", scope=[books], hosts=["books.example.test"])
    elsewhere = make_storefront(scope=[books])
    brands = [brand_create(name=f"Brand {i}", slug=f"brand-{i}") for i in range(3)]
    sellers = [
        make_seller(storefronts=[shop]),
        make_seller(storefronts=[shop]),
        make_seller(storefronts=[shop], kind="private"),
        make_seller(storefronts=[shop]),
        make_seller(storefronts=[elsewhere]),
    ]
    seller_suspend(
        seller_id=sellers[3].pk, reason="Complaints (statement of reasons)", ground="Seller terms §7"
    )
    # Seller 1 ships for 3 €, free from 10 €; the others at the default rate.
    ShippingProfile.objects.create(seller=sellers[1], base_minor=300, free_above_minor=1000)
    w = World(shop, [novels, comics, books, music], brands, sellers, make_product_type())
    w.brand_slugs = [b.slug for b in brands]
    w.seller_slugs = [s.slug for s in sellers]
    for seller in sellers:
        seller.refresh_from_db()
    w.rules = [ShippingRule.of(getattr(s, "shipping_profile", None)) for s in sellers]
    w.elsewhere = elsewhere
    return w


offer_spec = st.tuples(
    st.sampled_from([0, 0, 1, 1, 2, 3, 4]),  # seller
    st.sampled_from(CONDITIONS),
    st.sampled_from(PRICES),
    st.sampled_from([0, 5, 5, 5, 5, 5, 5]),  # stock
    st.sampled_from(["EUR"] * 6 + ["USD"]),
)
product_spec = st.fixed_dictionaries(
    {
        "category": st.sampled_from([0, 0, 0, 1, 2, 3]),
        "brand": st.sampled_from([None, 0, 1, 2]),
        "published": st.sampled_from([True, True, True, True, False]),
        # The product's rating on the storefront (average × 100; None: no summary row): ties happen.
        "rating": st.sampled_from([None, None, 0, 250, 400, 400, 500]),
        "variants": st.lists(
            st.lists(offer_spec, min_size=1, max_size=4, unique_by=lambda o: (o[0], o[1])),
            min_size=1,
            max_size=2,
        ),
    }
)
filters_spec = st.fixed_dictionaries(
    {
        "brands": st.one_of(
            st.just([]), st.lists(st.sampled_from([0, 1, 2, 0, 1, 2, "missing"]), unique=True, max_size=2)
        ),
        "conditions": st.one_of(st.just([]), st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=3)),
        "sellers": st.one_of(
            st.just([]), st.lists(st.sampled_from([0, 1, 2, 0, 1, 2, 3, 4]), unique=True, max_size=3)
        ),
        "price_min": st.sampled_from([None, None, None, 800, 1000, 1490]),
        "price_max": st.sampled_from([None, None, None, 1000, 1250, 1490, 2490]),
    }
)


def build(world, products):
    """Create the catalog through the services; return a plain model of it for the brute force."""
    model = []
    for n, spec in enumerate(products):
        brand = world.brands[spec["brand"]] if spec["brand"] is not None else None
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=world.categories[spec["category"]],
            brand=brand,
            title=f"Item {n}",
            slug=f"item-{n}",
            attributes={"author": "Jules Verne"},
            status="published" if spec["published"] else "draft",
        )
        offers = []
        for offers_of_variant in spec["variants"]:
            variant = make_variant(product=product)
            for seller, condition, price, stock, currency in offers_of_variant:
                offer_create(
                    by=TESTS,
                    seller=world.sellers[seller],
                    variant=variant,
                    price=Money(price, currency),
                    stock=stock,
                    condition=condition,
                )
                offers.append(
                    {
                        "seller": seller,
                        "condition": condition,
                        "price": price,
                        "stock": stock,
                        "currency": currency,
                    }
                )
        if spec.get("rating") is not None:  # the summaries galerie.reviews keeps (the rating sort reads them)
            RatingSummary.objects.create(
                storefront=world.shop, kind="product", subject_id=product.pk, count=1,
                stars_sum=spec["rating"] // 100, average_centi=spec["rating"],
            )  # fmt: skip
        RatingSummary.objects.create(  # another storefront's rating, higher than any here: ignored
            storefront=world.elsewhere, kind="product", subject_id=product.pk, count=1, stars_sum=5,
            average_centi=600 + n,
        )  # fmt: skip
        model.append(
            {
                "id": product.pk,
                "rating": spec.get("rating") or 0,
                "category": spec["category"],
                "brand": brand.slug if brand else None,
                "published": spec["published"],
                "offers": offers,
            }
        )
    search_reindex(storefront_ids=[world.shop.pk])
    return model


def brute_force(world, model, categories, f: ProductFilters):
    """Return {product id: (best price, matching offers)} of the listed products, by hand."""
    listed = {}
    for p in model:
        if not p["published"] or p["category"] not in categories:
            continue
        if f.brands and p["brand"] not in f.brands:
            continue
        prices = [
            o["price"] + world.rules[o["seller"]].cost(items_minor=o["price"], quantity=1)
            for o in p["offers"]
            if o["seller"] in SELLABLE_SELLERS
            and o["stock"] > 0
            and o["currency"] == "EUR"
            and (not f.conditions or o["condition"] in f.conditions)
            and (not f.sellers or world.seller_slugs[o["seller"]] in f.sellers)
        ]
        prices = [
            price
            for price in prices
            if (f.price_min is None or price >= f.price_min) and (f.price_max is None or price <= f.price_max)
        ]
        if prices:
            listed[p["id"]] = (min(prices), len(prices), p["rating"])
    return listed


def ordered(listed, sort):
    rating = {pid: r for pid, (_, _, r) in listed.items()}
    rows = [(pid, best, n) for pid, (best, n, _) in listed.items()]
    if sort == ProductSort.RATING:  # best rated first, ties by product id as the other sorts
        return sorted(rows, key=lambda r: (-rating[r[0]], -r[0]))
    if sort == ProductSort.NEWEST:
        return sorted(rows, key=lambda r: -r[0])
    if sort == ProductSort.PRICE_ASC:
        return sorted(rows, key=lambda r: (r[1], r[0]))
    return sorted(rows, key=lambda r: (-r[1], -r[0]))


def walk_forward(shop, ids, filters, sort, limit):
    rows, cursor, pages = [], None, 0
    while True:
        page = listing_page(shop, category_ids=ids, filters=filters, sort=sort, after=cursor, limit=limit)
        assert (page.prev_cursor is None) == (pages == 0)
        assert len(page.products) <= limit
        rows += [(p.pk, p.best_price_minor, p.offer_count) for p in page.products]
        pages += 1
        if page.next_cursor is None:
            return rows
        assert len(page.products) == limit
        cursor = page.next_cursor


def walk_backward(shop, ids, filters, sort, limit):
    """Start past the end of the listing and follow the previous-page cursors to the start."""
    end = {
        ProductSort.NEWEST: Cursor(0),
        ProductSort.PRICE_ASC: Cursor(10**12, 10**12),
        ProductSort.PRICE_DESC: Cursor(0, 0),
        ProductSort.RATING: Cursor(0, 0),
    }[sort]
    pages, cursor = [], end
    while True:
        page = listing_page(shop, category_ids=ids, filters=filters, sort=sort, before=cursor, limit=limit)
        assert page.next_cursor is not None
        pages.insert(0, [(p.pk, p.best_price_minor, p.offer_count) for p in page.products])
        if page.prev_cursor is None:
            return [row for rows in pages for row in rows]
        cursor = page.prev_cursor


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    products=st.lists(product_spec, min_size=3, max_size=10),
    raw_filters=filters_spec,
    sort=st.sampled_from(list(ProductSort)),
    limit=st.integers(1, 3),
    whole_tree=st.booleans(),
    bound=st.integers(0, 4),
)
def test_listing_and_facets_match_a_brute_force(world, products, raw_filters, sort, limit, whole_tree, bound):
    with transaction.atomic():
        model = build(world, products)
        root = world.categories[2] if whole_tree else world.categories[0]
        ids = [c.pk for c in category_subtree(root)]
        categories = {i for i, c in enumerate(world.categories) if c.pk in ids}
        filters = ProductFilters(
            brands=tuple(
                world.brand_slugs[b] if b != "missing" else "missing" for b in raw_filters["brands"]
            ),
            conditions=tuple(raw_filters["conditions"]),
            sellers=tuple(world.seller_slugs[s] for s in raw_filters["sellers"]),
            price_min=raw_filters["price_min"],
            price_max=raw_filters["price_max"],
        )

        expected = ordered(brute_force(world, model, categories, filters), sort)
        event(f"products listed: {min(len(expected), 4)}{'+' if len(expected) > 3 else ''}")
        assert walk_forward(world.shop, ids, filters, sort, limit) == expected
        assert walk_backward(world.shop, ids, filters, sort, limit) == expected

        without_brands = brute_force(
            world, model, categories, ProductFilters(**{**vars_of(filters), "brands": ()})
        )
        brand_of = {p["id"]: p["brand"] for p in model}
        expected_brands = count_by(brand_of[pid] for pid in without_brands if brand_of[pid])
        expected_conditions = facet_by_offer(world, model, categories, filters, "conditions", "condition")
        expected_sellers = {
            world.seller_slugs[s]: n
            for s, n in facet_by_offer(world, model, categories, filters, "sellers", "seller").items()
        }
        # Computed from the entries, and read from the count table where it can (the category
        # given: the counts the indexer keeps for it).
        for scope in (None, root):
            facets = listing_facets(world.shop, category_ids=ids, filters=filters, category=scope)
            assert facets.total == len(expected) and facets.total_exact
            assert {o.value: o.count for o in facets.brands} == expected_brands
            selected = {o.value for o in facets.brands if o.selected}
            assert selected == set(filters.brands) & set(expected_brands)
            assert {o.value: o.count for o in facets.conditions if o.count} == expected_conditions
            assert {o.value: o.count for o in facets.sellers} == expected_sellers
            assert all(o.exact for o in [*facets.brands, *facets.conditions, *facets.sellers])

        # Bounded: beyond ``exact_up_to`` entries, a total that says "more than" and counts
        # that are lower bounds, flagged; exact ones stay exact.
        bounded = listing_facets(
            world.shop, category_ids=ids, filters=filters, category=root, exact_up_to=bound
        )
        if bounded.total_exact:
            assert bounded.total == len(expected)
        else:
            assert bounded.total == bound < len(expected)
        for options, expected_counts in (
            (bounded.brands, expected_brands),
            (bounded.conditions, expected_conditions),
            (bounded.sellers, expected_sellers),
        ):
            for o in options:
                if o.exact:
                    assert o.count == expected_counts.get(o.value, 0)
                else:  # a lower bound: the value is taken (or chosen) and its count not more
                    assert o.count <= expected_counts.get(o.value, 0)
                    assert o.count > 0 or o.selected
            if options and all(o.exact for o in options):
                assert {o.value: o.count for o in options if o.count} == expected_counts
        transaction.set_rollback(True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    products=st.lists(product_spec, min_size=3, max_size=12),
    raw_filters=filters_spec,
    limit=st.integers(1, 3),
    per_row=st.integers(1, 2),
)
def test_the_cheapest_first_page_matches_a_brute_force_with_few_candidates(
    world, products, raw_filters, limit, per_row
):
    """The first page of "price ascending" under offer filters reads ``per_row`` candidates per
    row in best-price order (listing._cheapest_first): whether they settle the page, fall short
    of it (four times as many are read, then every entry) or are every entry, the page is the
    brute force's first rows."""
    with transaction.atomic():
        model = build(world, products)
        ids = [c.pk for c in category_subtree(world.categories[2])]
        categories = {i for i, c in enumerate(world.categories) if c.pk in ids}
        filters = ProductFilters(
            # One condition: the best price is often another condition's, so the entries read
            # first are not always the cheapest under the filter.
            conditions=tuple(raw_filters["conditions"][:1]) or ("new",),
            sellers=tuple(world.seller_slugs[s] for s in raw_filters["sellers"]),
            price_max=raw_filters["price_max"],
        )
        expected = ordered(brute_force(world, model, categories, filters), ProductSort.PRICE_ASC)
        outcomes = []
        cheapest_first = listing._cheapest_first

        def recorded(*args, **kwargs):
            found = cheapest_first(*args, **kwargs)
            outcomes.append("settled" if found is not None else "read more")
            return found

        with (
            mock.patch.object(listing, "CHEAPEST_CANDIDATES_PER_ROW", per_row),
            mock.patch.object(listing, "_cheapest_first", recorded),
        ):
            page = listing_page(
                world.shop, category_ids=ids, filters=filters, sort=ProductSort.PRICE_ASC, limit=limit
            )
        assert outcomes  # the first page of a price sort under offer filters reads candidates
        event(outcomes[0])
        assert [(p.pk, p.best_price_minor, p.offer_count) for p in page.products] == expected[:limit]
        assert (page.next_cursor is not None) == (len(expected) > limit)
        transaction.set_rollback(True)


def test_entries_read_first_do_not_stay_first_when_their_filtered_price_is_higher(world):
    """Two entries whose best price is a used offer come first in best-price order, but their
    new offers cost more than a third entry's: with two candidates for a page of one, they
    settle nothing and the page is the third entry (read next), never one of them."""

    def spec(*offers):
        return {"category": 0, "brand": None, "published": True, "variants": [list(offers)]}

    model = build(
        world,
        [
            spec((0, "used", 500, 5, "EUR"), (1, "new", 2000, 5, "EUR")),
            spec((0, "used", 500, 5, "EUR"), (2, "new", 2000, 5, "EUR")),
            spec((0, "new", 1000, 5, "EUR")),
        ],
    )
    with mock.patch.object(listing, "CHEAPEST_CANDIDATES_PER_ROW", 1):
        page = listing_page(
            world.shop,
            category_ids=[world.categories[0].pk],
            filters=ProductFilters(conditions=("new",)),
            sort=ProductSort.PRICE_ASC,
            limit=1,
        )
    assert [p.pk for p in page.products] == [model[2]["id"]]


def vars_of(filters):
    return {name: getattr(filters, name) for name in ProductFilters.__dataclass_fields__}


def count_by(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def facet_by_offer(world, model, categories, filters, facet, key):
    """Products per value of an offer field, with every filter but the facet's own."""
    others = ProductFilters(**{**vars_of(filters), facet: ()})
    counts = {}
    for p in model:
        values = set()
        for o in p["offers"]:
            single = {"id": p["id"], **{k: v for k, v in p.items() if k != "offers"}, "offers": [o]}
            if brute_force(world, [single], categories, others):
                values.add(o[key])
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return counts


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def catalog(world):
    """Six novels of two brands, offered by two sellers in two conditions."""
    novels = world.categories[0]
    for n in range(6):
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=novels,
            brand=world.brands[n % 2],
            title=f"Roman {n}",
            slug=f"roman-{n}",
            attributes={"author": "Jules Verne"},
        )
        variant = make_variant(product=product)
        make_offer(seller=world.sellers[0], variant=variant, price_minor=1000 + 100 * n)
        make_offer(seller=world.sellers[2], variant=variant, price_minor=800 + 100 * n, condition="used")
    search_reindex()
    return world


def cards(page: str) -> list[str]:
    return re.findall(r'<span class="card-title">(.*?)</span>', page)


def test_filters_and_sort_from_the_query_string(client, catalog):
    novels = catalog.categories[0]
    url = f"/s/books/c/{novels.slug}/?sort=price_desc&brand=brand-0&condition=new&price_max=18"
    page = client.get(url).content.decode()
    # Brand 0: novels 0, 2, 4; new at 10, 12, 14 € plus 4.90 € shipping.
    assert cards(page) == ["Roman 2", "Roman 0"]
    assert "16,90\xa0€" in page and "14,90\xa0€" in page
    assert re.search(r'name="brand" value="brand-0" checked', page)
    assert re.search(r'name="condition" value="new" checked', page)
    assert 'value="18"' in page
    assert "2 produits" in page or "2 products" in page
    # The facets of the other filters keep their own counts: brand 1 has two novels new under 18 €.
    assert re.search(
        r'value="brand-1">\s*<span class="facet-label">Brand 1</span> <span class="facet-count">2<', page
    )


def test_beyond_the_bound_the_page_says_more_than_and_hides_the_counts(client, catalog, monkeypatch):
    monkeypatch.setattr("galerie.search.listing.FACETS_EXACT_UP_TO", 4)
    novels = catalog.categories[0]
    # Unfiltered: every count from the table, exact whatever the bound.
    page = client.get(f"/s/books/c/{novels.slug}/").content.decode()
    assert "6 produits" in page or "6 products" in page
    assert re.search(r'<span class="facet-label">Brand 1</span> <span class="facet-count">3<', page)
    # Under a price filter six products pass, more than the bound: "more than 4", and the facets
    # counted over the entries show their options without numbers.
    page = client.get(f"/s/books/c/{novels.slug}/?price_max=30").content.decode()
    assert "Plus de 4 produits" in page or "More than 4 products" in page
    assert re.search(r'value="brand-1">\s*<span class="facet-label">Brand 1</span>\s*</label>', page)
    assert 'class="facet-count"' not in page
    # Within the bound, exact again.
    page = client.get(f"/s/books/c/{novels.slug}/?price_max=30&brand=brand-1").content.decode()
    assert "3 produits" in page or "3 products" in page


def test_the_price_shown_is_the_best_offer_the_filters_allow(client, catalog):
    novels = catalog.categories[0]
    page = client.get(f"/s/books/c/{novels.slug}/?sort=price_asc&seller={catalog.seller_slugs[0]}")
    html = page.content.decode()
    assert cards(html) == [f"Roman {n}" for n in range(6)]
    # Shipping included; the used offers (8 € + 4.90 €) are another seller's.
    assert "14,90 €" in html and "12,90 €" not in html
    assert 'rel="prev"' not in html and 'rel="next"' not in html


def test_pagination_links_carry_filters(client, world):
    novels = world.categories[0]
    for n in range(30):
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=novels,
            brand=world.brands[0],
            title=f"Roman {n:02d}",
            slug=f"roman-{n:02d}",
            attributes={"author": "Jules Verne"},
        )
        seller = world.sellers[(n % 2) * 2]  # two sellers shipping at the same rate
        make_offer(seller=seller, variant=make_variant(product=product), price_minor=1000 + n)
    search_reindex()
    base = f"/s/books/c/{novels.slug}/"
    first = client.get(f"{base}?sort=price_desc&brand=brand-0").content.decode()
    assert cards(first) == [f"Roman {n:02d}" for n in range(29, 5, -1)]
    next_url = re.search(r'<a class="button" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert next_url == f"?sort=price_desc&brand=brand-0&after=1496_{novels.products.get(slug='roman-06').pk}"
    assert f'<link rel="next" href="{next_url.replace("&", "&amp;")}">' in first
    second = client.get(base + next_url).content.decode()
    assert cards(second) == [f"Roman {n:02d}" for n in range(5, -1, -1)]
    assert 'rel="next"' not in second
    prev_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert "before=" in prev_url and "brand=brand-0" in prev_url
    back = client.get(base + prev_url).content.decode()
    assert cards(back) == cards(first)
    # The canonical URL names the listing, not the page.
    canonical = f"http://testserver{base}?sort=price_desc&amp;brand=brand-0"
    assert f'<link rel="canonical" href="{canonical}">' in second


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("price_min=abc", "price_min"),
        ("price_min=-5", "price_min"),
        ("price_min=12.345", "price_min"),
        ("price_min=1e400", "price_min"),
        ("price_min=99999999999999999999999", "price_min"),
        ("price_min=NaN&price_max=Infinity", "price_max"),
        ("price_min=20&price_max=10", "price_max"),
    ],
)
def test_a_bad_price_is_reported_and_ignored(client, catalog, query, field):
    novels = catalog.categories[0]
    response = client.get(f"/s/books/c/{novels.slug}/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(rf'<p class="field-error" id="{field}-error">\S.+</p>', page)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', page)
    assert len(cards(page)) == 6  # nothing filtered on price
    assert '<details class="filters" open>' in page  # the message shows on a phone too


def test_a_good_price_is_read_in_minor_units(client, catalog):
    novels = catalog.categories[0]
    page = client.get(f"/s/books/c/{novels.slug}/?price_min=14,50&price_max=16").content.decode()
    # Offers from 14.50 to 16.00 € shipping included: new 14.90, 15.90 €; used 14.90, 15.90 €.
    assert sorted(cards(page)) == ["Roman 0", "Roman 1", "Roman 2", "Roman 3"]
    assert "field-error" not in page
    assert '<meta name="robots" content="noindex, follow">' in page
    assert "price_min=14.50&amp;price_max=16" in page  # normalised in the links


def test_unknown_values_are_dropped_and_canonical_is_clean(client, catalog):
    novels = catalog.categories[0]
    page = client.get(
        f"/s/books/c/{novels.slug}/?brand=brand-1&brand=brand-0&brand=%3Cb%3E&condition=mint"
        "&sort=cheapest&utm_source=mail&after=junk"
    )
    assert page.status_code == 200
    html = page.content.decode()
    canonical = f"http://testserver/s/books/c/{novels.slug}/?brand=brand-0&amp;brand=brand-1"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert len(cards(html)) == 6


def test_category_on_a_storefront_host(client, catalog, settings):
    settings.ALLOWED_HOSTS = ["books.example.test"]
    novels = catalog.categories[0]
    page = client.get(f"/c/{novels.slug}/?condition=used", HTTP_HOST="books.example.test").content.decode()
    assert len(cards(page)) == 6
    assert f'<link rel="canonical" href="http://books.example.test/c/{novels.slug}/?condition=used">' in page
    assert 'href="/p/roman-0/"' in page


def fill(world, count):
    novels = world.categories[0]
    for n in range(count):
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=novels,
            brand=world.brands[n % 3],
            title=f"Book {n}",
            slug=f"book-{count}-{n}",
            attributes={"author": "Jules Verne"},
        )
        variant = make_variant(product=product)
        for s in range(3):
            make_offer(
                seller=world.sellers[s],
                variant=variant,
                price_minor=900 + 10 * n + s,
                condition=CONDITIONS[s],
            )
    search_reindex()


@pytest.mark.parametrize(
    ("query", "shown"),
    [("", 24), ("?sort=price_asc&brand=brand-0&brand=brand-1&condition=new&price_max=99", 22)],
)
def test_category_queries_do_not_grow_with_products(
    client, world, query, shown, django_assert_max_num_queries, settings
):
    settings.CACHE_BYPASS = True  # the render's queries, not the shared page cache's hits
    novels = world.categories[0]
    url = f"/s/books/c/{novels.slug}/{query}"
    fill(world, 3)
    client.get(url)
    with django_assert_max_num_queries(13) as few:
        assert client.get(url).status_code == 200
    fill(world, 30)
    client.get(url)  # the index changed: its facets are counted again, then cached
    with django_assert_max_num_queries(13) as many:
        page = client.get(url).content.decode()
    assert len(few) == len(many)
    assert len(cards(page)) == shown
    assert not [q for q in many if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])], "a GET wrote"


def test_what_the_listing_must_not_show(client, world):
    """Draft products, out-of-stock offers, suspended or foreign sellers, other currencies."""
    novels = world.categories[0]
    cases = {"draft": dict(status="draft"), "ok": {}}
    for slug, extra in cases.items():
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=novels,
            title=slug,
            slug=slug,
            attributes={"author": "Jules Verne"},
            **extra,
        )
        make_offer(seller=world.sellers[0], variant=make_variant(product=product))
    for n, (seller, kwargs) in enumerate([(3, {}), (4, {}), (0, {"stock": 0}), (0, {"currency": "USD"})]):
        product = product_create(
            safety=SAFE_PRODUCT,
            product_type=world.product_type,
            category=novels,
            title=f"hidden {n}",
            slug=f"hidden-{n}",
            attributes={"author": "Jules Verne"},
        )
        make_offer(seller=world.sellers[seller], variant=make_variant(product=product), **kwargs)
    search_reindex()
    page = client.get(f"/s/books/c/{novels.slug}/").content.decode()
    assert cards(page) == ["ok"]
