from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "galerie.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from galerie.ledger.selectors import seller_close_blocker
        from galerie.sellers.closing import close_guard_register

        close_guard_register("ledger.balances", seller_close_blocker)
