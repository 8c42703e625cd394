from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("organization/", views.organization, name="organization"),
    path("calendar/", views.calendar, name="calendar"),
]
