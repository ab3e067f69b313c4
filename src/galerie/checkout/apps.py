from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "galerie.checkout"
    label = "checkout"
