from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "galerie.returns"
    label = "returns"
    verbose_name = "Withdrawals and returns"
