"""A fixed French and English corpus for the relevance tests: two storefronts, a few sellers,
books, appliances and handmade goods, built through the services and then indexed."""

from __future__ import annotations

from dataclasses import dataclass, field

from stdnum import ean

from galerie.catalog import services as catalog
from galerie.catalog.models import Product
from galerie.search.services import search_reindex
from galerie.storefronts.models import Storefront
from tests.factories import (
    SAFE_PRODUCT,
    make_category,
    make_offer,
    make_product_type,
    make_seller,
    make_storefront,
    make_variant,
)


def isbn13(body: str) -> str:
    return body + ean.calc_check_digit(body)


HARRY_1_ISBN = isbn13("978207058462")  # printed as 978-2-07-058462-?
LAVE_LINGE_EAN = isbn13("400800212345")

BOOKS = [
    # title, publisher, author, isbn
    ("Harry Potter à l'école des sorciers", "Gallimard Jeunesse", "J. K. Rowling", HARRY_1_ISBN),
    ("Harry Potter et la Chambre des secrets", "Gallimard Jeunesse", "J. K. Rowling", isbn13("978207058463")),
    ("Le Petit Prince", "Gallimard", "Antoine de Saint-Exupéry", isbn13("978207061275")),
    (
        "Le Petit Prince illustré, édition collector",
        "Gallimard",
        "Antoine de Saint-Exupéry",
        isbn13("978207061276"),
    ),
    ("Les Misérables", "Le Livre de Poche", "Victor Hugo", isbn13("978225300411")),
    ("Vingt mille lieues sous les mers", "Le Livre de Poche", "Jules Verne", isbn13("978225300412")),
]
APPLIANCES = [
    # title, brand, category, ean
    ("Lave-linge hublot 8 kg", "Bosch", "lavage", LAVE_LINGE_EAN),
    ("Réfrigérateur combiné 340 L", "Samsung", "froid", isbn13("880608512345")),
    ("Téléviseur OLED 55 pouces", "Samsung", "tv", isbn13("880608512346")),
]
MAKERS = [
    # title, brand, description
    ("Hand-thrown stoneware mug", "Kiln & Co", "A mug thrown on the wheel and glazed in sage."),
    ("Stoneware serving bowl", "Kiln & Co", "A wide bowl for salads."),
    ("Beeswax candle trio", "Hive Lights", "Three candles poured by hand."),
    ("Linen tea towel", "Loom Studio", "Washed linen, woven in Lancashire."),
]


@dataclass
class Corpus:
    french: Storefront
    english: Storefront
    products: dict[str, Product] = field(default_factory=dict)  # by title


def corpus_build() -> Corpus:
    """Create both storefronts, their catalog and offers, then build the search index."""
    culture = make_category("Livres")
    home = make_category("Maison")
    appliances = make_category("Électroménager", parent=home)
    washing = make_category("Lavage", parent=appliances)
    cold = make_category("Froid", parent=appliances)
    tv = make_category("Image & son", parent=home)
    crafts = make_category("Ceramics & home")
    french = make_storefront(code="fr-corpus", name="Corpus FR", scope=[culture, home], default_language="fr")
    english = make_storefront(code="en-corpus", name="Corpus EN", scope=[crafts], default_language="en")
    sellers = [make_seller(storefronts=[french]), make_seller(storefronts=[french])]
    maker = make_seller(storefronts=[english])
    book_type = make_product_type()
    plain_type = make_product_type(attributes=[])
    corpus = Corpus(french, english)

    brands = {}

    def add(title, category, product_type, brand, *, gtin, sellers_, attributes=None, description=""):
        if brand not in brands:
            brands[brand] = catalog.brand_create(name=brand)
        brand_row = brands[brand]
        product = catalog.product_create(
            safety=SAFE_PRODUCT,
            product_type=product_type,
            category=category,
            title=title,
            brand=brand_row,
            description=description,
            attributes=attributes or {},
        )
        variant = make_variant(product=product, gtin=gtin)
        for i, seller in enumerate(sellers_):
            make_offer(seller=seller, variant=variant, price_minor=1500 + 100 * i)
        corpus.products[title] = product

    for title, publisher, author, isbn in BOOKS:
        add(
            title,
            culture,
            book_type,
            publisher,
            gtin=isbn,
            sellers_=sellers,
            attributes={"author": author, "pages": 300},
        )
    categories = {"lavage": washing, "froid": cold, "tv": tv}
    for title, brand, category, code in APPLIANCES:
        add(title, categories[category], plain_type, brand, gtin=code, sellers_=sellers[:1])
    for i, (title, brand, description) in enumerate(MAKERS):
        add(
            title,
            crafts,
            plain_type,
            brand,
            gtin=isbn13(f"50123456789{i}"),
            sellers_=[maker],
            description=description,
        )
    search_reindex()
    return corpus
