"""One poll per center for all the display boards a web process serves.

Every board keeps a server-sent events stream open. Instead of each stream polling the
database, the first board of a center starts one task that polls the center's floor version
(one indexed row) every ``MOTCUA_BOARD_POLL_SECONDS``, builds the board's snapshot once per new
version and hands it to every subscriber; the last board to leave stops the task. A subscriber
keeps only the newest snapshot, so a slow client never piles up stale ones.

All database work of the hub runs on one dedicated thread per event loop, so N boards of M
centers hold one database connection per process, not one per open stream. On an error (the
database restarted, the network dropped) the thread's connection is closed, the task logs,
backs off and tries again: a board outlives a database restart. When no board is connected any
more the thread closes its connection and ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.utils import timezone

from motcua.organization.models import Center

from . import selectors, services

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_POLL_SECONDS = 0.2
# Back-off after failed polls: doubling from the poll interval up to this.
MAX_BACKOFF_SECONDS = 10.0


def poll_seconds() -> float:
    return float(getattr(settings, "MOTCUA_BOARD_POLL_SECONDS", DEFAULT_POLL_SECONDS))


@dataclass(frozen=True)
class BoardState:
    """A center's board snapshot, encoded once for every stream that sends it."""

    data: dict[str, Any]
    json: str

    @property
    def version(self) -> int:
        return int(self.data["version"])

    @classmethod
    def of(cls, data: dict[str, Any]) -> BoardState:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
        return cls(data=data, json=text)


class Subscription:
    """One board's mailbox: holds the newest state only."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[BoardState] = asyncio.Queue(maxsize=1)

    def offer(self, state: BoardState) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(state)

    async def next(self, timeout: float) -> BoardState | None:
        """The next new state, or None when none came within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None


def read_board(center_id: int, known: BoardState | None) -> BoardState | None:
    """(Hub thread.) The center's new board state, or None when its floor version and day are
    those of ``known``. The version is read before the data, so a change made while the
    snapshot is built shows on the next poll."""
    try:
        version = services.floor_version(center_id)
        today = timezone.localdate().isoformat()
        if known is not None and known.version == version and known.data["day"] == today:
            return None
        center = Center.objects.get(pk=center_id)
        return BoardState.of(selectors.board_snapshot(center))
    except Exception:
        close_connections()
        raise


def close_connections() -> None:
    """(Hub thread.) Drop this thread's database connections; the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:
            logger.warning("closing the board hub's database connection failed", exc_info=True)


class Feed:
    """The poller of one center and its subscribers."""

    def __init__(self, hub: Hub, center_id: int) -> None:
        self.hub = hub
        self.center_id = center_id
        self.subscribers: set[Subscription] = set()
        self.latest: BoardState | None = None
        self.polls = 0  # version reads that succeeded
        self.builds = 0  # snapshots built (one per new version)
        self.failures = 0  # consecutive failed polls
        # A fresh context: the poller must not carry the first subscriber's request state.
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"board-feed-{center_id}", context=contextvars.Context()
        )

    def publish(self, state: BoardState) -> None:
        self.latest = state
        self.builds += 1
        for subscriber in self.subscribers:
            subscriber.offer(state)

    async def _run(self) -> None:
        while True:
            try:
                state = await self.hub.run(read_board, self.center_id, self.latest)
            except Exception:
                self.failures += 1
                delay = min(poll_seconds() * 2**self.failures, MAX_BACKOFF_SECONDS)
                # The traceback once, then one line per retry (a long outage must not flood).
                logger.warning(
                    "board feed of center %s: poll failed (%s in a row), retrying in %.2f s",
                    self.center_id,
                    self.failures,
                    delay,
                    exc_info=self.failures == 1,
                )
                await asyncio.sleep(delay)
                continue
            if self.failures:
                logger.info("board feed of center %s: polling again", self.center_id)
                self.failures = 0
            self.polls += 1
            if state is not None:
                self.publish(state)
            await asyncio.sleep(poll_seconds())


class Hub:
    """The feeds of one event loop (one web process) and the thread they run queries on."""

    def __init__(self) -> None:
        self.feeds: dict[int, Feed] = {}
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._running = 0

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func`` on the hub's database thread."""
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="motcua-board-hub"
            )
        self._running += 1
        try:
            return await sync_to_async(func, thread_sensitive=False, executor=self._executor)(*args)
        finally:
            self._running -= 1
            self._retire_if_idle()

    @asynccontextmanager
    async def subscribe(self, center_id: int) -> AsyncIterator[Subscription]:
        """Receive the center's board state: the latest known at once (if any), then every
        new one."""
        feed = self.feeds.get(center_id)
        if feed is None:
            feed = self.feeds[center_id] = Feed(self, center_id)
        subscription = Subscription()
        feed.subscribers.add(subscription)
        if feed.latest is not None:
            subscription.offer(feed.latest)
        try:
            yield subscription
        finally:
            feed.subscribers.discard(subscription)
            if not feed.subscribers:
                self._stop(feed)

    def subscribers(self, center_id: int) -> int:
        feed = self.feeds.get(center_id)
        return len(feed.subscribers) if feed else 0

    def _stop(self, feed: Feed) -> None:
        feed.task.cancel()
        if self.feeds.get(feed.center_id) is feed:
            del self.feeds[feed.center_id]
        self._retire_if_idle()

    def _retire_if_idle(self) -> None:
        """Nobody left: close the thread's connection and let the thread end (a new one starts
        with the next board). The close job queues behind any query still running there."""
        if self.feeds or self._running or self._executor is None:
            return
        executor, self._executor = self._executor, None
        closing = executor.submit(close_connections)
        _closing.add(closing)
        closing.add_done_callback(_closing.discard)
        executor.shutdown(wait=False)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_closing: set[concurrent.futures.Future[None]] = set()


def get_hub() -> Hub:
    """The hub of the running event loop (uvicorn runs one loop per process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub


def wait_closed(timeout: float = 10.0) -> None:
    """Wait until retired hub threads have closed their database connections (tests call this
    before the test database is dropped)."""
    concurrent.futures.wait(list(_closing), timeout=timeout)
