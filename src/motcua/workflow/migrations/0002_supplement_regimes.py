"""The two supplement regimes (effective-dated data, editable in the admin).

- NĐ 61/2018 (in force 21/08/2018): waiting for the citizen pauses the clock; the appointment
  moves by the working time waited (the rule provincial systems applied; no closing period).
- NĐ 118/2025 Art 19.5 (dossiers received from 01/07/2025, inferred from the decree's entry
  into force): the request is due within 3 working days of the unit receiving the file, the
  processing time restarts from zero on completion, and a dossier not completed within 15 days
  is closed.
"""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    Regime = apps.get_model("workflow", "SupplementRegime")
    Regime.objects.update_or_create(
        code="nd61-2018",
        defaults={
            "name": "Nghị định 61/2018/NĐ-CP",
            "effective_from": dt.date(2018, 8, 21),
            "mode": "pause",
            "request_within_working_days": None,
            "completion_days": None,
        },
    )
    Regime.objects.update_or_create(
        code="nd118-2025",
        defaults={
            "name": "Nghị định 118/2025/NĐ-CP, Điều 19 khoản 5",
            "effective_from": dt.date(2025, 7, 1),
            "mode": "restart",
            "request_within_working_days": 3,
            "completion_days": 15,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
