"""The 35 real procedures of ../shared/data/procedures-sample.json load as they are."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from motcua.catalog import exporter, importer, services
from motcua.catalog.importer import Status, provisional_code
from motcua.catalog.models import (
    Field,
    Level,
    Procedure,
    ProcedureVersion,
    Requirement,
    VersionStatus,
)
from motcua.catalog.selectors import version_in_force

from .conftest import DAY, LATER

pytestmark = pytest.mark.django_db

# Records of the sample that import with a warning, and why.
NO_PROCESSING_TIME = {"2.002516", "2.001035"}  # "N/A in DVCQG record": kept as drafts
NULL_CODE_NAME = "Đăng ký thành lập hộ kinh doanh"  # "code": null, confidence "low"


def import_sample(path, **options):
    options.setdefault("effective_from", DAY)
    return importer.import_file(path, actor=None, **options)


def test_every_record_of_the_sample_is_created(sample_path):
    report = import_sample(sample_path)

    assert len(report.results) == 35
    assert (report.created, report.changed, report.unchanged, report.refused) == (35, 0, 0, 0)
    tam = provisional_code(NULL_CODE_NAME)
    warned = {r.code for r in report.results if r.warnings}
    assert warned == NO_PROCESSING_TIME | {tam}
    assert report.warning_count == 4  # 2 without time, the provisional code, low confidence
    assert Procedure.objects.count() == 35
    published = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
    assert published.count() == 33
    drafts = ProcedureVersion.objects.filter(status=VersionStatus.DRAFT)
    assert {v.procedure.code for v in drafts} == NO_PROCESSING_TIME
    assert all(v.effective_from == DAY for v in published)
    # The report names the line where a warned record starts in the file.
    lines = sample_path.read_text(encoding="utf-8").splitlines()
    for result in report.results:
        line = int(result.location.split()[-1])
        assert lines[line - 1].strip() == "{"
        assert f'"name": {json.dumps(result.name, ensure_ascii=False)}' in lines[line + 1]


def test_facts_of_the_birth_registration_survive_the_import(sample_path):
    import_sample(sample_path)

    version = version_in_force("1.001193", DAY)
    assert version is not None
    assert version.name == "Đăng ký khai sinh"
    assert version.field.name == "Hộ tịch" and version.field.code == "ho-tich"
    assert [level.name for level in version.levels.all()] == ["Cấp xã"]
    assert version.level_note == ""  # "Cấp xã" says nothing more than the level
    assert version.online_level == "full"
    assert version.channels() == ["1", "2", "3"]
    assert version.result_code == "KQ.G15.000031"
    assert "Luật Hộ tịch 60/2014/QH13" in version.legal_basis_lines()
    assert "Nguồn: https://dichvucong.gov.vn/" in version.notes
    assert "Độ tin cậy của dữ liệu nguồn: cao" in version.notes
    (case,) = version.cases.all()
    assert case.name == "Trường hợp chung"
    times = {(t.channel, t.quantity, t.unit) for t in case.processing_times.all()}
    assert times == {(c, Decimal(1), "calendar_days") for c in "123"}
    fees = [(f.name, f.kind, f.amount) for f in case.fees.all()]
    assert fees == [
        ("Lệ phí đăng ký khai sinh đúng hạn", "le_phi", 0),
        ("Lệ phí đăng ký khai sinh không đúng hạn", "le_phi", None),
        ("Phí cấp bản sao Giấy khai sinh (nếu yêu cầu)", "phi", 8000),
    ]
    assert "HĐND cấp tỉnh" in case.fees.all()[1].note
    components = list(case.components.all())
    assert len(components) == 7
    conditional = [c for c in components if c.requirement == Requirement.CONDITIONAL]
    assert len(conditional) == 4
    abandoned = next(c for c in components if c.name.startswith("Biên bản về việc trẻ"))
    assert abandoned.condition == "trường hợp trẻ bị bỏ rơi"
    assert abandoned.note == "có điều kiện"
    residence = next(c for c in components if c.name.startswith("Giấy tờ chứng minh thông tin"))
    assert residence.condition.startswith("chỉ khi không khai thác được")
    identity = next(c for c in components if c.name.startswith("Giấy tờ tùy thân"))
    assert identity.requirement == Requirement.PRESENT_ONLY
    assert all(c.originals == 1 and c.copies == 0 for c in components)


def test_other_facts_of_the_sample(sample_path):
    import_sample(sample_path)

    copy = version_in_force("2.000635", DAY)
    assert copy is not None and copy.same_day
    (time, *_) = copy.cases.get().processing_times.all()
    assert (time.unit, time.quantity) == ("same_day", None)
    assert "sau 15 giờ" in time.note
    assert {lv.code for lv in copy.levels.all()} == {"commune", "province"}

    residence = version_in_force("1.004222", DAY)
    assert residence is not None
    assert residence.level_note == "Cấp xã (Công an cấp xã)"
    assert [lv.code for lv in residence.levels.all()] == ["commune"]
    assert not residence.offers_postal
    fees = [f.amount for f in residence.cases.get().fees.all()]
    assert fees == [20000, 10000]

    licence = version_in_force("3.000347", DAY)
    assert licence is not None and [lv.code for lv in licence.levels.all()] == ["ministry"]
    card = version_in_force("1.014061", DAY)
    assert card is not None and card.online_level == "partial"
    # The importer uses the levels seeded by the migration; it makes no duplicates.
    assert {lv.code: lv.name for lv in Level.objects.all()} == {
        "ministry": "Cấp bộ/ngành",
        "province": "Cấp tỉnh",
        "commune": "Cấp xã",
        "other": "Cơ quan khác",
    }
    assert Field.objects.filter(name="Hộ tịch").count() == 1

    business = Procedure.objects.get(code=provisional_code(NULL_CODE_NAME))
    assert business.is_provisional
    assert re.fullmatch(r"TAM\.[0-9a-f]{8}", business.code)
    assert "Độ tin cậy của dữ liệu nguồn: thấp" in business.versions.get().notes


def test_importing_the_sample_again_changes_nothing(sample_path):
    import_sample(sample_path)
    versions = ProcedureVersion.objects.count()

    report = import_sample(sample_path, effective_from=LATER)

    assert (report.created, report.changed, report.unchanged, report.refused) == (0, 0, 35, 0)
    assert ProcedureVersion.objects.count() == versions


def test_a_procedure_finished_by_hand_is_not_undone_by_the_sample(sample_path):
    import_sample(sample_path)
    draft = Procedure.objects.get(code="2.002516").versions.get()
    for time_channel in draft.channels():
        services.set_processing_time(
            case=draft.cases.get(), channel=time_channel, quantity=Decimal(3), unit="working_days"
        )
    services.publish_version(actor=None, version=draft, effective_from=DAY)

    report = import_sample(sample_path, effective_from=LATER)

    result = next(r for r in report.results if r.code == "2.002516")
    assert result.status == Status.UNCHANGED
    assert Procedure.objects.get(code="2.002516").versions.count() == 1


def test_a_changed_record_of_the_sample_becomes_a_new_version(sample_path, tmp_path):
    import_sample(sample_path)
    records = json.loads(sample_path.read_text(encoding="utf-8"))
    birth = next(r for r in records if r["code"] == "1.001193")
    birth["fees"][2]["amount_vnd"] = 9000
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    report = import_sample(changed, effective_from=LATER)

    assert (report.created, report.changed, report.unchanged) == (0, 1, 34)
    first, second = Procedure.objects.get(code="1.001193").versions.order_by("number")
    assert str(first.effective_to) == "2026-02-28"
    assert (second.number, second.effective_from, second.effective_to) == (2, LATER, None)
    assert version_in_force("1.001193", DAY).cases.get().fees.all()[2].amount == 8000
    assert version_in_force("1.001193", LATER).cases.get().fees.all()[2].amount == 9000


def test_dry_run_of_the_sample_writes_nothing(sample_path):
    report = import_sample(sample_path, dry_run=True)

    assert report.dry_run and report.created == 35
    assert not Procedure.objects.exists()
    assert not Field.objects.exists()
    assert Level.objects.count() == 4  # only those the migration seeded


def test_export_then_import_is_unchanged(sample_path, tmp_path):
    import_sample(sample_path)
    records, missing = exporter.export_records(day=DAY)
    assert missing == [] and len(records) == 33  # the two drafts are not in force
    path = tmp_path / "export.json"
    path.write_text(exporter.dumps(exporter.export_document(records)), encoding="utf-8")

    report = importer.import_file(path, actor=None, effective_from=LATER)

    assert (report.created, report.changed, report.unchanged, report.refused) == (0, 0, 33, 0)
    assert report.warning_count == 0
