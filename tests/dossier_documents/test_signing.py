"""Digitised scans signed by the receiving officer (NĐ 118/2025 Art 17.1.c)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.dossiers import signing
from motcua.dossiers.documents import DocumentIntegrityError
from motcua.dossiers.models import Document, DocumentKind, SigningKey
from motcua.dossiers.signing import (
    SigningError,
    issue_signing_key,
    revoke_signing_key,
    sign_document,
    verify_document_signature,
)
from motcua.organization.models import Role
from tests import factories

from .conftest import pdf_bytes, png_bytes, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(world):
    return sign_document(store(world), officer=world.receptionist)


def reloaded(doc: Document) -> Document:
    return Document.objects.get(pk=doc.pk)


def test_a_scan_signed_by_the_receiving_officer_verifies(world, signed):
    doc = reloaded(signed)
    assert doc.signed_by == world.receptionist
    envelope = json.loads(doc.signature)
    assert envelope["signer"] == "local-ed25519"
    assert envelope["document"] == doc.pk
    assert envelope["sha256"] == doc.sha256
    assert envelope["signed_by"] == world.receptionist.pk
    assert len(base64.b64decode(envelope["sig"])) == 64  # an Ed25519 signature
    assert verify_document_signature(doc)


def test_the_officer_gets_one_key_kept_encrypted(world, signed):
    key = SigningKey.objects.get(user=world.receptionist)
    assert key.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert key.revoked_at is None
    assert "PRIVATE" not in key.private_key
    # The private half opens with SECRET_KEY only.
    assert len(signing._key_box().decrypt(key.private_key.encode())) == 32
    # A second scan is signed with the same key.
    second = sign_document(
        store(world, content=png_bytes(), name="x.png"), officer=signed.signed_by
    )
    assert json.loads(second.signature)["key"] == key.pk
    assert SigningKey.objects.filter(user=world.receptionist).count() == 1


def test_only_a_receiving_officer_signs(world):
    clerk = factories.staff(roles=[(Role.CLERK, world.province)])
    with pytest.raises(PermissionDenied):
        sign_document(store(world), officer=clerk)
    assert not SigningKey.objects.exists()


def test_only_scans_are_signed_this_way(world):
    result = store(world, kind=DocumentKind.RESULT)
    with pytest.raises(SigningError) as excinfo:
        sign_document(result, officer=world.receptionist)
    assert excinfo.value.code == "not_a_scan"


def test_a_signed_scan_is_not_signed_again(world, signed):
    other = factories.staff(roles=[(Role.RECEPTIONIST, world.province)])
    with pytest.raises(SigningError) as excinfo:
        sign_document(reloaded(signed), officer=other)
    assert excinfo.value.code == "already_signed"
    assert reloaded(signed).signed_by == world.receptionist


def test_a_changed_file_is_not_signed(world, media):
    doc = store(world)
    (media / doc.file.name).write_bytes(pdf_bytes("khác"))
    with pytest.raises(DocumentIntegrityError):
        sign_document(doc, officer=world.receptionist)
    assert reloaded(doc).signature == ""


def test_unsigned_documents_do_not_verify(world):
    assert not verify_document_signature(store(world))


# ---------------------------------------------------------------------------------------------
# Tampering


def test_a_file_changed_after_signing_fails_verification(world, signed, media):
    (media / signed.file.name).write_bytes(pdf_bytes("sửa sau khi ký"))
    assert not verify_document_signature(reloaded(signed))


def test_a_vanished_file_fails_verification(world, signed, media):
    (media / signed.file.name).unlink()
    assert not verify_document_signature(reloaded(signed))


def test_a_file_and_its_recorded_hash_changed_together_fail_verification(world, signed, media):
    forged = pdf_bytes("giả mạo")
    import hashlib

    (media / signed.file.name).write_bytes(forged)
    Document.objects.filter(pk=signed.pk).update(
        sha256=hashlib.sha256(forged).hexdigest(), size=len(forged)
    )
    assert not verify_document_signature(reloaded(signed))


def edit_envelope(doc: Document, **changes) -> Document:
    envelope = json.loads(doc.signature)
    envelope.update(changes)
    Document.objects.filter(pk=doc.pk).update(signature=json.dumps(envelope))
    return reloaded(doc)


def test_a_tampered_signature_fails_verification(world, signed):
    sig = bytearray(base64.b64decode(json.loads(signed.signature)["sig"]))
    sig[0] ^= 0x01
    assert not verify_document_signature(edit_envelope(signed, sig=base64.b64encode(sig).decode()))


def test_a_moved_signing_time_fails_verification(world, signed):
    assert not verify_document_signature(
        edit_envelope(signed, signed_at="2020-01-01T00:00:00+00:00")
    )


def test_a_signature_moved_to_another_document_fails(world, signed):
    other = store(world, name="khac.png", content=png_bytes(9), content_type="image/png")
    Document.objects.filter(pk=other.pk).update(
        signature=signed.signature, signed_by=signed.signed_by
    )
    assert not verify_document_signature(reloaded(other))


def test_a_signature_credited_to_another_officer_fails(world, signed):
    other = factories.staff(roles=[(Role.RECEPTIONIST, world.province)])
    Document.objects.filter(pk=signed.pk).update(signed_by=other)
    assert not verify_document_signature(reloaded(signed))
    # Even with the envelope rewritten to name them: the key is not theirs.
    assert not verify_document_signature(edit_envelope(reloaded(signed), signed_by=other.pk))


@pytest.mark.parametrize(
    "garbage", ["not json", "[1, 2]", '{"v": 1}', '{"v": 1, "signer": "nobody"}']
)
def test_an_unreadable_signature_fails_verification(world, signed, garbage):
    Document.objects.filter(pk=signed.pk).update(signature=garbage)
    assert not verify_document_signature(reloaded(signed))


def test_a_bad_key_reference_fails_verification(world, signed):
    assert not verify_document_signature(edit_envelope(signed, key="1"))
    assert not verify_document_signature(edit_envelope(signed, key=10**9))


# ---------------------------------------------------------------------------------------------
# Keys: retired, compromised, rotated


def test_a_retired_key_still_vouches_for_what_it_signed_before(world, signed):
    key = SigningKey.objects.get(user=world.receptionist)
    revoke_signing_key(key=key, actor=None)
    assert verify_document_signature(reloaded(signed))
    # The officer's next scan is signed with a new key.
    later = sign_document(
        store(world, name="b.png", content=png_bytes()), officer=world.receptionist
    )
    assert json.loads(later.signature)["key"] != key.pk
    assert verify_document_signature(reloaded(later))


def test_a_signature_dated_after_the_revocation_fails(world, signed):
    key = SigningKey.objects.get(user=world.receptionist)
    revoke_signing_key(key=key, actor=None, at=timezone.now() - dt.timedelta(hours=1))
    assert not verify_document_signature(reloaded(signed))


def test_a_compromised_key_vouches_for_nothing(world, signed):
    key = SigningKey.objects.get(user=world.receptionist)
    revoke_signing_key(key=key, actor=None, compromised=True)
    assert not verify_document_signature(reloaded(signed))


def test_issuing_a_key_retires_the_current_one(world, signed):
    old = SigningKey.objects.get(user=world.receptionist)
    new = issue_signing_key(user=world.receptionist, actor=world.receptionist)
    old.refresh_from_db()
    assert old.revoked_at is not None and not old.compromised
    assert signing.active_key_for(world.receptionist) == new
    assert verify_document_signature(reloaded(signed))


def test_keys_are_managed_by_their_holder_or_an_administrator(world):
    stranger = factories.staff(roles=[(Role.RECEPTIONIST, world.province)])
    with pytest.raises(PermissionDenied):
        issue_signing_key(user=world.receptionist, actor=stranger)
    key = issue_signing_key(user=world.receptionist, actor=None)
    with pytest.raises(PermissionDenied):
        revoke_signing_key(key=key, actor=stranger)
    admin = factories.staff(roles=[(Role.ADMINISTRATOR, world.province)])
    assert revoke_signing_key(key=key, actor=admin, compromised=True).revoked_by == admin


def test_an_officer_has_one_active_key_at_a_time(world, signed):
    key = SigningKey.objects.get(user=world.receptionist)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.create(
            user=world.receptionist,
            public_key=key.public_key,
            private_key=key.private_key,
            created_at=timezone.now(),
        )


def test_a_rotated_secret_key_with_the_old_one_as_fallback_still_signs(world, signed, settings):
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    later = sign_document(
        store(world, name="b.png", content=png_bytes()), officer=world.receptionist
    )
    assert verify_document_signature(reloaded(later))


def test_a_lost_secret_key_stops_signing_but_not_verifying(world, signed, settings):
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = []
    doc = store(world, name="b.png", content=png_bytes())
    with pytest.raises(SigningError) as excinfo:
        sign_document(doc, officer=world.receptionist)
    assert excinfo.value.code == "signing_key_unreadable"
    assert reloaded(doc).signature == ""
    assert verify_document_signature(reloaded(signed))


def test_an_unknown_signer_setting_is_a_configuration_error(world, settings):
    settings.MOTCUA_DOCUMENT_SIGNER = "pkcs11-token"
    with pytest.raises(ImproperlyConfigured):
        sign_document(store(world), officer=world.receptionist)
    assert "local-ed25519" in signing.signer_names()
