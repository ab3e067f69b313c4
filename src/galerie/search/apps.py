from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "galerie.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from galerie.search.backends import backend_install

        # The database's own search objects (PostgreSQL's tsvector column and GIN indexes,
        # SQLite's FTS5 tables) are installed after every migrate, idempotently, so they exist
        # whether the tables came from the migrations or from the test runner's syncdb.
        post_migrate.connect(backend_install, sender=self, dispatch_uid="galerie.search.install")
