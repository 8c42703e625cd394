"""``motcua documents`` and ``motcua identity``."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from motcua.dossiers import signing
from motcua.dossiers.models import LocalIdentityRecord, SigningKey

from .conftest import pdf_bytes, png_bytes, store

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_verify_reports_changed_missing_and_badly_signed_files(world, media):
    fine = signing.sign_document(store(world), officer=world.receptionist)
    changed = store(world, "b.png", png_bytes(1))
    missing = store(world, "c.png", png_bytes(2))
    forged = signing.sign_document(store(world, "d.png", png_bytes(3)), officer=world.receptionist)
    (media / changed.file.name).write_bytes(png_bytes(4))
    (media / missing.file.name).unlink()
    type(forged).objects.filter(pk=forged.pk).update(signature=fine.signature)

    status, out = run("documents", "verify")
    assert status == 1
    lines = out.splitlines()
    assert f"{changed.pk}\tchanged\t{changed.file.name}" in lines
    assert f"{missing.pk}\tmissing\t{missing.file.name}" in lines
    assert f"{forged.pk}\tbad-signature\t{forged.file.name}" in lines
    assert not any(line.startswith(f"{fine.pk}\t") for line in lines)
    assert "Đã kiểm tra 4 tài liệu, 3 có vấn đề." in out

    assert run("documents", "verify", "--id", str(fine.pk)) == (
        0,
        "Đã kiểm tra 1 tài liệu, 0 có vấn đề.\n",
    )


def test_orphans_lists_bytes_without_a_record(world):
    store(world)
    assert run("documents", "orphans") == (0, "0 tệp không thuộc tài liệu nào.\n")
    with pytest.raises(RuntimeError), transaction.atomic():
        name = store(world, "x.png", png_bytes(5)).file.name
        raise RuntimeError
    status, out = run("documents", "orphans")
    assert status == 1
    assert out.splitlines() == [name, "1 tệp không thuộc tài liệu nào."]


def test_keys_are_issued_and_revoked_from_the_shell(world):
    status, out = run("documents", "issue-key", "lan")
    assert status == 0 and "BEGIN PUBLIC KEY" in out
    doc = signing.sign_document(store(world, content=pdf_bytes()), officer=world.receptionist)
    assert run("documents", "revoke-key", "lan", "--compromised")[0] == 0
    assert SigningKey.objects.get().compromised
    assert not signing.verify_document_signature(doc)
    with pytest.raises(CommandError):
        call_command("documents", "revoke-key", "lan")  # no active key any more
    with pytest.raises(CommandError):
        call_command("documents", "issue-key", "nobody")


def test_identity_accounts_for_the_local_checker(db):
    assert run("identity", "check", "052090001234", "Trần Văn Bình")[0] == 1
    run("identity", "add", "052 090 001 234", "Trần  Văn Bình", "--level", "1")
    record = LocalIdentityRecord.objects.get()
    assert (record.identity_number, record.name, record.level) == (
        "052090001234",
        "Trần Văn Bình",
        1,
    )
    status, out = run("identity", "check", "052090001234", "Trần Văn Bình")
    assert status == 0 and out.startswith("local\tTrue\t1\t")
    run("identity", "lock", "052090001234")
    assert run("identity", "check", "052090001234", "Trần Văn Bình")[0] == 1
    with pytest.raises(CommandError):
        call_command("identity", "add", "123", "X")
    with pytest.raises(CommandError):
        call_command("identity", "lock", "001099000001")
