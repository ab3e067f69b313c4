from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "galerie.reviews"
    label = "reviews"
    verbose_name = "Reviews"
