"""``motcua pdfsign``: a development signing certificate, and checking a signed PDF.

motcua pdfsign dev-cert [--name "Nguyễn Văn A"] [--out var/signing/dev-signer.p12] [--force]
motcua pdfsign verify FILE.pdf [--trust-root CA.pem ...]

``dev-cert`` writes a development CA (``dev-ca.pem``, beside the .p12) and a signer key and
certificate issued by it (the .p12, RSA 2048, encrypted with ``$MOTCUA_SIGNER_PASSPHRASE``
when that is set). Signatures made with it are trusted only where ``dev-ca.pem`` is listed in
``MOTCUA_RESULT_SIGNER_TRUST_ROOTS``: never do that in production.

``verify`` prints one block per signature and exits with status 1 when the file has no
signature or a signature is not good (``SignatureReport.ok``).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.workflow.pdfsign.verify import verify_pdf

DEFAULT_NAME = "Nguyễn Văn A"
DEFAULT_ORGANIZATION = "Môi trường thử nghiệm motcua"
# Certificate subjects are data, not interface text: not translated.
DEV_CA_NAME = "CA thử nghiệm motcua (không dùng thật)"
PASSPHRASE_ENV = "MOTCUA_SIGNER_PASSPHRASE"
CA_YEARS = 10
SIGNER_YEARS = 3


def _name(common_name: str, organization: str) -> x509.Name:
    # cryptography encodes these as UTF8String, so Vietnamese letters survive.
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,  # nonRepudiation: what PDF signature validators ask for
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def make_dev_certificates(
    *, name: str, organization: str, now: dt.datetime | None = None
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, x509.Certificate]:
    """A fresh development CA and a signer certificate it issued: (signer key, signer
    certificate, CA certificate). The CA key is thrown away."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    start = now - dt.timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(DEV_CA_NAME, organization)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name, organization))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * SIGNER_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert, ca_cert


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only (it holds a private key)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = _("Chữ ký số trên tệp PDF kết quả: chứng thư thử nghiệm và kiểm tra chữ ký.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        dev = actions.add_parser(
            "dev-cert",
            help=_("Tạo CA và chứng thư ký thử nghiệm (PKCS#12) cho môi trường phát triển."),
        )
        dev.add_argument("--name", default=DEFAULT_NAME, help=_("Họ tên người ký (CN)."))
        dev.add_argument("--organization", default=DEFAULT_ORGANIZATION, help=_("Tổ chức (O)."))
        dev.add_argument("--out", type=Path, default=None, help="var/signing/dev-signer.p12")
        dev.add_argument("--force", action="store_true", help=_("Ghi đè tệp đã có."))
        check = actions.add_parser("verify", help=_("Kiểm tra các chữ ký số trong tệp PDF."))
        check.add_argument("file", type=Path)
        check.add_argument(
            "--trust-root",
            action="append",
            type=Path,
            default=[],
            help=_("Chứng thư gốc tin cậy thêm (PEM/DER); có thể lặp lại."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "dev-cert":
            self._dev_cert(options)
        else:
            self._verify(options)

    def _dev_cert(self, options: dict[str, Any]) -> None:
        out: Path = options["out"] or Path(settings.VAR_DIR) / "signing" / "dev-signer.p12"
        ca_path = out.with_name("dev-ca.pem")
        name = " ".join(str(options["name"]).split())
        if not name:
            raise CommandError(_("Hãy nhập họ tên người ký."))
        existing = [path for path in (out, ca_path) if path.exists()]
        if existing and not options["force"]:
            raise CommandError(
                _("%(paths)s đã có; dùng --force để tạo lại.")
                % {"paths": ", ".join(str(path) for path in existing)}
            )
        key, cert, ca_cert = make_dev_certificates(
            name=name, organization=str(options["organization"])
        )
        passphrase = os.environ.get(PASSPHRASE_ENV, "").encode()
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        data = pkcs12.serialize_key_and_certificates(
            name.encode(), key, cert, [ca_cert], encryption
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_private(out, data)
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self.stdout.write(_("Đã tạo chứng thư ký thử nghiệm: %(path)s") % {"path": out})
        self.stdout.write(_("CA thử nghiệm (chứng thư gốc): %(path)s") % {"path": ca_path})
        if not passphrase:
            self.stdout.write(
                _("Tệp PKCS#12 không có mật khẩu (đặt %(env)s trước khi tạo để có mật khẩu).")
                % {"env": PASSPHRASE_ENV}
            )
        self.stdout.write(
            _("Để chữ ký hiện là tin cậy khi phát triển: MOTCUA_RESULT_SIGNER_TRUST_ROOTS=%(path)s")
            % {"path": ca_path.resolve()}
        )

    def _verify(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Không đọc được %(path)s (%(reason)s).")
                % {"path": path, "reason": exc.strerror or exc}
            ) from None
        try:
            reports = verify_pdf(data, trust_roots=options["trust_root"])
        except ValueError as exc:  # UnreadablePdf, or an unreadable --trust-root
            raise CommandError(str(exc)) from None
        if not reports:
            self.stdout.write(_("Tệp không có chữ ký số."))
            raise SystemExit(1)
        yes, no = _("có"), _("không")
        for report in reports:
            moment = (
                timezone.localtime(report.signing_time).strftime("%d/%m/%Y %H:%M:%S %z")
                if report.signing_time
                else "—"
            )
            self.stdout.write(f"[{report.field_name}] {report.summary}")
            signer_label, time_label = _("Người ký"), _("Thời điểm ký")
            self.stdout.write(f"  {signer_label}: {report.signer_name or '—'}")
            self.stdout.write(f"  {time_label}: {moment}")
            for label, value in (
                (_("Nguyên vẹn"), report.intact),
                (_("Hợp lệ"), report.valid),
                (_("Tin cậy"), report.trusted),
                (_("Phủ toàn bộ tài liệu"), report.covers_whole_document),
            ):
                self.stdout.write(f"  {label}: {yes if value else no}")
        if not all(report.ok for report in reports):
            raise SystemExit(1)
