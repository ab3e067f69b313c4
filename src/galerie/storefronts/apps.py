from django.apps import AppConfig


class StorefrontsConfig(AppConfig):
    name = "galerie.storefronts"
    label = "storefronts"
    verbose_name = "Storefronts"
