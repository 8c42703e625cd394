from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from motcua.workflow import public as workflow_public

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workspace/dossiers/", include("motcua.dossiers.urls")),
    path("workspace/print/", include("motcua.dossiers.urls_print")),
    path("workspace/xu-ly/", include("motcua.workflow.urls")),
    path("workspace/san/", include("motcua.queueing.urls_workspace")),
    path("workspace/", include("motcua.workspace.urls")),
    path("api/v1/", include("motcua.api.urls")),
    # The citizen's electronic result (a signed link sent when the result is ready).
    path("ket-qua/<str:token>/", workflow_public.download, name="result_download"),
    # The counter floor: kiosks, display boards, rating tablets, tickets on phones, booking.
    path("xep-hang/", include("motcua.queueing.urls_public")),
    path("", include("motcua.portal.urls")),
]

# Citizens who mistype an address get the portal's Vietnamese page, not Django's.
handler404 = "motcua.portal.views.page_not_found"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
