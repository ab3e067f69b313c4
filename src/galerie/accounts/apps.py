from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "galerie.accounts"
    label = "accounts"
    verbose_name = "Accounts"
