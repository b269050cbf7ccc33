from django.urls import path

from einvoicing import views

app_name = "einvoicing"

urlpatterns = [
    path("invoices/<int:pk>/e-invoice/", views.invoice_ubl, name="invoice_ubl"),
]
