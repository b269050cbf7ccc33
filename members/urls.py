from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("profile/", views.profile_redirect, name="profile_redirect"),
    path("members/<int:pk>/", views.profile, name="profile"),
    path("members/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("members/<int:pk>/export.json", views.data_export, name="data_export"),
    path(
        "members/<int:pk>/name-change/<int:change_pk>/withdraw/",
        views.name_change_withdraw,
        name="name_change_withdraw",
    ),
    path("security/", views.security, name="security"),
]
