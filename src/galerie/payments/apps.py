from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "galerie.payments"
    label = "payments"
    verbose_name = "Payments"
