"""The priority categories every center starts with (NĐ 107/2021 / NĐ 118/2025: the elderly,
people with disabilities, pregnant women); administrators add others."""

from django.db import migrations

CATEGORIES = [
    ("nguoi-cao-tuoi", "Người cao tuổi (từ 75 tuổi)"),
    ("nguoi-khuyet-tat", "Người khuyết tật"),
    ("phu-nu-mang-thai", "Phụ nữ mang thai"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("queueing", "PriorityCategory")
    for code, name in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("queueing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
