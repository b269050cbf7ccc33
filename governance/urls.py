from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.assembly_list, name="assemblies"),
    path("<int:pk>/", views.assembly_detail, name="assembly"),
    path("<int:pk>/proxy/", views.proxy_appoint, name="proxy_appoint"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/receipts/", views.receipts, name="receipts"),
    path("proxies/<int:pk>/confirm/", views.proxy_confirm, name="proxy_confirm"),
    path("proxies/<int:pk>/decline/", views.proxy_decline, name="proxy_decline"),
    path("proxies/<int:pk>/revoke/", views.proxy_revoke, name="proxy_revoke"),
    path("documents/<int:pk>.pdf", views.document, name="document"),
]
