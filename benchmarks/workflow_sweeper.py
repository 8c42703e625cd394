"""The deadline sweeper's passes over a million open steps: idle, acting, and two at once.

    .venv/bin/python benchmarks/workflow_sweeper.py --reuse     # on workflow_inbox.py's data
    .venv/bin/python benchmarks/workflow_sweeper.py --reuse --open 100000 \\
        --postgres postgres://postgres@127.0.0.1:5432/bench_workflow_small

A script, not a test. It runs on the database of ``benchmarks/workflow_inbox.py`` (default
``bench_workflow`` on 127.0.0.1; with ``--reuse`` an existing one is used as it is, otherwise
the script creates it and generates the million dossiers first, as that script does).

It then adds ``--open`` (1,000,000) open steps, one per dossier (cycling when there are fewer
dossiers), in the 40 offices — 60 % an assigned appraisal, the rest a leader's or clerk's
pool step — each with its sweeper column ``next_check_at``: ``--warn`` (2,000) of them reach
their warning moment in the hour before the chosen "now" (the generation's moment),
``--escalate`` (500) were warned and reach their due moment in that hour, all the others come
later (up to 10 days). The open steps of the inbox data are not due at "now" either (a sweeper
that kept up), so exactly ``warn + escalate`` steps are due. The added steps are marked
(``request = 'benchmark:sweeper'``) and deleted at the end with the messages the passes
enqueued, and the table is vacuumed and reindexed (``--keep`` keeps them), so the inbox
benchmark finds its data as it was.

Measured, always with an explicit ``now``:

a. an idle pass, two hours before "now" (nothing due): ``sweeper.sweep_tasks`` (the index
   lookup) and the whole ``sweeper.sweep`` (also supplement requests past their deadline and
   apology warnings), ``--runs`` times, with their query plans;
b. the passes that act on the due steps, ``--batch`` (500, the default of ``sweep``) at a
   time until none is left: rows per second, queries per row, the messages enqueued in the
   outbox (``notifications.Notification``), the longest pass against the worker's 5 s;
c. the same due set again (restored), swept by ``--processes`` (2) processes at once, each
   with its own connection: the steps each one acted on are recorded, and the script asserts
   that the total is the number due, that no step was acted on twice and that no message key
   is duplicated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import random
import re
import sys
import tempfile
import time
from collections import Counter
from typing import Any

import dossier_intake as intake
import workflow_inbox as inbox

MARK = "benchmark:sweeper"
IDLE_BEFORE = dt.timedelta(hours=2)
WORKER_INTERVAL_S = 5.0
# Which steps the added open tasks are: (position, name, role, share of the added ones)
OPEN_STEPS = [
    (1, "Phân công xử lý", "leader", 0.10),
    (2, "Thẩm định, dự thảo kết quả", "specialist", 0.60),
    (3, "Phê duyệt, ký", "leader", 0.15),
    (4, "Vào sổ, ban hành kết quả", "clerk", 0.15),
]


# ---------------------------------------------------------------------------------------------
# The million open steps


def remove_added(notifications_after: int | None = None) -> tuple[int, int]:
    """Delete the steps this script added and the messages sweeps enqueued for them (or every
    message newer than ``notifications_after``). Returns (steps, messages) deleted."""
    from django.db import connection

    with connection.cursor() as cursor:
        if notifications_after is None:
            cursor.execute(
                "DELETE FROM notifications_notification WHERE key LIKE 'task:%%' "
                "OR key LIKE 'dossier:%%:apology-warning:%%'"
            )
        else:
            cursor.execute(
                "DELETE FROM notifications_notification WHERE id > %s", [notifications_after]
            )
        messages = cursor.rowcount
        cursor.execute("DELETE FROM workflow_task WHERE request = %s", [MARK])
        steps = cursor.rowcount
    return steps, messages


def check_moments(count: int, warn: int, escalate: int, now: dt.datetime, rng: Any) -> list:
    """(next_check_at, due_at, warned_at) of every added step, shuffled."""
    hour = 3600
    moments = []
    for _ in range(warn):  # the warning moment has come, the due one not yet
        check = now - dt.timedelta(seconds=rng.uniform(0, hour))
        moments.append((check, check + dt.timedelta(hours=2), None))
    for _ in range(escalate):  # warned earlier, the due moment has come
        due = now - dt.timedelta(seconds=rng.uniform(0, hour))
        moments.append((due, due, due - dt.timedelta(hours=2)))
    for _ in range(count - warn - escalate):  # later: up to 10 days ahead
        check = now + dt.timedelta(seconds=rng.uniform(1, 10 * 86400))
        moments.append((check, check + dt.timedelta(hours=2), None))
    rng.shuffle(moments)
    return moments


def add_open_steps(meta: dict, count: int, warn: int, escalate: int, rng: Any) -> dict:
    """Write ``count`` open steps (COPY) in the offices of their dossiers' competent units."""
    from django.db import connection, transaction

    now = dt.datetime.fromisoformat(meta["now"])
    offices = [inbox.Office(**o) for o in meta["offices"]]
    by_parent: dict[int, list[inbox.Office]] = {}
    for office in offices:
        by_parent.setdefault(office.parent_id, []).append(office)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, competent_unit_id FROM dossiers_dossier ORDER BY id")
        dossiers = cursor.fetchall()
        cursor.execute("SELECT coalesce(max(id), 0) FROM workflow_task")
        next_id = cursor.fetchone()[0] + 1
    writer = intake.Writer()
    steps = [(p, n, r) for p, n, r, _s in OPEN_STEPS]
    weights = [s for *_x, s in OPEN_STEPS]
    rows: list[tuple[Any, ...]] = []
    t = time.perf_counter()
    for i, (check, due, warned) in enumerate(check_moments(count, warn, escalate, now, rng)):
        did, competent = dossiers[i % len(dossiers)]
        choices = by_parent[competent]
        office = rng.choices(choices, inbox.OFFICE_WEIGHTS[len(choices)])[0]
        position, name, role = rng.choices(steps, weights)[0]
        values = {
            "id": next_id + i, "dossier_id": did, "kind": "step", "parent_id": None,
            "step_id": None, "position": position, "parallel_group": None, "name": name,
            "role": role, "unit_id": office.id,
            "assignee_id": rng.choice(office.specialists) if role == "specialist" else None,
            "state": "active", "budget_hours": 16, "started_at": due - dt.timedelta(days=2),
            "due_at": due, "finished_at": None, "finished_by_id": None, "request": MARK,
            "response": "", "next_check_at": check, "warned_at": warned, "escalated_at": None,
            "paused_at": None,
        }  # fmt: skip
        rows.append(tuple(values[c] for c in inbox.TASK_COLUMNS))
        if len(rows) >= inbox.TASK_CHUNK:
            with transaction.atomic():
                writer.write("workflow_task", inbox.TASK_COLUMNS, rows)
            rows.clear()
            print(f"  … {i + 1:,} open steps", file=sys.stderr, flush=True)
    with transaction.atomic():
        writer.write("workflow_task", inbox.TASK_COLUMNS, rows)
    written = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('workflow_task', 'id'), "
            "(SELECT max(id) FROM workflow_task))"
        )
        cursor.execute("VACUUM ANALYZE workflow_task")
    return {"written_s": written, "vacuum_s": time.perf_counter() - t}


# ---------------------------------------------------------------------------------------------
# Measuring


class QueryCounter:
    """Counts the queries (and the time in the database) of the code run inside it."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - t


def timed_runs(fn: Any, runs: int) -> tuple[dict[str, float], int, list[Any]]:
    """(summary in ms, queries of one run, results) of ``runs`` runs after one warm-up."""
    from django.db import connection

    results = [fn()]
    samples = []
    counter = QueryCounter()
    for _ in range(runs):
        counter.queries = 0
        with connection.execute_wrapper(counter):
            t = time.perf_counter()
            results.append(fn())
            samples.append((time.perf_counter() - t) * 1000)
    return intake.summary(samples), counter.queries, results


def plans_of(fn: Any) -> list[tuple[str, str]]:
    """(summary, full plan) of each SELECT ``fn`` runs, as EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fn()
    found = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            plan = inbox.explain(sql)
            found_table = re.search(r'FROM "(\w+)"', sql)
            table = found_table.group(1) if found_table else "?"
            scans, execution = inbox.plan_summary(plan, table)
            found.append((f"{table}: {scans}, {execution} ms", plan))
    return found


def idle_passes(now: dt.datetime, runs: int) -> dict[str, Any]:
    from motcua.workflow import sweeper
    from motcua.workflow.models import Task

    idle = now - IDLE_BEFORE
    assert not Task.objects.filter(next_check_at__lte=idle).exists(), "something is due"
    tasks, tasks_queries, _r = timed_runs(lambda: sweeper.sweep_tasks(now=idle), runs)
    t = time.perf_counter()
    first = sweeper.sweep(idle)  # apology warnings due at that moment: acted on once
    first_ms = (time.perf_counter() - t) * 1000
    whole, whole_queries, results = timed_runs(lambda: sweeper.sweep(idle), runs)
    return {
        "now": idle,
        "sweep_tasks": (tasks, tasks_queries),
        "sweep": (whole, whole_queries),
        "sweep_first": (first, first_ms),
        "sweep_acted_warmup": results[0],
        "sweep_acted_timed": sum(results[1:]),
        "plans_tasks": plans_of(lambda: sweeper.sweep_tasks(now=idle)),
        "plans_sweep": plans_of(lambda: sweeper.sweep(idle)),
    }


def due_set(now: dt.datetime) -> list[tuple[int, dt.datetime, dt.datetime | None]]:
    from motcua.workflow.models import Task

    return list(
        Task.objects.filter(next_check_at__lte=now)
        .order_by("pk")
        .values_list("pk", "next_check_at", "warned_at")
    )


def task_messages() -> tuple[int, int, Counter]:
    """(messages, distinct keys, per kind) of the messages about steps in the outbox."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT key), "
            "count(*) FILTER (WHERE key LIKE 'task:%%:warn:%%'), "
            "count(*) FILTER (WHERE key LIKE 'task:%%:escalate:%%') "
            "FROM notifications_notification WHERE key LIKE 'task:%%'"
        )
        total, distinct, warn, escalate = cursor.fetchone()
    return total, distinct, Counter(warn=warn, escalate=escalate)


def acting_passes(now: dt.datetime, batch: int) -> dict[str, Any]:
    """Sweep the due set ``batch`` rows at a time until nothing is left."""
    from django.db import connection

    from motcua.workflow import sweeper
    from motcua.workflow.models import Task

    due = due_set(now)
    counter = QueryCounter()
    passes: list[tuple[int, float]] = []
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        while True:
            t = time.perf_counter()
            acted = sweeper.sweep_tasks(now=now, batch=batch)
            passes.append((acted, time.perf_counter() - t))
            if acted == 0:
                break
    seconds = time.perf_counter() - started
    acted = sum(a for a, _s in passes)
    ids = [pk for pk, *_x in due]
    return {
        "due": len(due),
        "acted": acted,
        "warned": Task.objects.filter(pk__in=ids, warned_at=now).count(),
        "escalated": Task.objects.filter(pk__in=ids, escalated_at=now).count(),
        "passes": passes,
        "seconds": seconds,
        "queries": counter.queries,
        "db_seconds": counter.seconds,
        "messages": task_messages(),
        "still_due": Task.objects.filter(next_check_at__lte=now).count(),
        "due_rows": due,
    }


def restore(due: list[tuple[int, dt.datetime, dt.datetime | None]]) -> None:
    """Put the due steps back as they were before the sweep, without their messages."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE workflow_task SET next_check_at = %s, warned_at = %s, escalated_at = NULL "
            "WHERE id = %s",
            [(check, warned, pk) for pk, check, warned in due],
        )
        cursor.execute("DELETE FROM notifications_notification WHERE key LIKE 'task:%%'")


def _sweeping_process(now: dt.datetime, batch: int, barrier: Any, results: Any) -> None:
    """One worker: its own connection; records the steps it acted on and the claims it lost."""
    from django.db import connections

    from motcua.workflow import sweeper
    from motcua.workflow.models import Task

    connections.close_all()
    original = sweeper._check_task
    won: list[int] = []
    lost = [0]

    def recording(pk: int, seen: dt.datetime, at: dt.datetime, *rest: object) -> bool:
        acted = original(pk, seen, at, *rest)
        if acted:
            won.append(pk)
        else:
            lost[0] += 1
        return acted

    sweeper._check_task = recording
    Task.objects.exists()  # connect before the start
    barrier.wait()
    t = time.perf_counter()
    passes = 0
    while Task.objects.filter(next_check_at__lte=now).exists():
        sweeper.sweep_tasks(now=now, batch=batch)
        passes += 1
    results.put({"won": won, "lost": lost[0], "passes": passes, "seconds": time.perf_counter() - t})
    connections.close_all()


def concurrent_passes(now: dt.datetime, batch: int, processes: int) -> dict[str, Any]:
    from django.db import connections

    due = {pk for pk, *_x in due_set(now)}
    connections.close_all()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes + 1)
    queue = ctx.Queue()
    workers = [
        ctx.Process(target=_sweeping_process, args=(now, batch, barrier, queue))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    t = time.perf_counter()
    results = [queue.get() for _ in workers]
    wall = time.perf_counter() - t
    for worker in workers:
        worker.join()
    won = [set(r["won"]) for r in results]
    everyone = [pk for r in results for pk in r["won"]]
    twice = len(everyone) - len(set(everyone))
    total, distinct, kinds = task_messages()
    return {
        "due": len(due),
        "per_process": [(len(r["won"]), r["lost"], r["passes"], r["seconds"]) for r in results],
        "acted": len(everyone),
        "twice": twice,
        "overlap": len(set.intersection(*won)) if len(won) > 1 else 0,
        "missed": len(due - set(everyone)),
        "wall": wall,
        "messages": (total, distinct, kinds),
    }


# ---------------------------------------------------------------------------------------------
# Reporting


def ms_row(label: str, s: dict[str, float], queries: int) -> str:
    return (
        f"| {label} | {queries} | {s['min']:.2f} | {s['p50']:.2f} | {s['p95']:.2f} | "
        f"{s['max']:.2f} |"
    )


def report_idle(idle: dict[str, Any], runs: int) -> None:
    print(f"\n## a. Idle pass (now = {idle['now'].isoformat()}, nothing due; {runs} runs)\n")
    print("| pass | queries | min ms | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|")
    print(ms_row("`sweep_tasks(now=…)`", *idle["sweep_tasks"]))
    print(ms_row("`sweep(now)` (tasks, supplements, apology warnings)", *idle["sweep"]))
    acted, first_ms = idle["sweep_first"]
    print(f"\nFirst `sweep(now)` at that moment: {first_ms:.1f} ms, acted on {acted} "
          f"(apology warnings); the warm-up pass after it acted on "
          f"{idle['sweep_acted_warmup']}, the {runs} timed passes on "
          f"{idle['sweep_acted_timed']}.")  # fmt: skip
    for title, plans in (("sweep_tasks", idle["plans_tasks"]), ("sweep", idle["plans_sweep"])):
        print(f"\nPlans of `{title}`:\n")
        for summary, _plan in plans:
            print(f"- {summary}")
        for _summary, plan in plans:
            print(f"\n```\n{plan}\n```")


def report_acting(r: dict[str, Any], batch: int) -> None:
    passes = [s for a, s in r["passes"] if a]
    total, distinct, kinds = r["messages"]
    print(f"\n## b. Acting passes (batch {batch})\n")
    print("| measure | value |\n|---|---:|")
    rows = [
        ("due steps (warn + escalate)", f"{r['due']:,}"),
        ("acted on", f"{r['acted']:,} (warned {r['warned']:,}, escalated {r['escalated']:,})"),
        ("passes that acted", f"{len(passes)} (+1 that found nothing)"),
        ("total time", f"{r['seconds']:.1f} s"),
        ("rows per second", f"{r['acted'] / r['seconds']:.0f}"),
        ("ms per row", f"{r['seconds'] * 1000 / max(1, r['acted']):.1f}"),
        ("share of the time in the database", f"{r['db_seconds'] / r['seconds']:.0%}"),
        ("queries", f"{r['queries']:,} ({r['queries'] / max(1, r['acted']):.1f} per row)"),
        ("longest pass", f"{max(passes):.1f} s (worker interval {WORKER_INTERVAL_S:.0f} s)"),
        ("messages enqueued", f"{total:,} (warn {kinds['warn']:,}, escalate "
                              f"{kinds['escalate']:,}; {total / max(1, r['acted']):.1f} per row)"),
        ("distinct message keys", f"{distinct:,}"),
        ("still due after", f"{r['still_due']}"),
    ]  # fmt: skip
    for label, value in rows:
        print(f"| {label} | {value} |")
    assert r["acted"] == r["due"] and r["still_due"] == 0 and total == distinct


def report_concurrent(r: dict[str, Any], single_messages: int) -> None:
    total, distinct, _kinds = r["messages"]
    print(f"\n## c. {len(r['per_process'])} sweeper processes at once\n")
    print("| process | acted | claims lost | passes | seconds |\n|---:|---:|---:|---:|---:|")
    for i, (acted, lost, passes, seconds) in enumerate(r["per_process"], 1):
        print(f"| {i} | {acted:,} | {lost:,} | {passes} | {seconds:.1f} |")
    print(f"\nDue {r['due']:,}; acted {r['acted']:,} in {r['wall']:.1f} s "
          f"({r['acted'] / r['wall']:.0f} rows/s); acted twice {r['twice']}, by both "
          f"{r['overlap']}, missed {r['missed']}; messages {total:,} (single process: "
          f"{single_messages:,}), distinct keys {distinct:,}.")  # fmt: skip
    assert r["acted"] == r["due"], "total acted != number due"
    assert r["twice"] == 0 and r["overlap"] == 0, "a step was acted on twice"
    assert r["missed"] == 0, "a due step was not acted on"
    assert total == distinct, "a message key is duplicated"
    assert total == single_messages, "not the same messages as one process"
    print("\nChecks passed: total acted == due, no step acted on twice, no duplicate key.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=inbox.DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="use an existing database")
    parser.add_argument("--dossiers", type=int, default=1_000_000, help="when generating")
    parser.add_argument("--open", type=int, default=1_000_000, help="open steps to add")
    parser.add_argument("--warn", type=int, default=2_000)
    parser.add_argument("--escalate", type=int, default=500)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the added steps")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as var_dir:
        meta = inbox.open_database(args.postgres, reuse=args.reuse, dossiers=args.dossiers,
                                   seed=args.seed, var_dir=var_dir)  # fmt: skip
        run(meta, args)
    print(f"\nTotal run time: {(time.perf_counter() - started) / 60:.1f} min")


def run(meta: dict[str, Any], args: argparse.Namespace) -> None:
    from motcua.notifications.models import Notification
    from motcua.workflow.models import Task

    print("## Machine\n")
    for key, value in intake.machine().items():
        print(f"- {key}: {value}")
    with open("/proc/loadavg") as f:
        print(f"- load average before: {f.read().split()[0]}")
    now = dt.datetime.fromisoformat(meta["now"])
    steps, messages = remove_added()
    if steps or messages:
        print(f"- removed {steps:,} steps and {messages:,} messages left by an earlier run")
    before = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    t = time.perf_counter()
    added = add_open_steps(meta, args.open, args.warn, args.escalate, random.Random(args.seed))
    print(f"\n## Data\n\n- added {args.open:,} open steps in {time.perf_counter() - t:.1f} s "
          f"(COPY {added['written_s']:.1f} s, VACUUM ANALYZE {added['vacuum_s']:.1f} s)",
          )  # fmt: skip
    print(f"- open steps now: {Task.objects.filter(state='active').count():,}; with a check "
          f"moment: {Task.objects.filter(next_check_at__isnull=False).count():,}; "
          f"now = {now.isoformat()}")  # fmt: skip
    inbox.print_sizes()

    idle = idle_passes(now, args.runs)
    report_idle(idle, args.runs)
    acting = acting_passes(now, args.batch)
    report_acting(acting, args.batch)
    restore(acting["due_rows"])
    concurrent = concurrent_passes(now, args.batch, args.processes)
    report_concurrent(concurrent, acting["messages"][0])

    with open("/proc/loadavg") as f:
        print(f"\nload average after: {f.read().split()[0]}")
    if not args.keep:
        t = time.perf_counter()
        steps, messages = remove_added(before)
        from django.db import connection

        with connection.cursor() as cursor:
            # the heap shrinks back by itself (the added rows were at its end), the indexes not
            cursor.execute("VACUUM workflow_task")
            cursor.execute("REINDEX TABLE workflow_task")
            cursor.execute("ANALYZE workflow_task")
        print(f"Removed the {steps:,} added steps and {messages:,} messages, reindexed "
              f"({time.perf_counter() - t:.1f} s).")  # fmt: skip


if __name__ == "__main__":
    main()
