from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "galerie.offers"
    label = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from galerie.catalog.matching.reviews import match_batch_applier_register
        from galerie.offers.formats.reviews import REVIEW_BATCH_PREFIX, merchant_reviews_apply
        from galerie.offers.services import seller_offers_close
        from galerie.sellers.closing import close_hook_register

        close_hook_register("offers.close", seller_offers_close)
        # A merchant import's doubtful rows wait in the catalog's match queue; the catalog
        # applies a committed batch through this (docs/merchant-formats.md).
        match_batch_applier_register(REVIEW_BATCH_PREFIX, merchant_reviews_apply)
