"""Reads of offers for the storefronts, one module per page family.

- ``sellable``: what a storefront may sell, the buy box, prior prices (the lowest module).
- ``listing``: a product's page and a category's (the listings read the search index:
  ``galerie.search.listing``).
- ``home``: departments (the home's other blocks read the search index: ``galerie.search.home``).
- ``seller``: one seller's offers, for the seller portal.
"""

from galerie.offers.selectors.home import storefront_departments
from galerie.offers.selectors.listing import (
    category_subtree,
    storefront_category_page_get,
    storefront_product_get,
)
from galerie.offers.selectors.sellable import (
    BUY_BOX_ORDER,
    CONDITION_ORDER,
    buy_box,
    offers_for_variant,
    offers_sellable,
    prior_prices,
    reductions,
)

__all__ = [
    "BUY_BOX_ORDER",
    "CONDITION_ORDER",
    "buy_box",
    "category_subtree",
    "offers_for_variant",
    "offers_sellable",
    "prior_prices",
    "reductions",
    "storefront_category_page_get",
    "storefront_departments",
    "storefront_product_get",
]
