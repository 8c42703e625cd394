"""The ``motcua`` console command.

``motcua run`` serves the app with uvicorn (ASGI); every other sub-command is one of Django's
management commands (``motcua migrate``, ``motcua createsuperuser``, ``motcua calendar``, ...).
"""

from __future__ import annotations

import os
import sys


def _serve(argv: list[str]) -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="motcua run", description="Serve motcua over ASGI.")
    parser.add_argument("--host", default=os.environ.get("MOTCUA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTCUA_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    args = parser.parse_args(argv)
    from motcua.serving import PROTOCOL

    uvicorn.run(
        "motcua.asgi:application",
        http=PROTOCOL,
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        proxy_headers=True,
        lifespan="off",
    )


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    if len(argv) > 1 and argv[1] == "run":
        _serve(argv[2:])
        return
    from django.core.management import execute_from_command_line

    argv[0] = "motcua"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
