"""The ledger's PostgreSQL triggers: append-only entries and lines, balanced entries
(``galerie.ledger.guards``). Nothing on SQLite."""

from django.db import migrations

from galerie.ledger.guards import guards_install, guards_uninstall


def forward(apps, schema_editor):
    guards_install(schema_editor.connection)


def backward(apps, schema_editor):
    guards_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
