"""How fast the procedure catalogue answers a kiosk: search, list and detail over 10,000
procedures, through the selectors and through the HTTP API.

    .venv/bin/python benchmarks/catalog_search.py [--procedures 10000] [--runs 50] [--seed 2026]
    .venv/bin/python benchmarks/catalog_search.py --postgres postgres://postgres@127.0.0.1:5432/bench_catalog

A script, not a test. It builds a throwaway database, migrates it and fills it with
``bulk_create`` (no services: they are far too slow for 10,000 procedures and are not what is
measured):

- SQLite (default): a file in a temporary directory, WAL mode as in production;
- PostgreSQL (``--postgres URL``): the database named in the URL is CREATED by the script,
  which refuses to run if it already exists, and DROPPED at the end.

The catalogue: procedures named from the vocabulary of real ones ("Đăng ký", "Cấp", "Gia hạn",
"Thay đổi"… + an object of a field + sometimes a qualifier), in 24 fields at three levels; each
with 1–3 cases, 3–8 components per case (the first with a form to download), fees,
processing times per channel, and long texts of realistic length (steps, legal basis,
conditions). About 6 % have an earlier, ended version and 2 % are drafts only, so the tables
hold rows the searches must skip. ``ANALYZE`` is run after the load (PostgreSQL's autovacuum
would do it soon; SQLite's planner uses it too).

Measured, each ``--runs`` times after two warm-up runs, min/p50/p95/max in milliseconds:

- kiosk searches (1–3 words, with and without diacritics, common and rare words, one matching
  nothing, a procedure code): page 1 of the results (count + 20 rows with levels and times);
- list page 1 unfiltered and filtered by a field;
- detail of a procedure (a different random code each run);

each through ``motcua.catalog.selectors`` the way a page with Django's ``Paginator`` uses them
(``count()``, then the slice of 20 rows) and through ``GET /api/v1/procedures`` with Django's
test client (routing, middleware, validation, serialisation included; no network), which pages
by keys first (``motcua.api.pagination``). Results are printed as Markdown for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import _support
from _support import throwaway_postgres

ROOT = _support.ROOT

# ---------------------------------------------------------------------------------------------
# Vocabulary: fields with the objects of their procedures, verbs, qualifiers.

FIELDS: list[tuple[str, str, list[str]]] = [
    (
        "G09-TP01",
        "Hộ tịch",
        [
            "khai sinh",
            "kết hôn",
            "khai tử",
            "giám hộ",
            "nhận cha, mẹ, con",
            "thay đổi, cải chính hộ tịch",
            "trích lục hộ tịch",
            "xác nhận tình trạng hôn nhân",
            "chấm dứt giám hộ",
        ],
    ),
    (
        "G09-TP02",
        "Chứng thực",
        [
            "bản sao từ bản chính",
            "chữ ký trong giấy tờ, văn bản",
            "hợp đồng, giao dịch",
            "chữ ký người dịch",
        ],
    ),
    ("G09-TP03", "Lý lịch tư pháp", ["Phiếu lý lịch tư pháp số 1", "Phiếu lý lịch tư pháp số 2"]),
    (
        "G09-TN01",
        "Đất đai",
        [
            "quyền sử dụng đất",
            "Giấy chứng nhận quyền sử dụng đất",
            "biến động đất đai",
            "tài sản gắn liền với đất",
            "chuyển mục đích sử dụng đất",
            "tách thửa, hợp thửa đất",
            "thế chấp quyền sử dụng đất",
        ],
    ),
    (
        "G09-TN02",
        "Môi trường",
        ["giấy phép môi trường", "đăng ký môi trường", "kế hoạch bảo vệ môi trường"],
    ),
    (
        "G09-TN03",
        "Tài nguyên nước",
        ["giấy phép khai thác nước dưới đất", "giấy phép xả nước thải vào nguồn nước"],
    ),
    (
        "G09-XD01",
        "Hoạt động xây dựng",
        [
            "giấy phép xây dựng",
            "giấy phép sửa chữa, cải tạo",
            "giấy phép di dời công trình",
            "chứng chỉ hành nghề hoạt động xây dựng",
        ],
    ),
    (
        "G09-KH01",
        "Thành lập và hoạt động doanh nghiệp",
        [
            "doanh nghiệp tư nhân",
            "công ty trách nhiệm hữu hạn",
            "công ty cổ phần",
            "chi nhánh, văn phòng đại diện",
        ],
    ),
    (
        "G09-KH02",
        "Thành lập và hoạt động của hộ kinh doanh",
        ["hộ kinh doanh", "địa điểm kinh doanh"],
    ),
    ("G09-KH03", "Hợp tác xã", ["hợp tác xã", "liên hiệp hợp tác xã"]),
    (
        "G09-GT01",
        "Đường bộ",
        [
            "giấy phép lái xe",
            "đăng ký xe",
            "biển số xe",
            "giấy phép vận tải bằng xe ô tô",
            "phù hiệu xe",
        ],
    ),
    (
        "G09-YT01",
        "Khám bệnh, chữa bệnh",
        ["giấy phép hành nghề khám bệnh, chữa bệnh", "giấy phép hoạt động cơ sở khám bệnh"],
    ),
    (
        "G09-YT02",
        "Dược phẩm",
        ["chứng chỉ hành nghề dược", "giấy chứng nhận đủ điều kiện kinh doanh dược"],
    ),
    ("G09-YT03", "An toàn thực phẩm", ["giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"]),
    (
        "G09-GD01",
        "Giáo dục và Đào tạo",
        [
            "trường mầm non",
            "nhóm trẻ độc lập",
            "hỗ trợ ăn trưa cho trẻ em mẫu giáo",
            "văn bằng, chứng chỉ",
        ],
    ),
    (
        "G09-LD01",
        "Việc làm",
        ["trợ cấp thất nghiệp", "giấy phép lao động cho người nước ngoài", "hỗ trợ học nghề"],
    ),
    (
        "G09-LD02",
        "Bảo trợ xã hội",
        [
            "trợ cấp xã hội hằng tháng",
            "hỗ trợ chi phí mai táng",
            "trợ cấp hưu trí xã hội",
            "người khuyết tật",
        ],
    ),
    ("G09-LD03", "Người có công", ["trợ cấp ưu đãi người có công", "bảo hiểm y tế người có công"]),
    (
        "G09-CA01",
        "Đăng ký, quản lý cư trú",
        ["thường trú", "tạm trú", "tạm vắng", "thông tin về cư trú"],
    ),
    ("G09-CA02", "Cấp, quản lý căn cước", ["thẻ căn cước", "giấy chứng nhận căn cước"]),
    (
        "G09-CT01",
        "Lưu thông hàng hóa trong nước",
        ["giấy phép bán lẻ rượu", "giấy phép bán lẻ sản phẩm thuốc lá", "cửa hàng bán lẻ xăng dầu"],
    ),
    ("G09-NN01", "Thú y", ["chứng chỉ hành nghề thú y", "kiểm dịch động vật"]),
    ("G09-VH01", "Văn hóa cơ sở", ["lễ hội", "biểu diễn nghệ thuật", "quảng cáo ngoài trời"]),
    ("G09-TC01", "Thuế", ["mã số thuế", "thuế cho hộ kinh doanh", "hoàn thuế"]),
]
VERBS = [
    "Đăng ký",
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Gia hạn",
    "Thay đổi",
    "Điều chỉnh",
    "Xác nhận",
    "Thu hồi",
    "Công nhận",
    "Hỗ trợ",
    "Giải quyết",
    "Chấm dứt",
    "Tạm ngừng",
    "Đăng ký thay đổi",
    "Thông báo",
    "Thẩm định",
    "Bổ sung",
    "Xóa đăng ký",
    "Khai báo",
]
QUALIFIERS = [
    "",
    "",
    "",
    "đối với cá nhân",
    "đối với tổ chức",
    "có yếu tố nước ngoài",
    "lần đầu",
    "trường hợp bị mất, hỏng",
    "cho người nước ngoài",
    "đối với hộ gia đình, cá nhân",
    "trên địa bàn tỉnh",
    "thực hiện tại cấp xã",
    "thực hiện tại cấp tỉnh",
    "theo hình thức trực tuyến",
    "cho người Việt Nam định cư ở nước ngoài",
    "đối với công trình cấp III, cấp IV",
]
COMPONENTS = [
    "Tờ khai theo mẫu",
    "Đơn đề nghị theo mẫu",
    "Bản sao Giấy khai sinh",
    "Giấy tờ tùy thân (Thẻ căn cước, hộ chiếu)",
    "Văn bản ủy quyền",
    "Giấy chứng nhận quyền sử dụng đất",
    "Bản vẽ thiết kế",
    "Sơ đồ vị trí",
    "Giấy chứng nhận đăng ký doanh nghiệp",
    "Điều lệ",
    "Danh sách thành viên",
    "Biên lai nộp lệ phí",
    "Ảnh 4x6 cm",
    "Giấy xác nhận của cơ sở y tế",
    "Hợp đồng thuê địa điểm",
    "Báo cáo đánh giá",
    "Quyết định bổ nhiệm",
]
STEPS = (
    "Bước 1: Tổ chức, cá nhân chuẩn bị hồ sơ theo quy định và nộp tại Bộ phận Một cửa "
    "hoặc qua dịch vụ bưu chính công ích hoặc trên Cổng Dịch vụ công quốc gia. "
    "Bước 2: Cán bộ tiếp nhận kiểm tra tính đầy đủ, hợp lệ của hồ sơ; nếu hồ sơ đầy đủ "
    "thì tiếp nhận và hẹn trả kết quả, nếu chưa đầy đủ thì hướng dẫn bổ sung một lần. "
    "Bước 3: Cơ quan có thẩm quyền thẩm định, giải quyết hồ sơ theo quy định. "
    "Bước 4: Trả kết quả tại Bộ phận Một cửa hoặc qua dịch vụ bưu chính công ích. "
)
LEGAL = [
    "Luật Hộ tịch số 60/2014/QH13",
    "Nghị định số 123/2015/NĐ-CP",
    "Luật Đất đai số 31/2024/QH15",
    "Nghị định số 101/2024/NĐ-CP",
    "Luật Xây dựng số 50/2014/QH13",
    "Nghị định số 168/2025/NĐ-CP",
    "Thông tư số 85/2019/TT-BTC",
    "Nghị định số 118/2025/NĐ-CP",
    "Luật Cư trú số 68/2020/QH14",
    "Luật Doanh nghiệp số 59/2020/QH14",
]
CONDITIONS = (
    "Người yêu cầu phải có năng lực hành vi dân sự đầy đủ; hồ sơ phải được lập theo "
    "đúng mẫu quy định; các giấy tờ bằng tiếng nước ngoài phải được dịch sang tiếng "
    "Việt và chứng thực theo quy định. "
)

# The searches a kiosk sees: (label, query). "common" words match thousands of rows, "rare"
# ones a few dozen; "xyzzy" matches nothing (the whole table is read for nothing).
SEARCHES = [
    ("1 common word, no diacritics", "cap"),
    ("1 common word, diacritics", "Đăng"),
    ("2 common words, no diacritics", "dang ky"),
    ("2 words, diacritics", "khai sinh"),
    ("3 words, no diacritics", "giay phep xay dung"),
    ("3 words, diacritics", "Đăng ký kết hôn"),
    ("1 rare word", "giám hộ"),
    ("rare, no diacritics", "ly lich tu phap"),
    ("no match", "xyzzy"),
]


# ---------------------------------------------------------------------------------------------
# Setting up


def setup_django(var_dir: str, database_url: str | None) -> None:
    _support.setup_django(var_dir, database_url)
    _support.migrate()


def machine(database_url: str | None) -> dict[str, str]:
    cpu = "unknown"
    ram = "unknown"
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
    import ninja
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]} (WAL, temporary file)"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "django": django.get_version(),
        "ninja": ninja.__version__,
        "db": db,
    }


# ---------------------------------------------------------------------------------------------
# Generating the catalogue


def generate(rng: random.Random, n: int) -> dict[str, Any]:
    """Fill the catalogue with ``n`` procedures; returns codes and timings."""
    from django.db import connection, transaction

    from motcua.catalog.models import (
        AttachmentKind,
        Component,
        ComponentAttachment,
        Fee,
        FeeKind,
        Field,
        Level,
        OnlineLevel,
        Procedure,
        ProcedureCase,
        ProcedureVersion,
        ProcessingTime,
        Requirement,
        VersionStatus,
    )
    from motcua.core.text import fold

    t0 = time.perf_counter()
    fields = Field.objects.bulk_create([Field(code=code, name=name) for code, name, _ in FIELDS])
    objects = {f.pk: objs for f, (_, _, objs) in zip(fields, FIELDS, strict=True)}
    # The levels the catalogue migration seeds.
    levels = list(Level.objects.filter(code__in=["ministry", "province", "commune"]))
    assert len(levels) == 3, "the catalogue migration did not seed the levels"

    codes = rng.sample(range(1, 999_999), n)
    procedures = Procedure.objects.bulk_create(
        [Procedure(code=f"{rng.choice((1, 1, 1, 2, 3))}.{c:06d}") for c in codes],
        batch_size=2000,
    )
    effective = dt.date(2025, 7, 1)
    versions: list[ProcedureVersion] = []
    in_force_codes: list[str] = []
    for procedure in procedures:
        field = rng.choice(fields)
        name = f"{rng.choice(VERBS)} {rng.choice(objects[field.pk])}"
        qualifier = rng.choice(QUALIFIERS)
        if qualifier:
            name = f"{name} {qualifier}"
        online = rng.choices(
            [OnlineLevel.FULL, OnlineLevel.PARTIAL, OnlineLevel.NONE], [40, 35, 25]
        )[0]
        common = {
            "procedure": procedure,
            "name": name,
            "field": field,
            "steps_for_applicant": STEPS * rng.randint(1, 3),
            "offers_counter": True,
            "offers_postal": rng.random() < 0.6,
            "offers_online": online != OnlineLevel.NONE,
            "online_level": online,
            "subjects": "Công dân Việt Nam; người nước ngoài; tổ chức, doanh nghiệp",
            "executing_agency": "Ủy ban nhân dân cấp xã; Sở Tư pháp",
            "competent_authority": "Ủy ban nhân dân cấp xã",
            "result": f"Giấy xác nhận {name.lower()}",
            "legal_basis": "\n".join(rng.sample(LEGAL, rng.randint(2, 5))),
            "conditions": CONDITIONS * rng.randint(0, 3),
            "same_day": rng.random() < 0.05,
            "search_text": fold(f"{procedure.code} {name} {field.name}"),
        }
        kind = rng.random()
        if kind < 0.02:  # a draft only, never published
            versions.append(ProcedureVersion(number=1, status=VersionStatus.DRAFT, **common))
            continue
        if kind < 0.08:  # an earlier version, ended when this one came into force
            old = dict(common, name=f"{name} (cũ)")
            old["search_text"] = fold(f"{procedure.code} {old['name']} {field.name}")
            versions.append(
                ProcedureVersion(
                    number=1,
                    status=VersionStatus.PUBLISHED,
                    effective_from=dt.date(2023, 1, 1),
                    effective_to=effective - dt.timedelta(days=1),
                    **old,
                )
            )
        versions.append(
            ProcedureVersion(
                number=2 if kind < 0.08 else 1,
                status=VersionStatus.PUBLISHED,
                effective_from=effective,
                decision="Quyết định số 1234/QĐ-UBND ngày 20/6/2025",
                **common,
            )
        )
        in_force_codes.append(procedure.code)
    versions = ProcedureVersion.objects.bulk_create(versions, batch_size=1000)

    Through = ProcedureVersion.levels.through
    level_rows = []
    for version in versions:
        for level in rng.sample(levels, rng.choice((1, 1, 1, 2))):
            level_rows.append(Through(procedureversion_id=version.pk, level_id=level.pk))
    Through.objects.bulk_create(level_rows, batch_size=5000)

    cases = []
    for version in versions:
        for position in range(1, rng.randint(1, 3) + 1):
            cases.append(
                ProcedureCase(
                    version=version,
                    position=position,
                    name=f"Trường hợp {position}: {version.name}",
                )
            )
    cases = ProcedureCase.objects.bulk_create(cases, batch_size=2000)
    by_version = {v.pk: v for v in versions}

    times, fees, components = [], [], []
    for case in cases:
        version = by_version[case.version_id]
        unit, quantity = rng.choices(
            [
                ("working_days", rng.choice((3, 5, 7, 10, 15, 20, 30))),
                ("working_hours", rng.choice((4, 8, 16))),
                ("calendar_days", rng.choice((15, 30, 45))),
                ("months", rng.choice((1, 3))),
                ("same_day", None),
            ],
            [70, 8, 8, 6, 8],
        )[0]
        for channel in version.channels():
            times.append(
                ProcessingTime(
                    case=case,
                    channel=channel,
                    quantity=Decimal(quantity) if quantity is not None else None,
                    unit=unit,
                )
            )
        for position in range(1, rng.randint(0, 2) + 1):
            fees.append(
                Fee(
                    case=case,
                    position=position,
                    name=f"Lệ phí {version.name.lower()}",
                    kind=rng.choice([FeeKind.FEE, FeeKind.CHARGE]),
                    amount=rng.choice([None, 0, 8000, 20000, 50000, 100000]),
                )
            )
        for position in range(1, rng.randint(3, 8) + 1):
            conditional = rng.random() < 0.2
            components.append(
                Component(
                    case=case,
                    position=position,
                    name=rng.choice(COMPONENTS),
                    originals=rng.choice((0, 1, 1)),
                    certified_copies=rng.choice((0, 0, 1)),
                    copies=rng.choice((0, 1)),
                    requirement=Requirement.CONDITIONAL if conditional else Requirement.REQUIRED,
                    condition="Trường hợp ủy quyền" if conditional else "",
                )
            )
    ProcessingTime.objects.bulk_create(times, batch_size=5000)
    Fee.objects.bulk_create(fees, batch_size=5000)
    components = Component.objects.bulk_create(components, batch_size=5000)
    attachments = []
    case_codes = {c.pk: by_version[c.version_id].procedure.code for c in cases}
    for component in components:
        if component.position == 1:
            attachments.append(
                ComponentAttachment(
                    component=component,
                    kind=AttachmentKind.FORM,
                    title="Mẫu tờ khai",
                    file=f"catalog/{case_codes[component.case_id]}/to-khai.docx",
                )
            )
    ComponentAttachment.objects.bulk_create(attachments, batch_size=5000)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyze_s = time.perf_counter() - t0
    return {
        "codes": in_force_codes,
        "fields": [f.code for f in fields],
        "counts": {
            "procedures": len(procedures),
            "versions": len(versions),
            "in force": len(in_force_codes),
            "cases": len(cases),
            "processing times": len(times),
            "fees": len(fees),
            "components": len(components),
            "attachments": len(attachments),
        },
        "load_s": load_s,
        "analyze_s": analyze_s,
    }


# ---------------------------------------------------------------------------------------------
# Measuring


def measure(fn: Callable[[int], Any], runs: int) -> list[float]:
    for i in range(2):
        fn(i)
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float, float, float]:
    """min, p50, p95, max. The minimum is the least disturbed by other work on the machine."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return ordered[0], statistics.median(ordered), p95, ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measure")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server and a NEW database name, e.g. "
        "postgres://postgres@127.0.0.1:5432/bench_catalog (created, then dropped)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as var_dir:
        if args.postgres:
            with throwaway_postgres(args.postgres):
                run(args, var_dir)
        else:
            run(args, var_dir)


def run(args: argparse.Namespace, var_dir: str) -> None:
    setup_django(var_dir, args.postgres)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from motcua.catalog import selectors
    from motcua.catalog.selectors import CatalogFilters

    rng = random.Random(args.seed)
    info = machine(args.postgres)
    data = generate(rng, args.procedures)
    codes: list[str] = data["codes"]
    # A field in the middle of the pack (about 1/24 of the catalogue).
    field_code = data["fields"][3]
    client = Client(HTTP_HOST="localhost")
    # Versions in force from 2025-07-01 on (earlier ones ended the day before): the API lists
    # what is in force today, so today must be past that.
    today = timezone.localdate()
    assert today >= dt.date(2025, 7, 1), "the machine's clock is before the catalogue's dates"

    def page_via_selector(filters: CatalogFilters) -> Callable[[int], Any]:
        def fn(_: int) -> Any:
            versions = selectors.with_summary(selectors.search_catalog(filters, today))
            count = versions.count()
            return count, list(versions[:20])

        return fn

    def page_via_api(params: dict[str, str]) -> Callable[[int], Any]:
        def fn(_: int) -> Any:
            response = client.get("/api/v1/procedures", params)
            assert response.status_code == 200, response.content[:500]
            return response

        return fn

    detail_codes = [rng.choice(codes) for _ in range(args.runs + 2)]

    def detail_via_selector(i: int) -> Any:
        version = selectors.version_in_force(detail_codes[i], today)
        assert version is not None
        return version

    def detail_via_api(i: int) -> Any:
        response = client.get(f"/api/v1/procedures/{detail_codes[i]}")
        assert response.status_code == 200, response.content[:500]
        return response

    code = codes[len(codes) // 2]
    measures: list[tuple[str, str, Callable[[int], Any], Callable[[int], Any]]] = []
    for label, query in [*SEARCHES, ("a procedure code", code)]:
        measures.append(
            (
                "search",
                f"{label}: `{query}`",
                page_via_selector(CatalogFilters(query=query)),
                page_via_api({"q": query}),
            )
        )
    measures.append(
        ("list", "page 1, unfiltered", page_via_selector(CatalogFilters()), page_via_api({}))
    )
    measures.append(
        (
            "list",
            f"page 1, field `{field_code}`",
            page_via_selector(CatalogFilters(field_code=field_code)),
            page_via_api({"field": field_code}),
        )
    )
    measures.append(("detail", "random procedure", detail_via_selector, detail_via_api))

    load_before = os.getloadavg()
    rows = []
    for kind, label, via_selector, via_api in measures:
        first = via_api(0)
        matches = first.json()["count"] if kind != "detail" else 1
        with CaptureQueriesContext(connection) as queries:
            via_api(0)
        rows.append(
            (
                kind,
                label,
                matches,
                len(queries.captured_queries),
                summary(measure(via_selector, args.runs)),
                summary(measure(via_api, args.runs)),
            )
        )

    print("## Machine\n")
    print(f"- nproc: {info['nproc']}; CPU: {info['cpu']}; RAM: {info['ram']}")
    print(f"- Python {info['python']}, Django {info['django']}, django-ninja {info['ninja']}")
    print(f"- {info['db']}")
    load_after = os.getloadavg()
    print(
        f"- load average (1 min) {load_before[0]:.2f} before measuring, {load_after[0]:.2f} after"
    )
    print("\n## Catalogue\n")
    counts = ", ".join(f"{v:,} {k}" for k, v in data["counts"].items())
    print(f"- {counts}")
    print(f"- generated in {data['load_s']:.1f} s; ANALYZE {data['analyze_s']:.1f} s")
    print("- schema as migrated (search indexes of catalog/migrations/0004_search_indexes.py)")
    print(f"\n## Results (ms over {args.runs} runs after 2 warm-up runs)\n")
    print(
        "| measure | matches | API queries | selector min | p50 | p95 | max "
        "| API min | p50 | p95 | max |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, label, matches, n_queries, sel, http in rows:
        print(
            f"| {kind}: {label} | {matches:,} | {n_queries} | "
            + " | ".join(f"{v:.1f}" for v in (*sel, *http))
            + " |"
        )


if __name__ == "__main__":
    main()
