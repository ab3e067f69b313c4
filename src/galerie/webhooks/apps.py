from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "galerie.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
