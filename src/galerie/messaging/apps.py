from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "galerie.messaging"
    label = "messaging"
    verbose_name = "Customer–seller messages"
