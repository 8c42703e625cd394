""" "5 tại chỗ" dossiers settled at the center, and the electronic result of an online dossier."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from fpdf import FPDF

from motcua.catalog import services as catalog_services
from motcua.catalog.models import Channel, ProcessTemplate
from motcua.dossiers import services as dossier_services
from motcua.dossiers.documents import store_upload
from motcua.dossiers.models import DocumentKind
from motcua.notifications.models import Notification
from motcua.organization.models import Role
from motcua.workflow import selectors, services
from motcua.workflow.models import ReturnMethod, SignatureMode
from motcua.workflow.services import WorkflowError
from tests import factories
from tests.dossiers.conftest import applicant, full_components

from .conftest import at, only_active, receive

pytestmark = pytest.mark.django_db


def on_the_spot(world):
    template = ProcessTemplate.objects.create(
        code="khai-sinh-tai-cho", name="Khai sinh 5 tại chỗ", on_the_spot=True
    )
    steps = [
        ("Tiếp nhận", Role.RECEPTIONIST, 1),
        ("Thẩm định tại chỗ", Role.SPECIALIST, 2),
        ("Phê duyệt tại chỗ", Role.LEADER, 1),
        ("Đóng dấu, trả kết quả", Role.CLERK, 1),
    ]
    catalog_services.save_process_template(
        actor=None,
        template=template,
        steps=[
            {"name": n, "role": r, "budget": Decimal(h), "budget_unit": "working_hours"}
            for n, r, h in steps
        ],
    )
    world.birth_case.process_template = template
    world.birth_case.save(update_fields=["process_template"])


def test_a_5_tai_cho_dossier_starts_at_once_and_the_counter_goes_straight_to_it(desk, client):
    on_the_spot(desk.world)
    # A seconded specialist of the commune who also receives at the center.
    officer = factories.staff(
        username="seconded",
        full_name="Trương Thị Thu",
        roles=[(Role.RECEPTIONIST, desk.world.province), (Role.SPECIALIST, desk.world.commune_a)],
    )
    dossier = receive(desk.world, at("2026-03-06", "15:20"), actor=officer)
    task = only_active(dossier)
    # Received after 15:00, but nothing travels: the step starts at once.
    assert task.name == "Thẩm định tại chỗ" and task.started_at == at("2026-03-06", "15:20")
    client.force_login(officer)
    html = client.get(f"/workspace/dossiers/{dossier.code}/ket-qua/").content.decode()
    assert 'data-testid="on-the-spot"' in html and "Thẩm định tại chỗ" in html
    # An ordinary receptionist gets no such shortcut.
    client.force_login(desk.world.receptionist)
    html = client.get(f"/workspace/dossiers/{dossier.code}/ket-qua/").content.decode()
    assert 'data-testid="on-the-spot"' not in html


def result_pdf(actor):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="KET QUA")
    handle = io.BytesIO(bytes(pdf.output()))
    handle.name = "ket-qua.pdf"
    return store_upload(uploaded_file=handle, kind=DocumentKind.RESULT, actor=actor)


def test_an_online_dossiers_result_is_sent_as_a_download_link(desk, client):
    world = desk.world
    dossier = dossier_services.register_dossier(
        actor=world.receptionist,
        center=world.center_a,
        case=world.birth_case,
        channel=Channel.ONLINE,
        applicant=applicant(),
        components=full_components(world),
        submitted_at=at("2026-03-02", "08:00"),
    )
    dossier_services.accept_dossier(
        actor=world.receptionist, dossier=dossier, at=at("2026-03-02", "09:00")
    )
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    services.forward_task(actor=desk.specialist, task=only_active(dossier))
    services.approve(actor=desk.leader, task=only_active(dossier), mode=SignatureMode.PAPER)
    services.forward_task(actor=desk.leader, task=only_active(dossier))
    services.issue_result(
        actor=desk.clerk,
        dossier=dossier,
        title="Giấy khai sinh",
        symbol="GKS",
        document=result_pdf(desk.clerk),
    )
    services.forward_task(actor=desk.clerk, task=only_active(dossier))
    message = Notification.objects.get(
        dossier=dossier, channel="email", key__contains=":result_ready:"
    )
    link = next(word for word in message.body.split() if "/ket-qua/" in word)
    path = link[link.index("/ket-qua/") :]
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # A forged or altered token opens nothing.
    assert client.get(path[:-3] + "xyz/").status_code == 404
    dossier.refresh_from_db()
    services.return_result(actor=world.receptionist, dossier=dossier, method=ReturnMethod.ONLINE)
    dossier.refresh_from_db()
    assert dossier.status == 10


def test_return_at_the_counter_and_by_post_need_their_details(desk):
    from .test_journey import process_to_result

    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    process_to_result(desk, dossier)
    dossier.refresh_from_db()
    for method, code in (
        (ReturnMethod.COUNTER, "recipient_required"),
        (ReturnMethod.POSTAL, "tracking_required"),
        ("fax", "method_invalid"),
        (ReturnMethod.ONLINE, "result_file_required"),
    ):
        with pytest.raises(WorkflowError) as refused:
            services.return_result(actor=desk.world.receptionist, dossier=dossier, method=method)
        assert refused.value.code == code
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.return_result(
            actor=desk.specialist,
            dossier=dossier,
            method=ReturnMethod.POSTAL,
            postal_tracking="EMS1",
        )
    record = services.return_result(
        actor=desk.world.receptionist,
        dossier=dossier,
        method=ReturnMethod.POSTAL,
        postal_tracking="EB123456789VN",
    )
    assert record.postal_tracking == "EB123456789VN"


def test_a_step_of_another_unit_is_held_by_that_unit_and_counted_in_its_time(desk, client):
    """Liên thông: the template gives one step to the justice department; it lands in that
    unit's pool, its officers see the dossier, and the time each unit held it is accounted."""
    world = desk.world
    template = ProcessTemplate.objects.create(code="khai-sinh-lien-thong", name="Liên thông")
    catalog_services.save_process_template(
        actor=None,
        template=template,
        steps=[
            {
                "name": "Thẩm định",
                "role": Role.SPECIALIST,
                "budget": Decimal(4),
                "budget_unit": "working_hours",
            },
            {
                "name": "Xác minh tại Sở Tư pháp",
                "role": Role.SPECIALIST,
                "unit": world.justice,
                "budget": Decimal(8),
                "budget_unit": "working_hours",
            },
            {
                "name": "Phê duyệt",
                "role": Role.LEADER,
                "budget": Decimal(2),
                "budget_unit": "working_hours",
            },
            {
                "name": "Vào sổ",
                "role": Role.CLERK,
                "budget": Decimal(2),
                "budget_unit": "working_hours",
            },
        ],
    )
    world.birth_case.process_template = template
    world.birth_case.save(update_fields=["process_template"])
    dossier = receive(world, at("2026-03-02", "08:00"))
    services.forward_task(
        actor=desk.specialist, task=only_active(dossier), at=at("2026-03-02", "10:00")
    )
    verify = only_active(dossier)
    assert verify.unit == world.justice and verify.is_external
    # 8 working hours from 10:00: 1.5 h before lunch, 4 h after, 2.5 h the next morning.
    assert verify.due_at == at("2026-03-03", "10:00")
    client.force_login(desk.justice_specialist)
    assert client.get(f"/workspace/xu-ly/{dossier.code}/").status_code == 200
    services.forward_task(actor=desk.justice_specialist, task=verify, at=at("2026-03-03", "09:00"))
    assert only_active(dossier).unit == world.commune_a
    handover = dossier.events.filter(action="forward").last()
    assert handover.data["to_units"] == [world.commune_a.pk] and handover.unit == world.justice
    held = {
        row["unit"].pk: row["hours"]
        for row in selectors.held_time_by_unit(dossier, now=at("2026-03-03", "10:00"))
    }
    # Commune: 08:00–10:00 and 09:00–10:00 the next day; justice: 10:00 → 09:00 = 5.5 h + 1.5 h.
    assert held == {world.commune_a.pk: Decimal("3.00"), world.justice.pk: Decimal("7.00")}
