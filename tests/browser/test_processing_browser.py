"""A dossier's journey in a real headless Chromium, entirely through the screens: the counter
takes a birth registration in, the leader assigns it, the specialist drafts the result, the
leader approves, the clerk registers it and the counter returns it. And a step sent back.

Each officer logs in through the login page on the same browser page, one after the other, as
they would at their own desks. Set ``MOTCUA_SCREENSHOTS=1`` to keep full-page screenshots of
the inbox and the processing page (1280 px and 600 px wide) in var/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from fpdf import FPDF
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier
from motcua.dossiers.status import Status
from motcua.workflow import services
from motcua.workflow.models import TaskState
from tests.browser.test_counter_browser import log_in
from tests.dossiers.conftest import world  # noqa: F401
from tests.workflow.conftest import desk, only_active, receive  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.datetime(2026, 3, 2, 9, 15, tzinfo=VN)  # a Monday morning
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ON_TIME_MARKS = re.compile(r"^(Trước hạn|Đúng hạn)$")


@pytest.fixture
def clock(monkeypatch):
    """The office clock starts on Monday 2 March 2026 at 09:15 and runs: the counter, the
    processing services and the sessions all read ``django.utils.timezone.now`` (the live
    server runs in a thread of this process), so the route's due moments do not depend on the
    day the test is run."""
    real_now = timezone.now
    origin = real_now()
    start = START.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start + (real_now() - origin))


def log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("heading", name="Đăng nhập cán bộ").wait_for()


def as_officer(page, live_server, username: str) -> None:
    """Whoever is at the browser logs out, ``username`` logs in (through /login/)."""
    if page.get_by_role("button", name="Đăng xuất").count():
        log_out(page)
    log_in(page, live_server, username)
    assert page.get_by_test_id("user-name").is_visible()


def nav(page):
    return page.get_by_role("navigation", name="Chức năng")


def open_from_inbox(page, code: str, step: str) -> None:
    """The inbox entry of the menu shows the open count; the dossier is listed at ``step``."""
    entry = nav(page).get_by_role("link", name=re.compile("^Hồ sơ cần xử lý"))
    expect(entry).to_have_text(re.compile(r"^Hồ sơ cần xử lý\s+1$"))
    entry.click()
    page.get_by_role("heading", name="Hồ sơ cần xử lý").wait_for()
    row = page.get_by_test_id("inbox").get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text(step)
    row.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(code)


def panel(page, step: str):
    """The open step's card on the processing page (a region named after the step)."""
    return page.get_by_role("region", name=step, exact=True)


def shown(page, message: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(message)


def tiny_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Du thao Giay khai sinh")
    return bytes(pdf.output())


def snap(page, name: str) -> None:
    """Full-page screenshots at 1280 and 600 px wide, kept when MOTCUA_SCREENSHOTS is set."""
    if not os.environ.get("MOTCUA_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 600):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_birth_registration_goes_from_the_counter_to_its_return_through_the_screens(
    page,
    live_server,
    desk,  # noqa: F811
    clock,
):
    # The counter: the receptionist takes the birth registration in.
    as_officer(page, live_server, desk.world.receptionist.username)
    nav(page).get_by_role("link", name="Tiếp nhận hồ sơ", exact=True).click()
    # The procedure's code and Enter, as a barcode scanner types it, opens the intake form.
    page.get_by_label("Tên hoặc mã thủ tục").fill("1.001193")
    page.get_by_label("Tên hoặc mã thủ tục").press("Enter")
    expect(page.get_by_test_id("picked-procedure")).to_contain_text("Đăng ký khai sinh")
    page.get_by_label("Số giấy tờ").first.fill("052090001234")
    page.get_by_label("Họ tên, tên tổ chức").first.fill("Trần Văn Bình")
    page.get_by_label("Địa chỉ").first.fill("12 Trần Phú, phường Quy Nhơn")
    page.get_by_label("Điện thoại").first.fill("0912345678")
    page.get_by_role("checkbox", name="Tờ khai đăng ký khai sinh").check()
    page.get_by_role("checkbox", name="Giấy chứng sinh").check()
    page.get_by_role("button", name=re.compile("^Tiếp nhận")).click()
    code = page.get_by_test_id("dossier-code").inner_text()
    assert code == "000.00.31.H21-260302-0001"

    # The leader assigns it to a specialist.
    as_officer(page, live_server, desk.leader.username)
    open_from_inbox(page, code, "Phân công xử lý")
    expect(page.get_by_test_id("status")).to_have_text("Được tiếp nhận")
    step = panel(page, "Phân công xử lý")
    # The assignment step forwards to the specialist; approving comes two steps later.
    expect(step.get_by_role("button", name="Phê duyệt và chuyển văn thư")).to_have_count(0)
    step.get_by_label("Người xử lý bước sau").select_option(label="Phạm Thị Mai")
    step.get_by_label("Ý kiến xử lý").fill("Giao chị Mai thẩm định.")
    snap(page, "processing-leader-assign")
    step.get_by_role("button", name="Chuyển bước tiếp theo").click()
    shown(page, "Đã chuyển: Thẩm định, dự thảo kết quả (UBND phường Quy Nhơn).")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    # The unit's view: the dossier is with the specialist, counted in her workload.
    page.get_by_role("link", name="Cả đơn vị").click()
    page.get_by_role("heading", name="Hồ sơ đang xử lý tại đơn vị").wait_for()
    expect(page.get_by_test_id("inbox").get_by_role("row").filter(has_text=code)).to_contain_text(
        "Phạm Thị Mai"
    )
    expect(
        page.get_by_test_id("workload").get_by_role("row").filter(has_text="Phạm Thị Mai")
    ).to_contain_text("1")
    snap(page, "inbox-leader-unit")

    # The specialist drafts the result (a PDF) and forwards it to the leader pool.
    as_officer(page, live_server, desk.specialist.username)
    open_from_inbox(page, code, "Thẩm định, dự thảo kết quả")
    expect(page.get_by_test_id("status")).to_have_text("Đang xử lý")
    snap(page, "processing-specialist")
    step = panel(page, "Thẩm định, dự thảo kết quả")
    step.get_by_label("Ý kiến xử lý").fill("Hồ sơ đủ điều kiện, trình ký.")
    step.get_by_label("Dự thảo kết quả (PDF)").set_input_files(
        {"name": "du-thao-khai-sinh.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}
    )
    step.get_by_role("button", name="Chuyển bước tiếp theo").click()
    shown(page, "Đã chuyển: Phê duyệt, ký (UBND phường Quy Nhơn).")

    # The leader approves on paper and sends it to the clerk.
    as_officer(page, live_server, desk.leader.username)
    open_from_inbox(page, code, "Phê duyệt, ký")
    step = panel(page, "Phê duyệt, ký")
    expect(step.get_by_role("combobox", name="Dự thảo")).to_contain_text("du-thao-khai-sinh.pdf")
    snap(page, "processing-leader-approve")
    step.get_by_label("Ký trên giấy").check()
    step.get_by_role("button", name="Phê duyệt và chuyển văn thư").click()
    shown(page, "Đã phê duyệt (Ký trên giấy) và chuyển văn thư.")

    # The clerk registers the result: number 1 of the year, and the processing is over.
    as_officer(page, live_server, desk.clerk.username)
    open_from_inbox(page, code, "Vào sổ, ban hành kết quả")
    snap(page, "processing-clerk")
    issue = panel(page, "Vào sổ, ban hành kết quả").get_by_role(
        "form", name="Vào sổ, ban hành kết quả"
    )
    # Registering finishes the step: the clerk is not offered a separate "forward" button.
    expect(page.get_by_role("button", name="Chuyển bước tiếp theo")).to_have_count(0)
    issue.get_by_label("Trích yếu, tên giấy tờ").fill("Giấy khai sinh cho Trần Minh An")
    issue.get_by_label("Ký hiệu").fill("GKS")
    issue.get_by_role("button", name="Cấp số và hoàn thành").click()
    shown(page, "Đã vào sổ: số 1/GKS.")
    expect(page.get_by_test_id("status")).to_have_text("Đã xử lý xong")
    expect(page.get_by_test_id("results")).to_contain_text("Số 1/GKS")
    expect(page.get_by_test_id("results")).to_contain_text("Lê Văn Hùng")

    # The counter returns the result: from the dossier lookup to the processing page.
    as_officer(page, live_server, desk.world.receptionist.username)
    nav(page).get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã hồ sơ, họ tên hoặc số giấy tờ").fill(code)
    page.get_by_role("search").get_by_role("button", name="Tìm").click()
    page.get_by_test_id("dossiers").get_by_role("link", name=code).click()
    page.get_by_role("link", name="Giải quyết hồ sơ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(code)
    handover = page.get_by_role("region", name="Trả kết quả")
    handover.get_by_label("Người nhận", exact=True).fill("Trần Văn Bình")
    handover.get_by_label("Số giấy tờ người nhận").fill("052090001234")
    handover.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    shown(page, "Đã trả kết quả.")
    expect(page.get_by_test_id("status")).to_have_text("Đã trả kết quả")
    expect(page.get_by_role("region", name="Trả kết quả")).to_have_count(0)
    snap(page, "processing-returned")

    # The route: every step done, each with its timeliness mark.
    rows = page.get_by_test_id("route").get_by_role("row")
    expect(rows).to_have_count(5)  # the header and four steps
    steps = [
        "Phân công xử lý",
        "Thẩm định, dự thảo kết quả",
        "Phê duyệt, ký",
        "Vào sổ, ban hành kết quả",
    ]
    for n, name in enumerate(steps, 1):
        row = rows.nth(n)
        expect(row.get_by_role("cell").first).to_have_text(re.compile(rf"^{n}\. {name}"))
        expect(row.get_by_role("cell").last).to_have_text(ON_TIME_MARKS)
    expect(rows.nth(1)).to_contain_text("Giao chị Mai thẩm định.")
    expect(rows.nth(2)).to_contain_text("Phạm Thị Mai")

    dossier = Dossier.objects.get(code=code)
    assert dossier.status == Status.RETURNED
    assert dossier.results.get().reference == "1/GKS"
    assert not dossier.tasks.filter(state=TaskState.ACTIVE).exists()


def test_a_specialist_sends_the_file_back_to_the_leader_with_a_reason(
    page,
    live_server,
    desk,  # noqa: F811
    clock,
):
    # The journey to the specialist is the test above; here it is set up with the services.
    dossier = receive(desk.world, timezone.now())
    services.forward_task(
        actor=desk.leader, task=only_active(dossier), next_assignee=desk.specialist
    )
    as_officer(page, live_server, desk.specialist.username)
    open_from_inbox(page, dossier.code, "Thẩm định, dự thảo kết quả")
    step = panel(page, "Thẩm định, dự thảo kết quả")
    step.get_by_text("Trả lại bước trước").click()
    back = step.get_by_role("form", name="Trả lại bước trước")
    reason = back.get_by_label("Lý do", exact=True)

    # Without a reason the browser does not send the form.
    back.get_by_role("button", name="Trả lại").click()
    assert reason.evaluate("el => el.validity.valueMissing")
    expect(reason).to_be_focused()
    assert page.url.endswith(f"/workspace/xu-ly/{dossier.code}/")
    assert only_active(dossier).assignee == desk.specialist

    reason.fill("Giấy chứng sinh bị mờ, đề nghị lãnh đạo xem lại.")
    back.get_by_role("button", name="Trả lại").click()
    shown(page, "Đã trả lại bước trước.")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()

    # The leader has it again, and sees why in the route.
    as_officer(page, live_server, desk.leader.username)
    open_from_inbox(page, dossier.code, "Phân công xử lý")
    expect(panel(page, "Phân công xử lý")).to_be_visible()
    returned = (
        page.get_by_test_id("route").get_by_role("row").filter(has_text="Đã trả lại bước trước")
    )
    expect(returned).to_contain_text("2. Thẩm định, dự thảo kết quả")
    expect(returned).to_contain_text("Giấy chứng sinh bị mờ, đề nghị lãnh đạo xem lại.")
    snap(page, "processing-leader-returned")
    assert only_active(dossier).assignee == desk.leader
