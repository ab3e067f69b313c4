"""The back office, on every host under /back-office/ (operator staff only)."""

from django.urls import path

from galerie.web.views import incidents, messaging
from galerie.web.views import reviews as review_views
from galerie.web.views import webhooks as webhook_views
from galerie.web.views.back_office import (
    matches,
    merges,
    money,
    portfolio,
    proposals,
    quality,
    recalls,
    sellers,
    storefronts,
)
from galerie.web.views.returns import operator as returns_operator

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
    path("reviews/", review_views.review_queue, name="reviews"),
    path("reviews/<str:review_uuid>/decide/", review_views.review_decide, name="review_decide"),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path("matches/", matches.match_queue, name="matches"),
    path("matches/<int:review_id>/decide/", matches.match_decide, name="match_decide"),
    path("matches/commit/", matches.match_commit, name="match_commit"),
    path("returns/", returns_operator.return_queue, name="returns"),
    path("returns/<int:return_id>/", returns_operator.return_detail, name="return"),
    path("returns/<int:return_id>/overrule/", returns_operator.return_overrule_view, name="return_overrule"),
    path("money/", money.trial_balance, name="trial_balance"),
    path("money/trial-balance.csv", money.trial_balance_csv, name="trial_balance_csv"),
    path("money/commissions/", money.commissions, name="commissions"),
    path("money/commissions.csv", money.commissions_csv, name="commissions_csv"),
    path("money/reconciliation/", money.reconciliation, name="reconciliation"),
    path("storefronts/", storefronts.storefront_list, name="storefronts"),
    path("storefronts/new/", storefronts.storefront_new, name="storefront_new"),
    path("storefronts/<int:storefront_id>/", storefronts.storefront_detail, name="storefront"),
    path("storefronts/<int:storefront_id>/open/", storefronts.storefront_open_view, name="storefront_open"),
    path("storefronts/<int:storefront_id>/close/", storefronts.storefront_close, name="storefront_close"),
    path("storefronts/<int:storefront_id>/reopen/", storefronts.storefront_reopen, name="storefront_reopen"),
    path(
        "storefronts/<int:storefront_id>/closure/", storefronts.storefront_closure, name="storefront_closure"
    ),
    path(
        "storefronts/<int:storefront_id>/closure.csv",
        storefronts.storefront_closure_csv,
        name="storefront_closure_csv",
    ),
    path(
        "storefronts/<int:storefront_id>/closure/finish/",
        storefronts.storefront_closure_finish_view,
        name="storefront_closure_finish",
    ),
    path("money/storefronts/", portfolio.storefronts, name="storefronts_pnl"),
    path("money/storefronts.csv", portfolio.storefronts_csv, name="storefronts_pnl_csv"),
    path("money/storefronts/costs/", portfolio.cost_record, name="storefront_cost_record"),
    path("money/storefronts/costs/delete/", portfolio.cost_delete, name="storefront_cost_delete"),
    path("quality/", quality.quality, name="quality"),
    path("recalls/", recalls.recall_list, name="recalls"),
    path("recalls/<int:recall_id>/", recalls.recall_detail, name="recall"),
    path("recalls/<int:recall_id>/report.csv", recalls.recall_csv, name="recall_csv"),
    path("quality/settings/", quality.quality_settings, name="quality_settings"),
    path("messages/", messaging.operator_threads, name="message_threads"),
    path("messages/<uuid:thread>/", messaging.operator_thread, name="message_thread"),
    path("messages/<uuid:thread>/post/", messaging.operator_thread_post, name="message_post"),
    path("messages/<uuid:thread>/read/", messaging.operator_thread_read, name="message_read"),
    path("messages/<uuid:thread>/done/", messaging.operator_thread_done, name="message_done"),
    path("messages/<uuid:thread>/files/<uuid:attachment>/", messaging.operator_file, name="message_file"),
    path("webhooks/", webhook_views.operator_webhooks, name="webhooks"),
    path("webhooks/failed/", webhook_views.operator_dead_letters, name="webhook_dead_letters"),
    path("webhooks/<int:operator_endpoint_id>/", webhook_views.operator_webhook, name="webhook"),
    path(
        "webhooks/<int:operator_endpoint_id>/active/",
        webhook_views.operator_webhook_active,
        name="webhook_active",
    ),
    path(
        "webhooks/<int:operator_endpoint_id>/delete/",
        webhook_views.operator_webhook_delete,
        name="webhook_delete",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        webhook_views.operator_webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("merges/", merges.merge_list, name="merges"),
    path("incidents/", incidents.escalations, name="incidents"),
    path("incidents/<uuid:incident>/", incidents.escalation_detail, name="incident"),
    path("merges/<int:merge_id>/", merges.merge_detail, name="merge"),
    path("merges/<int:merge_id>/commit/", merges.merge_commit_view, name="merge_commit"),
    path("merges/<int:merge_id>/abandon/", merges.merge_abandon_view, name="merge_abandon"),
]
