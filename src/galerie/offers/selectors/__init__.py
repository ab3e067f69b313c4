"""Reads of offers for the storefronts, one module per page family.

- ``sellable``: what a storefront may sell, the buy box, prior prices (the lowest module).
- ``listing``: category listings, filters, sorts, keyset pages; a product's and a category's page.
- ``facets``: a listing's filter options and their counts.
- ``home``: departments, featured categories, deals.
- ``sitemap``: the categories and products of the sitemaps.
- ``seller``: one seller's offers, for the seller portal.
"""

from galerie.offers.selectors.facets import FacetOption, ProductFacets, storefront_product_facets
from galerie.offers.selectors.home import (
    DEAL_CANDIDATES,
    FEATURED_CACHE_SECONDS,
    storefront_deals,
    storefront_departments,
    storefront_featured_categories,
)
from galerie.offers.selectors.listing import (
    Cursor,
    ProductFilters,
    ProductPage,
    ProductSort,
    category_subtree,
    storefront_category_get,
    storefront_product_get,
    storefront_product_page,
    storefront_products,
)
from galerie.offers.selectors.sellable import (
    BUY_BOX_ORDER,
    CONDITION_ORDER,
    buy_box,
    offers_for_variant,
    offers_sellable,
    prior_prices,
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
    "DEAL_CANDIDATES",
    "FEATURED_CACHE_SECONDS",
    "SITEMAP_ID_SPAN",
    "Cursor",
    "FacetOption",
    "ProductFacets",
    "ProductFilters",
    "ProductPage",
    "ProductSort",
    "buy_box",
    "category_subtree",
    "offers_for_variant",
    "offers_sellable",
    "prior_prices",
    "storefront_category_get",
    "storefront_category_tree",
    "storefront_deals",
    "storefront_departments",
    "storefront_featured_categories",
    "storefront_product_facets",
    "storefront_product_get",
    "storefront_product_id_range",
    "storefront_product_page",
    "storefront_products",
    "storefront_sitemap_products",
]
