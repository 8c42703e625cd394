"""Counter intakes per second and lookup latency with a million dossiers already stored.

    .venv/bin/python benchmarks/dossier_intake.py \\
        --postgres postgres://postgres@127.0.0.1:5432/bench_dossiers   [--dossiers 1000000]
    .venv/bin/python benchmarks/dossier_intake.py --sqlite --dossiers 100000

A script, not a test. It builds a throwaway database and migrates it:

- PostgreSQL (``--postgres URL``): the database named in the URL is CREATED by the script, which
  refuses to run if it already exists, and DROPPED at the end (``--keep`` keeps it);
- SQLite (``--sqlite``): a WAL file in a temporary directory.

The organisation and the catalogue are made with the services (a province, its office and four
departments, 12 communes; a provincial center and 12 commune centers; a receptionist per
center; 12 published procedures, 8 settled by the communes and 4 by departments, one case of
three components each). The dossiers are then written in bulk — PostgreSQL ``COPY`` through
psycopg (SQLite: ``executemany``), in chunks of 50,000 — as the services would have left them:

- spread over the working days of two years, 30 % at the provincial center, the rest over the
  communes; daily codes per unit ``<unit id>-YYMMDD-XXXX`` with their number series;
- 55 % counter, 40 % online, 5 % postal (with a stamp date); 8 procedures of the communes and
  4 of departments, received "regardless of boundary" (a commune center takes some provincial
  procedures, the provincial center many commune ones, settled by another unit: a transfer);
- parties from a pool of returning people (owner = applicant in 85 %, a representative in 5 %);
- 2–3 submitted components; 2–4 events each with their real hash chain (register, then
  refuse / request supplement / accept, start processing, complete), refusals and supplement
  requests where the status says so. The appointment of generated dossiers is a plain number of
  days (the legal calendar is only used by the intakes measured).

Measured (after ``ANALYZE``):

a. counter intakes per second through ``services.receive_at_counter`` (register + accept in
   one transaction, new or returning applicant, 2–3 components): one process, then N processes
   at once, each intake in its own transaction, all at one center (one daily code series) and
   spread over centers;
b. public lookup latency: ``selectors.public_lookup`` and ``GET /api/v1/public/dossiers/{code}``
   (Django's test client: routing, middleware, the rate limiter on the local-memory cache,
   serialisation; no network), for random existing codes and for unknown well-formed codes;
   and the public web page ``/tra-cuu/<code>/``;
c. staff ``GET /api/v1/dossiers/{code}`` (bearer token of a receptionist over the province)
   and its selector ``dossier_page``;

plus ``EXPLAIN (ANALYZE, BUFFERS)`` of the lookup's queries. Results are printed as Markdown
for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import _support
from _support import throwaway_postgres

ROOT = _support.ROOT
VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
CHUNK = 50_000

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Cao"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu", "Hoài",
          "Gia", "Bảo", "Kim", "Công"]  # fmt: skip
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quang", "Quân",
         "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vy", "Yến", "Hiếu"]  # fmt: skip
STREETS = ["Trần Phú", "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
           "Phan Bội Châu", "Hùng Vương", "Ngô Mây", "Tăng Bạt Hổ"]  # fmt: skip
COMMUNES = ["Quy Nhơn", "Quy Nhơn Đông", "Quy Nhơn Tây", "Quy Nhơn Nam", "Quy Nhơn Bắc",
            "Ia Grai", "Ia Hrung", "Pleiku", "An Nhơn", "Hoài Nhơn", "Tuy Phước",
            "Phù Cát"]  # fmt: skip
# (code, name, days, settled by: "commune" or a department's index)
PROCEDURES: list[tuple[str, str, int, Any]] = [
    ("1.001193", "Đăng ký khai sinh", 3, "commune"),
    ("1.000894", "Đăng ký kết hôn", 5, "commune"),
    ("1.000656", "Đăng ký khai tử", 3, "commune"),
    ("2.000815", "Chứng thực bản sao từ bản chính", 1, "commune"),
    ("2.000884", "Chứng thực chữ ký trong giấy tờ, văn bản", 1, "commune"),
    ("1.004873", "Xác nhận tình trạng hôn nhân", 3, "commune"),
    ("1.001022", "Đăng ký thường trú", 7, "commune"),
    ("1.003583", "Cấp bản sao trích lục hộ tịch", 1, "commune"),
    ("2.000488", "Cấp Phiếu lý lịch tư pháp", 10, 0),
    ("1.009972", "Cấp giấy phép xây dựng", 15, 1),
    ("1.012756", "Đăng ký biến động quyền sử dụng đất", 10, 2),
    ("1.000105", "Cấp giấy phép lao động cho người nước ngoài", 5, 3),
]
DEPARTMENTS = [
    ("000.00.11.H21", "Sở Tư pháp"),
    ("000.00.12.H21", "Sở Xây dựng"),
    ("000.00.13.H21", "Sở Nông nghiệp và Môi trường"),
    ("000.00.14.H21", "Sở Nội vụ"),
]
# status → the actions after "register", with their weight in the generated data
STATUS_PATHS: list[tuple[int, list[str], float]] = [
    (3, ["refuse"], 0.03),
    (5, ["request_supplement"], 0.04),
    (2, ["accept"], 0.08),
    (4, ["accept", "start_processing"], 0.15),
    (9, ["accept", "start_processing", "complete"], 0.70),
]
ACTION_TARGET = {
    "register": 1,
    "accept": 2,
    "refuse": 3,
    "request_supplement": 5,
    "start_processing": 4,
    "complete": 9,
}


# ---------------------------------------------------------------------------------------------
# Setting up


def setup_django(var_dir: str, database_url: str | None) -> None:
    _support.setup_django(var_dir, database_url)
    from django.conf import settings

    # Lookups are measured with the limiter on (its cost is part of a request) but far away.
    settings.MOTCUA_RATE_LIMITS = {"lookup": (10**9, 60)}
    settings.ALLOWED_HOSTS = ["*"]
    _support.migrate()


def machine() -> dict[str, str]:
    cpu = ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
            cursor.execute("SHOW shared_buffers")
            db += f", shared_buffers {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]} (WAL, temporary file)"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "django": django.get_version(),
        "db": db,
    }


# ---------------------------------------------------------------------------------------------
# The organisation and the catalogue (through the services)


@dataclass
class Proc:
    code: str
    name: str
    days: int
    version_id: int
    version_name: str
    case_id: int
    components: list[int]
    competent: Any  # "commune" or a department's unit id


@dataclass
class CenterInfo:
    id: int
    code: str
    unit_id: int
    unit_code: str
    commune: bool
    receptionist_id: int


@dataclass
class World:
    centers: list[CenterInfo]
    procedures: list[Proc]
    communes: list[int]
    staff_username: str
    province_id: int
    extra: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    from motcua.catalog import services as catalog
    from motcua.catalog.models import Channel, Component, Field, ProcedureCase, ProcedureUnit
    from motcua.organization.models import (
        Center,
        CenterKind,
        Role,
        RoleAssignment,
        Unit,
        UnitLevel,
        User,
    )

    level, _ = UnitLevel.objects.get_or_create(code="tinh", defaults={"name": "Tỉnh", "rank": 1})
    since = dt.date(2024, 1, 1)

    def unit(name: str, code: str, parent: Unit | None) -> Unit:
        return Unit.objects.create(
            name=name, code=code, parent=parent, level=level, valid_from=since
        )

    province = unit("UBND tỉnh Gia Lai", "000.00.00.H21", None)
    office = unit("Văn phòng UBND tỉnh", "000.00.01.H21", province)
    departments = [unit(name, code, province) for code, name in DEPARTMENTS]
    communes = [
        unit(f"UBND phường {name}", f"000.00.{31 + i:02d}.H21", province)
        for i, name in enumerate(COMMUNES)
    ]
    centers = [
        Center.objects.create(
            code="ttpvhcc-tinh",
            name="Trung tâm Phục vụ hành chính công tỉnh",
            kind=CenterKind.PROVINCIAL,
            unit=office,
            address="01 Trần Phú, Quy Nhơn",
        )
    ] + [
        Center.objects.create(
            code=f"ttpvhcc-{i:02d}",
            name=f"Trung tâm Phục vụ hành chính công phường {name}",
            kind=CenterKind.COMMUNE,
            unit=commune,
            address=f"{i + 1} Lê Lợi, phường {name}",
        )
        for i, (name, commune) in enumerate(zip(COMMUNES, communes, strict=True))
    ]
    infos = []
    for i, center in enumerate(centers):
        user = User.objects.create_user(
            username=f"tiepnhan{i:02d}", password="x", full_name=f"Cán bộ tiếp nhận {i:02d}"
        )
        RoleAssignment.objects.create(
            user=user, role=Role.RECEPTIONIST, unit=center.unit, valid_from=since
        )
        infos.append(
            CenterInfo(
                center.pk,
                center.code,
                center.unit_id,
                center.unit.code,
                center.kind == CenterKind.COMMUNE,
                user.pk,
            )
        )
    staff = User.objects.create_user(
        username="giamsat", password="x", full_name="Cán bộ tiếp nhận cấp tỉnh"
    )
    RoleAssignment.objects.create(
        user=staff, role=Role.RECEPTIONIST, unit=province, valid_from=since
    )

    field_ = Field.objects.create(code="G09-TP01", name="Hộ tịch")
    procedures = []
    for code, name, days, settled in PROCEDURES:
        version = catalog.create_procedure(actor=None, code=code, name=name, field=field_)
        catalog.update_draft(
            actor=None, version=version, offers_counter=True, offers_online=True, offers_postal=True
        )
        case = ProcedureCase.objects.create(version=version, position=1, name="Trường hợp chung")
        for channel in (Channel.COUNTER, Channel.ONLINE, Channel.POSTAL):
            catalog.set_processing_time(
                case=case, channel=channel, quantity=Decimal(days), unit="working_days"
            )
        components = [
            Component.objects.create(
                case=case, position=1, name="Tờ khai theo mẫu", originals=1, requirement="required"
            ),
            Component.objects.create(
                case=case, position=2, name="Giấy tờ chứng minh", copies=1, requirement="required"
            ),
            Component.objects.create(
                case=case,
                position=3,
                name="Văn bản ủy quyền",
                originals=1,
                requirement="conditional",
                condition="Khi ủy quyền",
            ),
        ]
        version = catalog.publish_version(actor=None, version=version, effective_from=since)
        if settled == "commune":
            for commune in communes:
                ProcedureUnit.objects.create(procedure=version.procedure, unit=commune)
            competent: Any = "commune"
        else:
            ProcedureUnit.objects.create(procedure=version.procedure, unit=departments[settled])
            competent = departments[settled].pk
        procedures.append(
            Proc(
                code,
                name,
                days,
                version.pk,
                version.name,
                case.pk,
                [c.pk for c in components],
                competent,
            )
        )
    return World(infos, procedures, [c.pk for c in communes], staff.username, province.pk)


# ---------------------------------------------------------------------------------------------
# Generating the dossiers


def person(i: int) -> dict[str, Any]:
    """The ``i``-th person of the pool, derived from ``i`` alone (no need to keep the pool)."""
    h = (i * 2654435761) % 2**32
    name = (
        f"{FAMILY[h % len(FAMILY)]} {MIDDLE[(h >> 5) % len(MIDDLE)]} "
        f"{GIVEN[(h >> 10) % len(GIVEN)]}"
    )
    return {
        "name": name,
        "identity_number": f"{(h >> 16) % 96 + 1:03d}{i:09d}",
        "address": f"{h % 300 + 1} {STREETS[(h >> 3) % len(STREETS)]}, phường "
        f"{COMMUNES[(h >> 7) % len(COMMUNES)]}",
        "phone": f"09{(h * 7) % 100_000_000:08d}",
        "birth_date": dt.date(1950 + h % 55, 1 + (h >> 4) % 12, 1 + (h >> 8) % 28),
    }


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def event_hash(previous: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


class Writer:
    """Rows into tables: ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor

    def write(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg's own cursor
                with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                    [tuple(_sqlite(v) for v in row) for row in rows],
                )


def _sqlite(value: Any) -> Any:
    """As Django stores it in SQLite: aware moments as naive UTC text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


DOSSIER_COLUMNS = [
    "id", "code", "unit_code", "receiving_center_id", "receiving_unit_id", "competent_unit_id",
    "locality_unit_id", "procedure_version_id", "procedure_case_id", "channel", "status",
    "form_set", "sets_count", "request_summary", "submitted_at", "postal_stamp_date",
    "decision_due_at", "accepted_at", "original_due_at", "due_at", "identity_verified",
    "identity_verification", "created_by_id", "client_key", "created_at",
]  # fmt: skip
PARTY_COLUMNS = [
    "id", "kind", "name", "identity_kind", "identity_number", "birth_date", "address", "phone",
    "email", "updated_at",
]  # fmt: skip
DOSSIER_PARTY_COLUMNS = [
    "id", "dossier_id", "role", "party_id", "kind", "name", "identity_kind", "identity_number",
    "address", "phone", "email", "authorization",
]  # fmt: skip
COMPONENT_COLUMNS = [
    "id", "dossier_id", "component_id", "originals", "certified_copies", "copies", "digitised",
    "reused_from_id", "note",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "dossier_id", "sequence", "at", "actor_id", "action", "from_status", "to_status",
    "unit_id", "note", "data", "previous_hash", "hash",
]  # fmt: skip
TRANSFER_COLUMNS = [
    "id", "dossier_id", "to_unit_id", "order", "is_lead", "electronic_at", "paper_due_at",
    "paper_sent_at", "slip_number", "task", "due_at",
]  # fmt: skip
SUPPLEMENT_COLUMNS = [
    "id", "dossier_id", "number", "at_reception", "items", "reason", "guidance", "is_repeat",
    "created_by_id", "created_at", "completed_at",
]  # fmt: skip
REFUSAL_COLUMNS = ["id", "dossier_id", "reason", "at_reception", "created_by_id", "created_at"]
SEQUENCE_COLUMNS = ["scope", "key", "period", "last"]


def generate(world: World, n: int, rng: random.Random, *, through: dt.date) -> dict[str, Any]:
    """Write ``n`` dossiers received on the working days of the two years up to ``through``;
    returns the counts, timings and a few codes per (unit, day)."""
    from django.db import connection, transaction

    from motcua.dossiers.rules import form_set_on

    writer = Writer()
    t0 = time.perf_counter()
    pool = max(1000, int(n * 0.6))
    now = dt.datetime.now(UTC)
    # -- the people ----------------------------------------------------------------------
    with transaction.atomic():
        rows: list[tuple[Any, ...]] = []
        for i in range(pool):
            p = person(i)
            rows.append(
                (
                    i + 1, "person", p["name"], "citizen_id", p["identity_number"],
                    p["birth_date"], p["address"], p["phone"], "", now,
                )
            )  # fmt: skip
            if len(rows) == CHUNK:
                writer.write("dossiers_party", PARTY_COLUMNS, rows)
                rows = []
        writer.write("dossiers_party", PARTY_COLUMNS, rows)
    t_parties = time.perf_counter() - t0

    # -- how many per day and center -------------------------------------------------------
    days = working_days(through - dt.timedelta(days=730), through)
    per_day = [n // len(days)] * len(days)
    for i in rng.sample(range(len(days)), n - sum(per_day)):
        per_day[i] += 1
    weights = [0.30] + [0.70 / (len(world.centers) - 1)] * (len(world.centers) - 1)
    commune_procs = [p for p in world.procedures if p.competent == "commune"]
    dept_procs = [p for p in world.procedures if p.competent != "commune"]
    status_weights = [w for _, _, w in STATUS_PATHS]
    recent = set(days[-5:])

    ids = Counter()  # next id per table
    totals = Counter()
    series: list[tuple[str, str, str, int]] = []
    samples: list[str] = []
    timings = Counter()

    buffers: dict[str, list[tuple[Any, ...]]] = {
        k: [] for k in ("dossier", "party", "component", "event", "transfer", "supp", "refusal")
    }

    def flush() -> None:
        t = time.perf_counter()
        with transaction.atomic():
            writer.write("dossiers_dossier", DOSSIER_COLUMNS, buffers["dossier"])
            writer.write("dossiers_dossierparty", DOSSIER_PARTY_COLUMNS, buffers["party"])
            writer.write("dossiers_submittedcomponent", COMPONENT_COLUMNS, buffers["component"])
            writer.write("dossiers_dossierevent", EVENT_COLUMNS, buffers["event"])
            writer.write("dossiers_transfer", TRANSFER_COLUMNS, buffers["transfer"])
            writer.write("dossiers_supplementrequest", SUPPLEMENT_COLUMNS, buffers["supp"])
            writer.write("dossiers_refusal", REFUSAL_COLUMNS, buffers["refusal"])
        for rows_ in buffers.values():
            rows_.clear()
        timings["write"] += time.perf_counter() - t

    supplement_numbers: Counter[tuple[str, int]] = Counter()
    t_gen = time.perf_counter()
    for day, count in zip(days, per_day, strict=True):
        centers = Counter(rng.choices(range(len(world.centers)), weights, k=count))
        form_set = form_set_on(day)
        for center_index in sorted(centers):
            center = world.centers[center_index]
            c = centers[center_index]
            seconds = sorted(rng.randint(7 * 3600 + 1800, 16 * 3600 + 1800) for _ in range(c))
            period = day.strftime("%y%m%d")
            series.append(("dossier", center.unit_code, period, c))
            for number, second in enumerate(seconds, 1):
                ids["dossier"] += 1
                did = ids["dossier"]
                code = f"{center.unit_code}-{period}-{number:04d}"
                if number == 1 and len(samples) < 100_000:
                    samples.append(code)
                # the procedure, received regardless of administrative boundary
                local = rng.random() < (0.9 if center.commune else 0.3)
                proc = rng.choice(commune_procs if local else dept_procs)
                locality = None
                if proc.competent == "commune":
                    competent = center.unit_id if center.commune else rng.choice(world.communes)
                    locality = None if center.commune else competent
                else:
                    competent = proc.competent
                r = rng.random()
                channel = "1" if r < 0.55 else ("2" if r < 0.95 else "3")
                local_moment = dt.datetime.combine(day, dt.time(), VN) + dt.timedelta(
                    seconds=second
                )
                submitted = local_moment.astimezone(UTC)
                stamp = day - dt.timedelta(days=rng.randint(1, 3)) if channel == "3" else None
                status, path, _w = rng.choices(STATUS_PATHS, status_weights)[0]
                if day in recent and channel == "2" and rng.random() < 0.4:
                    status, path = 1, []
                accepted = (
                    submitted
                    if channel == "1"
                    else submitted + dt.timedelta(minutes=rng.randint(30, 480))
                )
                decided = "accept" in path
                due = accepted + dt.timedelta(days=proc.days + proc.days // 5 * 2)
                actor = center.receptionist_id
                # people: applicant, owner (often the same), sometimes a representative
                applicant_i = rng.randrange(pool)
                owner_i = applicant_i if rng.random() < 0.85 else rng.randrange(pool)
                roles = [("applicant", applicant_i), ("owner", owner_i)]
                if rng.random() < 0.05:
                    roles.append(("representative", rng.randrange(pool)))
                for role, pi in roles:
                    ids["party"] += 1
                    p = person(pi)
                    buffers["party"].append(
                        (
                            ids["party"], did, role, pi + 1, "person", p["name"], "citizen_id",
                            p["identity_number"], p["address"], p["phone"], "",
                            "Giấy ủy quyền số 12/UQ" if role == "representative" else "",
                        )
                    )  # fmt: skip
                components = proc.components[:2] + (
                    proc.components[2:] if len(roles) == 3 or rng.random() < 0.3 else []
                )
                for component_id in components:
                    ids["component"] += 1
                    buffers["component"].append(
                        (ids["component"], did, component_id, 1, 0, rng.randint(0, 1),
                         channel == "2", None, "")
                    )  # fmt: skip
                buffers["dossier"].append(
                    (
                        did, code, center.unit_code, center.id, center.unit_id, competent,
                        locality, proc.version_id, proc.case_id,
                        channel, status, form_set, 1, proc.version_name, submitted, stamp,
                        submitted + dt.timedelta(hours=20) if channel == "2" else None,
                        accepted if decided else None, due if decided else None,
                        due if decided else None, channel == "2", "VNeID mức 2"
                        if channel == "2" else "", actor, None, submitted,
                    )
                )  # fmt: skip
                # events, hash-chained as services.append_event does
                previous, from_status = "", None
                moments = [submitted, accepted, accepted + dt.timedelta(hours=1), due]
                for sequence, action in enumerate(["register", *path], 1):
                    at = moments[min(sequence - 1, 3)]
                    target = ACTION_TARGET[action]
                    data: dict[str, Any] = {}
                    note = ""
                    if action == "register":
                        data = {
                            "code": code,
                            "channel": channel,
                            "procedure": proc.code,
                            "version": 1,
                        }
                    elif action == "accept":
                        data = {
                            "counting_from": accepted.astimezone(VN).isoformat(),
                            "due_at": due.astimezone(VN).isoformat(),
                            "time_limit": f"{proc.days} working_days",
                        }
                    elif action == "request_supplement":
                        supplement_numbers[(center.unit_code, day.year)] += 1
                        number = f"{supplement_numbers[(center.unit_code, day.year)]}/HDHS"
                        items = [{"component": proc.components[1], "name": "Giấy tờ chứng minh",
                                  "reason": "Bản sao không rõ"}]  # fmt: skip
                        data = {"request": number, "items": items, "repeat": False}
                        note = "Thiếu giấy tờ chứng minh"
                        ids["supp"] += 1
                        buffers["supp"].append(
                            (ids["supp"], did, number, True, json.dumps(items, ensure_ascii=False),
                             note, "", False, actor, at, None)
                        )  # fmt: skip
                    elif action == "refuse":
                        note = "Không thuộc thẩm quyền giải quyết"
                        ids["refusal"] += 1
                        buffers["refusal"].append((ids["refusal"], did, note, True, actor, at))
                    payload = {
                        "dossier": did,
                        "sequence": sequence,
                        "at": at.isoformat(),
                        "actor": actor,
                        "action": action,
                        "from": from_status,
                        "to": target,
                        "unit": None,
                        "note": note,
                        "data": data,
                    }
                    digest = event_hash(previous, payload)
                    ids["event"] += 1
                    buffers["event"].append(
                        (ids["event"], did, sequence, at, actor, action, from_status, target,
                         None, note, json.dumps(data, ensure_ascii=False), previous, digest)
                    )  # fmt: skip
                    previous, from_status = digest, target
                if decided and competent != center.unit_id:
                    ids["transfer"] += 1
                    buffers["transfer"].append(
                        (ids["transfer"], did, competent, 1, True, accepted,
                         accepted + dt.timedelta(days=1), None, "", "Giải quyết hồ sơ", due)
                    )  # fmt: skip
                totals[f"status {status}"] += 1
                totals[f"channel {channel}"] += 1
                if len(buffers["dossier"]) >= CHUNK:
                    flush()
                    print(f"  … {did:,} dossiers", file=sys.stderr, flush=True)
    flush()
    t_rows = time.perf_counter() - t_gen
    t = time.perf_counter()
    with transaction.atomic():
        writer.write("core_numbersequence", SEQUENCE_COLUMNS, series)
        writer.write(
            "core_numbersequence",
            SEQUENCE_COLUMNS,
            [("supplement", k, str(y), v) for (k, y), v in supplement_numbers.items()],
        )
    tables = {
        "dossiers_party": pool,
        "dossiers_dossier": ids["dossier"],
        "dossiers_dossierparty": ids["party"],
        "dossiers_submittedcomponent": ids["component"],
        "dossiers_dossierevent": ids["event"],
        "dossiers_transfer": ids["transfer"],
        "dossiers_supplementrequest": ids["supp"],
        "dossiers_refusal": ids["refusal"],
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        cursor.execute("ANALYZE")
    t_finish = time.perf_counter() - t
    return {
        "tables": tables,
        "series": len(series),
        "days": len(days),
        "first_day": days[0],
        "last_day": days[-1],
        "totals": totals,
        "samples": samples,
        "seconds": {
            "people": t_parties,
            "dossiers (generate + write)": t_rows,
            "of which writing": timings["write"],
            "number series, ANALYZE": t_finish,
            "total": time.perf_counter() - t0,
        },
    }


def database_size() -> dict[str, str]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(c.oid)) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND relname LIKE 'dossiers_%' "
            "ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6"
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["(database)"] = cursor.fetchone()[0]
    return sizes


# ---------------------------------------------------------------------------------------------
# Measuring


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "min": ordered[0],
        "p50": statistics.median(ordered),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": ordered[-1],
    }


def timed(fn: Callable[[Any], Any], inputs: list[Any], warmup: int = 20) -> list[float]:
    for item in inputs[:warmup]:
        fn(item)
    samples = []
    for item in inputs:
        t = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def _intake_values(world: World, center: CenterInfo, rng: random.Random, pool: int) -> Any:
    from motcua.catalog.models import Channel, Component, ProcedureCase
    from motcua.dossiers.services import ComponentInput, PartyInput
    from motcua.organization.models import Center, User

    cache = world.extra.setdefault("objects", {})
    if center.id not in cache:
        cache[center.id] = (
            Center.objects.select_related("unit").get(pk=center.id),
            User.objects.get(pk=center.receptionist_id),
        )
    if "cases" not in cache:
        cases = {}
        for proc in world.procedures:
            case = ProcedureCase.objects.get(pk=proc.case_id)
            components = list(Component.objects.filter(case=case).order_by("position"))
            cases[proc.code] = (case, components)
        cache["cases"] = cases
    center_obj, user = cache[center.id]
    local = [p for p in world.procedures if p.competent == "commune"]
    proc = rng.choice(local) if center.commune else rng.choice(world.procedures)
    case, components = cache["cases"][proc.code]
    returning = rng.random() < 0.5
    i = rng.randrange(pool) if returning else pool + rng.randrange(10**8)
    p = person(i)
    locality = None
    if proc.competent == "commune" and not center.commune:
        if "communes" not in cache:
            from motcua.organization.models import Unit

            cache["communes"] = list(Unit.objects.filter(pk__in=world.communes))
        locality = rng.choice(cache["communes"])
    return {
        "actor": user,
        "center": center_obj,
        "case": case,
        "channel": Channel.COUNTER,
        "applicant": PartyInput(
            name=p["name"],
            identity_number=p["identity_number"],
            address=p["address"],
            phone=p["phone"],
        ),
        "components": [ComponentInput(c, originals=1) for c in components[: rng.choice((2, 3))]],
        "locality": locality,
    }


def intake_loop(
    world: World,
    centers: list[CenterInfo],
    seconds: float,
    seed: int,
    pool: int,
    at_least: int = 0,
) -> tuple[int, list[float], int]:
    """Counter intakes for ``seconds`` (and at least ``at_least``); (count, latencies ms,
    errors)."""
    from motcua.dossiers import services

    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end or i < at_least:
        values = _intake_values(world, centers[i % len(centers)], rng, pool)
        t = time.perf_counter()
        try:
            services.receive_at_counter(outcome="accept", **values)
        except Exception as exc:  # counted, and the first few shown
            errors += 1
            if errors <= 3:
                print(f"  intake error: {exc!r}", file=sys.stderr)
        latencies.append((time.perf_counter() - t) * 1000)
        i += 1
    return len(latencies) - errors, latencies, errors


def _child(
    world: World,
    centers: list[CenterInfo],
    seconds: float,
    seed: int,
    pool: int,
    barrier: Any,
    results: Any,
) -> None:
    from django.db import connections

    connections.close_all()  # the parent's connection is not shared: open our own
    # one warm-up intake (connection, calendar year, caches), then wait for the others
    intake_loop(world, centers, 0, seed + 999, pool, at_least=1)
    barrier.wait()
    try:
        results.put(intake_loop(world, centers, seconds, seed, pool))
    finally:
        connections.close_all()


def concurrent_intakes(
    world: World, processes: int, centers: list[CenterInfo], seconds: float, pool: int
) -> dict[str, Any]:
    """``processes`` forked processes receiving at once; one at each center of ``centers``
    in turn (one center: all share its daily code series)."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes + 1)
    queue = ctx.Queue()
    workers = [
        ctx.Process(
            target=_child,
            args=(world, [centers[k % len(centers)]], seconds, 1000 + k, pool, barrier, queue),
        )
        for k in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    t = time.perf_counter()
    results = [queue.get() for _ in workers]
    wall = time.perf_counter() - t
    for worker in workers:
        worker.join()
    count = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[1]]
    return {
        "processes": processes,
        "intakes": count,
        "errors": sum(r[2] for r in results),
        "per_second": count / wall,
        "latency": summary(latencies),
    }


def explain(sql: str) -> str:
    """The plan of ``sql`` as Django logged it (parameters inlined)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, None)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, None)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="server and a NEW database name")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per intake measure")
    parser.add_argument("--processes", default="2,4,8", help="concurrent intake processes")
    parser.add_argument("--lookups", type=int, default=1000, help="timed lookups per measure")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if bool(args.postgres) == bool(args.sqlite):
        parser.error("give --postgres URL or --sqlite")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as var_dir:
        if args.postgres:
            with throwaway_postgres(args.postgres, args.keep):
                run(args, var_dir)
        else:
            run(args, var_dir)
    print(f"\nTotal run time: {(time.perf_counter() - started) / 60:.1f} min")


def run(args: argparse.Namespace, var_dir: str) -> None:
    setup_django(var_dir, args.postgres)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from motcua.api.auth import create_token
    from motcua.dossiers import selectors
    from motcua.organization.models import User

    rng = random.Random(args.seed)
    info = machine()
    print("## Machine\n")
    for key, value in info.items():
        print(f"- {key}: {value}")
    with open("/proc/loadavg") as f:
        print(f"- load average before: {f.read().split()[0]}")

    world = build_world()
    through = timezone.localdate() - dt.timedelta(days=1)
    print(f"\n## Generating {args.dossiers:,} dossiers\n", flush=True)
    data = generate(world, args.dossiers, rng, through=through)
    print("| table | rows |\n|---|---:|")
    for table, rows in data["tables"].items():
        print(f"| {table} | {rows:,} |")
    print(f"\n{data['days']} working days {data['first_day']} → {data['last_day']}, "
          f"{data['series']:,} daily code series.")  # fmt: skip
    print("Mix: " + ", ".join(f"{k} {v:,}" for k, v in sorted(data["totals"].items())))
    print("\n| step | seconds |\n|---|---:|")
    for step, seconds in data["seconds"].items():
        print(f"| {step} | {seconds:.1f} |")
    for table, size in database_size().items():
        print(f"- size {table}: {size}")

    # the chain of a few generated dossiers checks out, as the services would have made it
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.services import verify_chain

    for code in rng.sample(data["samples"], 5):
        assert verify_chain(Dossier.objects.get(code=code)), code

    pool = data["tables"]["dossiers_party"]
    # -- a. intakes ------------------------------------------------------------------------
    print("\n## a. Counter intakes (`services.receive_at_counter`, register + accept)\n")
    print("| processes | centers | intakes | errors | per second | p50 ms | p95 ms | max ms |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    one = [world.centers[1]]
    intake_loop(world, one, 0.5, 7, pool)  # warm up: calendar year, caches
    count, latencies, errors = intake_loop(world, one, args.seconds, 8, pool)
    s = summary(latencies)
    print(f"| 1 | one | {count} | {errors} | {count / (sum(latencies) / 1000):.1f} | "
          f"{s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} |", flush=True)  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        from motcua.dossiers import services

        services.receive_at_counter(outcome="accept", **_intake_values(world, one[0], rng, pool))
    intake_queries = len(queries)
    for processes in [int(p) for p in args.processes.split(",") if p]:
        for label, centers in (("one", one), ("spread", world.centers)):
            r = concurrent_intakes(world, processes, centers, args.seconds, pool)
            lat = r["latency"]
            print(f"| {processes} | {label} | {r['intakes']} | {r['errors']} | "
                  f"{r['per_second']:.1f} | {lat['p50']:.1f} | {lat['p95']:.1f} | "
                  f"{lat['max']:.1f} |", flush=True)  # fmt: skip
    print(f"\nQueries per intake (3 components, accept): {intake_queries}")

    # -- b. public lookups ------------------------------------------------------------------
    # Every measure gets its own random dossiers (never looked up before in this run), so none
    # profits from pages another measure brought into memory; "again" repeats a measure on the
    # same codes to show what the cache is worth.
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM dossiers_dossier")
        top = cursor.fetchone()[0]
    unused = iter(
        rng.sample(range(1, args.dossiers + 1), min(args.dossiers, 8 * (args.lookups + 20) + 100))
    )

    def fresh(k: int = 0) -> list[str]:
        picks = [next(unused) for _ in range(k or args.lookups + 20)]
        listed = ",".join(str(int(pk)) for pk in picks)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code FROM dossiers_dossier WHERE id IN ({listed})")
            codes = [row[0] for row in cursor.fetchall()]
        rng.shuffle(codes)
        return codes

    def unknown() -> list[str]:
        return [
            f"{rng.choice(world.centers).unit_code}-{rng.choice(data['samples'])[-11:-5]}-"
            f"{rng.randint(9000, 9999):04d}"
            for _ in range(args.lookups + 20)
        ]

    # time spent waiting for the database (round trip included), per measure
    db_time = [0.0]

    def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - t

    client = Client(HTTP_HOST="localhost")
    print(f"\n## b. Public lookup ({args.lookups} random codes each; {top:,} dossiers)\n")
    print("Milliseconds; `db` is the share of the time spent in the database calls.\n")
    header = (
        "| measure | n | min | p50 | p95 | p99 | max | db |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    print(header)

    def row(label: str, fn: Callable[[Any], Any], codes: list[str]) -> None:
        db_time[0] = 0.0
        with connection.execute_wrapper(timing):
            samples = timed(fn, codes, warmup=0)
        s = summary(samples)
        share = db_time[0] * 1000 / sum(samples)
        print(f"| {label} | {s['n']} | {s['min']:.2f} | {s['p50']:.2f} | {s['p95']:.2f} | "
              f"{s['p99']:.2f} | {s['max']:.2f} | {share:.0%} |", flush=True)  # fmt: skip

    def via_selector(code: str) -> Any:
        return selectors.public_lookup(code)

    def via_api(code: str) -> Any:
        response = client.get(f"/api/v1/public/dossiers/{code}")
        assert response.status_code in (200, 404), response.content[:300]
        return response

    def via_page(code: str) -> Any:
        response = client.get(f"/tra-cuu/{code}/")
        assert response.status_code in (200, 404), response.status_code
        return response

    for code in unknown()[:20]:  # warm up the code paths, not the data
        via_selector(code), via_api(code), via_page(code)
    row("selector `public_lookup`, existing code", via_selector, fresh())
    row("selector `public_lookup`, unknown code", via_selector, unknown())
    again = fresh()
    row("API `GET /public/dossiers/{code}`, existing", via_api, again)
    row("API, the same codes again", via_api, again)
    row("API `GET /public/dossiers/{code}`, unknown (404)", via_api, unknown())
    row("web page `/tra-cuu/<code>/`, existing", via_page, fresh())

    # -- c. staff detail --------------------------------------------------------------------
    staff = User.objects.get(username=world.staff_username)
    _row, token = create_token(user=staff)
    staff_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")

    def staff_api(code: str) -> Any:
        response = staff_client.get(f"/api/v1/dossiers/{code}")
        assert response.status_code == 200, response.content[:300]
        return response

    def staff_selector(code: str) -> Any:
        found = selectors.dossier_page(staff, code)
        assert found is not None
        return list(found.events.all())

    staff_api(fresh(1)[0])
    print("\n## c. Staff detail\n")
    print(header)
    row("API `GET /dossiers/{code}` (token of a receptionist over the province)", staff_api,
        fresh())  # fmt: skip
    row("selector `dossier_page` with its prefetches", staff_selector, fresh())
    codes = fresh(2)
    with CaptureQueriesContext(connection) as queries:
        staff_api(codes[0])
    print(f"\nQueries: staff GET {len(queries)}", end="")
    with CaptureQueriesContext(connection) as queries:
        via_api(codes[1])
    print(f", public lookup {len(queries)}")

    # -- EXPLAIN ----------------------------------------------------------------------------
    print("\n## Plans (a dossier not looked up before)\n")
    code = fresh(1)[0]
    with CaptureQueriesContext(connection) as queries:
        selectors.public_lookup(code)
    lookup_sql = [q["sql"] for q in queries.captured_queries]
    other = fresh(1)[0]
    with CaptureQueriesContext(connection) as queries:
        selectors.dossier_page(staff, other)
    staff_sql = queries.captured_queries[0]["sql"]
    for label, sql in [
        ("public lookup: the dossier", lookup_sql[0]),
        ("public lookup: the events", lookup_sql[1]),
        ("staff detail: the dossier (scoped to the user)", staff_sql),
    ]:
        print(f"### {label}\n\n```\n{explain(sql)}\n```\n")
    with open("/proc/loadavg") as f:
        print(f"\nload average after: {f.read().split()[0]}")


if __name__ == "__main__":
    main()
