from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "galerie.pricing"
    label = "pricing"
    verbose_name = "Pricing"
