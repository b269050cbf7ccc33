"""Back office for documents and their delivery: on each invoice's page the
stored PDF (download, fingerprint), rendering failures and every sending with
a retry button (a section registered with invoicing.extensions); lists of
sendings and of rendering failures, where staff retry what failed, and PDF
exports of a period. Rendering failures are loud here: a template error
shows as an open failure until a later attempt stores the document.

Exports are only looked at here; a new one is made by the "new export" view,
which calls documents_export_request like the member's page does, so both
refuse the same periods with the same words. Staff who may view invoices
(invoicing.view_invoice) may export them."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents import selectors, services
from documents.forms import ExportPeriodForm
from documents.models import (
    DeliveryStatus,
    DocumentExport,
    DocumentFailure,
    DocumentFormat,
    ExportStatus,
    InvoiceDelivery,
    InvoiceDocument,
)
from documents.rendering import RenderError
from documents.views import (
    document_response,
    export_download_response,
    invoice_pdf_response,
    progress_context,
)
from invoicing import extensions
from invoicing.extensions import AdminSection, Link
from invoicing.models import Invoice
from members.models import Member
from members.selectors import member_by_number
from smartcoop.admin_site import HistoryAdmin, ReadOnlyAdminMixin
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user

VIEW_INVOICE_PERMISSION = "invoicing.view_invoice"
RETRY_PERMISSION = "documents.change_invoicedelivery"
NO_SUCH_MEMBER = _("No member has this number.")

# A word and a colour, never a colour alone (style.md).
STATUS_COLOURS = {
    ExportStatus.PENDING: "#555",
    ExportStatus.RUNNING: "#205493",
    ExportStatus.DONE: "#0b5d4b",
    ExportStatus.FAILED: "#a4262c",
}


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


# --- The invoice's back-office page: its documents and sendings -----------------------


@admin.display(description=_("stored documents"))
def documents_block(obj: Invoice) -> SafeString | str:
    url = reverse("admin:documents_invoice_pdf", args=[obj.pk])
    if obj.is_draft:
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Preview the PDF"))
    stored = list(obj.documents.all())
    if not stored:
        render_url = reverse("admin:documents_invoice_render", args=[obj.pk])
        return format_html(
            '{} <a href="{}">{}</a>', _("Not stored yet."), render_url, _("Render it now")
        )
    return format_html_join(
        mark_safe("<br>"),
        '<a href="{}">{}</a> · {} · {} bytes · SHA-256 <code>{}</code>',
        (
            (_download_url(obj, d.format), d.filename, _when(d.created_at), d.size, d.sha256)
            for d in stored
        ),
    )


@admin.display(description=_("rendering failures"))
def failures_block(obj: Invoice) -> SafeString | str:
    failures = list(selectors.document_failures_open(invoice=obj))
    if not failures:
        return "—"
    return format_html_join(
        mark_safe("<br>"),
        '<strong style="color:#ba2121">{} ({}×, {})</strong>: {}',
        ((f.format.upper(), f.attempts, _when(f.last_failed_at), f.error) for f in failures),
    )


@admin.display(description=_("sendings"))
def deliveries_block(obj: Invoice) -> SafeString | str:
    deliveries = list(obj.deliveries.all())
    if not deliveries:
        return "—"
    rows = []
    for d in deliveries:
        link = reverse("admin:documents_invoicedelivery_change", args=[d.pk])
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


def _download_url(invoice: Invoice, format: str) -> str:
    if format == DocumentFormat.PDF:
        return reverse("admin:documents_invoice_pdf", args=[invoice.pk])
    return reverse("admin:documents_invoicedocument_download", args=[invoice.pk, format])


def invoice_links(request: HttpRequest, obj: Invoice) -> list[Link]:
    if obj.is_draft:
        return []
    return [(reverse("admin:documents_invoice_pdf", args=[obj.pk]), str(_("Download the PDF")))]


extensions.admin_section_add(
    AdminSection(
        name="documents",
        title=str(_("Document and sending")),
        fields=(documents_block, failures_block, deliveries_block),
        links=invoice_links,
        prefetch_related=("documents", "deliveries"),
        order=20,
    )
)


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
                name="documents_invoicedelivery_retry",
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
            reverse("admin:documents_invoicedelivery_retry", args=[obj.pk])
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
            services.invoice_delivery_retry(delivery=delivery, acting_user=request_user(request))
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, _("The sending is queued again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:documents_invoicedelivery_change", args=[pk]))

    @admin.action(description=_("Try the selected failed sendings again"), permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[InvoiceDelivery]) -> None:
        count = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            services.invoice_delivery_retry(delivery=delivery, acting_user=request_user(request))
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
    actions = None

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "invoice/<int:pk>/pdf/",
                view(self.invoice_pdf_view),
                name="documents_invoice_pdf",
            ),
            path(
                "invoice/<int:pk>/render/",
                view(self.invoice_render_view),
                name="documents_invoice_render",
            ),
            path(
                "invoice/<int:pk>/<str:format>/",
                view(self.invoice_document_view),
                name="documents_invoicedocument_download",
            ),
            *super().get_urls(),
        ]

    def invoice_document_view(self, request: HttpRequest, pk: int, format: str) -> HttpResponse:
        """An issued invoice's stored file in `format` (stored now if missing)."""
        if not request.user.has_perm(VIEW_INVOICE_PERMISSION):
            raise PermissionDenied
        if format not in DocumentFormat.values:
            raise Http404
        invoice = get_object_or_404(Invoice.objects.prefetch_related("documents"), pk=pk)
        return document_response(invoice, format)

    def invoice_pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """An invoice's PDF (a draft's marked preview), for staff who may view invoices."""
        if not request.user.has_perm(VIEW_INVOICE_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("member", "client", "activity").prefetch_related(
                "documents"
            ),
            pk=pk,
        )
        return invoice_pdf_response(invoice)

    def invoice_render_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Render and store a missing PDF now (idempotent)."""
        if not request.user.has_perm(VIEW_INVOICE_PERMISSION):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        change_url = reverse("admin:invoicing_invoice_change", args=[pk])
        if invoice.is_draft:
            return HttpResponseRedirect(change_url)
        try:
            services.invoice_document_store(invoice_id=pk, format=DocumentFormat.PDF)
        except RenderError as exc:
            self.message_user(
                request, _("Rendering failed: %(error)s") % {"error": exc}, messages.ERROR
            )
        else:
            self.message_user(request, _("The PDF is stored."), messages.SUCCESS)
        return HttpResponseRedirect(change_url)


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
                services.invoice_document_store(
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


# --- PDF exports ---------------------------------------------------------------------


class StaffExportForm(ExportPeriodForm):
    """The period, and a member number to export one member's PDFs only."""

    member_number = forms.IntegerField(
        label=_("Member number"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to export the PDFs of every member."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member: Member | None = None

    def clean_member_number(self) -> int | None:
        number = self.cleaned_data.get("member_number")
        if number is not None:
            self.member = member_by_number(number=number)
            if self.member is None:
                raise ValidationError(NO_SUCH_MEMBER)
        return number


@admin.register(DocumentExport)
class DocumentExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "requested_by",
        "member_shown",
        "period",
        "status_word",
        "progress",
        "size_shown",
    )
    list_filter = ("status", "created_at")
    search_fields = ("=member__member_number", "member__legal_name", "requested_by__email")
    search_help_text = _("Member (number or name) or the email of who asked for it.")
    list_select_related = ("requested_by", "member")
    date_hierarchy = "created_at"
    fields = (
        "requested_by",
        "member_shown",
        "period",
        "status_word",
        "progress",
        "size_shown",
        "download",
        "error",
        "created_at",
        "heartbeat_at",
        "finished_at",
    )
    readonly_fields = fields
    change_list_template = "admin/documents/documentexport/change_list.html"
    change_form_template = "admin/documents/documentexport/change_form.html"

    # --- Read-only, seen by whoever may view invoices --------------------------------

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_export(request) or super().has_view_permission(request, obj)

    # --- Columns ---------------------------------------------------------------------

    @admin.display(description=_("member"), ordering="member__member_number")
    def member_shown(self, obj: DocumentExport) -> Any:
        return obj.member if obj.member_id else _("All members")

    @admin.display(description=_("period"), ordering="date_from")
    def period(self, obj: DocumentExport) -> str:
        return f"{obj.date_from:%d/%m/%Y} – {obj.date_to:%d/%m/%Y}"

    @admin.display(description=_("status"), ordering="status")
    def status_word(self, obj: DocumentExport) -> str:
        colour = STATUS_COLOURS.get(ExportStatus(obj.status), "#555")
        return format_html(
            '<span style="color:{};font-weight:600">{}</span>', colour, obj.get_status_display()
        )

    @admin.display(description=_("documents"))
    def progress(self, obj: DocumentExport) -> str:
        return f"{obj.done}/{obj.total}"

    @admin.display(description=_("size"), ordering="size")
    def size_shown(self, obj: DocumentExport) -> str:
        return filesizeformat(obj.size) if obj.status == ExportStatus.DONE else "—"

    @admin.display(description=_("ZIP file"))
    def download(self, obj: DocumentExport) -> str:
        if obj.status != ExportStatus.DONE:
            return "—"
        url = reverse("admin:documents_documentexport_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the ZIP file"))

    # --- Pages -----------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = {**(extra_context or {}), "can_export": _may_export(request)}
        return super().changelist_view(request, extra_context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(_progress(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.new_view), name="documents_documentexport_new"),
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="documents_documentexport_progress",
            ),
            path(
                "<int:pk>/download/",
                view(self.download_view),
                name="documents_documentexport_download",
            ),
            *super().get_urls(),
        ]

    def new_view(self, request: HttpRequest) -> HttpResponse:
        """Start an export of a period: every member's PDFs, or one member's."""
        if not _may_export(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = StaffExportForm(
            request.POST or None, initial={"date_from": today.replace(day=1), "date_to": today}
        )
        if request.method == "POST" and form.is_valid():
            try:
                export = services.documents_export_request(
                    acting_user=request_user(request),
                    member=form.member,
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("The export is being prepared; its progress shows below."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:documents_documentexport_change", args=[export.pk])
                )
        return TemplateResponse(
            request,
            "admin/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": _("New PDF export"),
                "opts": self.model._meta,
                "form": form,
                "intro": _(
                    "One ZIP file with the PDF of every invoice and credit note issued in the "
                    "period (by invoice date), exactly as issued: of every member, or of the "
                    "member whose number you give. At most one year at a time."
                ),
                "submit_label": _("Prepare the ZIP file"),
                "cancel_url": reverse("admin:documents_documentexport_changelist"),
            },
        )

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The fragment the export's page polls (the member's, with admin URLs)."""
        if not _may_export(request):
            raise PermissionDenied
        export = get_object_or_404(DocumentExport, pk=pk)
        return TemplateResponse(request, "documents/_export_progress.html", _progress(export))

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not _may_export(request):
            raise PermissionDenied
        return export_download_response(get_object_or_404(DocumentExport, pk=pk))


def _may_export(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(VIEW_INVOICE_PERMISSION))


def _progress(export: DocumentExport) -> dict[str, Any]:
    return progress_context(
        export,
        progress_url=reverse("admin:documents_documentexport_progress", args=[export.pk]),
        download_url=reverse("admin:documents_documentexport_download", args=[export.pk]),
    )
