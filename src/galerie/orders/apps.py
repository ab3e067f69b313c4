from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "galerie.orders"
    label = "orders"

    def ready(self) -> None:
        from galerie.orders.selectors import seller_close_blocker
        from galerie.sellers.closing import close_guard_register

        close_guard_register("orders.open_orders", seller_close_blocker)
