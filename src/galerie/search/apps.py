from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "galerie.search"
    label = "search"
    verbose_name = "Search"
