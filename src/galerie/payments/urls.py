"""Payment URLs: gateway webhooks and the test gateway's hosted pages."""

from django.urls import path

from galerie.payments.testgateway.views import confirm_payment
from galerie.payments.views import webhook_receive

app_name = "payments"
urlpatterns = [
    path("webhooks/<slug:gateway>/", webhook_receive, name="webhook"),
    path("test/confirm/<str:reference>/", confirm_payment, name="test_confirm"),
]
