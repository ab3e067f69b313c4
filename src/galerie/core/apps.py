from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "galerie.core"
    label = "core"
    verbose_name = "Core"
