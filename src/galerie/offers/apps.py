from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "galerie.offers"
    label = "offers"
    verbose_name = "Offers"
