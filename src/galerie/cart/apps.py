from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "galerie.cart"
    label = "cart"
