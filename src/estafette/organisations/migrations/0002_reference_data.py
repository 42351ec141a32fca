"""Load the directory (municipalities 2025, countries) from the shipped CSV files.

Also creates one municipal after-care desk per municipality: every Dutch
municipality has its own after-care desk (DOMAIN.md §8), so a referral always
has a receiver. Re-running is harmless (update_or_create).
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Municipality = apps.get_model("organisations", "Municipality")
    Country = apps.get_model("organisations", "Country")
    Organisation = apps.get_model("organisations", "Organisation")

    with (DATA / "countries.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            Country.objects.update_or_create(
                iso2=row["iso2"],
                defaults={
                    "name_en": row["name_en"],
                    "name_nl": row["name_nl"],
                    "eu_member": row["eu_member"] == "true",
                    "transfer_law": row["transfer_law"],
                    "consular_package": row["consular_package"],
                },
            )
    with (DATA / "municipalities_2025.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            municipality, _ = Municipality.objects.update_or_create(
                cbs_code=row["cbs_code"],
                defaults={
                    "name": row["name"],
                    "common_name": row["common_name"],
                    "province": row["province"],
                },
            )
            Organisation.objects.update_or_create(
                code=f"nazorg-{row['cbs_code'].lower()}",
                defaults={
                    "name": f"Nazorg gemeente {row['common_name']}"
                    + (f" ({row['province']})" if row["common_name"] == "Bergen" else ""),
                    "kind": "municipal_aftercare",
                    "municipality": municipality,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
