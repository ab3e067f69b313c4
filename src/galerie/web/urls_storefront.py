"""A storefront's pages, mounted at a host's root or under /s/<code>/."""

from django.urls import path

from galerie.web.views import (
    account,
    incidents,
    legal,
    messaging,
    notices,
    reviews,
    search,
    shop,
    storefront,
    storefront_apply,
)
from galerie.web.views.returns import customer as returns_customer
from galerie.web.views.seo import robots_txt, sitemap_index, sitemap_pages, sitemap_products

app_name = "sf"
urlpatterns = [
    path("", storefront.home, name="home"),
    path("c/<slug:slug>/", storefront.category, name="category"),
    path("p/<slug:slug>/", storefront.product, name="product"),
    path("seller/<slug:slug>/", storefront.seller_shop, name="seller"),
    path("search/", search.search, name="search"),
    path("search/suggest/", search.suggest, name="search_suggest"),
    path("ranking/", search.ranking, name="ranking"),
    path("terms/", legal.terms, name="terms"),
    path("withdrawal/", legal.withdrawal, name="withdrawal"),
    path("become-a-seller/", storefront_apply.become_seller, name="become_seller"),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path("sitemap-pages.xml", sitemap_pages, name="sitemap_pages"),
    path("sitemap-products-<int:chunk>.xml", sitemap_products, name="sitemap_products"),
    path("cart/", shop.cart, name="cart"),
    path("cart/add/", shop.cart_add_view, name="cart_add"),
    path("cart/update/", shop.cart_update, name="cart_update"),
    path("checkout/", shop.checkout, name="checkout"),
    path("checkout/return/", shop.checkout_return_view, name="checkout_return"),
    path("orders/<str:number>/placed/", shop.order_confirmation, name="order_confirmation"),
    path("account/", account.account, name="account"),
    path("account/settings/", account.account_settings, name="account_settings"),
    path("account/privacy/", account.account_privacy, name="account_privacy"),
    path("account/privacy/export.json", account.account_export, name="account_export"),
    path("account/privacy/erase/", account.account_erase, name="account_erase"),
    path("account/signup/", account.signup, name="signup"),
    path("account/login/", account.sign_in, name="login"),
    path("account/logout/", account.sign_out, name="logout"),
    path("account/orders/<str:number>/", account.order_detail, name="order"),
    path("account/orders/<str:number>/invoices/<uuid:invoice>/", account.order_invoice, name="order_invoice"),
    path("account/orders/<str:number>/received/", account.order_confirm_receipt, name="order_received"),
    path("account/orders/<str:number>/incidents/", incidents.incident_open_view, name="incident_open"),
    path("account/incidents/<uuid:incident>/", incidents.incident_customer_action, name="incident_action"),
    path("account/orders/<str:number>/review/<int:line_id>/", reviews.review_write, name="review_write"),
    path("reviews/", reviews.about, name="reviews_about"),
    path("report-illegal-content/", notices.notice_report, name="notice_report"),
    path("report-illegal-content/sent/", notices.notice_sent, name="notice_sent"),
    path("decisions/<str:token>/complaint/", notices.notice_complaint, name="notice_complaint"),
    path("reviews/<str:review_uuid>/report/", reviews.review_report, name="review_report"),
    path("account/orders/<str:number>/withdraw/<int:part_id>/", returns_customer.withdraw, name="withdraw"),
    path("account/orders/<str:number>/defect/<int:part_id>/", returns_customer.defect, name="defect"),
    path("account/returns/<str:uuid>/label.pdf", returns_customer.label, name="return_label"),
    path("account/messages/<str:number>/", messaging.customer_thread, name="message_thread"),
    path("account/messages/<str:number>/read/", messaging.customer_thread_read, name="message_read"),
    path(
        "account/messages/<str:number>/operator/", messaging.customer_thread_operator, name="message_operator"
    ),
    path(
        "account/messages/<str:number>/files/<uuid:attachment>/", messaging.customer_file, name="message_file"
    ),
    path("account/password-reset/", account.password_reset, name="password_reset"),
    path("account/password-reset/sent/", account.password_reset_done, name="password_reset_done"),
    path("account/reset/<uidb64>/<token>/", account.password_reset_confirm, name="password_reset_confirm"),
    path("account/reset/done/", account.password_reset_complete, name="password_reset_complete"),
]
