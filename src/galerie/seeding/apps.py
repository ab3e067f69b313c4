from django.apps import AppConfig


class SeedingConfig(AppConfig):
    name = "galerie.seeding"
    label = "seeding"
    verbose_name = "Generated marketplace"
