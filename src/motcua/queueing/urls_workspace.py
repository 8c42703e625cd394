"""Staff screens of the floor under ``/workspace/san/``: the counter console and the manager's
live page, statistics and devices."""

from __future__ import annotations

from . import views_console, views_manager

app_name = "floor"

urlpatterns = [*views_console.urlpatterns, *views_manager.urlpatterns]
