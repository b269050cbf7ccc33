"""Back office for e-invoicing: on each invoice's page how it reaches the
client and its Peppol transmission (a section registered with
invoicing.extensions); the list of transmissions, where staff send failed
ones again; and the stored e-invoices, which staff can check with the
official Peppol rules."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentFormat
from documents.services import document_read
from einvoicing import peppol, selectors, services
from einvoicing.models import EInvoiceDocument, PeppolTransmission, TransmissionStatus
from einvoicing.routing import route_for_invoice
from invoicing import extensions
from invoicing.extensions import AdminSection, Link
from invoicing.models import Invoice
from smartcoop.admin_site import HistoryAdmin, ReadOnlyAdminMixin
from smartcoop.lib.requests import request_user

TRANSMISSION_RETRY_PERMISSION = "einvoicing.change_peppoltransmission"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


# --- The invoice's back-office page: route and transmission ---------------------------


@admin.display(description=_("how it reaches the client"))
def route_block(obj: Invoice) -> str:
    route = route_for_invoice(obj)
    return f"{route.label}: {route.reason}"


@admin.display(description=_("Peppol transmission"))
def transmission_block(obj: Invoice) -> SafeString | str:
    transmission = selectors.transmission_of(obj)
    if transmission is None:
        return "—"
    link = reverse("admin:einvoicing_peppoltransmission_change", args=[transmission.pk])
    return format_html(
        '<a href="{}">{}</a> → {} · {} · {} {} · {}',
        link,
        transmission.get_status_display(),
        transmission.receiver,
        _when(transmission.sent_at),
        transmission.attempts,
        _("attempts"),
        transmission.provider_message or "",
    )


def invoice_links(request: HttpRequest, obj: Invoice) -> list[Link]:
    if obj.is_draft:
        return []
    url = reverse("admin:documents_invoicedocument_download", args=[obj.pk, DocumentFormat.UBL])
    return [(url, str(_("Download the UBL")))]


extensions.admin_section_add(
    AdminSection(
        name="einvoicing",
        title=str(_("E-invoice")),
        fields=(route_block, transmission_block),
        links=invoice_links,
        order=10,
    )
)


@admin.register(PeppolTransmission)
class PeppolTransmissionAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    list_display = (
        "invoice",
        "receiver",
        "status",
        "attempts",
        "sent_at",
        "delivered_at",
        "provider_message",
    )
    list_filter = ("status", "created_at")
    search_fields = ("invoice__number", "receiver", "provider_id")
    list_select_related = ("invoice",)
    readonly_fields = (
        "invoice",
        "receiver",
        "status",
        "attempts",
        "provider_id",
        "provider_message",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "delivered_at",
        "failed_at",
    )
    fields = readonly_fields
    actions = ["retry_failed"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(TRANSMISSION_RETRY_PERMISSION))

    @admin.action(
        description=_("Send the selected failed transmissions again"), permissions=["retry"]
    )
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[PeppolTransmission]) -> None:
        count = 0
        for transmission in queryset.filter(status=TransmissionStatus.FAILED):
            services.transmission_retry(
                transmission=transmission, acting_user=request_user(request)
            )
            count += 1
        self.message_user(request, _("%(count)d transmissions queued again.") % {"count": count})


@admin.register(EInvoiceDocument)
class EInvoiceDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("filename", "invoice", "size", "sha256", "created_at")
    list_filter = ("created_at",)
    search_fields = ("invoice__number", "sha256")
    list_select_related = ("invoice",)
    date_hierarchy = "created_at"
    actions = ["validate_official"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if peppol.rules_dir() is None:  # the official rule files are not installed here
            actions.pop("validate_official", None)
        return actions

    @admin.action(
        description=_("Check the selected e-invoices with the official Peppol rules"),
        permissions=["view"],
    )
    def validate_official(self, request: HttpRequest, queryset: QuerySet[EInvoiceDocument]) -> None:
        for document in queryset.select_related("invoice"):
            report = peppol.validate(document_read(document))
            if report.fatal:
                self.message_user(
                    request,
                    _("%(name)s breaks %(count)d rules: %(rules)s")
                    % {
                        "name": document.filename,
                        "count": len(report.fatal),
                        "rules": "; ".join(str(f) for f in report.fatal),
                    },
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _(
                        "%(name)s passes the UBL schema, EN 16931 and Peppol BIS rules "
                        "(%(warnings)d warnings)."
                    )
                    % {"name": document.filename, "warnings": len(report.warnings)},
                    messages.SUCCESS,
                )

    def get_queryset(self, request: HttpRequest) -> QuerySet[EInvoiceDocument]:
        return super().get_queryset(request).filter(format=DocumentFormat.UBL)
