"""Back office for documents and their delivery: on each invoice's page the
stored PDF (download, fingerprint), rendering failures and every sending with
a retry button; lists of sendings and of rendering failures, where staff
retry what failed. Rendering failures are loud here: a template error shows
as an open failure until a later attempt stores the document."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from invoicing import peppol, selectors
from invoicing.models import (
    DeliveryStatus,
    DocumentFailure,
    DocumentFormat,
    Invoice,
    InvoiceDelivery,
    InvoiceDocument,
    PeppolTransmission,
    TransmissionStatus,
)
from invoicing.rendering import RenderError
from invoicing.routing import route_for_invoice
from invoicing.services import documents, einvoicing
from invoicing.views_documents import invoice_pdf_response, invoice_ubl_response
from smartcoop.admin_site import HistoryAdmin, ReadOnlyAdminMixin
from smartcoop.lib.requests import request_user

VIEW_PERMISSION = "invoicing.view_invoice"
RETRY_PERMISSION = "invoicing.change_invoicedelivery"

DOCUMENT_FIELDSET = (
    _("Document and sending"),
    {
        "fields": (
            "route_block",
            "documents_block",
            "failures_block",
            "transmission_block",
            "deliveries_block",
        )
    },
)
TRANSMISSION_RETRY_PERMISSION = "invoicing.change_peppoltransmission"


def _when(value: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


class InvoiceDocumentsMixin:
    """Added to InvoiceAdmin: the document fieldset and its buttons."""

    def _can_retry(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(RETRY_PERMISSION))

    @admin.display(description=_("stored documents"))
    def documents_block(self, obj: Invoice) -> SafeString | str:
        url = reverse("admin:invoicing_invoice_pdf", args=[obj.pk])
        if obj.is_draft:
            return format_html('<a href="{}" target="_blank">{}</a>', url, _("Preview the PDF"))
        stored = list(obj.documents.all())
        if not stored:
            render_url = reverse("admin:invoicing_invoice_render", args=[obj.pk])
            return format_html(
                '{} <a href="{}">{}</a>', _("Not stored yet."), render_url, _("Render it now")
            )
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> · {} · {} bytes · SHA-256 <code>{}</code>',
            ((url, d.filename, _when(d.created_at), d.size, d.sha256) for d in stored),
        )

    @admin.display(description=_("how it reaches the client"))
    def route_block(self, obj: Invoice) -> str:
        route = route_for_invoice(obj)
        return f"{route.label}: {route.reason}"

    @admin.display(description=_("Peppol transmission"))
    def transmission_block(self, obj: Invoice) -> SafeString | str:
        transmission = selectors.transmission_of(obj)
        if transmission is None:
            return "—"
        link = reverse("admin:invoicing_peppoltransmission_change", args=[transmission.pk])
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

    @admin.display(description=_("rendering failures"))
    def failures_block(self, obj: Invoice) -> SafeString | str:
        failures = list(selectors.document_failures_open(invoice=obj))
        if not failures:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<strong style="color:#ba2121">{} ({}×, {})</strong>: {}',
            ((f.format.upper(), f.attempts, _when(f.last_failed_at), f.error) for f in failures),
        )

    @admin.display(description=_("sendings"))
    def deliveries_block(self, obj: Invoice) -> SafeString | str:
        deliveries = list(obj.deliveries.all())
        if not deliveries:
            return "—"
        rows = []
        for d in deliveries:
            link = reverse("admin:invoicing_invoicedelivery_change", args=[d.pk])
            rows.append(
                (
                    link,
                    _when(d.requested_at),
                    d.recipient,
                    d.get_status_display(),
                    d.attempts,
                    _when(d.sent_at),
                    d.error or "",
                )
            )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("requested"),
            _("to"),
            _("status"),
            _("attempts"),
            _("sent at"),
            _("error"),
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td><td>{}</td></tr>",
                rows,
            ),
        )

    def document_actions(self, request: HttpRequest, obj: Invoice) -> list[tuple[str, Any]]:
        actions: list[tuple[str, Any]] = []
        if not obj.is_draft:
            actions.append(
                (reverse("admin:invoicing_invoice_pdf", args=[obj.pk]), _("Download the PDF"))
            )
            actions.append(
                (reverse("admin:invoicing_invoice_ubl", args=[obj.pk]), _("Download the UBL"))
            )
        return actions

    def document_urls(self) -> list[Any]:
        view = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("<int:pk>/pdf/", view(self.pdf_view), name="invoicing_invoice_pdf"),
            path("<int:pk>/render/", view(self.render_view), name="invoicing_invoice_render"),
            path("<int:pk>/ubl/", view(self.ubl_view), name="invoicing_invoice_ubl"),
        ]

    def ubl_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.prefetch_related("documents"), pk=pk)
        return invoice_ubl_response(invoice)

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("member", "client", "activity").prefetch_related(
                "documents"
            ),
            pk=pk,
        )
        return invoice_pdf_response(invoice)

    def render_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Render and store a missing document now (idempotent)."""
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        change_url = reverse("admin:invoicing_invoice_change", args=[pk])
        if invoice.is_draft:
            return HttpResponseRedirect(change_url)
        try:
            documents.invoice_document_store(invoice_id=pk, format=DocumentFormat.PDF)
        except RenderError as exc:
            self.message_user(  # type: ignore[attr-defined]
                request, _("Rendering failed: %(error)s") % {"error": exc}, messages.ERROR
            )
        else:
            self.message_user(request, _("The PDF is stored."), messages.SUCCESS)  # type: ignore[attr-defined]
        return HttpResponseRedirect(change_url)


# --- Sendings ---------------------------------------------------------------------------


@admin.register(InvoiceDelivery)
class InvoiceDeliveryAdmin(HistoryAdmin):
    list_display = ("invoice", "recipient", "status", "attempts", "requested_at", "sent_at")
    list_filter = ("status", "requested_at")
    search_fields = ("invoice__number", "recipient")
    list_select_related = ("invoice",)
    date_hierarchy = "requested_at"
    readonly_fields = (
        "invoice",
        "recipient",
        "reply_to",
        "message",
        "status",
        "attempts",
        "requested_by",
        "requested_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "error",
        "message_id",
    )
    fields = readonly_fields
    actions = ["retry_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/retry/",
                view(require_POST(self.retry_view)),
                name="invoicing_invoicedelivery_retry",
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context["retry_url"] = (
            reverse("admin:invoicing_invoicedelivery_retry", args=[obj.pk])
            if obj is not None
            and obj.status == DeliveryStatus.FAILED
            and request.user.has_perm(RETRY_PERMISSION)
            else ""
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm(RETRY_PERMISSION):
            raise PermissionDenied
        delivery = get_object_or_404(InvoiceDelivery, pk=pk)
        try:
            documents.invoice_delivery_retry(delivery=delivery, acting_user=request_user(request))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, _("The sending is queued again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:invoicing_invoicedelivery_change", args=[pk]))

    @admin.action(description=_("Try the selected failed sendings again"), permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[InvoiceDelivery]) -> None:
        count = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            documents.invoice_delivery_retry(delivery=delivery, acting_user=request_user(request))
            count += 1
        self.message_user(request, _("%(count)d sendings queued again.") % {"count": count})

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(RETRY_PERMISSION))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only: a sending changes only through its services


# --- Stored documents and rendering failures ------------------------------------------


@admin.register(InvoiceDocument)
class InvoiceDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("filename", "invoice", "format", "size", "sha256", "created_at")
    list_filter = ("format", "created_at")
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
    def validate_official(self, request: HttpRequest, queryset: QuerySet[InvoiceDocument]) -> None:
        for document in queryset.filter(format=DocumentFormat.UBL).select_related("invoice"):
            report = peppol.validate(documents.document_read(document))
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


@admin.register(PeppolTransmission)
class PeppolTransmissionAdmin(HistoryAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(TRANSMISSION_RETRY_PERMISSION))

    @admin.action(
        description=_("Send the selected failed transmissions again"), permissions=["retry"]
    )
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[PeppolTransmission]) -> None:
        count = 0
        for transmission in queryset.filter(status=TransmissionStatus.FAILED):
            einvoicing.transmission_retry(
                transmission=transmission, acting_user=request_user(request)
            )
            count += 1
        self.message_user(request, _("%(count)d transmissions queued again.") % {"count": count})


@admin.register(DocumentFailure)
class DocumentFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("invoice", "format", "attempts", "last_failed_at", "resolved_at", "error")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "format")
    search_fields = ("invoice__number", "error")
    list_select_related = ("invoice",)
    actions = ["render_again"]

    @admin.action(description=_("Render the selected documents again now"), permissions=["view"])
    def render_again(self, request: HttpRequest, queryset: QuerySet[DocumentFailure]) -> None:
        stored = failed = 0
        for failure in queryset.filter(resolved_at__isnull=True):
            try:
                documents.invoice_document_store(
                    invoice_id=failure.invoice_id, format=failure.format
                )
            except RenderError:
                failed += 1
            else:
                stored += 1
        self.message_user(
            request,
            _("%(stored)d stored, %(failed)d still failing.")
            % {"stored": stored, "failed": failed},
            messages.SUCCESS if not failed else messages.WARNING,
        )
