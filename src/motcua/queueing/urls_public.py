"""Public addresses of the floor under ``/xep-hang/``: the devices' pages (kiosk, display
board, rating tablet; each reached by its secret key), the phone page following a ticket and
online booking."""

from __future__ import annotations

from . import views_board, views_booking, views_kiosk, views_rating

app_name = "queue"

urlpatterns = [
    *views_kiosk.urlpatterns,
    *views_board.urlpatterns,
    *views_rating.urlpatterns,
    *views_booking.urlpatterns,
]
