"""The center manager's floor pages: the live status of the morning, statistics and their
files, the devices with their secret links; who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from motcua.organization.models import Role
from motcua.queueing import devices, services
from motcua.queueing.models import Device, DeviceKind, QueueService
from tests import factories
from tests.queueing.test_stats import DAY, NOW, at, play_morning

pytestmark = pytest.mark.django_db

LIVE = reverse("floor:live")
LIVE_STATE = reverse("floor:live_state")
STATS = reverse("floor:stats")
EXPORT = reverse("floor:stats_export")
DEVICES = reverse("floor:devices")


@pytest.fixture
def clock(monkeypatch):
    """The pages' "now": 08:15 on the morning of the fixture (sessions included)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def manager(floor, clock, client):
    user = factories.staff(
        username="minh",
        full_name="Trần Văn Minh",
        roles=[(Role.CENTER_MANAGER, floor["center"].unit)],
    )
    client.force_login(user)
    return user


@pytest.fixture
def morning(floor):
    return play_morning(floor)


def text(response) -> str:
    """The visible text of a page, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def row(response, attribute: str, value: object) -> str:
    """The text of the table row (or list item) carrying ``data-<attribute>="<value>"``."""
    body = response.content.decode()
    match = re.search(rf'<(tr|li)[^>]*data-{attribute}="{value}"[^>]*>(.*?)</\1>', body, flags=re.S)
    assert match, f"no row data-{attribute}={value}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))).strip()


# ---------------------------------------------------------------------------------------------
# Live page


def test_the_live_page_shows_the_morning_at_08_15(client, floor, manager, morning):
    devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Màn hình sảnh")
    kiosk = devices.create_device(center=floor["center"], kind=DeviceKind.KIOSK, name="Kiosk cửa")
    devices.device_for(kiosk.key, DeviceKind.KIOSK, at=at("08:13"))
    response = client.get(LIVE)
    assert response.status_code == 200
    page = text(response)
    assert floor["center"].name in page
    assert "Số liệu lúc 08:15:00" in page
    # Totals: 6 issued, 1 waiting, 3 served, 1 no-show; waits 12, 10, 20, 21, 17 → 16.0.
    totals = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _section(response, "totals")))
    assert re.search(r"6 Số đã cấp hôm nay 1 Đang chờ 3 Đã phục vụ 1 Vắng mặt 16,0 phút", totals)
    assert "67 % hài lòng: 1 rất hài lòng, 1 hài lòng, 1 không hài lòng" in totals
    # 1006 (Đất đai) has waited since 07:50: 25 minutes.
    assert row(response, "service", "Đất đai") == "Đất đai 1 25 phút (từ 07:50)"
    assert row(response, "service", "Hộ tịch") == "Hộ tịch 0 –"
    assert "Nguyễn" not in page  # officers are shown by their own names
    assert row(response, "counter", 1) == f"Quầy 1 Hộ tịch {floor['lan']} Đang trống"
    assert row(response, "counter", 2) == (
        f"Quầy 2 Hộ tịch, đất đai {floor['hoa']} 1005 đang phục vụ từ 08:03 (12 phút) · Hộ tịch"
    )
    assert row(response, "counter", 3) == "Quầy 3 Ưu tiên Chưa mở quầy –"
    board = Device.objects.get(kind=DeviceKind.BOARD)
    assert "Chưa kết nối" in row(response, "device", board.pk)
    assert "Đang kết nối" in row(response, "device", kiosk.pk)
    assert (
        'data-state-url="/workspace/san/quan-ly/trang-thai/?trung-tam=' in response.content.decode()
    )


def _section(response, testid: str) -> str:
    body = response.content.decode()
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</ul>', body, flags=re.S)
    assert match
    return match.group(1)


def test_a_long_queue_and_a_silent_device_are_flagged(client, floor, manager, morning, monkeypatch):
    kiosk = devices.create_device(center=floor["center"], kind=DeviceKind.KIOSK, name="Kiosk cửa")
    devices.device_for(kiosk.key, DeviceKind.KIOSK, at=at("08:11"))
    later = at("08:21")  # 1006 has waited 31 minutes; the kiosk was last seen 10 minutes ago
    monkeypatch.setattr(timezone, "now", lambda: later.astimezone(dt.UTC))
    response = client.get(LIVE)
    body = response.content.decode()
    assert re.search(r'<tr data-service="Đất đai" class="is-long">', body)
    assert "Mất kết nối" in row(response, "device", kiosk.pk)
    # Three minutes is still connected.
    monkeypatch.setattr(timezone, "now", lambda: at("08:14").astimezone(dt.UTC))
    assert "Đang kết nối" in row(client.get(LIVE), "device", kiosk.pk)


def test_the_live_state_is_json_with_the_rendered_body(client, floor, manager, morning):
    response = client.get(LIVE_STATE, {"trung-tam": floor["center"].code})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    data = response.json()
    assert data["totals"] == {
        "issued": 6,
        "served": 3,
        "no_show": 1,
        "waiting": 1,
        "average_wait_minutes": 16.0,
        "ratings": {"3": 1, "2": 1, "1": 1},
    }
    assert {w["service"]: w["longest_wait_minutes"] for w in data["waiting"]} == {
        "Hộ tịch": None,
        "Đất đai": 25,
    }
    assert [c["ticket"] for c in data["counters"]] == [None, 1005, None]
    assert data["counters"][1]["state"] == "serving"
    assert 'data-service="Đất đai"' in data["html"]
    assert data["at"].startswith("2026-03-02T08:15:00")


def test_live_pages_keep_a_fixed_number_of_queries(
    client, floor, manager, morning, django_assert_max_num_queries
):
    for n in range(3):
        devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name=f"Màn hình {n}")
    for _n in range(20):  # a busier morning costs no more queries
        services.issue_ticket(center=floor["center"], service=floor["land"], at=at("08:14"))
    with django_assert_max_num_queries(14):
        assert client.get(LIVE).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(LIVE_STATE).status_code == 200


# ---------------------------------------------------------------------------------------------
# Who may see what


def test_a_receptionist_is_refused(client, floor, clock):
    client.force_login(floor["lan"])
    for url in (LIVE, LIVE_STATE, STATS, EXPORT, DEVICES):
        assert client.get(url).status_code == 403


def test_a_visitor_is_sent_to_log_in(client, floor):
    response = client.get(LIVE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_centers_manager_cannot_see_this_center(client, floor, clock, morning):
    other = factories.center(factories.unit("UBND xã Ia Grai"), code="ia-grai")
    QueueService.objects.create(center=other, name="Chứng thực")
    neighbour = factories.staff(roles=[(Role.CENTER_MANAGER, other.unit)])
    client.force_login(neighbour)
    response = client.get(LIVE)  # their own center by default
    assert response.status_code == 200 and "Chứng thực" in text(response)
    assert "Hộ tịch" not in text(response)
    code = floor["center"].code
    for url in (LIVE, LIVE_STATE, STATS, EXPORT, DEVICES):
        refused = client.get(url, {"trung-tam": code})
        assert refused.status_code == 403, url
    assert f"Bạn không điều hành trung tâm {code}." in text(client.get(LIVE, {"trung-tam": code}))
    assert client.get(LIVE, {"trung-tam": "khong-co"}).status_code == 404
    device = devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Sảnh")
    for name in ("floor:device_deactivate", "floor:device_rotate"):
        assert client.post(reverse(name, args=[device.pk])).status_code == 403
    device.refresh_from_db()
    assert device.is_active


def test_a_manager_of_several_centers_picks_one_and_a_superuser_sees_all(client, floor, clock):
    second = factories.center(floor["center"].unit, code="diem-2", name="Điểm tiếp nhận số 2")
    manager = factories.staff(roles=[(Role.CENTER_MANAGER, floor["center"].unit)])
    client.force_login(manager)
    page = client.get(LIVE, {"trung-tam": "diem-2"})
    assert page.status_code == 200
    assert 'data-testid="center-name">Điểm tiếp nhận số 2<' in page.content.decode()
    assert '<option value="diem-2" selected>' in page.content.decode()
    client.force_login(factories.staff(is_superuser=True))
    assert client.get(LIVE, {"trung-tam": second.code}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Statistics


def test_stats_default_to_this_month_and_show_the_three_groupings(client, floor, manager, morning):
    response = client.get(STATS)
    assert response.status_code == 200
    page = text(response)
    assert "Từ 01/03/2026 đến 02/03/2026" in page
    body = response.content.decode()
    services_table = re.search(r'data-testid="stats-dich-vu".*?</table>', body, flags=re.S).group(0)
    civil = re.search(r'<th scope="row">Hộ tịch</th>(.*?)</tr>', services_table, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", civil)
    # tickets, served, no-show, moved, waiting | wait mean, median, p90, max | service mean,
    # median, max | ratings 3, 2, 1, % | linked, %
    assert cells == [
        "4", "2", "1", "0", "0", "17,5", "18,5", "21,0", "21,0", "9,0", "9,0", "10,0",
        "1", "0", "1", "50,0", "1", "50,0",
    ]  # fmt: skip
    total = re.search(r'data-testid="total">(.*?)</tr>', services_table, flags=re.S).group(1)
    assert "Toàn trung tâm" in total and "16,0" in total
    assert 'data-testid="stats-quay"' in body and 'data-testid="stats-can-bo"' in body
    assert str(floor["lan"]) in page
    assert "tu-ngay=2026-03-01" in body and "dinh-dang=csv" in body


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tu-ngay": "2026-03-05", "den-ngay": "2026-03-01"}, "không được trước ngày bắt đầu"),
        ({"tu-ngay": "2024-01-01", "den-ngay": "2026-03-01"}, "tối đa 366 ngày"),
        ({"tu-ngay": "32/13/2026"}, "Ngày bắt đầu không hợp lệ"),
        ({"den-ngay": "hôm qua"}, "Ngày kết thúc không hợp lệ"),
    ],
)
def test_bad_periods_are_explained(client, floor, manager, params, message):
    response = client.get(STATS, params)
    assert response.status_code == 400
    assert message in text(response)
    exported = client.get(EXPORT, params)
    assert exported.status_code == 400 and message in text(exported)


def test_dates_may_be_typed_day_first(client, floor, manager, morning):
    response = client.get(STATS, {"tu-ngay": "02/03/2026", "den-ngay": "02/03/2026"})
    assert response.status_code == 200
    assert "Từ 02/03/2026 đến 02/03/2026" in text(response)


def test_stats_export_as_csv_and_xlsx(client, floor, manager, morning):
    code = floor["center"].code
    params = {"trung-tam": code, "tu-ngay": "2026-03-02", "den-ngay": "2026-03-02"}
    response = client.get(EXPORT, {**params, "dinh-dang": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="thong-ke-xep-hang_{code}_20260302-20260302.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    land = next(r for r in rows if r[:2] == ["Theo dịch vụ", "Đất đai"])
    assert dict(zip(rows[0], land, strict=True))["Phục vụ lâu nhất (phút)"] == "16.0"

    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'{code}_20260302-20260302.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Theo dịch vụ", "Theo quầy", "Theo cán bộ"]
    officers = {r[0]: r for r in workbook["Theo cán bộ"].iter_rows(3, values_only=True)}
    assert officers[str(floor["hoa"])][1] == 2  # 1002 and 1005

    refused = client.get(EXPORT, {**params, "dinh-dang": "pdf"})
    assert refused.status_code == 400 and "XLSX hoặc CSV" in text(refused)


def test_stats_queries_do_not_grow_with_the_tickets(
    client, floor, manager, morning, django_assert_max_num_queries
):
    for day in range(3, 6):  # three more days of tickets
        for minute in range(5):
            services.issue_ticket(
                center=floor["center"],
                service=floor["civil"],
                at=at(f"08:{minute:02d}", DAY.replace(day=day)),
            )
    params = {"tu-ngay": "2026-03-01", "den-ngay": "2026-03-31"}
    with django_assert_max_num_queries(11):
        assert client.get(STATS, params).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(EXPORT, params).status_code == 200


# ---------------------------------------------------------------------------------------------
# Devices


def test_devices_are_listed_with_their_link_and_qr_code(client, floor, manager):
    board = devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="Màn hình")
    tablet = devices.create_device(
        center=floor["center"], kind=DeviceKind.RATING, name="Đánh giá quầy 1", counter=floor["one"]
    )
    response = client.get(DEVICES)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"http://testserver/xep-hang/bang/{board.key}/" in body
    assert f"http://testserver/xep-hang/danh-gia/{tablet.key}/" in body
    assert body.count('class="device-qr"') == 2
    assert "Quầy 1" in row(response, "device", tablet.pk)
    assert "Chưa kết nối" in row(response, "device", board.pk)


def test_a_manager_adds_a_device(client, floor, manager):
    response = client.post(
        DEVICES,
        {
            "trung-tam": floor["center"].code,
            "kind": DeviceKind.RATING,
            "name": " Máy tính bảng quầy 2 ",
            "counter": floor["two"].pk,
        },
    )
    device = Device.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#thiet-bi-{device.pk}")
    assert (device.name, device.counter, device.is_active) == (
        "Máy tính bảng quầy 2",
        floor["two"],
        True,
    )
    page = client.get(response["Location"])
    assert "Đã thêm thiết bị “Máy tính bảng quầy 2”." in text(page)


def test_a_rating_device_needs_a_counter_and_a_device_a_name(client, floor, manager):
    response = client.post(
        DEVICES, {"trung-tam": floor["center"].code, "kind": DeviceKind.RATING, "name": "Bảng"}
    )
    assert response.status_code == 400
    assert "Thiết bị đánh giá phải gắn với một quầy" in text(response)
    response = client.post(DEVICES, {"trung-tam": floor["center"].code, "kind": "board"})
    assert response.status_code == 400 and "Hãy đặt tên cho thiết bị." in text(response)
    # The error is tied to its field for screen readers.
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_name-errors"' in html
    assert 'id="id_name-errors"' in html
    other_counter = factories.center(factories.unit("Xã khác")).counters.create(number=1, name="A")
    response = client.post(
        DEVICES,
        {
            "trung-tam": floor["center"].code,
            "kind": DeviceKind.RATING,
            "name": "Bảng",
            "counter": other_counter.pk,
        },
    )
    assert response.status_code == 400
    assert not Device.objects.exists()


def test_deactivating_or_renewing_a_link_kills_the_old_one(client, floor, manager):
    device = devices.create_device(
        center=floor["center"], kind=DeviceKind.RATING, name="Quầy 1", counter=floor["one"]
    )
    old_key = device.key
    response = client.post(reverse("floor:device_rotate", args=[device.pk]))
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.key != old_key and device.is_active
    assert Device.objects.filter(key=old_key).count() == 0
    with pytest.raises(Exception, match="device"):
        devices.device_for(old_key, DeviceKind.RATING)
    assert devices.device_for(device.key, DeviceKind.RATING) == device

    response = client.post(reverse("floor:device_deactivate", args=[device.pk]), follow=True)
    assert "Đã ngừng thiết bị “Quầy 1”" in text(response)
    device.refresh_from_db()
    assert not device.is_active
    with pytest.raises(Exception, match="device"):
        devices.device_for(device.key, DeviceKind.RATING)
    assert "Đã ngừng" in row(response, "device", device.pk)
    assert client.get(reverse("floor:device_deactivate", args=[device.pk])).status_code == 405
    # A new link brings it back.
    client.post(reverse("floor:device_rotate", args=[device.pk]))
    device.refresh_from_db()
    assert device.is_active and device.last_seen_at is None


def test_device_writes_check_the_actor(floor):
    receptionist = floor["lan"]
    with pytest.raises(Exception, match="quyền quản lý thiết bị"):
        devices.create_device(
            actor=receptionist, center=floor["center"], kind=DeviceKind.BOARD, name="X"
        )
    device = devices.create_device(center=floor["center"], kind=DeviceKind.BOARD, name="X")
    for action in (devices.deactivate_device, devices.rotate_key):
        with pytest.raises(Exception, match="quyền quản lý thiết bị"):
            action(actor=receptionist, device=device)


def test_the_devices_page_keeps_a_fixed_number_of_queries(
    client, floor, manager, django_assert_max_num_queries
):
    for n in range(8):
        devices.create_device(
            center=floor["center"], kind=DeviceKind.RATING, name=f"Quầy {n}", counter=floor["one"]
        )
    with django_assert_max_num_queries(9):
        assert client.get(DEVICES).status_code == 200


# ---------------------------------------------------------------------------------------------
# In a browser


SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def snap(page, name: str) -> None:
    """Full-page screenshots at 1280 and 600 px wide, kept when MOTCUA_SCREENSHOTS is set."""
    if not os.environ.get("MOTCUA_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 600):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def running_clock(monkeypatch):
    """08:15 on the morning of the fixture, then running (the live server is a thread of this
    process, so it reads the same clock)."""
    real_now = timezone.now
    origin = real_now()
    start = NOW.astimezone(dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: start + (real_now() - origin))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_live_page_follows_the_floor_without_reloading(page, live_server, floor, running_clock):
    play_morning(floor)
    center = floor["center"]
    factories.staff(
        username="minh", full_name="Trần Văn Minh", roles=[(Role.CENTER_MANAGER, center.unit)]
    )
    board = devices.create_device(center=center, kind=DeviceKind.BOARD, name="Màn hình sảnh")
    devices.device_for(board.key, DeviceKind.BOARD, at=at("08:14"))
    kiosk = devices.create_device(center=center, kind=DeviceKind.KIOSK, name="Máy lấy số cửa chính")
    devices.device_for(kiosk.key, DeviceKind.KIOSK, at=at("08:00"))
    devices.create_device(
        center=center, kind=DeviceKind.RATING, name="Đánh giá quầy 1", counter=floor["one"]
    )
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_label("Tên đăng nhập").fill("minh")
    page.get_by_label("Mật khẩu").fill("Secret-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Chức năng").wait_for()

    page.goto(f"{live_server.url}{LIVE}")
    waiting = page.locator('[data-figure="waiting"]')
    expect(waiting).to_have_text("1")
    expect(page.locator(f'[data-device="{kiosk.pk}"]')).to_contain_text("Mất kết nối")
    snap(page, "manager-live")
    page.evaluate("window.notReloaded = true")
    services.issue_ticket(center=center, service=floor["civil"])
    services.issue_ticket(center=center, service=floor["civil"])
    expect(waiting).to_have_text("3")
    expect(page.locator('tr[data-service="Hộ tịch"] [data-cell="count"]')).to_have_text("2")
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("link", name="Thống kê").click()
    expect(page.get_by_test_id("period")).to_have_text("Từ 01/03/2026 đến 02/03/2026")
    snap(page, "manager-stats")
    page.get_by_label("Từ ngày").fill("2026-03-05")
    page.get_by_role("button", name="Xem thống kê").click()
    expect(page.get_by_test_id("period-errors")).to_contain_text("không được trước ngày bắt đầu")
    snap(page, "manager-stats-error")

    page.get_by_role("link", name="Thiết bị").click()
    page.get_by_text("Liên kết và mã QR").first.click()
    snap(page, "manager-devices")
    page.get_by_label("Loại thiết bị").select_option(DeviceKind.RATING)
    page.get_by_label("Tên (để nhận ra thiết bị)").fill("Đánh giá quầy 2")
    page.get_by_role("button", name="Thêm thiết bị").click()
    expect(page.get_by_test_id("device-errors")).to_contain_text("phải gắn với một quầy")
    snap(page, "manager-devices-error")
    page.get_by_label("Quầy (bắt buộc với thiết bị đánh giá)").select_option(str(floor["two"].pk))
    page.get_by_role("button", name="Thêm thiết bị").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã thêm thiết bị “Đánh giá quầy 2”.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f'[data-device="{kiosk.pk}"]').get_by_role("button", name="Ngừng").click()
    expect(page.locator(f'[data-device="{kiosk.pk}"]')).to_contain_text("Đã ngừng")


def test_a_device_name_cannot_inject_markup_into_the_devices_page(client, floor):
    from motcua.queueing import devices as device_services
    from motcua.queueing.models import DeviceKind

    manager = factories.staff(roles=[(Role.CENTER_MANAGER, floor["center"].unit)])
    device_services.create_device(
        center=floor["center"], kind=DeviceKind.BOARD, name='TV 2" onload="alert(1)'
    )
    client.force_login(manager)
    html = client.get("/workspace/san/thiet-bi/").content.decode()
    assert 'onload="alert(1)' not in html
    assert "TV 2&quot; onload=&quot;alert(1)" in html


def test_the_menu_marks_floor_operations_on_every_manager_page(client, floor):
    import re

    manager = factories.staff(roles=[(Role.CENTER_MANAGER, floor["center"].unit)])
    client.force_login(manager)
    for url in ("/workspace/san/quan-ly/", "/workspace/san/thong-ke/", "/workspace/san/thiet-bi/"):
        html = client.get(url).content.decode()
        current = re.findall(r'data-nav="(\w+)" aria-current="page"', html)
        assert current == ["floor"], url


def test_dates_typed_day_month_year_stay_in_the_date_fields(client, floor):
    manager = factories.staff(roles=[(Role.CENTER_MANAGER, floor["center"].unit)])
    client.force_login(manager)
    html = client.get("/workspace/san/thong-ke/?tu-ngay=01/03/2026&den-ngay=02/03/2026")
    text = html.content.decode()
    assert 'value="2026-03-01"' in text and 'value="2026-03-02"' in text
    assert "Từ 01/03/2026 đến 02/03/2026" in text
