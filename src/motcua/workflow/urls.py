from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<str:code>/", views.dossier, name="dossier"),
    path("<str:code>/<slug:action>/", views.act, name="act"),
]
