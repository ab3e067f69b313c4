"""Where ``celery -A galerie`` finds the Celery application (it is galerie.core.celery_app's)."""

from galerie.core.celery_app import app

__all__ = ["app"]
