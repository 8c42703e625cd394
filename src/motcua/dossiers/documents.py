"""Files received with dossiers: stored safely, content-addressed, checked by hash.

- :func:`store_upload` checks an uploaded file (size, emptiness, type **by content**, and that
  the declared type and the name's extension agree with the content), hashes it while
  streaming, writes it to storage under its SHA-256 and records a :class:`Document`. Call it
  *before* the dossier service, outside the dossier's transaction: the bytes are on disk as soon
  as it returns, so nothing received is lost even when the dossier then fails (architecture
  principle 7). The same bytes uploaded twice share one stored file; every upload still gets
  its own :class:`Document` (its own name, owner and signature).
- :func:`open_verified` re-hashes a stored file on every read and refuses one that changed or
  vanished.
- :func:`documents_offered_for_reuse` lists what the system already holds for a person that
  fits a component (NĐ 118/2025 Art 5.1.i), and :func:`check_reuse` confirms a choice.
- :func:`orphan_files` lists stored files no :class:`Document` refers to (for an operator).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.catalog.models import Component
from motcua.core.text import fold

from .models import Document, DocumentKind, Party, SubmittedComponent, document_path
from .services import IntakeError

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
# Files up to this size stay in memory while being checked; larger ones spill to a temp file.
SPOOL_MEMORY_BYTES = 2 * 1024 * 1024
STORAGE_PREFIX = "documents"
# Declared content types that say nothing about the content (browsers send them for unknown
# extensions); they are not held against the file.
GENERIC_CONTENT_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class DocumentIntegrityError(IntakeError):
    """A stored file no longer matches its record (changed or vanished)."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    extensions: tuple[str, ...]
    declared_types: tuple[str, ...]
    signatures: tuple[bytes, ...]

    def matches(self, head: bytes) -> bool:
        return any(head.startswith(sig) for sig in self.signatures)


# The file types accepted for scans and results, recognised by their first bytes.
FILE_TYPES: tuple[FileType, ...] = (
    FileType(
        "application/pdf", "PDF", (".pdf",), ("application/pdf", "application/x-pdf"), (b"%PDF-",)
    ),
    FileType(
        "image/jpeg",
        "JPEG",
        (".jpg", ".jpeg", ".jpe", ".jfif"),
        ("image/jpeg", "image/pjpeg", "image/jpg"),
        (b"\xff\xd8\xff",),
    ),
    FileType("image/png", "PNG", (".png",), ("image/png", "image/x-png"), (b"\x89PNG\r\n\x1a\n",)),
    FileType(
        "image/tiff",
        "TIFF",
        (".tif", ".tiff"),
        ("image/tiff", "image/tif", "image/x-tiff"),
        (b"II*\x00", b"MM\x00*"),
    ),
)
_HEAD_BYTES = max(len(sig) for t in FILE_TYPES for sig in t.signatures)


def max_upload_bytes() -> int:
    return int(getattr(settings, "MOTCUA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def allowed_types_label() -> str:
    return ", ".join(t.label for t in FILE_TYPES)


def sniff(head: bytes) -> FileType | None:
    """The accepted type whose signature starts ``head``, if any."""
    for file_type in FILE_TYPES:
        if file_type.matches(head):
            return file_type
    return None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _document_storage() -> Storage:
    return Document._meta.get_field("file").storage  # type: ignore[attr-defined,no-any-return]


def _clean_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    return "".join(ch for ch in base if ch.isprintable()).strip()[:255]


def _chunks(uploaded_file: Any) -> Iterator[bytes]:
    if hasattr(uploaded_file, "seek"):
        # A stream that cannot rewind is read from where it is.
        with contextlib.suppress(OSError, ValueError):
            uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK_SIZE)
        return
    while True:
        chunk = uploaded_file.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


# ---------------------------------------------------------------------------------------------
# Checks


def _too_large(name: str, size: int, limit: int) -> IntakeError:
    return IntakeError(
        _("Tệp “%(name)s” (%(size)s MB) vượt quá dung lượng cho phép %(limit)s MB.")
        % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
        code="file_too_large",
    )


def _empty(name: str) -> IntakeError:
    return IntakeError(_("Tệp “%(name)s” rỗng (0 byte).") % {"name": name}, code="file_empty")


def _not_allowed(name: str) -> IntakeError:
    return IntakeError(
        _("Tệp “%(name)s” không phải loại được nhận; chỉ nhận tệp %(types)s.")
        % {"name": name, "types": allowed_types_label()},
        code="file_type_not_allowed",
    )


def _check_agreement(name: str, declared_type: str, file_type: FileType) -> None:
    """The name's extension and the declared content type must not contradict the content.
    A name without extension, and a generic declared type, say nothing and pass."""
    extension = os.path.splitext(name)[1].lower()
    if extension and extension not in file_type.extensions:
        raise IntakeError(
            _(
                "Tệp “%(name)s” có phần mở rộng “%(extension)s” nhưng nội dung là tệp "
                "%(actual)s; hãy kiểm tra lại tệp."
            )
            % {"name": name, "extension": extension, "actual": file_type.label},
            code="file_type_mismatch",
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in GENERIC_CONTENT_TYPES and declared not in file_type.declared_types:
        raise IntakeError(
            _("Tệp “%(name)s” khai kiểu “%(declared)s” nhưng nội dung là tệp %(actual)s.")
            % {"name": name, "declared": declared, "actual": file_type.label},
            code="file_type_mismatch",
        )


# ---------------------------------------------------------------------------------------------
# Storing


def _hash_stream(stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return digest.hexdigest(), size
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)


def _stored_hash(storage: Storage, name: str) -> str | None:
    try:
        with storage.open(name, "rb") as stream:
            return _hash_stream(stream)[0]
    except (FileNotFoundError, OSError):
        return None


def _put(sha256: str, content: IO[bytes]) -> str:
    """Write ``content`` under its hash unless the same bytes are already stored there; the
    stored name."""
    storage = _document_storage()
    name = document_path(Document(sha256=sha256), "")
    if storage.exists(name):
        if _stored_hash(storage, name) == sha256:
            return name
        # The stored copy was damaged: the bytes just received put it right.
        logger.warning("Stored document %s did not match its hash; rewriting it", name)
        storage.delete(name)
    content.seek(0)
    # Two simultaneous uploads of the same bytes: the storage gives the second a suffixed
    # name rather than overwriting, and both files hold the same content.
    return storage.save(name, File(content, name=name))


def store_upload(
    *,
    uploaded_file: Any,
    kind: str,
    actor: Any,
    owner: Party | None = None,
    component_name: str = "",
) -> Document:
    """Check and store one uploaded file; the :class:`Document` recording it.

    ``uploaded_file`` is a Django ``UploadedFile`` or any binary file object with a ``name``
    (``content_type`` is used when present). Raises :class:`IntakeError` with code
    ``file_empty``, ``file_too_large``, ``file_type_not_allowed`` or ``file_type_mismatch``;
    nothing is stored then.
    """
    if kind not in DocumentKind.values:
        raise IntakeError(_("Loại tài liệu không hợp lệ."), code="invalid_document_kind")
    name = _clean_name(getattr(uploaded_file, "name", "") or "")
    shown = name or _("(không tên)")
    limit = max_upload_bytes()
    declared_size = getattr(uploaded_file, "size", None)
    if isinstance(declared_size, int):
        if declared_size == 0:
            raise _empty(shown)
        if declared_size > limit:
            raise _too_large(shown, declared_size, limit)

    digest = hashlib.sha256()
    size = 0
    head = b""
    file_type: FileType | None = None
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        for chunk in _chunks(uploaded_file):
            size += len(chunk)
            if size > limit:  # the declared size may lie; the bytes do not
                raise _too_large(shown, size, limit)
            if file_type is None:
                head += chunk[: _HEAD_BYTES - len(head)]
                if len(head) >= _HEAD_BYTES:
                    file_type = sniff(head)
                    if file_type is None:
                        raise _not_allowed(shown)
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise _empty(shown)
        if file_type is None:
            file_type = sniff(head)
            if file_type is None:
                raise _not_allowed(shown)
        _check_agreement(name, getattr(uploaded_file, "content_type", "") or "", file_type)
        sha256 = digest.hexdigest()
        stored_name = _put(sha256, spool)  # type: ignore[arg-type]

    document = Document.objects.create(
        kind=kind,
        file=stored_name,
        original_name=name or f"{sha256[:12]}{file_type.extensions[0]}",
        content_type=file_type.content_type,
        size=size,
        sha256=sha256,
        owner=owner,
        component_name=component_name[:1000],
    )
    logger.info(
        "Stored document %s (%s, %s bytes, sha256 %s) received by user %s",
        document.pk,
        file_type.label,
        size,
        sha256,
        getattr(actor, "pk", None),
    )
    return document


# ---------------------------------------------------------------------------------------------
# Reading


def _missing(document: Document) -> DocumentIntegrityError:
    return DocumentIntegrityError(
        _("Không tìm thấy tệp đã lưu của tài liệu “%(name)s” (mã %(id)s).")
        % {"name": document.original_name, "id": document.pk},
        code="file_missing",
    )


def _changed(document: Document) -> DocumentIntegrityError:
    return DocumentIntegrityError(
        _(
            "Tệp đã lưu của tài liệu “%(name)s” (mã %(id)s) đã bị thay đổi: mã băm không còn "
            "khớp với lúc tiếp nhận."
        )
        % {"name": document.original_name, "id": document.pk},
        code="file_changed",
    )


def open_verified(document: Document) -> File:
    """The stored file of ``document``, re-hashed: a :class:`File` opened at its start, or
    :class:`DocumentIntegrityError` (``file_missing`` / ``file_changed``). Close it after
    use (``with open_verified(doc) as f: ...``)."""
    if not document.file.name:
        raise _missing(document)
    storage = document.file.storage
    # Handed to the caller inside the File it returns, who closes it.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        with storage.open(document.file.name, "rb") as stream:
            sha256, size = _hash_stream(stream, spool)  # type: ignore[arg-type]
    except (FileNotFoundError, OSError):
        spool.close()
        raise _missing(document) from None
    if sha256 != document.sha256 or size != document.size:
        spool.close()
        raise _changed(document)
    spool.seek(0)
    return File(spool, name=document.original_name)


def check_stored(document: Document) -> str:
    """``"ok"``, ``"missing"`` or ``"changed"`` for the stored file of ``document``."""
    try:
        open_verified(document).close()
    except DocumentIntegrityError as exc:
        return "missing" if exc.code == "file_missing" else "changed"
    return "ok"


def orphan_files() -> list[str]:
    """Stored files under ``documents/`` that no :class:`Document` refers to: bytes received
    for a dossier that then failed, or left by a deleted record. Listed, never deleted here:
    a file just stored may belong to a transaction not yet committed."""
    storage = _document_storage()
    referenced = set(Document.objects.values_list("file", flat=True))
    found: list[str] = []

    def walk(folder: str) -> None:
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        for file_name in files:
            path = f"{folder}/{file_name}"
            if path not in referenced:
                found.append(path)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk(STORAGE_PREFIX)
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Reuse (NĐ 118/2025 Art 5.1.i)


def _reusable(party: Party) -> Any:
    """Results, and scans signed by the officer who digitised them: what has legal value."""
    return Document.objects.filter(owner=party).filter(
        Q(kind=DocumentKind.RESULT) | (Q(kind=DocumentKind.SCAN) & ~Q(signature=""))
    )


def reuse_offers(
    *, party: Party | None, components: Iterable[Component]
) -> dict[int, list[Document]]:
    """:func:`documents_offered_for_reuse` for several components at once (the counter's
    checklist), in at most three queries: component id → documents, newest first."""
    components = list(components)
    offers: dict[int, list[Document]] = {c.pk: [] for c in components}
    if party is None or party.pk is None or not components:
        return offers
    candidates = list(_reusable(party).order_by("-created_at", "-pk"))
    if not candidates:
        return offers
    filed_under: dict[int, set[int]] = defaultdict(set)
    through = SubmittedComponent.documents.through
    for document_id, component_id in through.objects.filter(
        document_id__in=[d.pk for d in candidates]
    ).values_list("document_id", "submittedcomponent__component_id"):
        filed_under[document_id].add(component_id)
    wanted = {c.pk: fold(c.name) for c in components}
    for doc in candidates:
        name = fold(doc.component_name) if doc.component_name else None
        for component_id, component_name in wanted.items():
            if component_id in filed_under[doc.pk] or name == component_name:
                offers[component_id].append(doc)
    return offers


def documents_offered_for_reuse(*, party: Party | None, component: Component) -> list[Document]:
    """What the system already holds for ``party`` that fits ``component``: their earlier
    results and signed digitised scans filed under the same catalogue component or under a
    component of the same name (ignoring case and diacritics, e.g. the same paper asked by
    another procedure). Newest first. The counter offers these instead of asking again."""
    return reuse_offers(party=party, components=[component])[component.pk]


def check_reuse(*, document: Document, party: Party | None, component: Component) -> Document:
    """Confirm that ``document`` may be reused for ``component`` of ``party``'s dossier: it is
    one of the offered documents and its stored file is intact. Raises :class:`IntakeError`
    (``reuse_not_offered``) or :class:`DocumentIntegrityError`."""
    offered = {d.pk for d in documents_offered_for_reuse(party=party, component=component)}
    if document.pk not in offered:
        raise IntakeError(
            _("Tài liệu “%(name)s” không thể tái sử dụng cho giấy tờ “%(component)s”.")
            % {"name": document.original_name, "component": component.name[:80]},
            code="reuse_not_offered",
        )
    open_verified(document).close()
    return document
