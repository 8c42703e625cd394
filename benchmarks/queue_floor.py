"""Counter floor: ticket issuance at the kiosks and the display board's update latency.

    .venv/bin/python benchmarks/queue_floor.py             # creates bench_floor, measures
    .venv/bin/python benchmarks/queue_floor.py --reuse     # the same floor again
    .venv/bin/python benchmarks/queue_floor.py --reuse --kiosks 1,4 --boards 1,10 --seconds 10

A script, not a test. The PostgreSQL database named in ``--postgres`` (default ``bench_floor``
on 127.0.0.1) is CREATED by the script, which refuses an existing name unless ``--reuse`` is
given, then migrated with ``motcua migrate`` and ``motcua createcachetable`` as in
docs/deployment.md; it is KEPT at the end (``--drop`` drops it). A table ``bench_floor_meta``
records the generation.

The floor (through the services): a provincial center with ``--services`` (6) queue services
and ``--counters`` (12) counters (the last one a priority counter serving every service, the
others two services each), one receptionist per counter with an open counter session
(``services.open_counter``), kiosk and board devices (``devices.create_device``, one per kiosk
client and per board). History, written with ``COPY``: ``--history-days`` (250) working days
of ``--per-day`` (800) tickets each — 5 % priority, 90 % served, 8 % no-shows, 1 % left waiting
at closing time (nothing closes a day's queue) — with their calls (5 % recalled) and number
series. Today: the day is topped up to ``--today`` (3,000) tickets, of which ``--waiting``
(300) still wait; before each phase the queue is brought back to that many waiting tickets
(the extra ones are marked no-shows) and no ticket is left called at a counter.

The system under test is the real app served as in production: ``motcua run --workers 2``
(uvicorn, ASGI) with ``DJANGO_SETTINGS_MODULE=motcua.settings.production`` (the shared
database cache, ``DB_CONN_MAX_AGE`` 0 unless ``--conn-max-age``); the script plays the TLS
proxy (``X-Forwarded-Proto: https``). It starts and stops the server itself and counts the
status codes and errors of its log.

a. Issuance: K (``--kiosks`` 1,4,8) kiosk clients at once, each its own device, HTTP session
   and connection (aiohttp, in this process), each doing what the kiosk page does, as fast as
   it can for ``--seconds`` (15): GET the service's page (CSRF cookie, form token, one-time
   key), POST ``/xep-hang/kiosk/<key>/lay-so/`` (302), GET the printed ticket it redirects
   to. Each request on a new TCP connection, as the documented nginx site (``proxy_pass``
   over HTTP/1.0) reaches the app; ``--keep-alive`` reuses one connection per kiosk instead.
   Tickets/s, latency of the POST and of POST + ticket page, CPU of each web process and of
   the machine, database transactions and new connections per ticket, and how often a backend
   waits on a row lock (``pg_stat_activity`` sampled every 20 ms). After each run the script
   ASSERTS that the day's numbers are exactly 1001…1000+n, no duplicate and no gap, that the
   series' last number is n, and that the new tickets are as many as the 302 answers.
b. Board: B (``--boards`` 1,10,50) server-sent-event streams ``/xep-hang/bang/<key>/su-kien/``
   open at once (aiohttp, in this process). A quiet window (``--quiet`` 10 s, nobody writes;
   also once with no board at all) measures what idle boards cost: reads of the floor clock's
   row per second (scans of ``queueing_floorclock`` in ``pg_stat_user_tables``: one per poll
   of a hub), transactions/s of the database (``pg_stat_database``), CPU of each web process,
   connections held. Then for ``--active`` (20) seconds a child process
   issues tickets through the kiosk pages at ``--kiosk-rate`` (1/s, Poisson) and another
   calls: ``--call-rate`` (1/s, Poisson) times an officer (in turn) finishes the ticket they
   hold (``start_serving`` + ``finish_serving``) and calls the next (``services.call_next``),
   through the ORM rather than the console's HTTP POST, so the moment the call's transaction
   committed is known to the microsecond (after an HTTP call it is only known to lie between
   the request and the response). For every call and every board: the delay from that commit
   to the board receiving an event whose ``calls`` contain the call's id. The numbers'
   invariant is asserted after this phase too.
c. What one poll and one snapshot build of the hub cost (the ORM, in this process), today and
   on a day without calls yet (the first tickets of a morning), with the plan of the last
   calls' query.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import functools
import multiprocessing as mp
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import _support
import dossier_intake as intake
import workflow_inbox as inbox

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_floor"
META_TABLE = "bench_floor_meta"
CENTER_CODE = "bench-floor"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_NUMBER = 1001  # rules.FIRST_TICKET_NUMBER
# Opening hours of a day of history: issue moments are drawn in these (local time).
SESSIONS = [(dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0))]
SERVICE_NAMES = [
    "Hộ tịch, chứng thực",
    "Đất đai, nhà ở",
    "Xây dựng, quy hoạch",
    "Đăng ký kinh doanh",
    "Lao động, thương binh và xã hội",
    "Tư pháp, lý lịch",
]
COPY_CHUNK = 100_000
BOARD_TARGET_S = 1.0  # the issue: the board updates within a second of a call
SETTLE_S = 2.0  # boards stay open this long after the last call
STATS_LAG_S = 3.0


# ---------------------------------------------------------------------------------------------
# The floor and its history


@dataclass
class Floor:
    """Ids of the bench center's floor, read back from the database."""

    center_id: int
    services: list[int]
    counters: dict[int, int]  # counter id -> number
    serving: dict[int, list[int]]  # service id -> counter ids
    officers: dict[int, int]  # counter id -> officer id
    priorities: list[tuple[int, str]]  # (id, code)
    kiosks: list[str] = field(default_factory=list)  # device keys
    boards: list[str] = field(default_factory=list)


def build_floor(services_n: int, counters_n: int) -> None:
    """The center, its services, counters, officers (each at their counter) and devices."""
    from django.db import transaction

    from motcua.organization.models import (
        Center,
        CenterKind,
        Counter,
        Role,
        RoleAssignment,
        Unit,
        UnitLevel,
        User,
    )
    from motcua.queueing import services
    from motcua.queueing.models import QueueService

    with transaction.atomic():
        level = UnitLevel.objects.get_or_create(code="tinh", defaults={"name": "Tỉnh", "rank": 1})[
            0
        ]
        unit = Unit.objects.create(
            name="Văn phòng UBND tỉnh (benchmark)", level=level, code="000.00.99.H99"
        )
        center = Center.objects.create(
            code=CENTER_CODE,
            name="Trung tâm Phục vụ hành chính công tỉnh (benchmark)",
            kind=CenterKind.PROVINCIAL,
            unit=unit,
        )
        counters = [
            Counter.objects.create(
                center=center,
                number=n,
                name="Quầy ưu tiên" if n == counters_n else f"Quầy {n}",
                is_priority=n == counters_n,
            )
            for n in range(1, counters_n + 1)
        ]
        normal, priority_counter = counters[:-1], counters[-1]
        for s in range(services_n):
            service = QueueService.objects.create(
                center=center, name=SERVICE_NAMES[s % len(SERVICE_NAMES)], position=s + 1
            )
            pair = [normal[(2 * s) % len(normal)], normal[(2 * s + 1) % len(normal)]]
            service.counters.set([*pair, priority_counter])
        for counter in counters:
            officer = User.objects.create_user(
                username=f"bench-floor-{counter.number:02d}",
                password=secrets.token_urlsafe(16),
                full_name=f"Cán bộ quầy {counter.number}",
            )
            RoleAssignment.objects.create(
                user=officer, role=Role.RECEPTIONIST, unit=unit, valid_from=dt.date(2025, 7, 1)
            )
            services.open_counter(actor=officer, counter=counter)


def ensure_devices(center_id: int, kind: str, count: int) -> list[str]:
    """At least ``count`` active devices of ``kind``; their keys."""
    from motcua.organization.models import Center
    from motcua.queueing import devices
    from motcua.queueing.models import Device

    have = list(
        Device.objects.filter(center_id=center_id, kind=kind, is_active=True)
        .order_by("pk")
        .values_list("key", flat=True)
    )
    center = Center.objects.get(pk=center_id)
    label = {"kiosk": "Máy lấy số", "board": "Màn hình"}[kind]
    for n in range(len(have), count):
        device = devices.create_device(center=center, kind=kind, name=f"{label} {n + 1}")
        have.append(device.key)
    return have[:count]


def read_floor() -> Floor:
    from motcua.organization.models import Center, Counter
    from motcua.queueing.models import CounterSession, PriorityCategory, QueueService

    center = Center.objects.get(code=CENTER_CODE)
    counters = dict(
        Counter.objects.filter(center=center).order_by("number").values_list("pk", "number")
    )
    serving: dict[int, list[int]] = {}
    for service in QueueService.objects.filter(center=center).prefetch_related("counters"):
        serving[service.pk] = sorted(c.pk for c in service.counters.all())
    officers = dict(
        CounterSession.objects.filter(counter__center=center, ended_at=None).values_list(
            "counter_id", "officer_id"
        )
    )
    return Floor(
        center_id=center.pk,
        services=sorted(serving),
        counters=counters,
        serving=serving,
        officers=officers,
        priorities=list(
            PriorityCategory.objects.filter(is_active=True).order_by("pk").values_list("pk", "code")
        ),
    )


def working_days_before(day: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    current = day
    while len(days) < count:
        current -= dt.timedelta(days=1)
        if current.weekday() < 5:
            days.append(current)
    return sorted(days)


def issue_moments(day: dt.date, n: int, rng: random.Random) -> list[dt.datetime]:
    """``n`` sorted moments within the opening hours of ``day``."""
    spans = [
        (dt.datetime.combine(day, a, VN), dt.datetime.combine(day, b, VN)) for a, b in SESSIONS
    ]
    total = sum((b - a).total_seconds() for a, b in spans)
    moments = []
    for _ in range(n):
        offset = rng.uniform(0, total)
        for a, b in spans:
            length = (b - a).total_seconds()
            if offset <= length:
                moments.append(a + dt.timedelta(seconds=offset))
                break
            offset -= length
    return sorted(moments)


@functools.cache
def ticket_columns() -> list[tuple[str, Any]]:
    """(column, default) of the ticket table, from the model: a column added later gets its
    field's default."""
    from motcua.queueing.models import Ticket

    return [(str(f.column), f.get_default()) for f in Ticket._meta.concrete_fields]


class RowMaker:
    """Ticket and call rows as the services would have left them."""

    def __init__(self, floor: Floor, rng: random.Random, next_ticket: int, next_call: int):
        self.floor, self.rng = floor, rng
        self.next_ticket, self.next_call = next_ticket, next_call
        self.tickets: list[tuple[Any, ...]] = []
        self.calls: list[tuple[Any, ...]] = []

    def ticket(self, day: dt.date, number: int, issued: dt.datetime, state: str) -> None:
        rng, floor = self.rng, self.floor
        service = rng.choice(floor.services)
        priority = rng.choice(floor.priorities)[0] if rng.random() < 0.05 else None
        row: dict[str, Any] = {
            "id": self.next_ticket, "center_id": floor.center_id, "day": day, "number": number,
            "service_id": service, "priority_id": priority,
            "source": "booking" if rng.random() < 0.10 else "kiosk", "state": state,
            "issued_at": issued, "queue_at": issued, "called_at": None, "call_count": 0,
            "counter_id": None, "officer_id": None, "started_at": None, "finished_at": None,
            "dossier_id": None,
        }  # fmt: skip
        if state in ("done", "no_show"):
            counter = rng.choice(floor.serving[service])
            called = issued + dt.timedelta(minutes=rng.uniform(2, 45))
            recalls = 1 if rng.random() < 0.05 else 0
            row |= {"called_at": called, "call_count": 1 + recalls, "counter_id": counter,
                    "officer_id": floor.officers[counter]}  # fmt: skip
            if state == "done":
                started = called + dt.timedelta(minutes=rng.uniform(0.5, 2))
                finished = started + dt.timedelta(minutes=rng.uniform(4, 20))
                row |= {"started_at": started, "finished_at": finished}
            else:
                row["finished_at"] = called + dt.timedelta(minutes=3)
            for k in range(1 + recalls):
                at = called + dt.timedelta(minutes=2 * k)
                self.calls.append((self.next_call, self.next_ticket, counter, floor.center_id, at))
                self.next_call += 1
        self.tickets.append(tuple(row.get(c, default) for c, default in ticket_columns()))
        self.next_ticket += 1

    def flush(self, force: bool = False) -> None:
        from django.db import transaction

        if not force and len(self.tickets) < COPY_CHUNK:
            return
        writer = intake.Writer()
        with transaction.atomic():
            writer.write("queueing_ticket", [c for c, _d in ticket_columns()], self.tickets)
            writer.write("queueing_call", ["id", "ticket_id", "counter_id", "center_id", "at"],
                         self.calls)  # fmt: skip
        self.tickets.clear()
        self.calls.clear()


def _next_ids() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM queueing_ticket")
        ticket = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM queueing_call")
        call = cursor.fetchone()[0]
    return ticket, call


def _reset_sequences() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("queueing_ticket", "queueing_call"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def set_series(center_id: int, day: dt.date, last: int) -> None:
    from motcua.core.models import NumberSequence

    NumberSequence.objects.update_or_create(
        scope="ticket", key=str(center_id), period=day.isoformat(), defaults={"last": last}
    )


def write_history(floor: Floor, days: list[dt.date], per_day: int, rng: random.Random) -> int:
    maker = RowMaker(floor, rng, *_next_ids())
    written = 0
    for day in days:
        n = max(1, round(per_day * rng.uniform(0.75, 1.25)))
        for i, issued in enumerate(issue_moments(day, n, rng)):
            r = rng.random()
            state = "waiting" if r < 0.01 else "no_show" if r < 0.09 else "done"
            maker.ticket(day, FIRST_NUMBER + i, issued, state)
        set_series(floor.center_id, day, n)
        written += n
        maker.flush()
    maker.flush(force=True)
    _reset_sequences()
    return written


def generate(args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    from django.db import connection

    rng = random.Random(args.seed)
    t = time.perf_counter()
    build_floor(args.services, args.counters)
    floor = read_floor()
    days = working_days_before(today, args.history_days)
    tickets = write_history(floor, days, args.per_day, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "generated_at": dt.datetime.now(VN).isoformat(),
        "history_days": len(days),
        "history_tickets": tickets,
        "seconds": round(time.perf_counter() - t, 1),
    }


# ---------------------------------------------------------------------------------------------
# Today's floor before each phase


def day_numbers(center_id: int, day: dt.date) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT number), coalesce(min(number), 0), "
            "coalesce(max(number), 0), count(*) FILTER (WHERE state = 'waiting') "
            "FROM queueing_ticket WHERE center_id = %s AND day = %s",
            [center_id, day],
        )
        count, distinct, low, high, waiting = cursor.fetchone()
        cursor.execute(
            "SELECT last FROM core_numbersequence WHERE scope = 'ticket' AND key = %s "
            "AND period = %s",
            [str(center_id), day.isoformat()],
        )
        row = cursor.fetchone()
    return {"count": count, "distinct": distinct, "min": low, "max": high,
            "series": row[0] if row else 0, "waiting": waiting}  # fmt: skip


def assert_numbers(center_id: int, day: dt.date, before: int, issued: int) -> dict[str, int]:
    """The issue's invariant: the day's numbers are exactly 1001…1000+n, none twice, none
    missing, the series' last number is n, and the new ones are the tickets answered 302."""
    n = day_numbers(center_id, day)
    assert n["count"] == n["distinct"], f"duplicate numbers: {n}"
    assert n["count"] == 0 or (n["min"] == FIRST_NUMBER and n["max"] == FIRST_NUMBER - 1
                               + n["count"]), f"a gap in the numbers: {n}"  # fmt: skip
    assert n["series"] == n["count"], f"series and tickets disagree: {n}"
    assert n["count"] - before == issued, f"{n['count'] - before} new tickets, {issued} answered"
    return n


def prepare_today(floor: Floor, today: dt.date, total: int, waiting: int, seed: int) -> str:
    """Top the day up to ``total`` tickets (earlier ones served), leave ``waiting`` waiting, no
    ticket called or served at a counter, every officer at their counter."""
    from django.db import transaction
    from django.db.models import F

    from motcua.organization.models import Counter, User
    from motcua.queueing import services
    from motcua.queueing.models import Ticket

    rng = random.Random(seed + today.toordinal())
    now = dt.datetime.now(VN)
    notes = []
    with transaction.atomic():
        numbers = day_numbers(floor.center_id, today)
        active = Ticket.objects.filter(
            center_id=floor.center_id, day=today, state__in=["called", "serving"]
        ).update(state="done", started_at=F("called_at"), finished_at=now)
        extra = numbers["waiting"] - waiting
        if extra > 0:
            stale = Ticket.objects.filter(
                center_id=floor.center_id, day=today, state="waiting"
            ).order_by("queue_at", "pk")[:extra]
            Ticket.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
                state="no_show", finished_at=now
            )
            notes.append(f"{extra} waiting tickets of earlier runs marked no-shows")
        served_needed = max(0, total - numbers["count"] - max(0, -extra))
        new_waiting = max(0, -extra)
        if served_needed or new_waiting:
            start = dt.datetime.combine(today, dt.time(7, 30), VN)
            if now - start < dt.timedelta(hours=1):
                start = dt.datetime.combine(today, dt.time(0, 0), VN)
            span = max(60.0, (now - start).total_seconds() - 60)
            moments = sorted(
                start + dt.timedelta(seconds=rng.uniform(0, span))
                for _ in range(served_needed + new_waiting)
            )
            maker = RowMaker(floor, rng, *_next_ids())
            for i, issued in enumerate(moments):
                state = "waiting" if i >= served_needed else rng.choice(["done"] * 11 + ["no_show"])
                # A ticket served today was called before now.
                if state != "waiting" and issued > now - dt.timedelta(minutes=90):
                    issued = now - dt.timedelta(minutes=90 + rng.uniform(0, 30))
                maker.ticket(today, FIRST_NUMBER + numbers["count"] + i, issued, state)
            maker.flush(force=True)
            _reset_sequences()
            set_series(floor.center_id, today, numbers["count"] + len(moments))
            notes.append(f"{len(moments)} tickets added to today ({new_waiting} waiting)")
        if active:
            notes.append(f"{active} tickets left at counters finished")
        services.touch_floor(floor.center_id)
    for counter_id, officer_id in floor.officers.items():
        services.open_counter(
            actor=User.objects.get(pk=officer_id), counter=Counter.objects.get(pk=counter_id)
        )
    return "; ".join(notes) or "nothing to change"


# ---------------------------------------------------------------------------------------------
# The web server


PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    processes: int

    def workers(self) -> list[int]:
        """Pids of uvicorn's worker processes (children of ``motcua run``; the process itself
        when it serves alone)."""
        if self.processes == 1:
            return [self.process.pid]
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
        return sorted(found)


@contextlib.contextmanager
def web_server(
    url: str, workers: int, conn_max_age: int, var_dir: str, probe: str
) -> Iterator[Server]:
    """``motcua run`` with the production settings, until the block ends."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="motcua.settings.production",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MOTCUA_VAR_DIR=var_dir,
        DB_CONN_MAX_AGE=str(conn_max_age),
        LOG_LEVEL="WARNING",
    )
    (Path(var_dir) / "static").mkdir(parents=True, exist_ok=True)
    log = Path(var_dir) / "server.log"
    command = [str(Path(sys.executable).parent / "motcua"), "run", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log, workers)
    try:
        _wait_ready(server, probe)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_ready(server: Server, probe: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            sys.exit(f"the server stopped:\n{server.log.read_text()[-3000:]}")
        request = urllib.request.Request(server.base + probe, headers=PROXY_HEADERS)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        sys.exit("the server did not answer within 60 s")
    # Let every worker import the app before measuring.
    while len(server.workers()) < server.processes and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)


def log_summary(log: Path) -> dict[str, Any]:
    """Status codes of the access log by kind of request, the error lines and the distinct
    exceptions (their last line) of the tracebacks."""
    statuses: Counter[str] = Counter()
    errors = []
    exceptions: Counter[str] = Counter()
    pattern = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3})')
    for line in log.read_text(errors="replace").splitlines():
        found = pattern.search(line)
        if found:
            method, path, status = found.groups()
            kind = (
                "kiosk POST" if method == "POST"
                else "board stream" if path.endswith("/su-kien/")
                else "ticket page" if "/so/" in path
                else "service page" if "/dich-vu/" in path
                else "other"
            )  # fmt: skip
            statuses[f"{kind} {status}"] += 1
        elif re.match(r"[\w.]+(Error|Exception): ", line):
            exceptions[line[:200]] += 1
        elif re.search(r"ERROR|CRITICAL", line):
            errors.append(line)
    return {"statuses": statuses, "errors": errors, "exceptions": exceptions}


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return found


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ---------------------------------------------------------------------------------------------
# Database activity


class DbStats:
    """Counters of the benchmark database from ``pg_stat_database``, on a connection of its
    own (its two queries per reading are part of the figures: negligible)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.name = _support.db_name(url)

    def read(self) -> dict[str, float]:
        row = self.conn.execute(
            "SELECT xact_commit + xact_rollback, sessions, tup_returned, tup_fetched, "
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()), "
            # Every poll of a hub reads the floor clock's row: one scan of that table.
            "(SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
            " WHERE relname = 'queueing_floorclock') "
            "FROM pg_stat_database WHERE datname = %s",
            [self.name, self.name],
        ).fetchone()
        assert row is not None
        xacts, sessions, returned, fetched, connections, clock = row
        return {"t": time.monotonic(), "xacts": xacts, "sessions": sessions,
                "returned": returned, "fetched": fetched, "connections": connections,
                "clock": clock}  # fmt: skip

    def close(self) -> None:
        self.conn.close()


class LockSampler:
    """Samples, every 20 ms on a thread and connection of its own, how many backends of the
    benchmark database are waiting on a lock (the number series' row, the floor clock's row):
    whether issuing tickets queues on them."""

    def __init__(self, url: str) -> None:
        import threading

        self.url, self.name = url, _support.db_name(url)
        self.samples = 0
        self.waiting = 0  # samples in which at least one backend waited on a lock
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND wait_event_type = 'Lock'",
                    [self.name],
                ).fetchone()
                self.samples += 1
                self.waiting += 1 if row and row[0] else 0


def rates(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    seconds = b["t"] - a["t"]
    return {
        "seconds": seconds,
        "xacts": b["xacts"] - a["xacts"],
        "xacts_s": (b["xacts"] - a["xacts"]) / seconds,
        "sessions": b["sessions"] - a["sessions"],
        "rows_s": (b["returned"] - a["returned"]) / seconds,
        "clock_s": (b["clock"] - a["clock"]) / seconds,
    }


# ---------------------------------------------------------------------------------------------
# Kiosk clients


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ONCE = re.compile(r'name="once" value="([^"]*)"')


@dataclass
class Flow:
    """One citizen at a kiosk: timings in ms and status codes."""

    page_ms: float
    post_ms: float
    ticket_ms: float
    page_status: int
    post_status: int
    ticket_status: int
    error: str = ""


class Kiosk:
    """One kiosk: its device key, its own HTTP session (cookies handled by hand: the CSRF
    cookie is ``Secure`` and this client speaks plain HTTP behind the "proxy" headers)."""

    def __init__(
        self, base: str, key: str, floor: Floor, rng: random.Random, keep_alive: bool
    ) -> None:
        import aiohttp

        self.base, self.key, self.floor, self.rng = base, key, floor, rng
        # Without keep-alive, one TCP connection per request: what the documented nginx site
        # (proxy_pass over HTTP/1.0) does between the kiosk's browser and the app.
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=not keep_alive),
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=PROXY_HEADERS,
        )
        self.cookie = ""
        self.origin = "https://" + base.split("://", 1)[1]

    async def close(self) -> None:
        await self.session.close()

    async def flow(self) -> Flow:
        service = self.rng.choice(self.floor.services)
        page_url = f"{self.base}/xep-hang/kiosk/{self.key}/dich-vu/{service}/"
        t0 = time.perf_counter()
        async with self.session.get(page_url, headers={"Cookie": self.cookie}) as r:
            page = await r.text()
            page_status = r.status
            if "csrftoken" in r.cookies:
                self.cookie = f"csrftoken={r.cookies['csrftoken'].value}"
        t1 = time.perf_counter()
        token, once = TOKEN.search(page), ONCE.search(page)
        if page_status != 200 or token is None or once is None:
            return Flow((t1 - t0) * 1000, 0, 0, page_status, 0, 0, error=page[:300])
        form = {"csrfmiddlewaretoken": token.group(1), "service": str(service),
                "once": once.group(1)}  # fmt: skip
        if self.rng.random() < 0.05:
            form["priority"] = self.rng.choice(self.floor.priorities)[1]
        headers = {"Cookie": self.cookie, "Origin": self.origin, "Referer": page_url}
        t1 = time.perf_counter()
        async with self.session.post(
            f"{self.base}/xep-hang/kiosk/{self.key}/lay-so/",
            data=form,
            headers=headers,
            allow_redirects=False,
        ) as r:
            body = await r.read()
            post_status, location = r.status, r.headers.get("Location", "")
        t2 = time.perf_counter()
        if post_status != 302:
            return Flow((t1 - t0) * 1000, (t2 - t1) * 1000, 0, page_status, post_status, 0,
                        error=body[:300].decode(errors="replace"))  # fmt: skip
        async with self.session.get(self.base + location, headers={"Cookie": self.cookie}) as r:
            await r.read()
            ticket_status = r.status
        t3 = time.perf_counter()
        return Flow((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, page_status,
                    post_status, ticket_status)  # fmt: skip


async def kiosks_flat_out(
    base: str, keys: list[str], floor: Floor, seconds: float, seed: int, keep_alive: bool
) -> dict[str, Any]:
    """K kiosks, each issuing as fast as it is answered, for ``seconds`` after two warm-up
    tickets each."""
    kiosks = [
        Kiosk(base, key, floor, random.Random(seed + i), keep_alive) for i, key in enumerate(keys)
    ]
    warm: list[Flow] = []
    flows: list[Flow] = []
    try:
        for _ in range(2):
            warm += await asyncio.gather(*(k.flow() for k in kiosks))
        stop_at = time.perf_counter() + seconds

        async def run(kiosk: Kiosk) -> None:
            while time.perf_counter() < stop_at:
                flows.append(await kiosk.flow())

        started = time.perf_counter()
        await asyncio.gather(*(run(k) for k in kiosks))
        wall = time.perf_counter() - started
    finally:
        for kiosk in kiosks:
            await kiosk.close()
    return {"warm": warm, "flows": flows, "wall": wall}


async def kiosks_at_rate(
    base: str, keys: list[str], floor: Floor, rate: float, seed: int, stop: Any, keep_alive: bool
) -> list[Flow]:
    """Citizens arriving at ``rate`` per second (Poisson) at the kiosks in turn."""
    rng = random.Random(seed)
    kiosks = [
        Kiosk(base, key, floor, random.Random(seed + i), keep_alive) for i, key in enumerate(keys)
    ]
    busy = [asyncio.Lock() for _ in kiosks]
    flows: list[Flow] = []
    tasks = []

    async def one(i: int) -> None:
        async with busy[i]:  # a kiosk serves one citizen at a time
            flows.append(await kiosks[i].flow())

    n = 0
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if stop.is_set():
            break
        tasks.append(asyncio.create_task(one(n % len(kiosks))))
        n += 1
    await asyncio.gather(*tasks)
    for kiosk in kiosks:
        await kiosk.close()
    return flows


def _kiosk_process(
    base: str, keys: list[str], floor: Floor, rate: float, seed: int, keep_alive: bool,
    go: Any, stop: Any, results: Any,
) -> None:  # fmt: skip
    go.wait()
    flows = asyncio.run(kiosks_at_rate(base, keys, floor, rate, seed, stop, keep_alive))
    results.put(("kiosks", flows))


# ---------------------------------------------------------------------------------------------
# Officers calling (ORM, in a process of their own)


@dataclass
class CallMade:
    call_id: int
    number: int
    committed: float  # time.time() just after the call's transaction committed
    call_ms: float  # services.call_next
    finish_ms: float  # start_serving + finish_serving of the officer's previous ticket


def _caller_process(floor: Floor, rate: float, seed: int, go: Any, stop: Any, results: Any):
    from django.db import connections

    connections.close_all()
    from motcua.organization.models import User
    from motcua.queueing import services
    from motcua.queueing.models import Call

    holding: dict[int, Any] = {}
    made: list[CallMade] = []
    empty, refused = 0, []
    rng = random.Random(seed)
    go.wait()  # no connection before: the quiet window counts only the web processes'
    officers = list(User.objects.filter(pk__in=floor.officers.values()).order_by("pk"))
    next_at = time.monotonic()
    i = 0
    while True:
        next_at += rng.expovariate(rate)
        if stop.wait(max(0.0, next_at - time.monotonic())):
            break
        officer = officers[i % len(officers)]
        i += 1
        try:
            t0 = time.perf_counter()
            ticket = holding.pop(officer.pk, None)
            if ticket is not None:
                ticket = services.start_serving(actor=officer, ticket=ticket)
                services.finish_serving(actor=officer, ticket=ticket)
            t1 = time.perf_counter()
            called = services.call_next(actor=officer)
            committed = time.time()
            t2 = time.perf_counter()
        except services.QueueError as refusal:
            refused.append(f"{refusal.code}: {refusal.messages[0]}")
            continue
        if called is None:
            empty += 1
            continue
        holding[officer.pk] = called
        call_id = Call.objects.filter(ticket=called).order_by("-pk").values_list("pk", flat=True)
        made.append(CallMade(call_id[0], called.number, committed, (t2 - t1) * 1000,
                             (t1 - t0) * 1000))  # fmt: skip
    results.put(("calls", {"made": made, "empty": empty, "refused": refused}))
    connections.close_all()


# ---------------------------------------------------------------------------------------------
# Boards


class Board:
    """One display board's event stream; records when each ``board`` event arrived."""

    def __init__(self, base: str, key: str) -> None:
        self.url = f"{base}/xep-hang/bang/{key}/su-kien/"
        self.events: list[tuple[float, bytes]] = []
        self.pings = 0
        self.status = 0
        self.error = ""
        self.opened = 0.0
        self.first = asyncio.Event()

    async def run(self) -> None:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=None, sock_read=None, sock_connect=30)
        self.opened = time.time()
        try:
            async with (
                aiohttp.ClientSession(headers=PROXY_HEADERS, timeout=timeout) as session,
                session.get(self.url) as response,
            ):
                self.status = response.status
                if response.status != 200:
                    self.error = (await response.text())[:300]
                    return
                await self._read(response.content)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the report shows it
            self.error = repr(exc)

    async def _read(self, content: Any) -> None:
        name, data = b"", []
        async for raw in content:
            line = raw.rstrip(b"\r\n")
            if line:
                if line.startswith(b"event:"):
                    name = line[6:].strip()
                elif line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
                continue
            if name == b"board":
                self.events.append((time.time(), b"\n".join(data)))
                self.first.set()
            elif name == b"ping":
                self.pings += 1
            name, data = b"", []


async def board_phase(
    server: Server, url: str, keys: list[str], quiet: float, active: float, go: Any, stop: Any
) -> dict[str, Any]:
    boards = [Board(server.base, key) for key in keys]
    stats = DbStats(url)
    workers = server.workers()
    tasks = [asyncio.create_task(b.run()) for b in boards]
    try:
        await asyncio.wait_for(asyncio.gather(*(b.first.wait() for b in boards)), 60)
    except TimeoutError:
        failed = [b.error or f"HTTP {b.status}" for b in boards if not b.first.is_set()]
        raise SystemExit(f"{len(failed)} boards got no first event: {failed[:3]}") from None
    connect = [(b.events[0][0] - b.opened) * 1000 for b in boards]
    # A backend reports its statistics at most once a second: let the connections' work be
    # counted before the quiet window starts.
    await asyncio.sleep(STATS_LAG_S)
    q0, c0, m0 = stats.read(), cpu_seconds(workers), machine_busy()
    await asyncio.sleep(quiet)
    q1, c1, m1 = stats.read(), cpu_seconds(workers), machine_busy()
    go.set()
    await asyncio.sleep(active)
    stop.set()
    a1, ca, ma = stats.read(), cpu_seconds(workers), machine_busy()
    await asyncio.sleep(SETTLE_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    stats.close()
    return {
        "boards": boards,
        "connect_ms": connect,
        "quiet": rates(q0, q1) | {"connections": q1["connections"]},
        "quiet_cpu": {p: (c1[p] - c0[p]) / (q1["t"] - q0["t"]) for p in c1 if p in c0},
        "quiet_busy": (m1[0] - m0[0]) / max(1, m1[1] - m0[1]),
        "active": rates(q1, a1),
        "active_cpu": {p: (ca[p] - c1[p]) / (a1["t"] - q1["t"]) for p in ca if p in c1},
        "active_busy": (ma[0] - m1[0]) / max(1, ma[1] - m1[1]),
    }


def idle_window(server: Server, url: str, seconds: float) -> dict[str, Any]:
    """The same readings as a board run's quiet window, with no board connected."""
    from django.db import connections

    connections.close_all()
    stats = DbStats(url)
    workers = server.workers()
    time.sleep(STATS_LAG_S)
    q0, c0, m0 = stats.read(), cpu_seconds(workers), machine_busy()
    time.sleep(seconds)
    q1, c1, m1 = stats.read(), cpu_seconds(workers), machine_busy()
    stats.close()
    return {
        "b": 0,
        "quiet": rates(q0, q1) | {"connections": q1["connections"]},
        "quiet_cpu": {p: (c1[p] - c0[p]) / (q1["t"] - q0["t"]) for p in c1 if p in c0},
        "quiet_busy": (m1[0] - m0[0]) / max(1, m1[1] - m0[1]),
    }


def board_delays(boards: list[Board], made: list[CallMade]) -> dict[str, Any]:
    """For every call and board, seconds from the call's commit to the first event showing it."""
    import json

    committed = {c.call_id: c.committed for c in made}
    delays: list[float] = []
    missed = 0
    events = 0
    for board in boards:
        seen: dict[int, float] = {}
        for at, raw in board.events:
            events += 1
            for call in json.loads(raw)["calls"]:
                if call["id"] in committed and call["id"] not in seen:
                    seen[call["id"]] = at
        for call_id, t in committed.items():
            if call_id in seen:
                delays.append(seen[call_id] - t)
            else:
                missed += 1
    return {"delays": delays, "missed": missed, "events": events}


# ---------------------------------------------------------------------------------------------
# Phases


def summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0, "min": 0, "p50": 0, "p95": 0, "p99": 0, "max": 0}
    return intake.summary(samples)


def issuance(server: Server, floor: Floor, keys: list[str], k: int, args: argparse.Namespace):
    from django.db import connections

    today = dt.datetime.now(VN).date()
    note = prepare_today(floor, today, args.today, args.waiting, args.seed)
    before = day_numbers(floor.center_id, today)
    stats = DbStats(args.postgres)
    connections.close_all()
    workers = server.workers()
    s0, c0, m0 = stats.read(), cpu_seconds(workers), machine_busy()
    with LockSampler(args.postgres) as locks:
        run = asyncio.run(
            kiosks_flat_out(
                server.base, keys[:k], floor, args.seconds, args.seed + k, args.keep_alive
            )
        )
    s1, c1, m1 = stats.read(), cpu_seconds(workers), machine_busy()
    stats.close()
    if dt.datetime.now(VN).date() != today:
        sys.exit("the day changed during the run (midnight in Asia/Ho_Chi_Minh): run it again")
    flows = run["warm"] + run["flows"]
    issued = sum(1 for f in flows if f.post_status == 302)
    after = assert_numbers(floor.center_id, today, before["count"], issued)
    return {"k": k, "note": note, "before": before, "after": after, "issued": issued,
            # The sampler's own queries are not the tickets'.
            "run": run, "db": rates(s0, s1) | {"connections": s1["connections"],
                                               "xacts": s1["xacts"] - s0["xacts"] - locks.samples},
            "cpu": {p: (c1[p] - c0[p]) / (s1["t"] - s0["t"]) for p in c1 if p in c0},
            "busy": (m1[0] - m0[0]) / max(1, m1[1] - m0[1]),
            "lock_waits": locks.waiting / max(1, locks.samples)}  # fmt: skip


def boards_run(server: Server, floor: Floor, b: int, args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connections

    today = dt.datetime.now(VN).date()
    note = prepare_today(floor, today, args.today, args.waiting, args.seed)
    before = day_numbers(floor.center_id, today)
    connections.close_all()
    ctx = mp.get_context("fork")
    go, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    children = [
        ctx.Process(target=_caller_process,
                    args=(floor, args.call_rate, args.seed + b, go, stop, results)),
        ctx.Process(target=_kiosk_process,
                    args=(server.base, floor.kiosks[:2], floor, args.kiosk_rate,
                          args.seed + 100 + b, args.keep_alive, go, stop, results)),
    ]  # fmt: skip
    for child in children:
        child.start()
    try:
        phase = asyncio.run(
            board_phase(server, args.postgres, floor.boards[:b], args.quiet, args.active, go, stop)
        )
    except BaseException:
        stop.set()
        go.set()
        raise
    got = dict(results.get(timeout=60) for _ in children)
    for child in children:
        child.join()
    flows: list[Flow] = got["kiosks"]
    issued = sum(1 for f in flows if f.post_status == 302)
    after = assert_numbers(floor.center_id, today, before["count"], issued)
    phase |= board_delays(phase["boards"], got["calls"]["made"])
    return {"b": b, "note": note, "calls": got["calls"], "kiosk_flows": flows,
            "issued": issued, "after": after} | phase  # fmt: skip


def snapshot_costs(floor: Floor, runs: int) -> dict[str, Any]:
    """The hub's work in this process: the idle poll, a snapshot build today and on the next
    working day (no ticket or call yet), and the plan of the last calls' query that day."""
    from django.db import connection

    from motcua.organization.models import Center
    from motcua.queueing import selectors, services
    from motcua.queueing.hub import BoardState

    center = Center.objects.get(pk=floor.center_id)
    now = dt.datetime.now(VN)
    morning = next_working_morning(now)
    measures = {
        "idle poll: `services.floor_version`": lambda: services.floor_version(center.pk),
        "snapshot build, today (`board_snapshot` + JSON)": lambda: BoardState.of(
            selectors.board_snapshot(center)
        ),
        "snapshot build, a morning before the first call": lambda: BoardState.of(
            selectors.board_snapshot(center, at=morning)
        ),
    }
    found = {}
    for label, fn in measures.items():
        summary_ms, queries, _results = _timed(fn, runs)
        found[label] = (summary_ms, queries)
    plans = {}
    for label, at in (("today", now), ("morning before the first call", morning)):
        queryset = selectors.calls_of_day(center, at.date())[: selectors.LAST_CALLS]
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans[label] = "\n".join(row[0] for row in cursor.fetchall())
    return {"measures": found, "plans": plans}


def next_working_morning(now: dt.datetime) -> dt.datetime:
    morning = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(7, 35), VN)
    while morning.weekday() >= 5:
        morning += dt.timedelta(days=1)
    return morning


def _timed(fn: Any, runs: int) -> tuple[dict[str, float], int, list[Any]]:
    """(summary in ms, queries of one run, results) of ``runs`` runs after a warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = [fn()]
    with CaptureQueriesContext(connection) as queries:
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        results.append(fn())
        samples.append((time.perf_counter() - t) * 1000)
    return summary(samples), len(queries.captured_queries), results


# ---------------------------------------------------------------------------------------------
# Reporting


def ms(s: dict[str, float]) -> str:
    return f"{s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f}"


def report_issuance(rows: list[dict[str, Any]], seconds: float) -> None:
    print(f"\n## a. Issuance: K kiosks issuing flat out ({seconds:.0f} s each)\n")
    print("| kiosks | tickets | tickets/s | POST p50 ms | p95 | max | POST + ticket page p50 "
          "| p95 | max | service page p50 ms | errors |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        flows = r["run"]["flows"]
        ok = [f for f in flows if f.post_status == 302 and f.ticket_status == 200]
        errors = [f for f in r["run"]["warm"] + flows if f.error or f.ticket_status != 200]
        issued_timed = sum(1 for f in flows if f.post_status == 302)
        post = summary([f.post_ms for f in ok])
        both = summary([f.post_ms + f.ticket_ms for f in ok])
        page = summary([f.page_ms for f in ok])
        print(f"| {r['k']} | {issued_timed:,} | **{issued_timed / r['run']['wall']:.1f}** | "
              f"{ms(post)} | {ms(both)} | {page['p50']:.1f} | {len(errors)} |")  # fmt: skip
    print("\n| kiosks | web CPU % (each process) | machine busy | DB xacts/ticket | DB "
          "connections opened/ticket | DB connections held at the end | a backend waits on a "
          "lock |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        db = r["db"]
        cpu = " / ".join(f"{v * 100:.0f}" for v in r["cpu"].values())
        print(f"| {r['k']} | {cpu} | {r['busy']:.0%} | {db['xacts'] / max(1, r['issued']):.1f} "
              f"| {db['sessions'] / max(1, r['issued']):.1f} | {db['connections']} | "
              f"{r['lock_waits']:.0%} of the time |")  # fmt: skip
    for r in rows:
        a = r["after"]
        print(f"\nK={r['k']}: {r['note']}; the day had {r['before']['count']:,} tickets, "
              f"{r['issued']:,} answered 302 (warm-up included), now {a['count']:,}: numbers "
              f"{a['min']}…{a['max']}, {a['distinct']:,} distinct, series at {a['series']:,} "
              f"— consecutive, no duplicate, no gap (asserted).")  # fmt: skip
        for f in (r["run"]["warm"] + r["run"]["flows"])[:]:
            if f.error:
                print(f"  error: page {f.page_status} post {f.post_status}: {f.error[:200]!r}")
                break


def report_boards(
    rows: list[dict[str, Any]], idle: dict[str, Any], args: argparse.Namespace
) -> None:
    print(f"\n## b. Board latency: B boards, kiosks at {args.kiosk_rate}/s, calls at "
          f"{args.call_rate}/s for {args.active:.0f} s\n")  # fmt: skip
    print(
        "| boards | calls | samples | p50 ms | p95 ms | p99 ms | max ms | ≤ 1 s | missed "
        "| first event p50 / max ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        delays = [d * 1000 for d in r["delays"]]
        s = summary(delays)
        within = sum(1 for d in r["delays"] if d <= BOARD_TARGET_S)
        total = len(delays) + r["missed"]
        c = summary(r["connect_ms"])
        print(f"| {r['b']} | {len(r['calls']['made'])} | {len(delays):,} | {s['p50']:.0f} | "
              f"{s['p95']:.0f} | {s['p99']:.0f} | **{s['max']:.0f}** | "
              f"{within / max(1, total):.1%} | {r['missed']} | {c['p50']:.0f} / "
              f"{c['max']:.0f} |")  # fmt: skip
    print(f"\nIdle boards ({args.quiet:.0f} s, nobody writes; B = 0: no board connected):\n")
    print("| boards | floor-clock reads/s | DB xacts/s | DB rows read/s | web CPU % (each "
          "process) | machine busy | DB connections held |")  # fmt: skip
    print("|---:|---:|---:|---:|---|---:|---:|")
    for r in [idle, *rows]:
        q = r["quiet"]
        cpu = " / ".join(f"{v * 100:.1f}" for v in r["quiet_cpu"].values())
        print(f"| {r['b']} | {q['clock_s']:.1f} | {q['xacts_s']:.1f} | {q['rows_s']:,.0f} | "
              f"{cpu} | {r['quiet_busy']:.0%} | {q['connections']} |")  # fmt: skip
    print(f"\nActive ({args.active:.0f} s of kiosks and calls):\n")
    print("| boards | DB xacts/s | DB rows read/s | web CPU % (each process) | machine busy |")
    print("|---:|---:|---:|---|---:|")
    for r in rows:
        a = r["active"]
        cpu = " / ".join(f"{v * 100:.1f}" for v in r["active_cpu"].values())
        print(f"| {r['b']} | {a['xacts_s']:.1f} | {a['rows_s']:,.0f} | {cpu} | "
              f"{r['active_busy']:.0%} |")  # fmt: skip
    print(
        "\n| boards | `call_next` p50 ms | p95 | max | start + finish p50 ms | kiosk POST "
        "p50 ms | p95 | tickets issued | no one waiting | refusals |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        made = r["calls"]["made"]
        call = summary([c.call_ms for c in made])
        finish = summary([c.finish_ms for c in made if c.finish_ms > 0.5])
        post = summary([f.post_ms for f in r["kiosk_flows"] if f.post_status == 302])
        print(f"| {r['b']} | {ms(call)} | {finish['p50']:.1f} | {post['p50']:.1f} | "
              f"{post['p95']:.1f} | {r['issued']} | {r['calls']['empty']} | "
              f"{len(r['calls']['refused'])} |")  # fmt: skip
    for r in rows:
        bad = [b for b in r["boards"] if b.error]
        print(f"\nB={r['b']}: {r['note']}; {r['events']:,} board events received, "
              f"{sum(b.pings for b in r['boards'])} pings; streams that failed: {len(bad)}"
              + (f" ({bad[0].error[:200]})" if bad else "")
              + f"; numbers still consecutive ({r['after']['count']:,}, asserted).")  # fmt: skip
        for refusal in r["calls"]["refused"][:3]:
            print(f"  refusal: {refusal}")


def report_snapshot(costs: dict[str, Any], runs: int) -> None:
    print(f"\n## c. The hub's work (this process, {runs} runs)\n")
    print(
        "| measure | queries | min ms | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|"
    )
    for label, (s, queries) in costs["measures"].items():
        print(f"| {label} | {queries} | {s['min']:.2f} | {s['p50']:.2f} | {s['p95']:.2f} | "
              f"{s['max']:.2f} |")  # fmt: skip
    for label, plan in costs["plans"].items():
        print(f"\nLast calls' query, {label}:\n\n```\n{plan}\n```")


def report_server(summary_: dict[str, Any]) -> None:
    print("\n## Server log\n")
    for key, n in sorted(summary_["statuses"].items()):
        print(f"- {key}: {n:,}")
    print(f"- error lines: {len(summary_['errors'])}")
    for line in summary_["errors"][:3]:
        print(f"  {line[:300]}")
    for line, n in summary_["exceptions"].most_common(5):
        print(f"- {n} × `{line}`")


def print_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) "
            "FROM pg_stat_user_tables WHERE relname IN ('queueing_ticket', 'queueing_call', "
            "'core_numbersequence', 'motcua_cache') ORDER BY relname"
        )
        rows = cursor.fetchall()
    print("\n| table | rows (estimate) | size with indexes |\n|---|---:|---:|")
    for name, live, size in rows:
        print(f"| {name} | {live:,} | {size} |")


# ---------------------------------------------------------------------------------------------


def open_database(args: argparse.Namespace, var_dir: str) -> dict[str, Any]:
    exists = inbox.database_exists(args.postgres)
    if exists and not args.reuse:
        sys.exit(
            f"database {_support.db_name(args.postgres)!r} exists: give --reuse to measure its "
            "floor again, or drop it (DROP DATABASE) to generate anew"
        )
    if not exists:
        inbox.create_database(args.postgres)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="motcua.settings.production",
               DATABASE_URL=args.postgres, SECRET_KEY=secrets.token_urlsafe(64),
               ALLOWED_HOSTS="127.0.0.1", MOTCUA_VAR_DIR=var_dir)  # fmt: skip
    motcua = str(Path(sys.executable).parent / "motcua")
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([motcua, *command], env=env, check=True)
    _support.setup_django(var_dir, args.postgres)
    meta = read_meta()
    if meta is not None:
        print(f"Reusing the floor generated at {meta['generated_at']} "
              f"({meta['history_tickets']:,} tickets of history).")  # fmt: skip
        return meta
    from motcua.organization.models import Center

    if Center.objects.filter(code=CENTER_CODE).exists():
        sys.exit("the database holds an incomplete floor (interrupted run?): drop it")
    print("Generating the floor and its history…", file=sys.stderr, flush=True)
    meta = generate(args, dt.datetime.now(VN).date())
    write_meta(meta)
    return meta


def read_meta() -> dict[str, Any] | None:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb)"
        )
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'generation'")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_meta(meta: dict[str, Any]) -> None:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('generation', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(meta)],
        )


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args() -> argparse.Namespace:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        epilog=doc.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--postgres", metavar="URL", default=DEFAULT_URL, help="the benchmark database")
    add("--reuse", action="store_true", help="measure an existing floor again")
    add("--drop", action="store_true", help="drop the database at the end")
    add("--services", type=int, default=6)
    add("--counters", type=int, default=12, help="the last one is the priority counter")
    add("--history-days", type=int, default=250, help="working days of history")
    add("--per-day", type=int, default=800, help="tickets a day of history (±25 %%)")
    add("--today", type=int, default=3000, help="tickets already issued today")
    add("--waiting", type=int, default=300, help="of which still waiting")
    add("--kiosks", type=int_list, default=[1, 4, 8], help="K values (comma-separated)")
    add("--seconds", type=float, default=15, help="length of each issuance run")
    add("--boards", type=int_list, default=[1, 10, 50], help="B values (comma-separated)")
    add("--quiet", type=float, default=10, help="seconds of idle boards measured")
    add("--active", type=float, default=20, help="seconds of kiosks and calls with boards")
    add("--kiosk-rate", type=float, default=1.0, help="tickets/s during the board runs")
    add("--call-rate", type=float, default=1.0, help="calls/s during the board runs")
    add("--workers", type=int, default=2, help="uvicorn worker processes")
    add("--conn-max-age", type=int, default=0, help="DB_CONN_MAX_AGE of the server")
    add("--keep-alive", action="store_true", help="kiosks reuse their connection (default: no)")
    add("--runs", type=int, default=100, help="runs of each hub measure (c)")
    add("--seed", type=int, default=2026)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    print(f"$ {' '.join([Path(sys.argv[0]).as_posix().split('/')[-1], *sys.argv[1:]])}")
    with tempfile.TemporaryDirectory(prefix="motcua-bench-floor-") as var_dir:
        meta = open_database(args, var_dir)
        try:
            run(args, meta, var_dir)
        finally:
            if args.drop:
                inbox.drop_database(args.postgres)
    print(f"\nTotal run time: {(time.perf_counter() - started) / 60:.1f} min")


def run(args: argparse.Namespace, meta: dict[str, Any], var_dir: str) -> None:
    print("\n## Machine\n")
    for key, value in intake.machine().items():
        print(f"- {key}: {value}")
    with open("/proc/loadavg") as f:
        print(f"- load average before: {f.read().split()[0]}")
    floor = read_floor()
    floor.kiosks = ensure_devices(floor.center_id, "kiosk", max([2, *args.kiosks]))
    floor.boards = ensure_devices(floor.center_id, "board", max([1, *args.boards]))
    today = dt.datetime.now(VN).date()
    print(f"- today: {today.isoformat()}; {args.workers} web processes, DB_CONN_MAX_AGE "
          f"{args.conn_max_age}, kiosk connections: "
          f"{'kept alive' if args.keep_alive else 'one per request'}")  # fmt: skip
    print(f"\n## Floor\n\n- {len(floor.services)} services, {len(floor.counters)} counters "
          f"(one priority), {len(floor.officers)} officers at their counters; "
          f"{meta['history_tickets']:,} tickets over {meta['history_days']} working days of "
          f"history (generated in {meta['seconds']} s)")  # fmt: skip
    note = prepare_today(floor, today, args.today, args.waiting, args.seed)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE queueing_ticket")
        cursor.execute("ANALYZE queueing_call")
    print(f"- today: {note}")
    print_sizes()
    probe = f"/xep-hang/kiosk/{floor.kiosks[0]}/"
    with web_server(args.postgres, args.workers, args.conn_max_age, var_dir, probe) as server:
        print(f"\nServer: `motcua run --workers {args.workers}`, pids "
              f"{server.process.pid} → {server.workers()}", flush=True)  # fmt: skip
        issued = [issuance(server, floor, floor.kiosks, k, args) for k in args.kiosks]
        if issued:
            report_issuance(issued, args.seconds)
        if args.boards:
            idle = idle_window(server, args.postgres, args.quiet)
            boards = [boards_run(server, floor, b, args) for b in args.boards]
            report_boards(boards, idle, args)
    report_server(log_summary(server.log))
    report_snapshot(snapshot_costs(floor, args.runs), args.runs)
    with open("/proc/loadavg") as f:
        print(f"\nload average after: {f.read().split()[0]}")


if __name__ == "__main__":
    main()
