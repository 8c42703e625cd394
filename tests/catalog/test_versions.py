"""Versioning: drafts are edited, published versions never; a change is a new version with a
later effective date, and the version in force on a day is unambiguous."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from motcua.catalog import selectors, services
from motcua.catalog.models import (
    Channel,
    Component,
    ProcedureCase,
    ProcedureVersion,
    ProcessingTime,
    VersionStatus,
)
from motcua.organization.models import Role
from tests import factories

from .conftest import build_draft

pytestmark = pytest.mark.django_db


def test_a_published_version_cannot_be_edited(published):
    with pytest.raises(services.VersionLocked) as excinfo:
        services.update_draft(actor=None, version=published, name="Tên khác")
    assert "tạo phiên bản mới" in excinfo.value.messages[0]
    published.refresh_from_db()
    assert published.name == "Đăng ký khai sinh"
    case = published.cases.get()
    with pytest.raises(services.VersionLocked):
        services.set_processing_time(
            case=case, channel=Channel.COUNTER, quantity=Decimal(1), unit="working_days"
        )


def test_editing_a_published_procedure_goes_through_a_new_version(published):
    draft = services.start_draft(actor=None, procedure=published.procedure)
    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    # The draft carries everything over, as separate rows.
    case = draft.cases.get()
    assert case.pk != published.cases.get().pk
    assert case.components.get().name == "Tờ khai đăng ký khai sinh"
    assert {t.channel for t in case.processing_times.all()} == {Channel.COUNTER, Channel.ONLINE}
    services.update_draft(actor=None, version=draft, name="Đăng ký khai sinh (sửa đổi)")
    services.set_processing_time(
        case=case, channel=Channel.COUNTER, quantity=Decimal(2), unit="working_days"
    )
    # Asking again gives the same draft, not a third version.
    assert services.start_draft(actor=None, procedure=published.procedure) == draft
    services.publish_version(actor=None, version=draft, effective_from=dt.date(2026, 3, 1))
    published.refresh_from_db()
    assert published.effective_to == dt.date(2026, 2, 28)
    before = selectors.version_in_force("1.001193", dt.date(2026, 2, 28))
    after = selectors.version_in_force("1.001193", dt.date(2026, 3, 1))
    assert before is not None and after is not None
    assert (before.number, before.name) == (1, "Đăng ký khai sinh")
    assert (after.number, after.name) == (2, "Đăng ký khai sinh (sửa đổi)")
    # The old version keeps its own time limit for dossiers received under it.
    old_time = ProcessingTime.objects.get(case__version=before, channel=Channel.COUNTER)
    assert old_time.quantity == Decimal(3)


def test_only_one_draft_per_procedure(published):
    services.start_draft(actor=None, procedure=published.procedure)
    with pytest.raises(IntegrityError), transaction.atomic():
        services.copy_version(published, number=3)


def test_a_new_version_must_start_after_the_one_in_force(published):
    draft = services.start_draft(actor=None, procedure=published.procedure)
    with pytest.raises(ValidationError) as excinfo:
        services.publish_version(actor=None, version=draft, effective_from=dt.date(2025, 7, 1))
    assert excinfo.value.code == "effective_too_early"
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    published.refresh_from_db()
    assert published.effective_to is None


def test_incomplete_drafts_are_not_published(field):
    version = services.create_procedure(
        actor=None, code="1.000894", name="Đăng ký kết hôn", field=field
    )
    with pytest.raises(ValidationError) as excinfo:
        services.publish_version(actor=None, version=version, effective_from=dt.date(2026, 1, 1))
    assert "chưa có trường hợp" in " ".join(excinfo.value.messages)
    services.update_draft(actor=None, version=version, offers_postal=True)
    case = ProcedureCase.objects.create(version=version, name="Trường hợp chung")
    services.set_processing_time(
        case=case, channel=Channel.COUNTER, quantity=Decimal(1), unit="working_days"
    )
    with pytest.raises(ValidationError) as excinfo:
        services.publish_version(actor=None, version=version, effective_from=dt.date(2026, 1, 1))
    text = " ".join(excinfo.value.messages)
    assert "Bưu chính công ích" in text  # no time limit for the postal channel
    assert "chưa có thành phần hồ sơ" in text
    assert ProcedureVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_nothing_is_in_force_before_the_first_effective_date(published):
    assert selectors.version_in_force("1.001193", dt.date(2025, 6, 30)) is None
    assert selectors.version_in_force("1.001193", dt.date(2025, 7, 1)) is not None
    assert selectors.version_in_force("9.999999", dt.date(2025, 7, 1)) is None


@pytest.mark.parametrize(
    ("quantity", "unit", "message"),
    [
        ("0", "working_days", "lớn hơn 0"),
        ("2.5", "calendar_days", "số nguyên"),
        ("1.5", "months", "số nguyên"),
    ],
    ids=["zero", "fractional-days", "fractional-months"],
)
def test_bad_processing_times_are_refused(published, quantity, unit, message):
    draft = services.start_draft(actor=None, procedure=published.procedure)
    case = draft.cases.get()
    with pytest.raises(ValidationError) as excinfo:
        services.set_processing_time(
            case=case, channel=Channel.COUNTER, quantity=Decimal(quantity), unit=unit
        )
    assert message in " ".join(excinfo.value.messages)
    assert case.processing_times.get(channel=Channel.COUNTER).quantity == Decimal(3)


def test_bad_procedure_codes_are_refused(field):
    for code in ("1001193", "1.00119", "A.001193", ""):
        with pytest.raises(ValidationError):
            services.create_procedure(actor=None, code=code, name="X", field=field)
    services.create_procedure(actor=None, code="TAM.0123abcd", name="Thủ tục tạm", field=field)


def test_conditional_component_needs_its_condition(published):
    draft = services.start_draft(actor=None, procedure=published.procedure)
    component = Component(
        case=draft.cases.get(), name="Văn bản ủy quyền", requirement="conditional"
    )
    with pytest.raises(ValidationError) as excinfo:
        component.full_clean()
    assert "condition" in excinfo.value.message_dict


def test_only_catalogue_administrators_write(field):
    province = factories.unit("UBND tỉnh")
    receptionist = factories.staff(roles=[(Role.RECEPTIONIST, province)])
    admin = factories.staff(roles=[(Role.ADMINISTRATOR, province)])
    with pytest.raises(PermissionDenied):
        services.create_procedure(actor=receptionist, code="1.001193", name="X", field=field)
    version = services.create_procedure(actor=admin, code="1.001193", name="X", field=field)
    with pytest.raises(PermissionDenied):
        services.update_draft(actor=receptionist, version=version, name="Y")


def test_search_text_follows_the_name(field):
    version = build_draft(field)
    services.update_draft(actor=None, version=version, name="Đăng ký lại khai sinh")
    version.refresh_from_db()
    assert version.search_text == "1.001193 dang ky lai khai sinh ho tich"
