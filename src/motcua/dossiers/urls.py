from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("tiep-nhan/", views.counter, name="counter"),
    path("tiep-nhan/tim-thu-tuc/", views.procedure_search, name="procedure_search"),
    path("tiep-nhan/cong-dan/", views.party_lookup, name="party_lookup"),
    path("tiep-nhan/dinh-danh/", views.identity_check, name="identity_check"),
    path("tiep-nhan/hen-tra/", views.appointment_preview, name="appointment_preview"),
    path("cho-tiep-nhan/", views.waiting, name="waiting"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/tiep-nhan/", views.decide, name="decide"),
    path("<str:code>/ket-qua/", views.result, name="result"),
    path("<str:code>/tep/<int:document_id>/", views.document, name="document"),
]
