from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/send/", views.invoice_send, name="invoice_send"),
    path(
        "invoices/<int:pk>/sendings/<int:delivery_pk>/retry/",
        views.delivery_retry,
        name="delivery_retry",
    ),
    path("invoices/pdf-exports/", views.export_list, name="export_list"),
    path("invoices/pdf-exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("invoices/pdf-exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("invoices/pdf-exports/<int:pk>/download/", views.export_download, name="export_download"),
]
