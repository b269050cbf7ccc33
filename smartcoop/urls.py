from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from dashboard.views import home
from smartcoop import views

urlpatterns = [
    path("", home, name="dashboard"),
    path("", include("members.urls")),
    path("shares/", include("shares.urls")),
    path("", include("invoicing.urls")),
    path("", include("documents.urls")),
    path("", include("einvoicing.urls")),
    path("", include("pay.urls")),
    path("workspaces/", include("workspaces.urls")),
    path("assemblies/", include("governance.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("health/", views.health, name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
