"""Each engine's own search objects (``galerie.search.backends``): on PostgreSQL the pg_trgm
extension, the weighted ``tsvector`` column and the GIN indexes; on SQLite the FTS5 tables and
the triggers that keep them in step with the entries and the vocabulary."""

from django.db import migrations

from galerie.search.backends import backend_install, backend_uninstall


def forward(apps, schema_editor):
    backend_install(schema_editor.connection)


def backward(apps, schema_editor):
    backend_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
