from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "galerie.notifications"
    label = "notifications"
    verbose_name = "Notifications"
