from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure_detail"),
    path("thu-tuc/<str:code>/in/", views.procedure_print, name="procedure_print"),
    path("kiosk/", views.home, {"kiosk": True}, name="kiosk_home"),
    path("kiosk/dat-lai/", views.kiosk_reset, name="kiosk_reset"),
    path("kiosk/thu-tuc/", views.procedure_list, {"kiosk": True}, name="kiosk_procedure_list"),
    path(
        "kiosk/thu-tuc/<str:code>/",
        views.procedure_detail,
        {"kiosk": True},
        name="kiosk_procedure_detail",
    ),
]
