from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "galerie.invoices"
    verbose_name = "Invoices"
