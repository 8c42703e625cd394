"""Approval by digital signature: the leader's approval signs the draft PDF with the configured
signer (PKCS#12 here), the result carries the signed file, and its signature is verified
whenever the processing page shows it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from fpdf import FPDF

from motcua.dossiers.documents import store_upload
from motcua.dossiers.models import DocumentKind
from motcua.workflow import result_files, services
from motcua.workflow.models import SignatureMode
from motcua.workflow.services import WorkflowError

from .conftest import at, only_active, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_signer(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("MOTCUA_SIGNER_PASSPHRASE", raising=False)
    out = tmp_path / "signer.p12"
    call_command(
        "pdfsign", "dev-cert", "--name", "Lê Văn Hùng", "--out", str(out), stdout=io.StringIO()
    )
    settings.MOTCUA_RESULT_SIGNER = {"kind": "pkcs12", "path": str(out)}
    settings.MOTCUA_RESULT_SIGNER_TRUST_ROOTS = [str(tmp_path / "dev-ca.pem")]
    return out


def draft_pdf(actor):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="GIAY KHAI SINH - du thao")
    handle = io.BytesIO(bytes(pdf.output()))
    handle.name = "du-thao.pdf"
    return store_upload(uploaded_file=handle, kind=DocumentKind.RESULT, actor=actor)


def to_leader(desk, dossier):
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    draft = draft_pdf(desk.specialist)
    services.forward_task(actor=desk.specialist, task=only_active(dossier), documents=[draft])
    return draft


def test_the_leader_signs_the_draft_and_the_result_verifies(desk, dev_signer, client):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    draft = to_leader(desk, dossier)
    approval = services.approve(
        actor=desk.leader, task=only_active(dossier), mode=SignatureMode.DIGITAL, draft=draft
    )
    signed = approval.signed_document
    assert signed is not None and signed.sha256 != draft.sha256
    reports = result_files.signature_reports(signed)
    assert [(r.signer_name, r.ok, r.trusted) for r in reports] == [("Lê Văn Hùng", True, True)]
    assert result_files.signature_reports(draft) == []  # the draft stays unsigned
    services.forward_task(actor=desk.leader, task=only_active(dossier))
    result = services.issue_result(
        actor=desk.clerk, dossier=dossier, title="Giấy khai sinh", symbol="GKS"
    )
    assert result.document == signed
    client.force_login(desk.leader)
    html = client.get(f"/workspace/xu-ly/{dossier.code}/").content.decode()
    assert 'data-testid="signature"' in html and "signature-ok" in html


def test_a_result_file_changed_on_disk_is_not_shown_as_signed(desk, dev_signer, client):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    draft = to_leader(desk, dossier)
    approval = services.approve(
        actor=desk.leader, task=only_active(dossier), mode=SignatureMode.DIGITAL, draft=draft
    )
    services.forward_task(actor=desk.leader, task=only_active(dossier))
    services.issue_result(actor=desk.clerk, dossier=dossier, title="Giấy khai sinh", symbol="GKS")
    path = Path(approval.signed_document.file.path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    client.force_login(desk.leader)
    html = client.get(f"/workspace/xu-ly/{dossier.code}/").content.decode()
    assert "signature-ok" not in html and "signature-bad" in html


def test_digital_approval_needs_a_pdf_draft_and_a_configured_signer(desk, settings):
    dossier = receive(desk.world, at("2026-03-02", "09:00"))
    draft = to_leader(desk, dossier)
    task = only_active(dossier)
    with pytest.raises(WorkflowError) as missing:
        services.approve(actor=desk.leader, task=task, mode=SignatureMode.DIGITAL)
    assert missing.value.code == "draft_pdf_required"
    settings.MOTCUA_RESULT_SIGNER = None
    with pytest.raises(WorkflowError) as unconfigured:
        services.approve(actor=desk.leader, task=task, mode=SignatureMode.DIGITAL, draft=draft)
    assert unconfigured.value.code == "signing_failed"
    assert "MOTCUA_RESULT_SIGNER" in unconfigured.value.messages[0]
    assert not dossier.approvals.exists()
