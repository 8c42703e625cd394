"""Exit 0 when the PostgreSQL server of the given URL accepts a connection within 3 s."""

import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    cfg = dj_database_url.parse(url)
    try:
        psycopg.connect(
            host=cfg["HOST"],
            port=cfg["PORT"] or 5432,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname=cfg["NAME"],
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
