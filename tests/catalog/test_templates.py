"""Internal process templates: budgets add up (parallel consultations count once, as the
slowest), and a template that cannot fit the legal time of a case is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from motcua.catalog import services
from motcua.catalog.models import Channel, ProcessStep, ProcessTemplate
from motcua.organization.models import Role
from tests import factories

from .conftest import build_draft

pytestmark = pytest.mark.django_db

STEPS = [
    {
        "name": "Tiếp nhận, chuyển hồ sơ",
        "role": Role.RECEPTIONIST,
        "budget": Decimal(4),
        "budget_unit": "working_hours",
    },
    {
        "name": "Thẩm định",
        "role": Role.SPECIALIST,
        "budget": Decimal(2),
        "budget_unit": "working_days",
    },
    {
        "name": "Xin ý kiến Sở Xây dựng",
        "role": Role.SPECIALIST,
        "budget": Decimal(3),
        "budget_unit": "working_days",
        "parallel_group": 1,
        "is_consultation": True,
    },
    {
        "name": "Xin ý kiến Sở Tài chính",
        "role": Role.SPECIALIST,
        "budget": Decimal(1),
        "budget_unit": "working_days",
        "parallel_group": 1,
        "is_consultation": True,
    },
    {"name": "Phê duyệt", "role": Role.LEADER, "budget": Decimal(1), "budget_unit": "working_days"},
    {
        "name": "Vào sổ, trả kết quả",
        "role": Role.CLERK,
        "budget": Decimal(4),
        "budget_unit": "working_hours",
    },
]


def test_budgets_add_up_and_parallel_consultations_count_once():
    template = ProcessTemplate.objects.create(code="qt-7-ngay", name="Quy trình 7 ngày")
    services.save_process_template(actor=None, template=template, steps=STEPS)
    # 4 h + 2 d + max(3 d, 1 d) + 1 d + 4 h = 8 h + 6 d = 7 working days.
    assert services.template_hours(template, Decimal(8)) == Decimal(56)


@pytest.mark.parametrize(
    ("quantity", "unit", "fits"),
    [
        ("7", "working_days", True),
        ("6", "working_days", False),
        ("56", "working_hours", True),
        ("55", "working_hours", False),
        ("1", "months", True),
    ],
)
def test_template_must_fit_the_legal_time(field, quantity, unit, fits):
    draft = build_draft(field, quantity=quantity, unit=unit)
    template = ProcessTemplate.objects.create(code="qt-7-ngay", name="Quy trình 7 ngày")
    case = draft.cases.get()
    case.process_template = template
    case.save()
    if fits:
        services.save_process_template(actor=None, template=template, steps=STEPS)
        services.publish_version(actor=None, version=draft, effective_from=dt.date(2026, 1, 1))
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.save_process_template(actor=None, template=template, steps=STEPS)
        message = excinfo.value.messages[0]
        assert "cần 56 giờ làm việc" in message and "Trường hợp chung" in message
        assert not ProcessStep.objects.exists()  # nothing half-written


def test_calendar_day_limits_are_checked_against_their_worst_week(field):
    """Seven calendar days usually hold five working days, but not around Tết: a template
    needing five full working days does not fit "7 ngày"."""
    draft = build_draft(field, quantity="7", unit="calendar_days")
    template = ProcessTemplate.objects.create(code="qt-5-ngay", name="Quy trình 5 ngày")
    case = draft.cases.get()
    case.process_template = template
    case.save()
    five_days = [
        {
            "name": "Thẩm định",
            "role": Role.SPECIALIST,
            "budget": Decimal(5),
            "budget_unit": "working_days",
        }
    ]
    with pytest.raises(ValidationError):
        services.save_process_template(actor=None, template=template, steps=five_days)
    two_days = [
        {
            "name": "Thẩm định",
            "role": Role.SPECIALIST,
            "budget": Decimal(2),
            "budget_unit": "working_days",
        }
    ]
    services.save_process_template(actor=None, template=template, steps=two_days)


def test_same_day_procedures_leave_two_hours_after_the_cutoff(field):
    draft = build_draft(
        field, code="2.000815", name="Chứng thực bản sao", quantity="0", unit="same_day"
    )
    template = ProcessTemplate.objects.create(code="qt-trong-ngay", name="Trong ngày")
    case = draft.cases.get()
    case.process_template = template
    case.save()
    too_long = [
        {
            "name": "Chứng thực",
            "role": Role.SPECIALIST,
            "budget": Decimal(3),
            "budget_unit": "working_hours",
        }
    ]
    with pytest.raises(ValidationError):
        services.save_process_template(actor=None, template=template, steps=too_long)
    services.save_process_template(
        actor=None,
        template=template,
        steps=[{**too_long[0], "budget": Decimal(2)}],
    )


def test_publishing_refuses_a_case_whose_template_does_not_fit(field):
    draft = build_draft(field, quantity="3")
    template = ProcessTemplate.objects.create(code="qt-7-ngay", name="Quy trình 7 ngày")
    services.save_process_template(actor=None, template=template, steps=STEPS)
    case = draft.cases.get()
    case.process_template = template
    case.save()
    with pytest.raises(ValidationError) as excinfo:
        services.publish_version(actor=None, version=draft, effective_from=dt.date(2026, 1, 1))
    assert "vượt thời hạn giải quyết 3 ngày làm việc" in " ".join(excinfo.value.messages)
    assert str(Channel.ONLINE.label) in " ".join(excinfo.value.messages)


def test_admin_refuses_steps_that_exceed_the_legal_time(client, field):
    province = factories.unit("UBND tỉnh")
    admin_user = factories.staff(roles=[(Role.ADMINISTRATOR, province)])
    client.force_login(admin_user)
    draft = build_draft(field, quantity="1")
    template = ProcessTemplate.objects.create(code="qt-1-ngay", name="Quy trình 1 ngày")
    case = draft.cases.get()
    case.process_template = template
    case.save()
    data = {
        "code": "qt-1-ngay",
        "name": "Quy trình 1 ngày",
        "owner_unit": "",
        "decision": "",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, hours in enumerate((6, 4)):
        data.update(
            {
                f"steps-{i}-position": str(i + 1),
                f"steps-{i}-name": f"Bước {i + 1}",
                f"steps-{i}-role": Role.SPECIALIST,
                f"steps-{i}-budget": str(hours),
                f"steps-{i}-budget_unit": "working_hours",
                f"steps-{i}-parallel_group": "",
            }
        )
    url = reverse("admin:catalog_processtemplate_change", args=[template.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "vượt thời hạn giải quyết" in response.content.decode()
    assert not ProcessStep.objects.exists()
    data["steps-1-budget"] = "2"
    response = client.post(url, data)
    assert response.status_code == 302
    assert ProcessStep.objects.filter(template=template).count() == 2
