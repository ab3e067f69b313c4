"""The seller area, on every host under /sell/."""

from django.urls import path

from galerie.web.views import seller_area, seller_money

app_name = "seller_area"
urlpatterns = [
    path("login/", seller_area.seller_login, name="login"),
    path("orders/", seller_area.orders, name="orders"),
    path("orders/<str:number>/", seller_area.order_detail, name="order"),
    path("orders/<str:number>/action/", seller_area.order_action, name="order_action"),
    path("money/", seller_money.money, name="money"),
    path("money/payouts/<int:payout_id>/statement.csv", seller_money.statement_csv, name="statement_csv"),
    path("money/payouts/<int:payout_id>/statement/", seller_money.statement_page, name="statement"),
]
