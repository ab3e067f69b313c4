from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "galerie.catalog"
    label = "catalog"
    verbose_name = "Catalog"
