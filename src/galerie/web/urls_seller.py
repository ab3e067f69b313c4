"""The seller area, on every host under /sell/ (docs/seller-portal.md)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from galerie.web.views import incidents, messaging
from galerie.web.views import reviews as review_views
from galerie.web.views import webhooks as webhook_views
from galerie.web.views.returns import seller as returns_seller
from galerie.web.views.seller import (
    application,
    dashboard,
    imports,
    money,
    offers,
    orders,
    proposals,
    shop,
    staff,
    tax,
    tokens,
)

app_name = "seller_area"
urlpatterns = [
    path("login/", orders.seller_login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="seller_area:login"), name="logout"),
    path("application/", application.application, name="application"),
    path("invitation/<str:token>/", staff.invitation_accept, name="invitation"),
    path("", dashboard.dashboard, name="dashboard"),
    path("switch/", dashboard.switch, name="switch"),
    path("orders/", orders.orders, name="orders"),
    path("reviews/", review_views.seller_reviews, name="reviews"),
    path("reviews/<str:review_uuid>/reply/", review_views.seller_review_reply, name="review_reply"),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path("orders/<str:number>/action/", orders.order_action, name="order_action"),
    path("orders/<str:number>/packing-slip/", orders.packing_slip, name="packing_slip"),
    path("invoices/<uuid:invoice>/", orders.invoice, name="invoice"),
    path("incidents/", incidents.seller_incidents, name="incidents"),
    path("incidents/<uuid:incident>/answer/", incidents.seller_incident_answer, name="incident_answer"),
    path("orders/<str:number>/messages/", messaging.seller_thread, name="message_thread"),
    path("orders/<str:number>/messages/post/", messaging.seller_thread_post, name="message_post"),
    path("orders/<str:number>/messages/read/", messaging.seller_thread_read, name="message_read"),
    path("orders/<str:number>/messages/operator/", messaging.seller_thread_operator, name="message_operator"),
    path("orders/<str:number>/messages/files/<uuid:attachment>/", messaging.seller_file, name="message_file"),
    path("offers/", offers.offer_list, name="offers"),
    path("offers/new/", offers.offer_find, name="offer_find"),
    path("offers/new/<int:variant_id>/", offers.offer_new, name="offer_new"),
    path("offers/<int:offer_id>/", offers.offer_row, name="offer_row"),
    path("offers/<int:offer_id>/edit/", offers.offer_edit_row, name="offer_edit_row"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/template.csv", imports.import_template, name="import_template"),
    path("imports/<int:import_id>/", imports.import_detail, name="import"),
    path("imports/<int:import_id>/errors.csv", imports.import_errors_csv, name="import_errors"),
    path("products/propose/", proposals.proposal_new, name="proposal_new"),
    path("products/proposals/", proposals.proposal_list, name="proposals"),
    path("products/proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path("shop/", shop.shop_settings, name="shop"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/invite/", staff.staff_invite, name="staff_invite"),
    path("staff/<int:member_id>/", staff.staff_member, name="staff_member"),
    path("staff/me/notifications/", staff.my_notifications, name="my_notifications"),
    path("staff/invitations/<int:invitation_id>/revoke/", staff.invitation_revoke, name="invitation_revoke"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("webhooks/", webhook_views.seller_webhooks, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", webhook_views.seller_webhook, name="webhook"),
    path("webhooks/<int:endpoint_id>/active/", webhook_views.seller_webhook_active, name="webhook_active"),
    path("webhooks/<int:endpoint_id>/delete/", webhook_views.seller_webhook_delete, name="webhook_delete"),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        webhook_views.seller_webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("money/", money.money, name="money"),
    path("tax-information/", tax.tax_information, name="tax_information"),
    path("returns/", returns_seller.return_list, name="returns"),
    path("returns/<int:return_id>/", returns_seller.return_detail, name="return"),
    path("returns/<int:return_id>/action/", returns_seller.return_action, name="return_action"),
    path("returns/<int:return_id>/label.pdf", returns_seller.return_label, name="return_label"),
    path("money/payouts/<int:payout_id>/statement.csv", money.statement_csv, name="statement_csv"),
    path("money/payouts/<int:payout_id>/statement/", money.statement_page, name="statement"),
]
