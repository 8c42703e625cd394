"""Indexes for the catalogue search (``search_text LIKE '%word%'``), per database; measured in
docs/benchmarks.md ("Procedure catalogue search").

- PostgreSQL: a trigram (pg_trgm) GIN index, so the LIKE uses an index instead of reading every
  version. pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
- SQLite: a narrow covering index: the in-force filter, the LIKE and the sort read it instead of
  the wide rows (the long texts make the table about fifteen times larger). Not on PostgreSQL,
  where a long name could exceed a B-tree entry.
"""

from django.db import migrations

CREATE = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS catalog_version_search_trgm ON catalog_procedureversion "
        "USING gin (search_text gin_trgm_ops)",
    ],
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS catalog_version_search_scan ON catalog_procedureversion "
        "(status, effective_from, effective_to, search_text, name, procedure_id)",
    ],
}
DROP = {
    "postgresql": ["DROP INDEX IF EXISTS catalog_version_search_trgm"],
    "sqlite": ["DROP INDEX IF EXISTS catalog_version_search_scan"],
}


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_levels")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
