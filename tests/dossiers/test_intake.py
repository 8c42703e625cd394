"""Reception: codes, appointments, the three outcomes, parties, validation, idempotency."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from motcua.catalog.models import Channel
from motcua.dossiers import services
from motcua.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierParty,
    Party,
    PartyKind,
    Refusal,
    SupplementRequest,
    Transfer,
)
from motcua.dossiers.services import ComponentInput, Outcome
from motcua.dossiers.status import Status, TransitionRefused
from motcua.organization.models import Role
from tests import factories

from .conftest import applicant, full_components

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def receive(world, *, outcome=Outcome.ACCEPT, at=None, **overrides):
    values = {
        "actor": world.receptionist,
        "center": world.center_a,
        "case": world.birth_case,
        "channel": Channel.COUNTER,
        "applicant": applicant(),
        "components": full_components(world),
        "submitted_at": at or dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN),
    }
    values.update(overrides)
    return services.receive_at_counter(outcome=outcome, **values)


def test_accepted_counter_dossier_gets_code_appointment_and_history(world):
    dossier = receive(world, at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN))
    assert dossier.code == "000.00.31.H21-260302-0001"
    assert dossier.status == Status.ACCEPTED
    # 3 working days from Monday 09:15 → Thursday 09:15.
    assert dossier.original_due_at == dossier.due_at == dt.datetime(2026, 3, 5, 9, 15, tzinfo=VN)
    assert dossier.competent_unit == world.commune_a
    assert dossier.form_set == "tt03_2025"
    events = list(dossier.events.order_by("sequence"))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("register", None, 1),
        ("accept", 1, 2),
    ]
    assert services.verify_chain(dossier)


def test_codes_follow_each_other_per_unit_and_day(world):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    codes = [receive(world, at=monday + dt.timedelta(minutes=i)).code for i in range(3)]
    assert codes == [f"000.00.31.H21-260302-{n:04d}" for n in (1, 2, 3)]
    assert receive(world, at=monday + dt.timedelta(days=1)).code.endswith("-260303-0001")


def test_a_unit_out_of_numbers_gets_a_clear_error_not_a_wrong_code(world, monkeypatch):
    from motcua.dossiers import rules

    monkeypatch.setattr(rules, "DAILY_CODE_LIMIT", 2)
    receive(world)
    receive(world)
    with pytest.raises(services.UnitOutOfNumbers) as excinfo:
        receive(world)
    assert "hết 2 mã hồ sơ" in excinfo.value.messages[0]
    assert Dossier.objects.count() == 2


def test_reception_after_hours_counts_from_the_next_opening(world):
    dossier = receive(world, at=dt.datetime(2026, 2, 13, 16, 30, tzinfo=VN))  # before Tết
    assert dossier.due_at == dt.datetime(2026, 2, 25, 16, 30, tzinfo=VN)


def test_postal_dossier_counts_from_the_arrival_stamp(world):
    dossier = receive(
        world,
        channel=Channel.POSTAL,
        postal_stamp_date=dt.date(2026, 3, 2),
        at=dt.datetime(2026, 3, 4, 10, 0, tzinfo=VN),
    )
    # Counted from the opening of Monday 2 March, not from Wednesday's handling.
    assert dossier.due_at == dt.datetime(2026, 3, 4, 17, 0, tzinfo=VN)


def test_postal_dossier_needs_its_stamp_date(world):
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, channel=Channel.POSTAL)
    assert excinfo.value.code == "postal_stamp_required"
    assert not Dossier.objects.exists()


def test_online_dossier_waits_with_its_eight_working_hour_limit(world):
    dossier = services.register_dossier(
        actor=world.receptionist,
        center=world.center_a,
        case=world.birth_case,
        channel=Channel.ONLINE,
        applicant=applicant(),
        components=full_components(world),
        submitted_at=dt.datetime(2026, 3, 6, 15, 0, tzinfo=VN),  # Friday afternoon
    )
    assert dossier.status == Status.REGISTERED
    assert dossier.decision_due_at == dt.datetime(2026, 3, 9, 15, 0, tzinfo=VN)
    accepted = services.accept_dossier(
        actor=world.receptionist, dossier=dossier, at=dt.datetime(2026, 3, 9, 8, 0, tzinfo=VN)
    )
    assert accepted.due_at == dt.datetime(2026, 3, 12, 8, 0, tzinfo=VN)


def test_incomplete_dossier_gets_one_supplement_request_and_a_second_is_flagged(world):
    dossier = receive(
        world,
        outcome=Outcome.REQUEST_SUPPLEMENT,
        components=[ComponentInput(world.birth_form, originals=1)],
        reason="Thiếu giấy chứng sinh",
        supplement_items=[
            {
                "component": world.birth_certificate.pk,
                "name": "Giấy chứng sinh",
                "reason": "Chưa nộp",
            }
        ],
    )
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    first = SupplementRequest.objects.get(dossier=dossier)
    assert (first.number, first.is_repeat) == ("1/HDHS", False)
    services.resubmit_dossier(actor=world.receptionist, dossier=dossier, components=[])
    services.request_supplement(
        actor=world.receptionist,
        dossier=dossier,
        items=[{"name": "Giấy chứng sinh"}],
        reason="Vẫn thiếu",
    )
    second = SupplementRequest.objects.filter(dossier=dossier).latest("created_at")
    assert second.is_repeat
    assert dossier.events.filter(action="request_supplement").count() == 2


def test_supplied_dossier_is_then_accepted(world):
    dossier = receive(
        world,
        outcome=Outcome.REQUEST_SUPPLEMENT,
        components=[ComponentInput(world.birth_form, originals=1)],
        reason="Thiếu giấy chứng sinh",
        supplement_items=[{"name": "Giấy chứng sinh"}],
    )
    services.resubmit_dossier(
        actor=world.receptionist,
        dossier=dossier,
        components=[ComponentInput(world.birth_certificate, originals=1)],
    )
    dossier = services.accept_dossier(actor=world.receptionist, dossier=dossier)
    assert dossier.status == Status.ACCEPTED
    assert SupplementRequest.objects.get(dossier=dossier).completed_at is not None


def test_refusal_keeps_its_reason(world):
    dossier = receive(
        world, outcome=Outcome.REFUSE, reason="Trẻ đã được đăng ký khai sinh tại nơi khác"
    )
    assert dossier.status == Status.NOT_ACCEPTED
    assert Refusal.objects.get(dossier=dossier).reason.startswith("Trẻ đã được")
    with pytest.raises(TransitionRefused) as excinfo:
        services.accept_dossier(actor=world.receptionist, dossier=dossier)
    assert "Không được tiếp nhận" in str(excinfo.value)


def test_missing_required_component_refuses_acceptance_with_nothing_written(world):
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, components=[ComponentInput(world.birth_form, originals=1)])
    assert excinfo.value.code == "missing_required_component"
    assert "Giấy chứng sinh" in " ".join(excinfo.value.messages)
    assert not Dossier.objects.exists() and not Party.objects.exists()
    assert not DossierEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"identity_number": "12345"}, "applicant.identity_number"),
        ({"identity_number": "999090001234"}, "applicant.identity_number"),
        ({"name": "  "}, "applicant.name"),
        ({"phone": "12345"}, "applicant.phone"),
        ({"email": "not-an-email"}, "applicant.email"),
        ({"kind": PartyKind.ORGANIZATION}, "applicant.identity_kind"),
        (
            {
                "identity_kind": "tax_code",
                "kind": PartyKind.ORGANIZATION,
                "identity_number": "01234",
            },
            "applicant.identity_number",
        ),
    ],
    ids=[
        "short-id",
        "bad-province",
        "no-name",
        "bad-phone",
        "bad-email",
        "org-with-cccd",
        "bad-tax-code",
    ],
)
def test_bad_applicant_data_is_refused_clearly_with_nothing_written(world, overrides, key):
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, applicant=applicant(**overrides))
    assert key in excinfo.value.message_dict
    assert not Dossier.objects.exists()


def test_valid_identities_of_organisations_and_foreigners(world):
    org = applicant(
        kind=PartyKind.ORGANIZATION,
        identity_kind="tax_code",
        identity_number="0101234567-001",
        name="Công ty TNHH Mặt Trời",
    )
    assert receive(world, applicant=org).status == Status.ACCEPTED
    foreigner = applicant(identity_kind="passport", identity_number="c1234567", name="John Smith")
    dossier = receive(world, applicant=foreigner)
    assert dossier.parties.get(role="applicant").identity_number == "C1234567"


def test_applicant_owner_and_representative_are_kept_apart(world):
    owner = applicant(name="Trần Gia Hân", identity_number="052126009876")
    representative = applicant(
        name="Lê Thị Cúc",
        identity_number="052080004321",
        authorization="Giấy ủy quyền ngày 01/3/2026",
    )
    dossier = receive(world, owner=owner, representative=representative)
    roles = {p.role: p.name for p in DossierParty.objects.filter(dossier=dossier)}
    assert roles == {
        "applicant": "Trần Văn Bình",
        "owner": "Trần Gia Hân",
        "representative": "Lê Thị Cúc",
    }
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, representative=applicant(name="Lê Thị Cúc", identity_number="052080004321"))
    assert "representative.authorization" in excinfo.value.message_dict


def test_a_returning_applicant_is_recognised(world):
    receive(world)
    receive(world, applicant=applicant(phone="0987654321"))
    assert Party.objects.count() == 1
    assert Party.objects.get().phone == "0987654321"


def test_channel_not_offered_and_version_not_in_force(world):
    with pytest.raises(services.IntakeError) as excinfo:
        receive(
            world, case=world.criminal_case, channel=Channel.ONLINE, components=[], locality=None
        )
    assert excinfo.value.code == "channel_not_offered"
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, at=dt.datetime(2025, 6, 30, 9, 0, tzinfo=VN))
    assert excinfo.value.code == "procedure_not_in_force"


def test_reception_regardless_of_boundary_routes_to_the_competent_unit(world):
    # A provincial center receives a commune procedure for someone living in Ia Grai.
    dossier = receive(world, center=world.provincial_center, locality=world.commune_b)
    assert dossier.competent_unit == world.commune_b
    assert dossier.code.startswith("000.00.01.H21-")  # the receiving unit's code
    transfer = Transfer.objects.get(dossier=dossier)
    assert transfer.to_unit == world.commune_b
    # Monday 09:15 + 1 working day for the paper file.
    assert transfer.paper_due_at == dt.datetime(2026, 3, 3, 9, 15, tzinfo=VN)
    # Without the locality the two communes are ambiguous: ask for it.
    with pytest.raises(services.IntakeError) as excinfo:
        receive(world, center=world.provincial_center)
    assert excinfo.value.code == "locality_required"


def test_a_commune_center_settles_its_own_procedures_without_transfer(world):
    dossier = receive(world)
    assert dossier.competent_unit == world.commune_a
    assert not Transfer.objects.filter(dossier=dossier).exists()


def test_idempotent_retry_returns_the_same_dossier(world):
    first = receive(world, client_key="abc-123")
    again = receive(world, client_key="abc-123")
    assert again.pk == first.pk
    assert Dossier.objects.count() == 1
    other = receive(world, client_key="abc-124")
    assert other.pk != first.pk


def test_only_receptionists_of_the_center_receive(world):
    specialist = factories.staff(roles=[(Role.SPECIALIST, world.province)])
    elsewhere = factories.staff(roles=[(Role.RECEPTIONIST, world.commune_b)])
    for actor in (specialist, elsewhere):
        with pytest.raises(PermissionDenied):
            receive(world, actor=actor)
    assert not Dossier.objects.exists()


def test_events_are_never_edited_and_tampering_shows(world):
    dossier = receive(world)
    event = dossier.events.first()
    event.note = "sửa lén"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    DossierEvent.objects.filter(pk=event.pk).update(note="sửa lén qua SQL")
    assert not services.verify_chain(dossier)


def test_code_format_matches_tt01_2018(world):
    code = receive(world).code
    assert re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}", code)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_receptions_never_share_a_code(world):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    threads, per_thread = 6, 10
    codes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                person = applicant(identity_number=f"0520900{n:02d}{i:03d}")
                code = receive(world, applicant=person).code
                with lock:
                    codes.append(code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    expected = [f"000.00.31.H21-260302-{n:04d}" for n in range(1, threads * per_thread + 1)]
    assert sorted(codes) == expected


def test_missing_components_are_named_for_the_screen(world):
    dossier = services.register_dossier(
        actor=world.receptionist,
        center=world.center_a,
        case=world.birth_case,
        channel=Channel.COUNTER,
        applicant=applicant(),
        components=[ComponentInput(world.birth_form, originals=1)],
        submitted_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN),
    )
    with pytest.raises(services.MissingComponents) as excinfo:
        services.accept_dossier(actor=world.receptionist, dossier=dossier)
    assert excinfo.value.components == [world.birth_certificate]
    assert excinfo.value.code == "missing_required_component"


def test_several_units_taking_part_get_one_numbered_transfer_slip(world):
    from decimal import Decimal

    from motcua.catalog import services as catalog_services
    from motcua.catalog.models import ProcessTemplate

    template = ProcessTemplate.objects.create(code="ks-lien-thong", name="Khai sinh liên thông")
    catalog_services.save_process_template(
        actor=None,
        template=template,
        steps=[
            {
                "name": "Tiếp nhận",
                "role": Role.RECEPTIONIST,
                "budget": Decimal(2),
                "budget_unit": "working_hours",
            },
            {
                "name": "Thẩm định",
                "role": Role.SPECIALIST,
                "budget": Decimal(4),
                "budget_unit": "working_hours",
            },
            {
                "name": "Xác minh thông tin",
                "role": Role.SPECIALIST,
                "budget": Decimal(1),
                "budget_unit": "working_days",
                "unit": world.justice,
            },
            {
                "name": "Phê duyệt",
                "role": Role.LEADER,
                "budget": Decimal(1),
                "budget_unit": "working_hours",
            },
        ],
    )
    world.birth_case.process_template = template
    world.birth_case.save()
    dossier = receive(world, at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN))
    transfers = list(Transfer.objects.filter(dossier=dossier).order_by("order"))
    assert [(t.to_unit, t.is_lead) for t in transfers] == [
        (world.commune_a, True),
        (world.justice, False),
    ]
    assert {t.slip_number for t in transfers} == {"1/PCXL"}
    lead, helper = transfers
    assert lead.due_at == dossier.due_at
    assert helper.task == "Xác minh thông tin"
    # 2 h + 4 h + 1 working day from Monday 09:15 end on Tuesday 16:45.
    assert helper.due_at == dt.datetime(2026, 3, 3, 16, 45, tzinfo=VN)
    assert helper.paper_due_at == dt.datetime(2026, 3, 3, 9, 15, tzinfo=VN)
