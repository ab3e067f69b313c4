from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "galerie.orders"
    label = "orders"

    def ready(self) -> None:
        from galerie.orders.selectors import seller_close_blocker
        from galerie.sellers.closing import close_guard_register

        close_guard_register("orders.open_orders", seller_close_blocker)

        from galerie.orders.closure import orders_closure_guard
        from galerie.storefronts.closure import closure_guard_register

        closure_guard_register("orders.open", orders_closure_guard)
