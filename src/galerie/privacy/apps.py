from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "galerie.privacy"
    label = "privacy"
    verbose_name = "Privacy (GDPR)"
