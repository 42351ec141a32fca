"""Trigram indexes on the names, on PostgreSQL only (issue 12: search ≤ 200 ms nationally).

The people search matches every word with ``icontains``, which Django writes on
PostgreSQL as ``UPPER(name::text) LIKE UPPER('%word%')``. A B-tree cannot serve a
``LIKE`` with a leading wildcard, so without these the search read the whole
people table (≈100,000 rows in the national dataset) for every query. A GIN index
with ``gin_trgm_ops`` on exactly that expression lets the planner probe the
index instead. ``pg_trgm`` ships with PostgreSQL and is a trusted extension
(PostgreSQL 13+): the database's owner may create it (docs/people-register.md).

SQLite has no such index and needs none at its scale: the operation does nothing there.
"""

from django.db import migrations

NAMES = ("given_names", "family_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in NAMES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS people_person_{name}_trgm "
            f"ON people_person USING gin (UPPER({name}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in NAMES:
        schema_editor.execute(f"DROP INDEX IF EXISTS people_person_{name}_trgm")


class Migration(migrations.Migration):
    dependencies = [("people", "0003_contact_details")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
