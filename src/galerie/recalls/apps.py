from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "galerie.recalls"
    verbose_name = "Product recalls"
