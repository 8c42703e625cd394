"""The levels that carry out procedures on the national catalogue since 1 July 2025."""

from django.db import migrations

LEVELS = [
    ("ministry", "Cấp bộ/ngành", 1),
    ("province", "Cấp tỉnh", 2),
    ("commune", "Cấp xã", 3),
    ("other", "Cơ quan khác", 9),
]


def create_levels(apps, schema_editor):
    Level = apps.get_model("catalog", "Level")
    for code, name, rank in LEVELS:
        Level.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(create_levels, migrations.RunPython.noop)]
