from django.urls import path

from . import lookup_views, views

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
    # Public dossier lookup (issue 4); the receipt's QR code opens /tra-cuu/<code>/.
    path("tra-cuu/", lookup_views.lookup, name="lookup"),
    path("tra-cuu/<str:code>/", lookup_views.lookup_detail, name="lookup_detail"),
    path("kiosk/tra-cuu/", lookup_views.lookup, {"kiosk": True}, name="kiosk_lookup"),
    path(
        "kiosk/tra-cuu/<str:code>/",
        lookup_views.lookup_detail,
        {"kiosk": True},
        name="kiosk_lookup_detail",
    ),
]
