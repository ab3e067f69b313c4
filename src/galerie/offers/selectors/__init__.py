"""Reads of offers for the storefronts, one module per page family.

- ``sellable``: what a storefront may sell, the buy box, prior prices (the lowest module).
- ``listing``: a product's page and a category's (the listings read the search index:
  ``galerie.search.listing``).
- ``home``: departments (the home's other blocks read the search index: ``galerie.search.home``).
- ``sitemap``: the categories and products of the sitemaps.
- ``seller``: one seller's offers, for the seller portal.
"""

from galerie.offers.selectors.home import storefront_departments
from galerie.offers.selectors.listing import (
    category_subtree,
    storefront_category_get,
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
from galerie.offers.selectors.sitemap import (
    SITEMAP_ID_SPAN,
    storefront_category_tree,
    storefront_product_id_range,
    storefront_sitemap_products,
)

__all__ = [
    "BUY_BOX_ORDER",
    "CONDITION_ORDER",
    "SITEMAP_ID_SPAN",
    "buy_box",
    "category_subtree",
    "offers_for_variant",
    "offers_sellable",
    "prior_prices",
    "reductions",
    "storefront_category_get",
    "storefront_category_page_get",
    "storefront_category_tree",
    "storefront_departments",
    "storefront_product_get",
    "storefront_product_id_range",
    "storefront_sitemap_products",
]
