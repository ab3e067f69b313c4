"""Inside the bench database: pick the requests each scenario sends, make the customers' sessions.

Runs in a child process whose settings point at the bench database (``galerie bench --prepare``).
Each scenario's requests are listed most popular first (``bench/zipf.py``). The only writes: the
bench customers and their sessions, and a large stock on the two offers the checkout scenario
buys (through ``offer_stock_set``), so that it never runs out mid-run.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Q
from django.utils.module_loading import import_string

from bench import zipf
from galerie.accounts.models import User
from galerie.catalog.models import Category
from galerie.core.actors import System
from galerie.offers.models import Offer
from galerie.offers.selectors import offers_sellable
from galerie.offers.services import offer_stock_set
from galerie.search.models import SearchEntry
from galerie.search.services import search_reindex
from galerie.search.text import words
from galerie.sellers.models import Seller, SellerMember
from galerie.sellers.services import seller_member_add
from galerie.storefronts.models import Storefront

PRODUCTS_PER_STOREFRONT = 700
SEARCHES_PER_STOREFRONT = 40
CHECKOUT_CUSTOMERS = 16
# Lists picked from the same rows share a popularity ranking: a popular category is popular
# filtered too, a popular product is the one added to carts, a popular search is the one typed.
POPULARITY = {
    "home": ["home"],
    "category": ["category", "filtered"],
    "product": ["product", "add_to_cart", "api_product"],
    "search": ["search", "autocomplete"],
    "seller_offers": ["seller_offers"],
}


def _csrf() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def _session_for(user: User) -> str:
    from django.conf import settings

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _checkout_offers(storefront: Storefront) -> list[Offer]:
    """Two sellable offers of two different sellers, with stock enough for any run."""
    sellable = offers_sellable(storefront).select_related("seller")
    variant_id = (
        sellable.values("variant_id").annotate(n=Count("seller", distinct=True)).filter(n__gte=2)
        .order_by("variant_id").values_list("variant_id", flat=True).first()
    )  # fmt: skip
    offers = list(sellable.filter(variant_id=variant_id).order_by("price_minor", "pk"))
    first = offers[0]
    second = next(o for o in offers if o.seller_id != first.seller_id)
    for offer in (first, second):
        offer_stock_set(by=System("bench"), offer_id=offer.pk, stock=1_000_000)
    return [first, second]


def _seller_pages(token: str) -> tuple[dict[str, list[str]], str]:
    """The seller area's pages as the owner of the seller with the most offers sees them."""
    seller = (
        Seller.objects.filter(status=Seller.Status.ACTIVE)
        .annotate(n=Count("offers"))
        .order_by("-n", "pk")
        .first()
    )
    user, _ = User.objects.get_or_create(email="bench-seller-owner@bench.galerie.test")
    if not SellerMember.objects.filter(seller=seller, user=user).exists():
        seller_member_add(seller=seller, user=user, role=SellerMember.Role.OWNER)
    words = (
        Offer.objects.filter(seller=seller).order_by("pk").values_list("variant__product__title", flat=True)
    )
    searches = [quote(title.split()[-1]) for title in words[:40:4]]
    skus = Offer.objects.filter(seller=seller).exclude(seller_sku="").values_list("seller_sku", flat=True)[:5]
    pages = {
        "seller_dashboard": ["GET /sell/"],
        "seller_offers": [
            "GET /sell/offers/",
            "GET /sell/offers/?status=active",
            "GET /sell/offers/?low_stock=1",
            *(f"GET /sell/offers/?q={word}" for word in searches),
            *(f"GET /sell/offers/?q={quote(sku)}" for sku in skus),
        ],
    }
    return pages, f"sessionid={_session_for(user)}; csrftoken={token}"


def _search_pages(storefronts: list[Storefront]) -> dict[str, list[str]]:
    """Searches for words of listed titles (a first word is often broad, a last one narrow),
    every other one with a facet or a price sort; suggestions for their first four letters."""
    if not SearchEntry.objects.exists():  # a bench database seeded before search existed
        search_reindex()
    extras = ["", "&condition=new", "&sort=price_asc", "&price=1000-2000"]
    searches, suggestions = [], []
    for storefront in storefronts:
        titles = (
            SearchEntry.objects.filter(storefront=storefront)
            .order_by("pk")
            .values_list("product__title", flat=True)[: SEARCHES_PER_STOREFRONT * 97 : 97]
        )
        for n, title in enumerate(titles):
            found = [w for w in words(title) if len(w) >= 4 and not w.isdigit()]
            if not found:
                continue
            word = found[0] if n % 2 == 0 else found[-1]
            searches.append(f"GET /s/{storefront.code}/search/?q={quote(word)}{extras[n % len(extras)]}")
            suggestions.append(f"GET /s/{storefront.code}/search/suggest/?q={quote(word[:4])}")
    return {"search": searches, "autocomplete": suggestions}


def product_requests(storefronts: list[Storefront]) -> list[tuple[str, str, str]]:
    """(storefront code, product slug, offer uuid hex) of up to PRODUCTS_PER_STOREFRONT products
    on sale on each storefront, in variant order. Reads only."""
    picked_all = []
    for storefront in storefronts:
        in_scope = Q()
        for root in storefront.catalog_scope.all():
            in_scope |= Q(variant__product__category__path__startswith=root.path)
        picked = (
            offers_sellable(storefront)
            .filter(in_scope)
            .order_by("variant_id")
            .values_list("uuid", "variant__product__slug")
            .distinct()[: PRODUCTS_PER_STOREFRONT * 3 : 3]
        )
        picked_all += [(storefront.code, slug, offer_uuid.hex) for offer_uuid, slug in picked]
    return picked_all


def api_product_path(code: str, slug: str) -> str:
    """The storefront API's product read, the same product as the page ``/s/<code>/p/<slug>/``."""
    return f"/api/v1/storefronts/{code}/products/{slug}"


def prepare(out: Path) -> dict:
    storefronts = list(Storefront.objects.filter(status=Storefront.Status.OPEN).order_by("code"))
    if not storefronts:
        raise SystemExit("The bench database holds no open storefront: seed it first.")
    main = next((s for s in storefronts if s.code == "pageplume"), storefronts[0])
    token = _csrf()
    plan: dict = {"floor": [f"GET /bench/floor/{main.pk}/"], "home": [], "category": [], "filtered": []}
    plan["product"], plan["add_to_cart"], plan["api_product"] = [], [], []
    for storefront in storefronts:
        prefix = f"/s/{storefront.code}"
        plan["home"].append(f"GET {prefix}/")
        roots = list(storefront.catalog_scope.all())
        leaves = Category.objects.none()
        for root in roots:
            leaves = leaves | Category.objects.filter(path__startswith=root.path, numchild=0)
        for slug in leaves.order_by("path").values_list("slug", flat=True):
            plan["category"].append(f"GET {prefix}/c/{slug}/")
            plan["filtered"].append(f"GET {prefix}/c/{slug}/?condition=new&price_max=60&sort=price_asc")
        for _code, slug, offer_hex in product_requests([storefront]):
            plan["product"].append(f"GET {prefix}/p/{slug}/")
            plan["api_product"].append(f"GET {api_product_path(storefront.code, slug)}")
            body = f"offer={offer_hex}&quantity=1&csrfmiddlewaretoken={token}"
            plan["add_to_cart"].append(f"POST {prefix}/cart/add/ {body}")
    customers = []
    for n in range(CHECKOUT_CUSTOMERS):
        user, _ = User.objects.get_or_create(email=f"bench-customer-{n}@bench.galerie.test")
        customers.append(f"sessionid={_session_for(user)}; csrftoken={token}")
    first, second = _checkout_offers(main)
    plan["checkout"] = {
        "storefront": main.code,
        "offers": [first.uuid.hex, second.uuid.hex],
        "cookies": customers,
        "csrf": token,
    }
    plan["csrf_cookie"] = f"csrftoken={token}"
    plan.update(_search_pages(storefronts))
    seller_pages, plan["seller_cookie"] = _seller_pages(token)
    plan.update(seller_pages)
    for ranking, names in POPULARITY.items():
        order = zipf.ranked(range(len(plan[names[0]])), ranking=ranking)
        for name in names:
            plan[name] = [plan[name][i] for i in order]
    plan["popularity"] = {"law": "zipf", "exponent": zipf.EXPONENT, "seed": zipf.SEED}
    plan["counts"] = {"offers": Offer.objects.count(), "storefronts": len(storefronts)}
    out.write_text(json.dumps(plan, indent=1))
    return plan
