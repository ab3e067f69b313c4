from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "galerie.terms"
    label = "terms"
    verbose_name = "Seller terms and complaints (P2B)"
