"""The demo installation: a province merged on 1 July 2025, its provincial center, two commune
centers, ten departments, counters and one account per role.

Identifier codes here are illustrative (shaped like TT 10/2016 codes), not the real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from motcua.catalog import services as catalog_services
from motcua.catalog.importer import field_code_for, import_file
from motcua.catalog.models import (
    Field,
    ProcedureCase,
    ProcedureUnit,
    ProcedureVersion,
    ProcessTemplate,
)
from motcua.core.models import WorkSchedule, WorkSchedulePeriod
from motcua.core.services import ensure_year_seeded

from . import services
from .models import Center, CenterKind, Counter, Delegation, Role, Unit, UnitLevel, User

DEMO_PASSWORD = "Motcua@2026"
REFORM_DAY = dt.date(2025, 7, 1)
DEMO_YEARS = (2025, 2026, 2027)

LEVELS = [
    ("tinh", "Tỉnh, thành phố", 1),
    ("so-nganh", "Sở, ngành", 2),
    ("xa", "Xã, phường", 2),
    ("co-quan-xa", "Cơ quan cấp xã", 3),
]

DEPARTMENTS = [
    ("000.00.01.H21", "Văn phòng Ủy ban nhân dân tỉnh", "VP UBND"),
    ("000.00.11.H21", "Sở Tư pháp", "STP"),
    ("000.00.12.H21", "Sở Tài chính", "STC"),
    ("000.00.13.H21", "Sở Xây dựng", "SXD"),
    ("000.00.14.H21", "Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("000.00.15.H21", "Sở Nội vụ", "SNV"),
    ("000.00.16.H21", "Sở Y tế", "SYT"),
    ("000.00.17.H21", "Sở Công Thương", "SCT"),
    ("000.00.18.H21", "Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("000.00.19.H21", "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("000.00.20.H21", "Sở Khoa học và Công nghệ", "SKHCN"),
    ("000.00.21.H21", "Công an tỉnh", "CAT"),
]

COMMUNES = [
    ("000.00.31.H21", "Ủy ban nhân dân phường Quy Nhơn", "quy-nhon"),
    ("000.00.32.H21", "Ủy ban nhân dân xã Ia Grai", "ia-grai"),
]

FIELDS = [
    ("HT", "Hộ tịch"),
    ("CT", "Chứng thực"),
    ("DD", "Đất đai"),
    ("XD", "Hoạt động xây dựng"),
    ("DKKD", "Thành lập và hoạt động của doanh nghiệp"),
    ("CT-CA", "Đăng ký, quản lý cư trú"),
    ("TC", "Tài chính"),
    ("YT", "Khám bệnh, chữa bệnh"),
    ("GD", "Giáo dục và đào tạo"),
    ("VH", "Văn hóa"),
    ("NV", "Công chức, viên chức"),
]

# (number, name, field codes, department codes, priority)
PROVINCIAL_COUNTERS = [
    (1, "Tư pháp", ["HT", "CT"], ["000.00.11.H21"], False),
    (2, "Đất đai, môi trường", ["DD"], ["000.00.14.H21"], False),
    (3, "Xây dựng", ["XD"], ["000.00.13.H21"], False),
    (4, "Tài chính, đầu tư", ["DKKD", "TC"], ["000.00.12.H21"], False),
    (5, "Y tế", ["YT"], ["000.00.16.H21"], False),
    (6, "Giáo dục, văn hóa", ["GD", "VH"], ["000.00.18.H21", "000.00.19.H21"], False),
    (7, "Nội vụ", ["NV"], ["000.00.15.H21"], False),
    (8, "Quầy ưu tiên", [], [], True),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    position: str
    role: str
    scope_code: str  # unit code the role covers
    home_code: str


ACCOUNTS = [
    DemoAccount(
        "tiepnhan",
        "Nguyễn Thị Lan",
        "Chuyên viên tiếp nhận",
        Role.RECEPTIONIST,
        "000.00.01.H21",
        "000.00.11.H21",
    ),
    DemoAccount(
        "chuyenvien",
        "Trần Văn Minh",
        "Chuyên viên Phòng Hành chính tư pháp",
        Role.SPECIALIST,
        "000.00.11.H21",
        "000.00.11.H21",
    ),
    DemoAccount(
        "lanhdao",
        "Lê Hoàng Nam",
        "Phó Giám đốc Sở Tư pháp",
        Role.LEADER,
        "000.00.11.H21",
        "000.00.11.H21",
    ),
    DemoAccount(
        "vanthu", "Phạm Thu Hà", "Văn thư Sở Tư pháp", Role.CLERK, "000.00.11.H21", "000.00.11.H21"
    ),
    DemoAccount(
        "ketoan", "Võ Thị Mai", "Kế toán Trung tâm", Role.FINANCE, "000.00.01.H21", "000.00.01.H21"
    ),
    DemoAccount(
        "quanly",
        "Đặng Quốc Bảo",
        "Giám đốc Trung tâm Phục vụ hành chính công",
        Role.CENTER_MANAGER,
        "000.00.01.H21",
        "000.00.01.H21",
    ),
    DemoAccount(
        "quantri",
        "Bùi Đức Anh",
        "Quản trị hệ thống",
        Role.ADMINISTRATOR,
        "000.00.00.H21",
        "000.00.01.H21",
    ),
    DemoAccount(
        "thanhtra",
        "Hoàng Minh Tuấn",
        "Thanh tra tỉnh",
        Role.AUDITOR,
        "000.00.00.H21",
        "000.00.00.H21",
    ),
    DemoAccount(
        "tiepnhan.quynhon",
        "Ngô Thị Hồng",
        "Công chức tiếp nhận phường Quy Nhơn",
        Role.RECEPTIONIST,
        "000.00.31.H21",
        "000.00.31.H21",
    ),
]

DEMO_CENTER_CODES = {"ttpvhcc-tinh", "ttpvhcc-quy-nhon", "ttpvhcc-ia-grai"}
PROVINCE_CODE = "000.00.00.H21"
OLD_PROVINCE_CODE = "000.00.00.H08"


class DemoRefused(Exception):
    """The database holds data that is not the demo's; the demo leaves it alone."""


def foreign_data() -> list[str]:
    """What in the database is not the demo's (empty when the demo may load)."""
    demo_units = {PROVINCE_CODE, OLD_PROVINCE_CODE} | {c for c, *_ in DEPARTMENTS + COMMUNES}
    found = []
    users = User.objects.exclude(username__in=[a.username for a in ACCOUNTS])
    if users.exists():
        example = users.values_list("username", flat=True)[0]
        found.append(f"{users.count()} user account(s), e.g. {example}")
    units = Unit.objects.exclude(code__in=demo_units)
    if units.exists():
        found.append(f"{units.count()} unit(s), e.g. {units.first()}")
    centers = Center.objects.exclude(code__in=DEMO_CENTER_CODES)
    if centers.exists():
        found.append(f"{centers.count()} center(s), e.g. {centers.first()}")
    return found


def is_loaded() -> bool:
    return Unit.objects.filter(code=PROVINCE_CODE).exists()


@transaction.atomic
def load_demo() -> bool:
    """Load the demo; False when it is already there. Raises DemoRefused on foreign data."""
    foreign = foreign_data()
    if foreign:
        raise DemoRefused("; ".join(foreign))
    for year in DEMO_YEARS:
        ensure_year_seeded(year)
    if is_loaded():
        return False
    levels = {
        code: UnitLevel.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})[0]
        for code, name, rank in LEVELS
    }
    units = _load_units(levels)
    # Field codes as the catalogue importer derives them, so imported procedures share them.
    fields = {
        key: Field.objects.get_or_create(code=field_code_for(name), defaults={"name": name})[0]
        for key, name in FIELDS
    }
    _load_centers(units, fields)
    _load_accounts(units)
    _load_catalog(units)
    return True


def _load_units(levels: dict[str, UnitLevel]) -> dict[str, Unit]:
    # The former province, merged on 1 July 2025: kept so its old dossiers keep their codes.
    old = services.create_unit(
        actor=None,
        parent=None,
        level=levels["tinh"],
        code=OLD_PROVINCE_CODE,
        name="Ủy ban nhân dân tỉnh Bình Định",
        valid_from=dt.date(1989, 7, 1),
    )
    province = services.create_unit(
        actor=None,
        parent=None,
        level=levels["tinh"],
        code=PROVINCE_CODE,
        name="Ủy ban nhân dân tỉnh Gia Lai",
        short_name="UBND tỉnh",
        address="Số 1 Trần Phú, phường Quy Nhơn, tỉnh Gia Lai",
        valid_from=dt.date(1991, 8, 12),
    )
    services.merge_units(
        actor=None,
        units=[old],
        into=province,
        effective_on=REFORM_DAY,
        reason="Nghị quyết 202/2025/QH15 sắp xếp đơn vị hành chính cấp tỉnh",
    )
    units = {PROVINCE_CODE: province}
    for code, name, short in DEPARTMENTS:
        units[code] = services.create_unit(
            actor=None,
            parent=province,
            level=levels["so-nganh"],
            code=code,
            name=name,
            short_name=short,
            valid_from=REFORM_DAY,
        )
    for code, name, _slug in COMMUNES:
        units[code] = services.create_unit(
            actor=None,
            parent=province,
            level=levels["xa"],
            code=code,
            name=name,
            valid_from=REFORM_DAY,
        )
    return units


def _seasonal_schedule() -> WorkSchedule:
    schedule, created = WorkSchedule.objects.get_or_create(
        code="gia-lai-theo-mua",
        defaults={"name": "Giờ làm việc theo mùa (tỉnh Gia Lai)", "working_day_hours": 8},
    )
    if created:
        WorkSchedulePeriod.objects.create(
            schedule=schedule,
            name="Mùa hè",
            starts_month=4,
            starts_day=15,
            morning_start=dt.time(7, 0),
            morning_end=dt.time(11, 30),
            afternoon_start=dt.time(13, 30),
            afternoon_end=dt.time(17, 0),
        )
        WorkSchedulePeriod.objects.create(
            schedule=schedule,
            name="Mùa đông",
            starts_month=10,
            starts_day=15,
            morning_start=dt.time(7, 30),
            morning_end=dt.time(11, 30),
            afternoon_start=dt.time(13, 0),
            afternoon_end=dt.time(17, 0),
        )
    return schedule


def _load_centers(units: dict[str, Unit], fields: dict[str, Field]) -> None:
    provincial = Center.objects.create(
        code="ttpvhcc-tinh",
        name="Trung tâm Phục vụ hành chính công tỉnh Gia Lai",
        kind=CenterKind.PROVINCIAL,
        unit=units["000.00.01.H21"],
        address="Số 127 Hai Bà Trưng, phường Quy Nhơn, tỉnh Gia Lai",
        phone="0256 3 818 818",
        email="ttpvhcc@example.gov.vn",
        work_schedule=_seasonal_schedule(),
    )
    for number, name, field_codes, unit_codes, priority in PROVINCIAL_COUNTERS:
        counter = Counter.objects.create(
            center=provincial, number=number, name=name, is_priority=priority
        )
        counter.fields.set([fields[c] for c in field_codes])
        counter.units.set([units[c] for c in unit_codes])
    for code, name, slug in COMMUNES:
        commune = units[code]
        center = Center.objects.create(
            code=f"ttpvhcc-{slug}",
            name=f"Trung tâm Phục vụ hành chính công {name.split('nhân dân ', 1)[1]}",
            kind=CenterKind.COMMUNE,
            unit=commune,
        )
        for number, counter_name, field_codes in [
            (1, "Hộ tịch, chứng thực", ["HT", "CT"]),
            (2, "Đất đai, xây dựng", ["DD", "XD"]),
            (3, "Quầy ưu tiên", []),
        ]:
            counter = Counter.objects.create(
                center=center, number=number, name=counter_name, is_priority=number == 3
            )
            counter.fields.set([fields[c] for c in field_codes])
            counter.units.set([commune])


# Which department applies a provincial procedure of a field (the rest: the People's
# Committee office). Commune procedures apply in every commune.
PROVINCIAL_FIELD_UNITS = {
    "dat-dai": "000.00.14.H21",
    "viec-lam": "000.00.15.H21",
    "ly-lich-tu-phap": "000.00.11.H21",
    "ho-tich": "000.00.11.H21",
    "thue": "000.00.12.H21",
    "quan-ly-xuat-nhap-canh": "000.00.21.H21",
    "dang-ky-quan-ly-phuong-tien-giao-thong": "000.00.21.H21",
    "sat-hach-cap-giay-phep-lai-xe": "000.00.21.H21",
}
DEMO_CATALOG = Path(__file__).resolve().parent / "fixtures" / "demo-catalog.json"
BIRTH_REGISTRATION = "1.001193"


def _load_catalog(units: dict[str, Unit]) -> None:
    """Thirty-odd real procedures (exported from the national records), applied by the demo's
    units, with an internal process for birth registration."""
    report = import_file(DEMO_CATALOG, actor=None, effective_from=REFORM_DAY)
    if report.refused:
        raise RuntimeError(f"The demo catalogue did not import: {report.refused}")
    communes = [units[code] for code, *_rest in COMMUNES]
    for version in ProcedureVersion.objects.in_force_on(REFORM_DAY).prefetch_related("levels"):
        levels = {level.code for level in version.levels.all()}
        applying = list(communes) if "commune" in levels else []
        if levels - {"commune"}:
            code = PROVINCIAL_FIELD_UNITS.get(version.field.code, "000.00.01.H21")
            applying.append(units[code])
        for unit in applying:
            ProcedureUnit.objects.get_or_create(
                procedure_id=version.procedure_id, unit=unit, defaults={"valid_from": REFORM_DAY}
            )
    template = ProcessTemplate.objects.create(
        code="khai-sinh-cap-xa",
        name="Quy trình đăng ký khai sinh cấp xã",
        decision="Quyết định phê duyệt quy trình nội bộ (dữ liệu mẫu)",
    )
    catalog_services.save_process_template(
        actor=None,
        template=template,
        steps=[
            {
                "name": "Tiếp nhận, kiểm tra hồ sơ",
                "role": Role.RECEPTIONIST,
                "budget": Decimal(2),
                "budget_unit": "working_hours",
            },
            {
                "name": "Thẩm định, dự thảo kết quả",
                "role": Role.SPECIALIST,
                "budget": Decimal(4),
                "budget_unit": "working_hours",
            },
            {
                "name": "Phê duyệt, ký",
                "role": Role.LEADER,
                "budget": Decimal(1),
                "budget_unit": "working_hours",
            },
            {
                "name": "Vào sổ, trả kết quả",
                "role": Role.CLERK,
                "budget": Decimal(1),
                "budget_unit": "working_hours",
            },
        ],
    )
    ProcedureCase.objects.filter(version__procedure__code=BIRTH_REGISTRATION).update(
        process_template=template
    )


def _load_accounts(units: dict[str, Unit]) -> None:
    accounts = {}
    for account in ACCOUNTS:
        user = User.objects.create_user(
            username=account.username,
            password=DEMO_PASSWORD,
            full_name=account.full_name,
            position=account.position,
            email=f"{account.username}@example.gov.vn",
            home_unit=units[account.home_code],
        )
        services.assign_role(
            actor=None,
            user=user,
            role=account.role,
            unit=units[account.scope_code],
            valid_from=REFORM_DAY,
        )
        accounts[account.username] = user
    provincial = Center.objects.get(code="ttpvhcc-tinh")
    services.second_staff(
        actor=None,
        user=accounts["tiepnhan"],
        center=provincial,
        valid_from=REFORM_DAY,
        decision="Quyết định số 15/QĐ-STP ngày 25/6/2025 của Sở Tư pháp",
    )
    # The leader is away next week and hands approval to the specialist.
    start = timezone.localtime().replace(hour=7, minute=0, second=0, microsecond=0)
    Delegation.objects.create(
        delegator=accounts["lanhdao"],
        delegate=accounts["chuyenvien"],
        role=Role.LEADER,
        unit=units["000.00.11.H21"],
        starts_at=start + dt.timedelta(days=7),
        ends_at=start + dt.timedelta(days=12),
        reason="Lãnh đạo đi công tác",
    )
