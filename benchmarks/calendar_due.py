"""How many due moments per second the working-time calendar computes.

    .venv/bin/python benchmarks/calendar_due.py [--n 50000] [--seed 2026]

A script, not a test: it builds a throwaway SQLite database in a temporary directory, migrates
it, seeds 2024–2029 from the holidays package, then measures

- the realistic mix: random reception moments over 2025–2027 (nights, weekends and holidays
  included) with the processing times a catalogue holds (3/5/7/10/15/20/30 working days, some
  working hours, calendar days, months, "same day"), on a fresh ``calendar_for()`` so the
  one-off database load is included;
- each operation alone on a warmed calendar;
- the one-off costs: ``calendar_for()`` plus the first computation, and seeding a year.

Results are printed as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "motcua.settings.test"
    os.environ["MOTCUA_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import motcua  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import holidays

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "holidays": holidays.__version__,
    }


def random_moments(rng: random.Random, n: int) -> list[dt.datetime]:
    from motcua.core.calendar import LOCAL_TZ

    start = dt.datetime(2025, 1, 1, tzinfo=LOCAL_TZ)
    span_minutes = (dt.datetime(2028, 1, 1, tzinfo=LOCAL_TZ) - start) // dt.timedelta(minutes=1)
    return [start + dt.timedelta(minutes=rng.randrange(span_minutes)) for _ in range(n)]


def realistic_mix(rng: random.Random, n: int) -> list[tuple[dt.datetime, int, str]]:
    from motcua.core.calendar import TimeUnit

    kinds: list[tuple[float, Callable[[], tuple[int, str]]]] = [
        (0.70, lambda: (rng.choice((3, 5, 7, 10, 15, 20, 30)), TimeUnit.WORKING_DAYS)),
        (0.08, lambda: (rng.choice((1, 2, 4, 8, 16, 24)), TimeUnit.WORKING_HOURS)),
        (0.08, lambda: (rng.choice((5, 10, 15, 30, 45, 60)), TimeUnit.CALENDAR_DAYS)),
        (0.06, lambda: (rng.choice((1, 2, 3, 6)), TimeUnit.MONTHS)),
        (0.08, lambda: (1, TimeUnit.SAME_DAY)),
    ]
    weights = [w for w, _ in kinds]
    makers = [m for _, m in kinds]
    cases = []
    for moment in random_moments(rng, n):
        quantity, unit = rng.choices(makers, weights)[0]()
        cases.append((moment, quantity, str(unit)))
    return cases


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="computations per measure")
    parser.add_argument("--seed", type=int, default=2026, help="random seed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as var_dir:
        setup_django(var_dir)
        from motcua.core import services
        from motcua.core.calendar import calendar_for
        from motcua.core.models import CalendarDay, CalendarYear

        info = machine()
        print("## Machine\n")
        print(f"- nproc: {info['nproc']}; CPU: {info['cpu']}; RAM: {info['ram']}")
        print(f"- Python {info['python']}, holidays {info['holidays']}, SQLite (temporary file)")

        # One-off: seeding years from the holidays package.
        t0 = time.perf_counter()
        for year in range(2024, 2030):
            services.seed_year(year)
        seed_ms = (time.perf_counter() - t0) * 1000 / 6
        assert CalendarYear.objects.count() == 6 and CalendarDay.objects.exists()

        rng = random.Random(args.seed)
        cases = realistic_mix(rng, args.n)

        # One-off: a fresh calendar and its first answer (schedule + periods + years + days).
        t0 = time.perf_counter()
        first = calendar_for()
        first.add(*cases[0])
        cold_ms = (time.perf_counter() - t0) * 1000

        def run_mix() -> None:
            cal = calendar_for()  # the one-off DB load is part of the measure
            add = cal.add
            for moment, quantity, unit in cases:
                add(moment, quantity, unit)

        mix_s = best_of(3, run_mix)

        warm = calendar_for()
        for year_start in range(2024, 2030):
            warm.is_working_day(dt.date(year_start, 6, 1))
        moments = random_moments(rng, args.n)
        ops: list[tuple[str, Callable[[dt.datetime], Any]]] = [
            ("add_working_days(m, 3)", lambda m: warm.add_working_days(m, 3)),
            ("add_working_days(m, 10)", lambda m: warm.add_working_days(m, 10)),
            ("add_working_days(m, 20)", lambda m: warm.add_working_days(m, 20)),
            ("add_working_days(m, 30)", lambda m: warm.add_working_days(m, 30)),
            ("add_working_hours(m, 4)", lambda m: warm.add_working_hours(m, 4)),
            ("add_calendar_days(m, 30)", lambda m: warm.add_calendar_days(m, 30)),
            ("add_months(m, 3)", lambda m: warm.add_months(m, 3)),
            ("same_day(m)", warm.same_day),
            ("next_working_moment(m)", warm.next_working_moment),
            (
                "working_time_between(m, m + 10 days)",
                lambda m: warm.working_time_between(m, m + dt.timedelta(days=10)),
            ),
        ]
        per_op = []
        for name, fn in ops:

            def loop(fn: Callable[[dt.datetime], Any] = fn) -> None:
                for m in moments:
                    fn(m)

            per_op.append((name, best_of(3, loop)))

        print(f"\n## Results (n = {args.n:,} per measure, best of 3, one core)\n")
        print("| measure | per second | µs each |")
        print("|---|---:|---:|")
        print(
            f"| realistic mix incl. fresh `calendar_for()` | {rate(args.n, mix_s)} | "
            f"{mix_s / args.n * 1e6:.2f} |"
        )
        for name, seconds in per_op:
            print(f"| `{name}` | {rate(args.n, seconds)} | {seconds / args.n * 1e6:.2f} |")
        print("\n| one-off | ms |")
        print("|---|---:|")
        print(f"| `calendar_for()` + first due (4 queries, one year built) | {cold_ms:.1f} |")
        print(f"| seeding one year from holidays (`services.seed_year`) | {seed_ms:.1f} |")


if __name__ == "__main__":
    main()
