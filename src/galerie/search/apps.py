from django.apps import AppConfig
from django.db.models.signals import pre_delete


class SearchConfig(AppConfig):
    name = "galerie.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from galerie.catalog.models import Product

        # A deleted product's entries go by cascade, without the indexer: take them out of the
        # facet counts first (search.counts), in the deletion's transaction.
        pre_delete.connect(_product_deleting, sender=Product, dispatch_uid="search-counts-product")


def _product_deleting(sender, instance, **kwargs) -> None:
    from galerie.search.counts import counts_products_deleted

    counts_products_deleted([instance.pk])
