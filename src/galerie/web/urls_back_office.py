"""The back office, on every host under /back-office/ (operator staff only)."""

from django.urls import path

from galerie.web.views.back_office import money, portfolio, proposals, quality, sellers

app_name = "back_office"
urlpatterns = [
    path("", sellers.seller_queue, name="sellers"),
    path("sellers/<int:seller_id>/", sellers.seller_detail, name="seller"),
    path("sellers/<int:seller_id>/decide/", sellers.seller_decide, name="seller_decide"),
    path("sellers/<int:seller_id>/status/", sellers.seller_status, name="seller_status"),
    path(
        "sellers/<int:seller_id>/documents/<int:document_id>/",
        sellers.seller_document,
        name="seller_document",
    ),
    path("proposals/", proposals.proposal_queue, name="proposals"),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path("money/", money.trial_balance, name="trial_balance"),
    path("money/trial-balance.csv", money.trial_balance_csv, name="trial_balance_csv"),
    path("money/commissions/", money.commissions, name="commissions"),
    path("money/commissions.csv", money.commissions_csv, name="commissions_csv"),
    path("money/reconciliation/", money.reconciliation, name="reconciliation"),
    path("money/storefronts/", portfolio.storefronts, name="storefronts_pnl"),
    path("money/storefronts.csv", portfolio.storefronts_csv, name="storefronts_pnl_csv"),
    path("money/storefronts/costs/", portfolio.cost_record, name="storefront_cost_record"),
    path("money/storefronts/costs/delete/", portfolio.cost_delete, name="storefront_cost_delete"),
    path("quality/", quality.quality, name="quality"),
    path("quality/settings/", quality.quality_settings, name="quality_settings"),
]
