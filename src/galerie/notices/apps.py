from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "galerie.notices"
    verbose_name = "DSA notices"
