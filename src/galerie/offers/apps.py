from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "galerie.offers"
    label = "offers"
    verbose_name = "Offers"

    def ready(self) -> None:
        from galerie.offers.services import seller_offers_close
        from galerie.sellers.closing import close_hook_register

        close_hook_register("offers.close", seller_offers_close)
