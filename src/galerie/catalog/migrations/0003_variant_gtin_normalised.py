"""Store every GTIN in one form (docs/gtin.md): a UPC-A or EAN-8 becomes its EAN-13, a GTIN-14
starting with 0 its EAN-13, so that any spelling of a number finds it with an indexed equality."""

from django.db import migrations, models
from django.db.models.functions import Length

import galerie.core.identifiers


def _key(value: str) -> str:
    padded = value.zfill(14)
    return padded[1:] if padded[0] == "0" else padded


def normalise(apps, schema_editor):
    for model_name in ("Variant", "ProductProposal"):
        model = apps.get_model("catalog", model_name)
        rows = (
            model.objects.exclude(gtin__isnull=True)
            .exclude(gtin="")
            .annotate(n=Length("gtin"))
            .exclude(n=13)
            .values_list("pk", "gtin")
        )
        for pk, gtin in list(rows):
            key = _key(gtin)
            if key == gtin:
                continue
            if model_name == "Variant":
                other = model.objects.filter(gtin=key).exclude(pk=pk).values_list("pk", flat=True).first()
                if other is not None:
                    raise RuntimeError(
                        f"Variants {pk} ({gtin}) and {other} ({key}) are the same GTIN: merge them, then migrate."
                    )
            model.objects.filter(pk=pk).update(gtin=key)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_productproposal"),
    ]

    operations = [
        migrations.AlterField(
            model_name="variant",
            name="gtin",
            field=models.CharField(
                blank=True,
                help_text=(
                    "EAN-8, UPC-A, EAN-13/ISBN-13 or GTIN-14, check digit verified; stored as its GTIN-14"
                    " less a leading zero (a UPC-A as its EAN-13)."
                ),
                max_length=14,
                null=True,
                unique=True,
                validators=[galerie.core.identifiers.validate_gtin],
                verbose_name="GTIN",
            ),
        ),
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
