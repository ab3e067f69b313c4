"""The search index: one entry per (storefront, listed product), its facet values, its words.

Derived data only: ``galerie search reindex`` rebuilds all of it from the catalog and the
offers, and the worker keeps it current from the outbox events (docs/search.md).
"""

from django.db import models
from django.db.models import Q

from galerie.search.fields import IntListField


class SearchEntry(models.Model):
    """A product as one storefront lists it: its terms, best price and offer count.

    A product has an entry in a storefront only while it is published, inside the storefront's
    catalog scope and has at least one sellable offer there (active, in stock, in the
    storefront's currency, from an active seller admitted to it).
    """

    # No index of their own: the composite indexes below lead with them. A lone storefront index
    # drew PostgreSQL into scanning a storefront's entries to find one of a product type.
    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No index of its own either: PostgreSQL read it backward for "a storefront's newest" and
    # skipped the other storefronts' newer products one by one (80 ms instead of 0.1 ms). The
    # indexer finds a product's entries through the (storefront, product) constraint.
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="search_entries", db_index=False
    )
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    brand = models.ForeignKey("catalog.Brand", null=True, on_delete=models.SET_NULL, related_name="+")
    product_type = models.ForeignKey(
        "catalog.ProductType", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Stemmed terms of each weighted part (galerie.search.text.terms_text).
    title_terms = models.TextField()
    brand_terms = models.TextField(blank=True)
    category_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True, help_text="Attributes, variant names, GTINs, description.")
    title_key = models.CharField(max_length=255, help_text="The title's terms, for the exact-title boost.")
    # The cheapest sellable offer with its shipping for one item, in the storefront's currency.
    best_price_minor = models.BigIntegerField()
    offer_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(help_text="When the product was created (the 'newest' sort).")
    indexed_at = models.DateTimeField(auto_now=True)
    # The ids (SearchValue) of every facet value the entry takes: category and its ancestors,
    # brand, attributes, price band, and per sellable offer its condition, its seller and the
    # (condition, seller) pair; plus the "all" value. GIN-indexed on PostgreSQL.
    value_ids = IntListField()
    # The sellable offers, as three parallel lists: seller and condition (SearchValue ids) and
    # price with shipping for one item. A listing filtered on offers reads them to find the
    # cheapest offer that passes every offer filter.
    offer_sellers = IntListField()
    offer_conditions = IntListField()
    offer_prices = IntListField(big=True)
    # The best offer's reduction (Omnibus prior price, item prices without shipping) while it
    # lasts: the home page's "best deals" read these, never the price history.
    deal_price_minor = models.BigIntegerField(null=True, blank=True)
    deal_prior_minor = models.BigIntegerField(null=True, blank=True)
    deal_until = models.DateTimeField(null=True, blank=True)
    deal_rank = models.IntegerField(null=True, blank=True, help_text="Price / prior price, per 10,000.")

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(fields=["storefront", "product"], name="search_entry_unique"),
        ]
        indexes = [
            models.Index(fields=["storefront", "best_price_minor", "product"], name="search_entry_price_idx"),
            models.Index(fields=["storefront", "-product"], name="search_entry_newest_idx"),
            # A category page: a range of one of these, whatever the size of the catalog.
            models.Index(fields=["storefront", "category", "-product"], name="search_entry_cat_newest_idx"),
            # Covering on PostgreSQL: a filtered listing and its facet counts read a range of
            # it (up to a thousand entries, by best price) with the offers and value ids of
            # each, in an index-only scan instead of a heap page per entry
            # (docs/performance.md, "Filtered listings, bypassed").
            models.Index(
                fields=["storefront", "category", "best_price_minor", "product"],
                name="search_entry_cat_price_idx",
                include=[
                    "id",
                    "brand",
                    "offer_count",
                    "value_ids",
                    "offer_sellers",
                    "offer_conditions",
                    "offer_prices",
                ],
            ),
            models.Index(
                fields=["storefront", "deal_rank", "-product"],
                name="search_entry_deal_idx",
                condition=Q(deal_rank__isnull=False),
            ),
            # A search's exact-title matches beyond the ranked candidates (search.selectors).
            models.Index(fields=["storefront", "title_key"], name="search_entry_title_idx"),
            # Which product types a storefront lists: the names of its attribute facets.
            models.Index(fields=["storefront", "product_type"], name="search_entry_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id}/{self.product_id}: {self.title_key}"


class SearchValue(models.Model):
    """The value dictionary: one integer id per facet value (``name``, ``value``), shared by
    every storefront; entries hold the ids (``SearchEntry.value_ids``).

    Names: ``all`` (every entry), ``category``, ``brand``, ``seller`` (values are slugs),
    ``condition``, ``price`` (a band), ``a:<attribute code>``, and ``cs`` (a condition and a
    seller slug, ``"used:ann"``: the exact per-offer filter on both). Rows are only added:
    a value no entry takes any more costs a row, never a wrong result.
    """

    name = models.CharField(max_length=64)
    value = models.CharField(max_length=160)
    label = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "value"], name="search_value_unique")]

    def __str__(self) -> str:
        return f"{self.pk}: {self.name}={self.value}"


class SearchTerm(models.Model):
    """A folded word of a storefront's titles, brands, categories and attributes: what spelling
    correction chooses from, and how often it occurs (the tie-break)."""

    storefront = models.ForeignKey("storefronts.Storefront", on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=64)
    frequency = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "word"], name="search_term_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id}: {self.word} ({self.frequency})"


class SearchCount(models.Model):
    """How many entries of a storefront take a value, within a scope: the facet counts of an
    unfiltered listing, read instead of computed (docs/category-listing.md, "Facet counts").

    ``scope`` is the id of the "all" value (the whole storefront) or of a category value (the
    category and its subtree: an entry takes the values of its category and of every ancestor);
    ``value`` the id of a counted value (``search.counts.COUNTED``), ``name`` its name. Derived
    data kept by the indexer in the transaction that writes the entries it counts, and rebuilt
    by a full reindex: not a cache (``CACHE_BYPASS`` does not bypass it).
    """

    storefront = models.ForeignKey(
        "storefronts.Storefront", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    scope = models.IntegerField(help_text="A SearchValue id: the 'all' value or a category value.")
    name = models.CharField(max_length=16, help_text="The counted value's name (SearchValue.name).")
    value = models.IntegerField(help_text="A SearchValue id.")
    n = models.IntegerField(help_text="Entries of the scope taking the value.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["storefront", "scope", "value"], name="search_count_unique"),
        ]
        indexes = [
            # A facet's most frequent values: a short range of this, whatever the scope's size.
            models.Index(fields=["storefront", "scope", "name", "-n"], name="search_count_top_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.storefront_id}/{self.scope}/{self.value}: {self.n}"
