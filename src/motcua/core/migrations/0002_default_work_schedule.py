"""The default work schedule "Giờ hành chính": 07:30–11:30 and 13:00–17:00, Saturday and Sunday
off, same-day cut-off 15:00, 8-hour working day, no seasonal variant."""

import datetime
from decimal import Decimal

from django.db import migrations

CODE = "gio-hanh-chinh"


def create_default_schedule(apps, schema_editor):
    WorkSchedule = apps.get_model("core", "WorkSchedule")
    WorkSchedulePeriod = apps.get_model("core", "WorkSchedulePeriod")
    if WorkSchedule.objects.filter(code=CODE).exists():
        return
    has_default = WorkSchedule.objects.filter(is_default=True).exists()
    schedule = WorkSchedule.objects.create(
        code=CODE,
        name="Giờ hành chính",
        rest_weekdays=[5, 6],
        same_day_cutoff=datetime.time(15, 0),
        working_day_hours=Decimal("8"),
        is_default=not has_default,
    )
    WorkSchedulePeriod.objects.create(
        schedule=schedule,
        name="Cả năm",
        starts_month=1,
        starts_day=1,
        morning_start=datetime.time(7, 30),
        morning_end=datetime.time(11, 30),
        afternoon_start=datetime.time(13, 0),
        afternoon_end=datetime.time(17, 0),
    )


def remove_default_schedule(apps, schema_editor):
    WorkSchedule = apps.get_model("core", "WorkSchedule")
    WorkSchedule.objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_default_schedule, remove_default_schedule)]
