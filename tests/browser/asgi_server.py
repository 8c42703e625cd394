"""A real ASGI server for tests of pages that stream (the display board's server-sent events):
``motcua.asgi:application`` served by uvicorn, as ``motcua run`` does, in a background thread
on a free loopback port, against the test database. pytest-django's ``live_server`` is a
threaded WSGI server and cannot stream.

Use it in transactional tests (``django_db(transaction=True)``): the server's threads see what
the test commits. Import the fixture into the test module::

    from tests.browser.asgi_server import asgi_live_server  # noqa: F401
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connections

HOST = "127.0.0.1"


@contextmanager
def shared_sqlite_connection() -> Iterator[None]:
    """On SQLite the test database lives in memory, as long as the test's own connection, and
    other connections to it lock whole tables against each other (shared cache): so every
    thread uses the test's connection, as Django's LiveServerThread does. On PostgreSQL each
    thread keeps its own connection to the test database (nothing to do)."""
    memory = [
        connection
        for connection in connections.all()
        if connection.vendor == "sqlite" and connection.is_in_memory_db()
    ]
    if not memory:
        yield
        return
    original = connections._connections
    shared = SimpleNamespace()
    for connection in connections.all():
        connection.inc_thread_sharing()
        setattr(shared, connection.alias, connection)
    connections._connections = shared
    try:
        yield
    finally:
        connections._connections = original
        for connection in vars(shared).values():
            connection.dec_thread_sharing()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class AsgiLiveServer:
    """uvicorn in a thread; ``stop()`` and ``start()`` again keep the same port (a test can cut
    the server off and bring it back)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        import uvicorn

        from motcua.asgi import application

        config = uvicorn.Config(
            application,
            host=HOST,
            port=self.port,
            lifespan="off",
            log_level="warning",
            # Open event streams would otherwise keep the server from stopping.
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 15.0) -> None:
        from motcua.queueing import hub

        if self._server is None or self._thread is None:
            return
        # Streams still open are cancelled after the grace period; uvicorn logs that as errors.
        uvicorn_log = logging.getLogger("uvicorn.error")
        level = uvicorn_log.level
        uvicorn_log.setLevel(logging.CRITICAL)
        try:
            self._server.should_exit = True
            self._thread.join(timeout)
        finally:
            uvicorn_log.setLevel(level)
        self._server = self._thread = None
        # The board hub's thread closes its database connection when its streams end.
        hub.wait_closed()


@pytest.fixture
def asgi_live_server(transactional_db: None) -> Iterator[AsgiLiveServer]:
    with shared_sqlite_connection():
        server = AsgiLiveServer()
        server.start()
        try:
            yield server
        finally:
            server.stop()
