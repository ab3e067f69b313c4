from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    name = "galerie.portability"
    label = "portability"
    verbose_name = "Storefront bundles"
