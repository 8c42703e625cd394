"""How fast the processing inbox answers with a million dossiers and ~100,000 open steps.

    .venv/bin/python benchmarks/workflow_inbox.py                  # creates bench_workflow
    .venv/bin/python benchmarks/workflow_inbox.py --reuse          # measure again, same data
    .venv/bin/python benchmarks/workflow_inbox.py --dossiers 20000 \\
        --postgres postgres://postgres@127.0.0.1:5432/bench_workflow_small --drop

A script, not a test. The PostgreSQL database named in ``--postgres`` (default
``bench_workflow`` on 127.0.0.1) is CREATED and migrated by the script, which refuses an
existing name unless ``--reuse`` is given; it is KEPT at the end (``--drop`` drops it), so
``--reuse`` and ``benchmarks/workflow_sweeper.py --reuse`` measure the same data again. A
small table ``bench_workflow_meta`` records the generation (its "now", the officers measured).

Data, written in bulk (PostgreSQL ``COPY``):

- the dossiers of ``benchmarks/dossier_intake.py`` (its ``build_world`` + ``generate``: a
  province, 13 centers, 12 procedures, ``--dossiers`` dossiers over two years with parties,
  components and hash-chained events);
- 40 processing offices (phòng) under the 16 competent units (4 per department, 2 per
  commune), ~400 officers with role assignments (per office 2–3 leaders, a clerk, 6–7
  specialists; a director per department and commune, a manager per center), a superuser;
- the tasks ``workflow.services.start_workflow`` and the step actions leave, on the default
  process (assign → appraise → approve → register): every dossier that was accepted has its 4
  steps, sometimes a consultation (15 %) or a step sent back and redone (8 %). The most recent
  ``--dossiers / 10`` dossiers in status 2 or 4 (accepted, processing) are still open: one
  active step (60 % the specialist's appraisal, assigned; 40 % a leader or clerk step,
  unassigned in the office's pool), due between 3 days overdue and 10 days ahead, 3 % paused,
  the sweeper's columns as a sweeper keeping up would have left them; the later steps pending.
  The others are done. One specialist of the busiest office is given open appraisals until he
  holds 500, then his share like his colleagues (666 in all with a million dossiers).

Measured after ``ANALYZE``, ``--runs`` times after two warm-up runs (the user's grants are
read again on every run, as on a new request), for a typical specialist, the busy one, an
office leader and a superuser:

- the first page (25 rows, the screen's) of ``selectors.inbox(user)`` sorted by due;
- ``selectors.urgency_counts(inbox(user), thresholds)``;
- the first page filtered to overdue steps (``filter_by_urgency``);
- for the leader also ``unit_inbox`` (page, counts, overdue page) and ``workload``;

with min/p50/p95/max in milliseconds, the number of queries, the share of the time spent in
the database calls (``db``), and ``EXPLAIN (ANALYZE, BUFFERS)`` of the main query (which
index it uses, its execution time). ``Thresholds.at`` is measured apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import _support
import dossier_intake as intake

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_workflow"
META_TABLE = "bench_workflow_meta"
TASK_CHUNK = 200_000
BUSY_OPEN = 500

# The default process (workflow.rules.DEFAULT_PROCESS): name, role, share of the time.
STEPS = [
    ("Phân công xử lý", "leader", 0.10),
    ("Thẩm định, dự thảo kết quả", "specialist", 0.60),
    ("Phê duyệt, ký", "leader", 0.15),
    ("Vào sổ, ban hành kết quả", "clerk", 0.15),
]
# Which step is the open one of an open dossier (the appraisal takes most of the time).
OPEN_POSITION_WEIGHTS = [0.10, 0.60, 0.15, 0.15]
DEPARTMENT_OFFICES = ["Phòng Hành chính – Tổng hợp", "Phòng Chuyên môn nghiệp vụ",
                      "Phòng Quản lý chuyên ngành", "Phòng Thanh tra – Pháp chế"]  # fmt: skip
COMMUNE_OFFICES = ["Phòng Văn hóa – Xã hội", "Phòng Kinh tế – Hạ tầng"]
OFFICE_WEIGHTS = {4: [0.40, 0.30, 0.20, 0.10], 2: [0.6, 0.4]}

TASK_COLUMNS = [
    "id", "dossier_id", "kind", "parent_id", "step_id", "position", "parallel_group", "name",
    "role", "unit_id", "assignee_id", "state", "budget_hours", "started_at", "due_at",
    "finished_at", "finished_by_id", "request", "response", "next_check_at", "warned_at",
    "escalated_at", "paused_at",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The database: created once, kept, reused


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(_support.admin_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [_support.db_name(url)]
        ).fetchone()
    return row is not None


def create_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_support.admin_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{_support.db_name(url)}"')


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(_support.admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_support.db_name(url)}" WITH (FORCE)')


def read_meta() -> dict[str, Any] | None:
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('generation', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(meta, default=str)],
        )


def open_database(url: str, *, reuse: bool, dossiers: int, seed: int, var_dir: str) -> dict:
    """Create (or, with ``reuse``, open) the database, set Django up on it and migrate; generate
    the data unless it is there. Returns the generation's record."""
    exists = database_exists(url)
    if exists and not reuse:
        sys.exit(
            f"database {_support.db_name(url)!r} exists: give --reuse to measure its data "
            "again, or drop it (DROP DATABASE) to generate anew"
        )
    if not exists:
        create_database(url)
    _support.setup_django(var_dir, url)
    _support.migrate()
    meta = read_meta()
    if meta is not None:
        print(f"Reusing the data generated at {meta['now']} ({meta['dossiers']:,} dossiers).")
        return meta
    if exists:
        sys.exit("the database holds no complete benchmark data (interrupted run?): drop it")
    meta = generate(dossiers, seed)
    write_meta(meta)
    return meta


# ---------------------------------------------------------------------------------------------
# The offices and the officers


@dataclass
class Office:
    """A processing office (phòng) under a competent unit, with its officers' ids."""

    id: int
    name: str
    parent_id: int
    leaders: list[int] = field(default_factory=list)
    clerks: list[int] = field(default_factory=list)
    specialists: list[int] = field(default_factory=list)


def build_offices(world: intake.World) -> tuple[list[Office], dict[str, int]]:
    """40 offices under the departments and communes, ~400 officers with their roles, a
    superuser. Returns the offices and the ids of the special users."""
    from motcua.organization.models import Role, RoleAssignment, Unit, User

    since = dt.date(2024, 1, 1)
    competent = Unit.objects.filter(
        pk__in=[p.competent for p in world.procedures if p.competent != "commune"] + world.communes
    ).order_by("pk")
    offices: list[Office] = []
    users: list[User] = []
    roles: list[tuple[str, str, int]] = []  # (username, role, unit id)

    def officer(username: str, name: str, role: str, unit_id: int) -> str:
        users.append(
            User(
                username=username,
                full_name=name,
                email=f"{username}@bench.motcua.vn",
                password="!",  # unusable
                is_staff=True,
            )
        )
        roles.append((username, role, unit_id))
        return username

    person = 0
    for parent in competent:
        names = DEPARTMENT_OFFICES if parent.pk not in world.communes else COMMUNE_OFFICES
        officer(f"giamdoc{parent.pk}", f"Lãnh đạo {parent.name}", Role.LEADER, parent.pk)
        for k, name in enumerate(names):
            unit = Unit.objects.create(
                name=f"{name} ({parent.name})",
                code=f"{k + 1:03d}{parent.code[3:]}",
                parent=parent,
                level=parent.level,
                valid_from=since,
            )
            office = Office(unit.pk, unit.name, parent.pk)
            counts = {Role.LEADER: 2 + (k % 2), Role.CLERK: 1, Role.SPECIALIST: 6 + (k % 2)}
            for role, count in counts.items():
                for _ in range(count):
                    person += 1
                    p = intake.person(10**8 + person)
                    officer(f"cb{person:04d}", p["name"], role, unit.pk)
            offices.append(office)
    for center in world.centers:
        officer(f"quanly{center.id}", f"Quản lý trung tâm {center.code}", Role.CENTER_MANAGER,
                center.unit_id)  # fmt: skip
    User.objects.bulk_create(users)
    ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list(
        "username", "pk"))  # fmt: skip
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user_id=ids[username], role=role, unit_id=unit_id, valid_from=since)
        for username, role, unit_id in roles
    )
    by_unit = {o.id: o for o in offices}
    for username, role, unit_id in roles:
        if unit_id in by_unit:
            getattr(by_unit[unit_id], {"leader": "leaders", "clerk": "clerks"}.get(
                role, "specialists")).append(ids[username])  # fmt: skip
    superuser = User.objects.create_superuser(
        username="quantri", email="quantri@bench.motcua.vn", password="x", full_name="Quản trị"
    )
    return offices, {"superuser": superuser.pk, "officers": len(users)}


# ---------------------------------------------------------------------------------------------
# The tasks


@dataclass
class TaskWriter:
    """Task rows with explicit ids, copied to the table in chunks."""

    writer: Any
    next_id: int = 1
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    states: Counter = field(default_factory=Counter)
    seconds_writing: float = 0.0

    def add(self, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        row = {
            "id": pk, "kind": "step", "parent_id": None, "step_id": None,
            "parallel_group": None, "assignee_id": None, "started_at": None, "due_at": None,
            "finished_at": None, "finished_by_id": None, "request": "", "response": "",
            "next_check_at": None, "warned_at": None, "escalated_at": None, "paused_at": None,
            **values,
        }  # fmt: skip
        self.rows.append(tuple(row[c] for c in TASK_COLUMNS))
        self.states[row["state"]] += 1
        if len(self.rows) >= TASK_CHUNK:
            self.flush()
        return pk

    def flush(self) -> None:
        from django.db import transaction

        t = time.perf_counter()
        with transaction.atomic():
            self.writer.write("workflow_task", TASK_COLUMNS, self.rows)
        self.rows.clear()
        self.seconds_writing += time.perf_counter() - t
        print(f"  … {self.next_id - 1:,} tasks", file=sys.stderr, flush=True)


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _budget(total: dt.timedelta, share: float) -> tuple[float, dt.timedelta]:
    """The step's budget in working hours (8 a day) and its length in plain time."""
    length = total * share
    return round(max(1.0, _hours(length) / 3), 2), length


def finished_route(out: TaskWriter, dossier: tuple, office: Office, rng: Any) -> None:
    """The tasks of a dossier whose processing is over: 4 done steps, maybe a consultation or
    an approval sent back to the appraisal."""
    did, _status, accepted, due = dossier
    start = accepted or dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    total = max((due or start + dt.timedelta(days=5)) - start, dt.timedelta(hours=8))
    sent_back = rng.random() < 0.08
    specialist = rng.choice(office.specialists)
    plan = list(enumerate(STEPS, 1))
    if sent_back:  # approval returned to appraisal, then redone
        plan = [*plan[:3], (2, STEPS[1]), (3, STEPS[2]), plan[3]]
    for index, (position, (name, role, share)) in enumerate(plan):
        budget, length = _budget(total, share)
        finished = start + length * rng.uniform(0.3, 1.15)
        holder = specialist if role == "specialist" else rng.choice(
            office.leaders if role == "leader" else office.clerks)  # fmt: skip
        returned = sent_back and index == 2
        pk = out.add(
            dossier_id=did, position=position, name=name, role=role, unit_id=office.id,
            assignee_id=specialist if role == "specialist" else None,
            state="returned" if returned else "done", budget_hours=budget, started_at=start,
            due_at=start + length, finished_at=finished, finished_by_id=holder,
            response="Chưa đủ căn cứ, đề nghị thẩm định lại" if returned else "Đồng ý",
            warned_at=start + length * 0.85 if finished > start + length * 0.85 else None,
            escalated_at=start + length if finished > start + length else None,
        )  # fmt: skip
        if position == 2 and index == 1 and rng.random() < 0.15:
            out.add(
                dossier_id=did, kind="consultation", parent_id=pk, position=2,
                name="Xin ý kiến phối hợp", role="specialist", unit_id=office.id,
                assignee_id=rng.choice(office.specialists), state="done", budget_hours=8,
                started_at=start + length * 0.2, due_at=start + length * 0.2 + total * 0.2,
                finished_at=start + length * 0.5, finished_by_id=specialist,
                request="Đề nghị cho ý kiến về hồ sơ", response="Thống nhất",
            )  # fmt: skip
        start = finished


def open_route(
    out: TaskWriter, did: int, office: Office, now: dt.datetime, rng: Any, assignee: int
) -> tuple[int, str]:
    """The tasks of a dossier in processing: done steps, the open one, pending ones. Returns
    the open step's position and its urgency at ``now``."""
    position = rng.choices(range(1, 5), OPEN_POSITION_WEIGHTS)[0]
    due = now + dt.timedelta(seconds=rng.uniform(-3 * 86400, 10 * 86400))
    total = dt.timedelta(days=rng.choice((5, 7, 10, 15)))
    plan = [
        (p, name, role, *_budget(total, share)) for p, (name, role, share) in enumerate(STEPS, 1)
    ]
    opened = min(due - plan[position - 1][4], now - dt.timedelta(minutes=5))
    start = opened - sum((length * 0.8 for *_x, length in plan[: position - 1]), dt.timedelta())
    urgency = ""
    for p, name, role, budget, length in plan:
        values = {"dossier_id": did, "position": p, "name": name, "role": role,
                  "unit_id": office.id, "budget_hours": budget}  # fmt: skip
        if p < position:
            holder = assignee if role == "specialist" else rng.choice(
                office.leaders if role == "leader" else office.clerks)  # fmt: skip
            out.add(**values, state="done", started_at=start, due_at=start + length,
                    finished_at=start + length * 0.8, finished_by_id=holder, response="Đồng ý",
                    assignee_id=assignee if role == "specialist" else None)  # fmt: skip
            start += length * 0.8
        elif p > position:
            out.add(**values, state="pending")
        else:
            urgency, sweep = _sweeper_columns(due, budget, now, rng)
            out.add(**values, **sweep, state="active", started_at=opened, due_at=due,
                    assignee_id=assignee if role == "specialist" else None)  # fmt: skip
    return position, urgency


def _sweeper_columns(
    due: dt.datetime, budget: float, now: dt.datetime, rng: Any
) -> tuple[str, dict[str, Any]]:
    """What the sweeper (keeping up) has left on an open step at ``now``."""
    lead = dt.timedelta(hours=min(2.0, budget * 0.25))  # rules.warning_lead_hours, plain time
    if rng.random() < 0.03:  # waiting for a supplement: services._pause_open_tasks
        return "paused", {"paused_at": now - dt.timedelta(hours=rng.uniform(1, 72))}
    if due <= now:
        return "overdue", {"warned_at": due - lead, "escalated_at": due + dt.timedelta(seconds=5)}
    if due - lead <= now:
        return "due_soon", {"warned_at": due - lead, "next_check_at": due}
    return "on_track", {"next_check_at": due - lead}


def generate_tasks(
    offices: list[Office], open_count: int, now: dt.datetime, rng: Any
) -> dict[str, Any]:
    """Tasks for every accepted dossier (status 2, 4, 9), the most recent ``open_count`` of
    those in status 2/4 still open. One specialist of the busiest office is made busy (500+)."""
    from django.db import connection

    by_parent: dict[int, list[Office]] = {}
    for office in offices:
        by_parent.setdefault(office.parent_id, []).append(office)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, competent_unit_id FROM dossiers_dossier WHERE status IN (2, 4) "
            "ORDER BY id DESC LIMIT %s",
            [open_count],
        )
        open_units = dict(cursor.fetchall())
    open_ids = set(open_units)
    out = TaskWriter(intake.Writer())
    busiest = Counter(open_units.values()).most_common(1)[0][0]
    busy_office = by_parent[busiest][0]  # the office with the largest share of it
    busy = busy_office.specialists[0]
    open_per_office: Counter = Counter()
    held: Counter = Counter()
    urgencies: Counter = Counter()
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, status, competent_unit_id, accepted_at, due_at FROM dossiers_dossier"
                " WHERE status IN (2, 4, 9) AND id > %s ORDER BY id LIMIT 50000",
                [last],
            )
            batch = cursor.fetchall()
        if not batch:
            break
        last = batch[-1][0]
        for did, status, competent, accepted, due in batch:
            choices = by_parent[competent]
            office = rng.choices(choices, OFFICE_WEIGHTS[len(choices)])[0]
            if did not in open_ids:
                finished_route(out, (did, status, accepted, due), office, rng)
                continue
            assignee = rng.choice(office.specialists)
            if office is busy_office and held[busy] < BUSY_OPEN and rng.random() < 0.5:
                assignee = busy
            position, urgency = open_route(out, did, office, now, rng, assignee)
            open_per_office[office.id] += 1
            urgencies[urgency] += 1
            if position == 2:
                held[assignee] += 1
    out.flush()
    return {
        "tasks": out.next_id - 1,
        "states": dict(out.states),
        "urgencies": dict(urgencies),
        "open_per_office": {str(k): v for k, v in open_per_office.items()},
        "held": {str(k): v for k, v in held.items()},
        "busy": busy,
        "seconds_writing": out.seconds_writing,
    }


def pick_users(offices: list[Office], tasks: dict[str, Any]) -> dict[str, int]:
    """The officers measured: the median specialist, the busy one, a leader of the office
    whose open steps are nearest 3,000."""
    held = {int(k): v for k, v in tasks["held"].items()}
    ordered = sorted((v, k) for k, v in held.items() if k != tasks["busy"])
    per_office = {int(k): v for k, v in tasks["open_per_office"].items()}
    leader_office = min(per_office, key=lambda k: abs(per_office[k] - 3000))
    office = next(o for o in offices if o.id == leader_office)
    return {
        "typical": ordered[len(ordered) // 2][1],
        "busy": tasks["busy"],
        "leader": office.leaders[0],
    }


def generate(dossiers: int, seed: int) -> dict[str, Any]:
    """Everything: dossiers (the intake benchmark's generator), offices, officers, tasks."""
    import random

    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    world = intake.build_world()
    print(f"\n## Generating {dossiers:,} dossiers (benchmarks/dossier_intake.py)\n", flush=True)
    data = intake.generate(world, dossiers, rng, through=timezone.localdate(now) - dt.timedelta(1))
    seconds["dossiers (intake generator)"] = time.perf_counter() - t0
    t = time.perf_counter()
    offices, special = build_offices(world)
    seconds["offices, officers, roles"] = time.perf_counter() - t
    t = time.perf_counter()
    tasks = generate_tasks(offices, dossiers // 10, now, rng)
    seconds["tasks (generate + COPY)"] = time.perf_counter() - t
    seconds["of which COPY"] = tasks.pop("seconds_writing")
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('workflow_task', 'id'), "
            "(SELECT max(id) FROM workflow_task))"
        )
        cursor.execute("VACUUM ANALYZE workflow_task")
        cursor.execute("ANALYZE")
    seconds["VACUUM ANALYZE"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    users = pick_users(offices, tasks)
    return {
        "now": now.isoformat(),
        "dossiers": dossiers,
        "seed": seed,
        "tables": data["tables"],
        "tasks": tasks,
        "offices": [asdict(o) for o in offices],
        "officers": special["officers"],
        "users": {**users, "superuser": special["superuser"]},
        "seconds": seconds,
    }


# ---------------------------------------------------------------------------------------------
# Measuring

SCAN = re.compile(
    r"((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?)"
    r"(?: using (\S+))? on (\S+)"
)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, None)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_summary(plan: str, table: str = "workflow_task") -> tuple[str, str]:
    """How ``table`` is read (its indexes, or a sequential scan) and the execution time."""
    scans = []
    for kind, using, on in SCAN.findall(plan):
        bitmap = kind.endswith("Bitmap Index Scan")
        if on == table or (bitmap and on.startswith((table + "_", "bench_task_"))):
            label = f"{kind} {using or (on if on != table else '')}".strip()
            if label not in scans:
                scans.append(label)
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return ", ".join(scans) or "–", found.group(1) if found else "?"


WHO = {
    "typical": "typical specialist",
    "busy": "busy specialist",
    "leader": "office leader",
    "superuser": "superuser",
}


def forget_grants(user: Any) -> None:
    """A new request reads the user's roles again (grants_for caches them on the object)."""
    user.__dict__.pop("_motcua_grants", None)


@dataclass
class Result:
    who: str
    label: str
    rows: int
    queries: int
    times: dict[str, float]
    db_share: float
    scans: str
    execution_ms: str
    plan: str


def measure(who: str, label: str, user: Any, fn: Callable[[], int], runs: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    rows = 0
    in_db = [0.0]

    def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_db[0] += time.perf_counter() - t

    for i in range(runs + 2):
        forget_grants(user)
        if i == 2:
            in_db[0] = 0.0
        with connection.execute_wrapper(timing):
            t = time.perf_counter()
            rows = fn()
            if i >= 2:
                samples.append((time.perf_counter() - t) * 1000)
    forget_grants(user)
    with CaptureQueriesContext(connection) as queries:
        fn()
    task_queries = [q["sql"] for q in queries.captured_queries if '"workflow_task"' in q["sql"]]
    plan = explain(task_queries[-1]) if task_queries else ""
    scans, execution = plan_summary(plan)
    share = in_db[0] * 1000 / sum(samples)
    result = Result(who, label, rows, len(queries), intake.summary(samples), share, scans,
                    execution, plan)  # fmt: skip
    t = result.times
    print(f"| {who} | {label} | {rows:,} | {result.queries} | {t['min']:.1f} | {t['p50']:.1f} | "
          f"{t['p95']:.1f} | {t['max']:.1f} | {share:.0%} | {scans} | {execution} |",
          flush=True)  # fmt: skip
    return result


def page(tasks: Any, thresholds: Any) -> int:
    """What the screen shows of the first 25 rows: code, procedure, unit, holder, urgency."""
    from motcua.workflow.selectors import urgency

    shown = [
        (t.dossier.code, t.dossier.procedure_version.name, t.dossier.receiving_center.name,
         t.unit.name, t.assignee.full_name if t.assignee else "", urgency(t, thresholds))
        for t in tasks[:25]
    ]  # fmt: skip
    return len(shown)


def measures_for(who: str, user: Any, thresholds: Any, leader: bool) -> list[tuple]:
    from motcua.workflow import selectors as s

    overdue = s.Urgency.OVERDUE
    found = [
        (who, "inbox: first page", lambda: page(s.inbox(user), thresholds)),
        (who, "inbox: urgency_counts",
         lambda: s.urgency_counts(s.inbox(user), thresholds)["total"]),
        (who, "inbox: overdue, first page",
         lambda: page(s.filter_by_urgency(s.inbox(user), overdue, thresholds), thresholds)),
    ]  # fmt: skip
    if leader:
        found += [
            (who, "unit_inbox: first page", lambda: page(s.unit_inbox(user), thresholds)),
            (who, "unit_inbox: urgency_counts",
             lambda: s.urgency_counts(s.unit_inbox(user), thresholds)["total"]),
            (who, "unit_inbox: overdue, first page",
             lambda: page(s.filter_by_urgency(s.unit_inbox(user), overdue, thresholds),
                          thresholds)),
            (who, "workload", lambda: len(s.workload(user))),
        ]  # fmt: skip
    return found


def scope_sizes(meta: dict[str, Any]) -> dict[str, int]:
    from motcua.workflow.models import Task

    users = meta["users"]
    active = Task.objects.filter(state="active")
    offices = {o["id"]: o for o in meta["offices"]}
    leader_office = next(o for o in offices.values() if users["leader"] in o["leaders"])
    return {
        "open steps in all": active.count(),
        "typical specialist's": active.filter(assignee_id=users["typical"]).count(),
        "busy specialist's": active.filter(assignee_id=users["busy"]).count(),
        "leader's office (unit_inbox)": active.filter(unit_id=leader_office["id"]).count(),
        "leader's own pool (inbox)": active.filter(
            unit_id=leader_office["id"], role="leader", assignee__isnull=True
        ).count(),
    }


def run_measures(meta: dict[str, Any], runs: int) -> list[Result]:
    from motcua.organization.models import User
    from motcua.workflow.selectors import Thresholds

    now = dt.datetime.fromisoformat(meta["now"])
    ids = meta["users"]
    t = time.perf_counter()
    thresholds = Thresholds.at(now)
    first = (time.perf_counter() - t) * 1000
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        Thresholds.at(now)
        samples.append((time.perf_counter() - t) * 1000)
    th = intake.summary(samples)
    print(f"\n`Thresholds.at(now)`: first {first:.1f} ms, then p50 {th['p50']:.2f} ms, "
          f"p95 {th['p95']:.2f} ms (now = {now.isoformat()}, soon = "
          f"{thresholds.soon.isoformat()})\n")  # fmt: skip
    print("| who | measure | rows | queries | min | p50 | p95 | max | db | workflow_task read by "
          "| exec ms |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")  # fmt: skip
    results = []
    for key, who in WHO.items():
        user = User.objects.get(pk=ids[key])
        for who_, label, fn in measures_for(who, user, thresholds, key == "leader"):
            results.append(measure(who_, label, user, fn, runs))
    return results


# ---------------------------------------------------------------------------------------------
# The proposals of docs/benchmarks.md, measured without changing the application

PROPOSED_INDEXES = {
    "pool index": "CREATE INDEX bench_task_pool ON workflow_task (unit_id, role, due_at) "
    "WHERE state = 'active' AND assignee_id IS NULL",
    "due index": "CREATE INDEX bench_task_due ON workflow_task (due_at, id) INCLUDE (paused_at) "
    "WHERE state = 'active'",
}


def inbox_by_unit_ids(user: Any) -> Any:
    """``selectors.inbox`` with the pool condition on the ids of the grant's units (read once)
    instead of a join on ``unit.path``, so that the index can take ``unit_id``."""
    from django.db.models import Q

    from motcua.organization.models import Unit
    from motcua.organization.permissions import grants_for
    from motcua.workflow import selectors
    from motcua.workflow.models import Task

    tasks = Task.objects.filter(state="active")
    if not user.is_superuser:
        condition = Q(assignee=user)
        for grant in grants_for(user):
            units = Unit.objects.filter(path__startswith=grant.unit.path).values_list("pk")
            condition |= Q(assignee__isnull=True, role=grant.role, unit_id__in=list(units))
        tasks = tasks.filter(condition)
    return selectors._for_list(tasks)


def run_proposals(meta: dict[str, Any], runs: int) -> list[Result]:
    """The inbox measures with ``inbox_by_unit_ids``, without and with the proposed indexes;
    each index is created in a transaction that is rolled back."""
    from django.db import connection, transaction

    from motcua.organization.models import User
    from motcua.workflow import selectors as s

    thresholds = s.Thresholds.at(dt.datetime.fromisoformat(meta["now"]))
    overdue = s.Urgency.OVERDUE
    users = {key: User.objects.get(pk=pk) for key, pk in meta["users"].items()}
    results: list[Result] = []
    print("\n## Proposals (rolled back)\n")
    print("| who | variant: measure | rows | queries | min | p50 | p95 | max | db | "
          "workflow_task read by | exec ms |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for variant, indexes in [
        ("unit ids", []),
        ("unit ids + pool index", ["pool index"]),
        ("unit ids + pool + due index", ["pool index", "due index"]),
    ]:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in indexes:
                    cursor.execute(PROPOSED_INDEXES[name])
                cursor.execute("ANALYZE workflow_task")
            for key, who in WHO.items():
                user = users[key]
                if key == "superuser" and "due index" not in indexes:
                    continue  # unchanged by the unit ids
                for label, fn in [
                    ("first page", lambda u=user: page(inbox_by_unit_ids(u), thresholds)),
                    ("urgency_counts",
                     lambda u=user: s.urgency_counts(inbox_by_unit_ids(u), thresholds)["total"]),
                    ("overdue, first page",
                     lambda u=user: page(s.filter_by_urgency(inbox_by_unit_ids(u), overdue,
                                                             thresholds), thresholds)),
                ]:  # fmt: skip
                    results.append(measure(who, f"{variant}: {label}", user, fn, runs))
            transaction.set_rollback(True)
    return results


def print_generation(meta: dict[str, Any]) -> None:
    print("\n## Data\n")
    tasks = meta["tasks"]
    print(f"- now (reference moment): {meta['now']}")
    print(f"- dossiers: {meta['dossiers']:,}; offices: {len(meta['offices'])}; officers: "
          f"{meta['officers']} + a superuser")  # fmt: skip
    print(f"- tasks: {tasks['tasks']:,} — " + ", ".join(
        f"{k} {v:,}" for k, v in sorted(tasks["states"].items())))  # fmt: skip
    print("- open steps by urgency at now: " + ", ".join(
        f"{k} {v:,}" for k, v in sorted(tasks["urgencies"].items())))  # fmt: skip
    per_office = sorted(tasks["open_per_office"].values())
    print(f"- open dossiers per office: min {per_office[0]:,}, median "
          f"{per_office[len(per_office) // 2]:,}, max {per_office[-1]:,}")  # fmt: skip
    print("\n| generation step | seconds |\n|---|---:|")
    for step, seconds in meta["seconds"].items():
        print(f"| {step} | {seconds:.1f} |")


def print_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.relname LIKE 'workflow_task%%' AND c.relkind IN ('r', 'i') "
            "ORDER BY pg_relation_size(c.oid) DESC"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total = cursor.fetchone()[0]
    print("\n| relation | size |\n|---|---:|")
    for name, size in rows:
        print(f"| {name} | {size} |")
    print(f"| (whole database) | {total} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=DEFAULT_URL)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--proposals", action="store_true", help="also measure the proposed query and indexes"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as var_dir:
        meta = open_database(args.postgres, reuse=args.reuse, dossiers=args.dossiers,
                             seed=args.seed, var_dir=var_dir)  # fmt: skip
        print("## Machine\n")
        for key, value in intake.machine().items():
            print(f"- {key}: {value}")
        with open("/proc/loadavg") as f:
            print(f"- load average before: {f.read().split()[0]}")
        print_generation(meta)
        print_sizes()
        print("\n| open steps in scope | count |\n|---|---:|")
        for label, count in scope_sizes(meta).items():
            print(f"| {label} | {count:,} |")
        results = run_measures(meta, args.runs)
        if args.proposals:
            results += run_proposals(meta, args.runs)
        print("\n## Plans of the main query\n")
        for r in results:
            print(f"### {r.who}: {r.label}\n\n```\n{r.plan}\n```\n")
        with open("/proc/loadavg") as f:
            print(f"load average after: {f.read().split()[0]}")
        if args.drop:
            drop_database(args.postgres)
    print(f"\nTotal run time: {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
