from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "galerie.ledger"
    label = "ledger"
    verbose_name = "Ledger"
