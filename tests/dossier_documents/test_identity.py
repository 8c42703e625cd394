"""The electronic identity check at intake (NĐ 118/2025 Art 17.1.a): the ``local`` checker and
the ``vneid-http`` client against a fake gateway on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.dossiers.identity import check_identity, describe_verification, get_checker
from motcua.dossiers.identity.base import IdentityCheckResult
from motcua.dossiers.identity.contrib.local import LocalIdentityChecker
from motcua.dossiers.identity.contrib.vneid_http import VneidHttpChecker
from motcua.dossiers.models import LocalIdentityRecord
from motcua.dossiers.services import IntakeError, Outcome

from .conftest import applicant, receive

pytestmark = pytest.mark.django_db

NUMBER = "052090001234"


@pytest.fixture
def account(db) -> LocalIdentityRecord:
    return LocalIdentityRecord.objects.create(
        identity_kind="citizen_id",
        identity_number=NUMBER,
        name="Trần Văn Bình",
        birth_date=dt.date(1990, 5, 1),
        level=2,
    )


# ---------------------------------------------------------------------------------------------
# local


def test_a_person_with_a_local_account_is_verified_with_its_level(account):
    result = check_identity(party_input=applicant(birth_date=dt.date(1990, 5, 1)))
    assert result == IdentityCheckResult(
        verified=True,
        level=2,
        method="local",
        detail="Tài khoản định danh điện tử mức 2 (dữ liệu thử nghiệm).",
    )
    assert result.dossier_fields() == {
        "identity_verified": True,
        "identity_verification": "local:2",
    }


def test_the_name_is_compared_without_case_or_spacing_but_with_diacritics(account):
    decomposed = unicodedata.normalize("NFD", "  TRẦN  văn bình ")
    result = check_identity(
        party_input=applicant(name=decomposed, identity_number=" 052 090 001 234")
    )
    assert result.verified
    assert not check_identity(party_input=applicant(name="Tran Van Binh")).verified


def test_a_person_without_an_account_is_not_verified(db):
    result = check_identity(party_input=applicant())
    assert not result.verified and result.level is None
    assert "Không tìm thấy tài khoản định danh điện tử" in result.detail
    assert "mức 1" in result.detail  # the officer is told to help create one
    assert result.dossier_fields() == {"identity_verified": False, "identity_verification": ""}


def test_another_name_is_not_verified(account):
    result = check_identity(party_input=applicant(name="Trần Văn Bính"))
    assert not result.verified
    assert "không khớp" in result.detail


def test_another_birth_date_is_not_verified(account):
    assert not check_identity(party_input=applicant(birth_date=dt.date(1991, 5, 1))).verified


def test_a_locked_account_is_not_verified(account):
    account.is_active = False
    account.save()
    result = check_identity(party_input=applicant())
    assert not result.verified and "bị khóa" in result.detail


def test_a_passport_is_not_a_citizen_id(account):
    result = LocalIdentityChecker().check(
        identity_kind="passport", identity_number=NUMBER, name="Trần Văn Bình"
    )
    assert not result.verified


def test_a_malformed_identity_number_is_bad_input(db):
    with pytest.raises(IntakeError) as excinfo:
        check_identity(party_input=applicant(identity_number="12345"))
    assert excinfo.value.code == "invalid_identity_number"
    assert "12 chữ số" in excinfo.value.messages[0]
    with pytest.raises(IntakeError) as excinfo:
        check_identity(party_input=applicant(name="  "))
    assert excinfo.value.code == "invalid_party"


def test_a_checker_that_breaks_gives_a_negative_result_not_an_error(db):
    class Broken:
        name = "broken"

        def check(self, **kwargs: Any) -> IdentityCheckResult:
            raise RuntimeError("boom")

    result = check_identity(party_input=applicant(), checker=Broken())
    assert not result.verified and result.method == "broken"
    assert "kiểm tra thủ công" in result.detail


def test_the_result_is_kept_on_the_dossier(world, account):
    result = check_identity(party_input=applicant())
    dossier = receive(world, outcome=Outcome.ACCEPT, **result.dossier_fields())
    dossier.refresh_from_db()
    assert dossier.identity_verified
    assert dossier.identity_verification == "local:2"
    assert describe_verification(dossier.identity_verification) == (
        "Tài khoản định danh điện tử mức 2 (qua local)"
    )
    assert describe_verification("") == "Chưa xác thực tài khoản định danh điện tử"


# ---------------------------------------------------------------------------------------------
# registry


def test_the_setting_chooses_the_checker(settings):
    assert isinstance(get_checker(), LocalIdentityChecker)
    settings.MOTCUA_IDENTITY_CHECKER = "vneid-http"
    settings.MOTCUA_VNEID_URL = "http://127.0.0.1:9/identity/check"
    checker = get_checker()
    assert isinstance(checker, VneidHttpChecker) and checker.timeout == 5.0


def test_an_unknown_checker_is_a_configuration_error(settings):
    settings.MOTCUA_IDENTITY_CHECKER = "always-yes"
    with pytest.raises(ImproperlyConfigured):
        get_checker()


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "ftp://gateway/check"])
def test_the_http_checker_needs_an_http_address(settings, url):
    settings.MOTCUA_VNEID_URL = url
    with pytest.raises(ImproperlyConfigured):
        VneidHttpChecker()


# ---------------------------------------------------------------------------------------------
# vneid-http against a fake gateway


class FakeGateway:
    """A gateway on 127.0.0.1: ``answer(body) -> (status, payload bytes)``; requests kept."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], tuple[int, bytes]] = self.verified
        self.delay = 0.0

        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, payload = gateway.answer(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/identity/v1/check"

    @staticmethod
    def verified(body: dict[str, Any]) -> tuple[int, bytes]:
        return 200, json.dumps(
            {
                "identity_number": body["identity_number"],
                "verified": True,
                "level": 2,
                "detail": "Tài khoản mức 2",
            }
        ).encode()


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(5)


def http_check(gateway: FakeGateway, **kwargs: Any) -> IdentityCheckResult:
    checker = VneidHttpChecker(
        url=gateway.url, token="secret-token", timeout=kwargs.pop("timeout", 2)
    )
    return check_identity(party_input=applicant(**kwargs), checker=checker)


def test_the_gateway_verifies_and_receives_the_documented_request(gateway):
    result = http_check(gateway, birth_date=dt.date(1990, 5, 1))
    assert result == IdentityCheckResult(
        verified=True, level=2, method="vneid-http", detail="Tài khoản mức 2"
    )
    assert result.dossier_fields()["identity_verification"] == "vneid-http:2"
    [request] = gateway.requests
    assert request["path"] == "/identity/v1/check"
    assert request["headers"]["authorization"] == "Bearer secret-token"
    assert request["headers"]["content-type"].startswith("application/json")
    assert request["headers"]["x-request-id"]
    assert request["body"] == {
        "identity_kind": "citizen_id",
        "identity_number": NUMBER,
        "name": "Trần Văn Bình",
        "birth_date": "1990-05-01",
    }


def test_the_http_checker_through_the_setting(gateway, settings):
    settings.MOTCUA_IDENTITY_CHECKER = "vneid-http"
    settings.MOTCUA_VNEID_URL = gateway.url
    settings.MOTCUA_VNEID_TOKEN = ""
    result = check_identity(party_input=applicant())
    assert result.verified
    assert "authorization" not in gateway.requests[0]["headers"]
    assert gateway.requests[0]["body"]["birth_date"] is None


def test_the_gateway_says_no(gateway):
    gateway.answer = lambda body: (
        200,
        json.dumps(
            {
                "identity_number": body["identity_number"],
                "verified": False,
                "level": None,
                "detail": "Chưa có tài khoản",
            }
        ).encode(),
    )
    result = http_check(gateway)
    assert not result.verified and result.detail == "Chưa có tài khoản"


@pytest.mark.parametrize(
    ("status", "payload", "words"),
    [
        (500, b'{"error": "down"}', "HTTP 500"),
        (401, b"{}", "HTTP 401"),
        (200, b"<html>not json</html>", "không đúng định dạng"),
        (200, b'{"verified": "yes", "identity_number": "052090001234"}', "không đúng định dạng"),
        (200, b'{"verified": true, "level": 3, "identity_number": "052090001234"}', "định dạng"),
        (
            200,
            b'{"verified": true, "level": 2, "identity_number": "001099000001"}',
            "số giấy tờ khác",
        ),
        (200, b"[true]", "không đúng định dạng"),
        (200, b"{" + b" " * (70 * 1024) + b"}", "không đúng định dạng"),
    ],
    ids=["500", "401", "html", "not-bool", "bad-level", "other-person", "list", "huge"],
)
def test_a_gateway_error_or_odd_answer_is_not_a_verification(gateway, status, payload, words):
    gateway.answer = lambda body: (status, payload)
    result = http_check(gateway)
    assert not result.verified and result.level is None
    assert words in result.detail


def test_a_slow_gateway_times_out(gateway):
    gateway.delay = 1.0
    started = time.monotonic()
    result = http_check(gateway, timeout=0.2)
    assert time.monotonic() - started < 0.9
    assert not result.verified
    assert "quá thời gian chờ" in result.detail


def test_an_unreachable_gateway_is_not_a_verification(db):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    checker = VneidHttpChecker(url=f"http://127.0.0.1:{port}/check", timeout=1)
    result = check_identity(party_input=applicant(), checker=checker)
    assert not result.verified
    assert "Không kết nối được" in result.detail
