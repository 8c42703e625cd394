"""Digitised scans signed by the receiving officer (NĐ 118/2025 Art 17.1.c).

:func:`sign_document` signs what is really stored (the file is re-hashed first): the SHA-256,
the document id, the officer and the moment, with the signer chosen by the setting
``MOTCUA_DOCUMENT_SIGNER`` (default ``local-ed25519``). :func:`verify_document_signature` is
true only when the stored file still has that hash and the signature verifies.

``Document.signature`` holds a small JSON envelope: the signed fields plus ``sig``, the
base64 signature over their canonical JSON. The envelope names its signer, so documents signed
before a change of signer still verify.

Signers are plugins (architecture principle 6): a class with ``name``, ``sign`` and ``verify``
registered with :func:`register_signer`. ``local-ed25519`` keeps one Ed25519 key per officer
(:class:`SigningKey`), the private half encrypted with a key derived from ``SECRET_KEY`` (HKDF
then Fernet; ``SECRET_KEY_FALLBACKS`` still decrypt). In production a CA-issued certificate on
a PKCS#11 token takes its place behind the same interface (docs/documents.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.organization.permissions import Capability, has_capability

from .documents import DocumentIntegrityError, open_verified
from .models import Document, DocumentKind, SigningKey
from .services import IntakeError

ENVELOPE_VERSION = 1
DEFAULT_SIGNER = "local-ed25519"
_HKDF_SALT = b"motcua.dossiers.signing"
_HKDF_INFO = b"motcua signing-key encryption v1"


class SigningError(IntakeError):
    """A document cannot be signed (already signed, not a scan, no usable key)."""


class Signer(Protocol):
    """Signs a document's hash for an officer and verifies such a signature."""

    name: str

    def sign(self, *, fields: dict[str, Any], officer: Any) -> dict[str, Any]:
        """Sign ``fields`` (document, sha256, signed_by, signed_at) for ``officer``; the
        envelope to store: ``fields`` plus what the signer adds (key id) plus ``sig``."""
        ...

    def verify(self, *, envelope: dict[str, Any]) -> bool:
        """Whether ``envelope``'s signature is valid for its fields (the caller has checked
        that the fields describe the document and its current file)."""
        ...


_SIGNERS: dict[str, Callable[[], Signer]] = {}


def register_signer(name: str) -> Callable[[Callable[[], Signer]], Callable[[], Signer]]:
    def decorator(factory: Callable[[], Signer]) -> Callable[[], Signer]:
        _SIGNERS[name] = factory
        return factory

    return decorator


def signer_names() -> list[str]:
    return sorted(_SIGNERS)


def get_signer(name: str | None = None) -> Signer:
    name = name or str(getattr(settings, "MOTCUA_DOCUMENT_SIGNER", DEFAULT_SIGNER))
    try:
        factory = _SIGNERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"MOTCUA_DOCUMENT_SIGNER={name!r} is not a registered signer "
            f"(known: {', '.join(signer_names())})"
        ) from None
    return factory()


def canonical(fields: dict[str, Any]) -> bytes:
    """The exact bytes a signature covers."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------------------------------------
# Officers' keys (local-ed25519)


def _fernet_for(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _key_box() -> MultiFernet:
    """Encrypts with the current SECRET_KEY; decrypts with it or any of SECRET_KEY_FALLBACKS."""
    if not settings.SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY is needed to keep officers' signing keys")
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(str(secret)) for secret in secrets])


def _may_manage_keys_of(actor: Any, user: Any) -> bool:
    if actor is None:  # the system: an operator's command
        return True
    return getattr(actor, "pk", None) == user.pk or has_capability(
        actor, Capability.MANAGE_ORGANIZATION
    )


def active_key_for(user: Any) -> SigningKey | None:
    return SigningKey.objects.filter(user=user, revoked_at__isnull=True).first()


def _new_key(user: Any, at: dt.datetime) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return SigningKey.objects.create(
        user=user,
        algorithm="ed25519",
        public_key=public_pem.decode(),
        private_key=_key_box().encrypt(private_raw).decode(),
        created_at=at,
    )


@transaction.atomic
def issue_signing_key(*, user: Any, actor: Any, at: dt.datetime | None = None) -> SigningKey:
    """A new key for ``user``; their current key, if any, is retired (not compromised: what it
    signed before stays valid)."""
    if not _may_manage_keys_of(actor, user):
        raise PermissionDenied(_("Bạn không có quyền cấp khóa ký cho cán bộ này."))
    at = at or timezone.now()
    for key in SigningKey.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        key.revoked_at = at
        key.revoked_by = actor if getattr(actor, "pk", None) else None
        key.save(update_fields=["revoked_at", "revoked_by"])
    return _new_key(user, at)


@transaction.atomic
def revoke_signing_key(
    *, key: SigningKey, actor: Any, compromised: bool = False, at: dt.datetime | None = None
) -> SigningKey:
    """Stop ``key`` signing. Signatures made before ``at`` stay valid unless the key is
    ``compromised``, in which case none of its signatures verify any more."""
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    if not _may_manage_keys_of(actor, key.user):
        raise PermissionDenied(_("Bạn không có quyền thu hồi khóa ký của cán bộ này."))
    if key.revoked_at is None:
        key.revoked_at = at or timezone.now()
        key.revoked_by = actor if getattr(actor, "pk", None) else None
    key.compromised = key.compromised or compromised
    key.save(update_fields=["revoked_at", "revoked_by", "compromised"])
    return key


def _key_for_signing(user: Any, at: dt.datetime) -> SigningKey:
    """The officer's active key, issued on first use."""
    key = active_key_for(user)
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _new_key(user, at)
    except IntegrityError:  # issued at the same moment by another request
        key = active_key_for(user)
        if key is None:
            raise
        return key


@register_signer("local-ed25519")
class LocalEd25519Signer:
    """Ed25519 with per-officer keys kept (encrypted) in the database."""

    name = "local-ed25519"

    def sign(self, *, fields: dict[str, Any], officer: Any) -> dict[str, Any]:
        key = _key_for_signing(officer, dt.datetime.fromisoformat(fields["signed_at"]))
        try:
            raw = _key_box().decrypt(key.private_key.encode())
        except InvalidToken:
            raise SigningError(
                _(
                    "Không mở được khóa ký của cán bộ (SECRET_KEY đã đổi?); quản trị viên cần "
                    "cấp khóa mới."
                ),
                code="signing_key_unreadable",
            ) from None
        signed = {**fields, "key": key.pk}
        signature = Ed25519PrivateKey.from_private_bytes(raw).sign(canonical(signed))
        return {**signed, "sig": base64.b64encode(signature).decode()}

    def verify(self, *, envelope: dict[str, Any]) -> bool:
        fields = {k: v for k, v in envelope.items() if k != "sig"}
        key_id = fields.get("key")
        if not isinstance(key_id, int) or isinstance(key_id, bool):
            return False
        key = SigningKey.objects.filter(pk=key_id).first()
        if key is None or key.user_id != fields.get("signed_by") or key.compromised:
            return False
        try:
            signed_at = dt.datetime.fromisoformat(str(fields["signed_at"]))
            signature = base64.b64decode(str(envelope["sig"]), validate=True)
            public = serialization.load_pem_public_key(key.public_key.encode())
        except (KeyError, ValueError):
            return False
        if key.revoked_at is not None and signed_at >= key.revoked_at:
            return False
        if signed_at < key.created_at or not isinstance(public, Ed25519PublicKey):
            return False
        try:
            public.verify(signature, canonical(fields))
        except InvalidSignature:
            return False
        return True


# ---------------------------------------------------------------------------------------------
# Signing and verifying documents


def sign_document(document: Document, *, officer: Any) -> Document:
    """Sign a digitised scan as ``officer`` (who must receive dossiers), now. The stored file
    is re-hashed first, so what is signed is what is kept. Updates ``document`` in place and
    returns it. Raises :class:`SigningError` (``not_a_scan``, ``already_signed``),
    :class:`DocumentIntegrityError` or ``PermissionDenied``."""
    if not has_capability(officer, Capability.RECEIVE_DOSSIERS):
        raise PermissionDenied(_("Chỉ cán bộ tiếp nhận hồ sơ mới ký bản số hóa."))
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.kind != DocumentKind.SCAN:
            raise SigningError(
                _("Chỉ ký số hóa bản quét thành phần hồ sơ; “%(name)s” không phải bản quét.")
                % {"name": locked.original_name},
                code="not_a_scan",
            )
        if locked.signature:
            raise SigningError(
                _("Tài liệu “%(name)s” đã được ký số hóa; không ký lại.")
                % {"name": locked.original_name},
                code="already_signed",
            )
        open_verified(locked).close()
        signer = get_signer()
        fields = {
            "v": ENVELOPE_VERSION,
            "signer": signer.name,
            "document": locked.pk,
            "sha256": locked.sha256,
            "signed_by": officer.pk,
            "signed_at": timezone.now().astimezone(dt.UTC).isoformat(),
        }
        envelope = signer.sign(fields=fields, officer=officer)
        locked.signature = json.dumps(envelope, sort_keys=True, separators=(",", ":"))
        locked.signed_by = officer
        locked.save(update_fields=["signature", "signed_by"])
    document.signature, document.signed_by = locked.signature, officer
    return document


def signature_envelope(document: Document) -> dict[str, Any] | None:
    """The parsed signature of ``document``, or None when unsigned or unreadable."""
    if not document.signature:
        return None
    try:
        envelope = json.loads(document.signature)
    except ValueError:
        return None
    return envelope if isinstance(envelope, dict) else None


def verify_document_signature(document: Document) -> bool:
    """True only if the document is signed, its stored file still has the hash it had when
    received, and the signature verifies with the officer's public key (for a key revoked
    since, only a signature made before the revocation; never for a compromised key)."""
    envelope = signature_envelope(document)
    if envelope is None or document.signed_by_id is None:
        return False
    if (
        envelope.get("v") != ENVELOPE_VERSION
        or envelope.get("document") != document.pk
        or envelope.get("sha256") != document.sha256
        or envelope.get("signed_by") != document.signed_by_id
    ):
        return False
    signer = _SIGNERS.get(str(envelope.get("signer")))
    if signer is None:
        return False
    try:
        open_verified(document).close()
    except DocumentIntegrityError:
        return False
    return signer().verify(envelope=envelope)
