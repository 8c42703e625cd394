"""``motcua run`` serves HTTP with Nagle's algorithm off on every accepted connection, so a
kiosk or console reusing its connection does not wait for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.config import Config
from uvicorn.server import ServerState

from motcua import cli
from motcua.serving import PROTOCOL, NoDelayH11Protocol


async def _app(scope, receive, send):  # pragma: no cover - never called
    raise AssertionError


def test_accepted_connections_get_tcp_nodelay():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

        async def serve_one() -> None:
            loop = asyncio.get_running_loop()
            config = Config(app=_app, lifespan="off", log_level="warning")
            protocol = NoDelayH11Protocol(config=config, server_state=ServerState(), app_state={})
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, accepted)
            served = transport.get_extra_info("socket")
            assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            transport.close()

        asyncio.run(serve_one())
    finally:
        client.close()
        listener.close()


def test_the_run_command_uses_the_protocol(monkeypatch):
    seen = {}
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    cli.main(["motcua", "run", "--port", "8123", "--workers", "2"])
    assert (seen["http"], seen["workers"], seen["port"]) == (PROTOCOL, 2, 8123)
    assert Config(app=_app, http=PROTOCOL).http == PROTOCOL
