from django.urls import path

from pay import views

app_name = "pay"

urlpatterns = [
    path("activities/<int:pk>/account/", views.activity_account, name="activity_account"),
    path("activities/<int:pk>/pay/new/", views.pay_request_create, name="pay_request_create"),
    path("activities/<int:pk>/pay/preview/", views.pay_request_preview, name="pay_request_preview"),
    path("pay/<int:pk>/", views.pay_request_detail, name="pay_request_detail"),
]
