from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "galerie.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from galerie.core import production  # noqa: F401  registers the deploy checks
