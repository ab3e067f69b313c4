from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "galerie.web"
    label = "web"
    verbose_name = "Web pages"
