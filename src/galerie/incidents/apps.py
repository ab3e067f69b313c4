from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "galerie.incidents"
    verbose_name = "Incidents"
