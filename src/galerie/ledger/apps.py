from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "galerie.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from galerie.ledger.selectors import seller_close_blocker
        from galerie.sellers.closing import close_guard_register

        close_guard_register("ledger.balances", seller_close_blocker)

        from galerie.ledger.closure import ledger_closure_guard, ledger_closure_payouts
        from galerie.storefronts.closure import closure_guard_register, closure_hook_register

        closure_guard_register("ledger.held", ledger_closure_guard)
        closure_hook_register("ledger.final_payouts", ledger_closure_payouts)
