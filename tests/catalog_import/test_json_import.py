"""Importing JSON records: the full shape, versions, refused records, dry runs, bad files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from motcua.catalog import exporter, services
from motcua.catalog.importer import ImportFileError, Status
from motcua.catalog.models import (
    AttachmentKind,
    Component,
    ComponentAttachment,
    Field,
    Procedure,
    ProcedureUnit,
    ProcedureVersion,
    ProcessTemplate,
    VersionStatus,
)
from motcua.catalog.selectors import version_in_force
from motcua.organization.models import Role
from tests import factories

from .conftest import DATA, DAY, LATER

pytestmark = pytest.mark.django_db


def test_full_shape_creates_a_published_procedure_with_its_cases(run_json, full_record):
    report = run_json([full_record()])

    assert (report.created, report.refused, report.warning_count) == (1, 0, 0)
    version = version_in_force("9.100001", DAY)
    assert version is not None and version.number == 1 and version.effective_from == DAY
    assert version.field.code == "thu-nghiem" and version.field.name == "Thử nghiệm"
    assert version.online_level == "partial" and version.channels() == ["1", "2"]
    assert version.steps_for_applicant.startswith("Bước 1")
    new, again = version.cases.all()
    assert (new.name, new.description, again.name) == ("Cấp mới", "Lần đầu", "Cấp lại")
    online = new.processing_times.get(channel="2")
    assert (online.quantity, online.unit, online.note) == (
        Decimal("4.5"),
        "working_days",
        "trực tuyến",
    )
    fee = new.fees.get()
    assert (fee.kind, fee.amount, fee.paid_at, fee.exemptions) == (
        "le_phi",
        100000,
        "return",
        "Hộ nghèo",
    )
    proxy = new.components.get(name="Giấy ủy quyền")
    assert (proxy.requirement, proxy.condition) == ("conditional", "Khi ủy quyền nộp thay")
    assert again.components.get().certified_copies == 1


def test_same_record_again_is_unchanged_and_writes_nothing(run_json, full_record):
    run_json([full_record()])
    versions = list(ProcedureVersion.objects.values_list("pk", "number", "effective_to"))

    report = run_json([full_record()], effective_from=LATER)

    assert report.unchanged == 1 and report.changed == 0
    assert list(ProcedureVersion.objects.values_list("pk", "number", "effective_to")) == versions


def test_changed_record_is_a_new_version_and_the_previous_ends_the_day_before(
    run_json, full_record
):
    run_json([full_record()])
    record = full_record(name="Cấp giấy phép kinh doanh thử (sửa đổi)")
    record["cases"][0]["processing_times"][0]["quantity"] = 7

    report = run_json([record], effective_from=LATER)

    assert report.changed == 1
    assert report.results[0].version_number == 2
    old, new = Procedure.objects.get(code="9.100001").versions.order_by("number")
    assert old.effective_to == dt.date(2026, 2, 28)
    assert (new.status, new.effective_from, new.effective_to) == ("published", LATER, None)
    assert version_in_force("9.100001", DAY).name == "Cấp giấy phép kinh doanh thử"
    later = version_in_force("9.100001", LATER)
    assert later.name.endswith("(sửa đổi)")
    assert later.cases.all()[0].processing_times.get(channel="1").quantity == 7


def test_change_not_after_the_current_version_is_refused(run_json, full_record):
    run_json([full_record()])

    report = run_json([full_record(subjects="Mọi người")], effective_from=DAY)

    assert report.refused == 1
    (line,) = report.refusal_lines()
    assert "phải sau ngày đó" in line and "01/01/2026" in line
    assert ProcedureVersion.objects.count() == 1


def test_a_draft_in_progress_is_not_overwritten(run_json, full_record):
    run_json([full_record()])
    procedure = Procedure.objects.get(code="9.100001")
    services.start_draft(actor=None, procedure=procedure)

    report = run_json([full_record(subjects="Mọi người")], effective_from=LATER)

    assert report.refused == 1
    assert "bản nháp phiên bản 2" in report.refusal_lines()[0]
    assert procedure.versions.get(number=2).subjects == "Công dân Việt Nam"


def test_refused_record_in_the_middle_writes_nothing_and_reports_its_line(run_json):
    report = run_json((DATA / "refused-middle.json").read_bytes())

    assert (report.created, report.refused) == (2, 1)
    assert set(Procedure.objects.values_list("code", flat=True)) == {"9.000001", "9.000003"}
    refused = report.of(Status.REFUSED)[0]
    assert (refused.index, refused.location, refused.code) == (2, "dòng 15", "9.00002")
    text = " ".join(refused.problems)
    assert "Mã thủ tục “9.00002” không hợp lệ" in text
    assert "Thiếu tên thủ tục (name)" in text
    assert "cases[0].processing_times[0]: Thời hạn không được âm, nhận được -2" in text
    assert "cases[1].processing_times[0]: Đơn vị thời hạn “fortnights” không hợp lệ" in text
    (line,) = report.refusal_lines()
    assert line.startswith("Bản ghi 2 (dòng 15), mã 9.00002: ")
    assert not Procedure.objects.filter(code="9.00002").exists()
    third = version_in_force("9.000003", DAY)
    assert third is not None and third.online_level == "partial"
    assert third.cases.get().processing_times.get(channel="2").unit == "calendar_days"


def test_dry_run_validates_everything_and_writes_nothing(run_json):
    report = run_json((DATA / "refused-middle.json").read_bytes(), dry_run=True)

    assert (report.created, report.refused) == (2, 1)
    assert "Chạy thử" in report.lines()[1]
    assert not Procedure.objects.exists() and not Field.objects.exists()


def test_publication_rules_refuse_an_incomplete_record(run_json, full_record):
    record = full_record()
    record["cases"][1]["components"] = []
    record["cases"][1]["processing_times"].pop()

    report = run_json([record])

    assert report.refused == 1
    text = report.refusal_lines()[0]
    assert "“Cấp lại” chưa có thời hạn giải quyết cho kênh Trực tuyến" in text
    assert "“Cấp lại” chưa có thành phần hồ sơ" in text
    assert not Procedure.objects.exists() and not Field.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channels": ["fax"]}, "Cách thức nộp “fax” không hợp lệ"),
        ({"channels": []}, "Chưa có cách thức nộp hồ sơ nào"),
        ({"online_level": "mot_nua"}, "Mức độ dịch vụ công trực tuyến “mot_nua” không hợp lệ"),
        ({"level_codes": ["galaxy"]}, "Không có cấp thực hiện mã “galaxy”"),
        ({"field_code": "khong-co", "field": None}, "Không có lĩnh vực mã “khong-co”"),
        ({"units": ["000.00.99.H99"]}, "Không có đơn vị mã định danh “000.00.99.H99”"),
        ({"five_on_site": "có lẽ"}, "five_on_site phải là có/không"),
        ({"cases": "một"}, "“cases” phải là một danh sách"),
        ({"name": "x" * 1001}, "tên thủ tục: "),
        ({"processing_time": {"value": 1, "unit": "day"}}, "dùng một trong hai cách"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(run_json, full_record, change, message):
    report = run_json([full_record(**change)])

    assert report.refused == 1
    assert message in report.refusal_lines()[0]
    assert not Procedure.objects.exists()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("processing_times", 0, "unit"), "calendar_days", None),
        (("processing_times", 0, "quantity"), 0, "Hãy nhập thời hạn lớn hơn 0"),
        (("processing_times", 0, "quantity"), "ba", "Thời hạn (quantity) phải là số"),
        (("processing_times", 0, "channel"), "9", "Kênh (channel) “9” không hợp lệ"),
        (("processing_times", 1, "channel"), "1", "Kênh 1 có hai thời hạn"),
        (("components", 0, "originals"), -1, "Số bản chính không được âm"),
        (("components", 0, "originals"), 1.5, "Số bản chính phải là số nguyên"),
        (("components", 0, "name"), "", "Thiếu tên giấy tờ"),
        (("components", 1, "condition"), "", "Thành phần có điều kiện phải ghi rõ điều kiện"),
        (("components", 0, "requirement"), "maybe", "Yêu cầu “maybe” không hợp lệ"),
        (("fees", 0, "amount"), -5, "Mức thu không được âm"),
        (("fees", 0, "kind"), "thue", "Loại khoản thu “thue” không hợp lệ"),
        (("fees", 0, "paid_at"), "later", "Thời điểm nộp “later” không hợp lệ"),
        (("process_template",), "khong-co", "Không có quy trình nội bộ mã “khong-co”"),
    ],
)
def test_bad_case_values_name_where_they_are(run_json, full_record, path, value, message):
    record = full_record()
    target = record["cases"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    report = run_json([record])

    if message is None:  # 5 calendar days: a valid change
        assert report.created == 1
        return
    assert report.refused == 1
    line = report.refusal_lines()[0]
    assert message in line
    assert "cases[0]" in line


def test_calendar_days_must_be_whole(run_json, full_record):
    record = full_record()
    record["cases"][0]["processing_times"][1].update(quantity=1.5, unit="calendar_days")

    report = run_json([record])

    assert "Thời hạn tính bằng ngày hoặc tháng phải là số nguyên" in report.refusal_lines()[0]


def test_same_code_twice_in_one_file_refuses_the_second(run_json, full_record):
    report = run_json([full_record(), full_record(name="Tên khác")])

    assert (report.created, report.refused) == (1, 1)
    assert "đã có ở bản ghi 1 (dòng 2)" in report.refusal_lines()[0]


def test_records_may_be_wrapped_in_procedures_and_unknown_keys_are_warned(run_json, full_record):
    document = {"format": "motcua-catalog", "procedures": [full_record(colour="xanh")]}

    report = run_json(document)

    assert report.created == 1
    assert report.results[0].location == "dòng 4"
    assert "Bỏ qua các khóa không dùng: colour" in report.warning_lines()[0]


def test_a_record_without_code_gets_a_stable_provisional_code(run_json, full_record):
    record = full_record(code=None)

    first = run_json([record])
    second = run_json([record], effective_from=LATER)

    code = first.results[0].code
    assert code.startswith("TAM.") and len(code) == 12
    assert second.results[0].code == code and second.unchanged == 1
    assert "mã tạm" in first.warning_lines()[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[\n  {"code": "1.000001",\n   "name": "A"\n  }\n  {"code": 2}\n]', "dòng 5, cột 3"),
        (b'{"items": []}', "danh sách thủ tục"),
        (b"\xff\xfe[]", "không phải văn bản UTF-8"),
        (b"", "dòng 1, cột 1"),
    ],
)
def test_broken_json_is_refused_as_a_whole(run_json, content, message):
    with pytest.raises(ImportFileError) as exc:
        run_json(content)

    assert message in str(exc.value)
    assert not Procedure.objects.exists()


def test_export_then_import_of_the_full_shape_is_unchanged(run_json, full_record):
    unit = factories.unit("UBND xã A", code="000.01.01.H01")
    template = ProcessTemplate.objects.create(code="qt-thu", name="Quy trình thử")
    services.save_process_template(
        actor=None,
        template=template,
        steps=[{"name": "Thẩm định", "role": Role.SPECIALIST, "budget": Decimal(4)}],
    )
    record = full_record(units=[unit.code], decision="Quyết định 1/QĐ-UBND")
    record["cases"][0]["process_template"] = "qt-thu"
    run_json([record])
    records, _missing = exporter.export_records(day=DAY)
    text = exporter.dumps(exporter.export_document(records))
    assert json.loads(text)["procedures"][0]["units"] == [unit.code]
    assert json.loads(text)["procedures"][0]["cases"][1]["processing_times"][0]["quantity"] == 1

    report = run_json(text, effective_from=LATER)

    assert report.unchanged == 1 and report.warning_count == 0


def test_units_applying_the_procedure_follow_the_file(run_json, full_record):
    a = factories.unit("UBND xã A", code="000.01.01.H01")
    b = factories.unit("UBND xã B", code="000.01.02.H01")
    run_json([full_record(units=[a.code])])

    report = run_json([full_record(units=[b.code])], effective_from=LATER)

    assert report.changed == 1 and "đơn vị áp dụng" in report.results[0].detail
    assert ProcedureVersion.objects.count() == 1  # applicability is not a new version
    rows = {(r.unit.code, r.valid_from, r.valid_to) for r in ProcedureUnit.objects.all()}
    assert rows == {(a.code, DAY, dt.date(2026, 2, 28)), (b.code, LATER, None)}


def test_new_version_keeps_form_templates_and_the_process_of_matching_parts(
    run_json, full_record, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    template = ProcessTemplate.objects.create(code="qt-thu", name="Quy trình thử")
    record = full_record()
    record["cases"][0]["process_template"] = "qt-thu"
    run_json([record])
    form = Component.objects.get(name="Đơn đề nghị (mẫu 01)")
    ComponentAttachment.objects.create(
        component=form, kind=AttachmentKind.FORM, title="Mẫu 01", file=ContentFile(b"x", "m01.docx")
    )
    # A sample-shape record for the same code: no process template, new processing time.
    sample_shape = {
        "code": "9.100001",
        "name": "Cấp giấy phép kinh doanh thử",
        "field": "Thử nghiệm",
        "processing_time": {"value": 2, "unit": "working_day", "text": "2 ngày làm việc"},
        "components": [{"name": "Đơn đề nghị (mẫu 01)", "original": 1, "copy": 0, "note": None}],
        "fees": [],
        "channels": ["truc_tiep"],
    }

    report = run_json([sample_shape], effective_from=LATER)

    assert report.changed == 1
    version = version_in_force("9.100001", LATER)
    case = version.cases.get()
    assert case.name == "Trường hợp chung" and case.process_template is None
    assert case.components.get().attachments.get().title == "Mẫu 01"
    assert version.subjects == "Công dân Việt Nam"  # a key the record leaves out is kept
    old = version_in_force("9.100001", DAY)
    assert old.cases.all()[0].components.all()[0].attachments.count() == 1
    assert old.cases.all()[0].process_template == template


def test_a_case_keeps_its_process_template_when_the_record_says_nothing(run_json, full_record):
    ProcessTemplate.objects.create(code="qt-thu", name="Quy trình thử")
    record = full_record()
    record["cases"][0]["process_template"] = "qt-thu"
    run_json([record])
    again = full_record(subjects="Mọi công dân")
    for case in again["cases"]:
        del case["process_template"]

    run_json([again], effective_from=LATER)

    assert version_in_force("9.100001", LATER).cases.all()[0].process_template.code == "qt-thu"


def test_sample_shape_without_time_is_a_draft_until_it_has_one(run_json):
    record = {
        "code": "9.200001",
        "name": "Xác nhận thử",
        "field": "Thử nghiệm",
        "level": "Cấp xã",
        "processing_time": {"value": None, "unit": None, "text": "N/A"},
        "components": [{"name": "Tờ khai", "original": 1, "copy": 0, "note": None}],
        "fees": [],
        "channels": ["truc_tiep"],
    }

    first = run_json([record])
    record["processing_time"] = {"value": 3, "unit": "working_day", "text": "3 ngày làm việc"}
    second = run_json([record])

    assert first.created == 1 and "bản nháp" in first.results[0].detail
    assert "(“N/A”)" in first.warning_lines()[0]
    assert second.changed == 1
    version = Procedure.objects.get(code="9.200001").versions.get()
    assert (version.number, version.status, version.effective_from) == (1, "published", DAY)


def test_only_catalogue_managers_may_import(run_json, full_record):
    province = factories.unit("UBND tỉnh")
    receptionist = factories.staff(roles=[(Role.RECEPTIONIST, province)])
    administrator = factories.staff(roles=[(Role.ADMINISTRATOR, province)])

    with pytest.raises(PermissionDenied):
        run_json([full_record()], actor=receptionist)
    report = run_json([full_record()], actor=administrator)

    assert report.created == 1
    assert Procedure.objects.get().versions.get().status == VersionStatus.PUBLISHED
