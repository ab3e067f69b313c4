from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "galerie.orders"
    label = "orders"
