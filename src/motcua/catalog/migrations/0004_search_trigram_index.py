"""On PostgreSQL, a trigram index lets ``search_text LIKE '%word%'`` (the catalogue search)
use an index instead of reading every version (see docs/benchmarks.md). SQLite has no such
index type; there the search reads the table, which is fast enough for a province."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_version_search_trgm "
        "ON catalog_procedureversion USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS catalog_version_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_levels")]

    operations = [migrations.RunPython(create_index, drop_index)]
