from django.urls import path

from shares import views

app_name = "shares"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscriptions/<int:pk>/", views.subscription_detail, name="subscription"),
    path("certificates/new/", views.certificate_issue, name="certificate_issue"),
    path("certificates/<int:pk>.pdf", views.certificate_download, name="certificate"),
    path("exit/", views.exit_request, name="exit"),
]
