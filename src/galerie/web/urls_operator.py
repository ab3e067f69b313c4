"""The back office's money reports, on every host under /back-office/money/ (staff only)."""

from django.urls import path

from galerie.web.views import operator_money

app_name = "operator_money"
urlpatterns = [
    path("", operator_money.trial_balance, name="trial_balance"),
    path("commissions/", operator_money.commissions, name="commissions"),
    path("reconciliation/", operator_money.reconciliation, name="reconciliation"),
]
