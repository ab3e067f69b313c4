from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "galerie.sellers"
    label = "sellers"
    verbose_name = "Sellers"
