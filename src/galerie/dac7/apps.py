from django.apps import AppConfig


class Dac7Config(AppConfig):
    name = "galerie.dac7"
    verbose_name = "DAC7 reporting"
