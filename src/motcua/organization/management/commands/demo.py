from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.organization import demo


class Command(BaseCommand):
    help = (
        "Load the demo province (centers, counters, departments, one account per role). "
        "Refuses a database that holds data other than the demo's."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = demo.load_demo()
        except demo.DemoRefused as exc:
            raise CommandError(
                "Cơ sở dữ liệu đã có dữ liệu không phải dữ liệu mẫu; không nạp dữ liệu mẫu. "
                f"(The database holds data that is not the demo's: {exc})"
            ) from exc
        if loaded:
            from motcua.queueing.demo import load_demo_floor
            from motcua.workflow.demo import load_demo_dossiers

            dossiers = load_demo_dossiers()
            load_demo_floor()
            self.stdout.write(self.style.SUCCESS("Đã nạp dữ liệu mẫu (demo data loaded)."))
            self.stdout.write(
                f"Hồ sơ mẫu đang giải quyết / demo dossiers in processing: {dossiers}"
            )
        else:
            self.stdout.write("Dữ liệu mẫu đã có sẵn (demo data already present).")
        self.stdout.write(
            "Máy lấy số / kiosk: /xep-hang/kiosk/demo-kiosk-ttpvhcc-tinh/ · "
            "màn hình / board: /xep-hang/bang/demo-board-ttpvhcc-tinh/ · "
            "đánh giá quầy 1 / rating: /xep-hang/danh-gia/demo-rating-ttpvhcc-tinh-1/"
        )
        self.stdout.write(
            f"Tài khoản mẫu / demo logins (mật khẩu / password: {demo.DEMO_PASSWORD}): "
            + ", ".join(a.username for a in demo.ACCOUNTS)
        )
