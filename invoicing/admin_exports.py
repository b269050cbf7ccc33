"""Back office for PDF exports: the PDFs of every member (or of one member)
issued in a period, as one ZIP built by the same task as the members' own
exports, with the same progress bar.

Exports are only looked at here; a new one is made by the "new export" view,
which calls documents_export_request like the member's page does, so both
refuse the same periods with the same words. Staff who may view invoices
(invoicing.view_invoice) may export them."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from invoicing.forms import ExportPeriodForm
from invoicing.models import DocumentExport, ExportStatus
from invoicing.services import documents
from invoicing.views_exports import export_download_response, progress_context
from members.models import Member
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user

VIEW_PERMISSION = "invoicing.view_invoice"
NO_SUCH_MEMBER = _("No member has this number.")

# A word and a colour, never a colour alone (style.md).
STATUS_COLOURS = {
    ExportStatus.PENDING: "#555",
    ExportStatus.RUNNING: "#205493",
    ExportStatus.DONE: "#0b5d4b",
    ExportStatus.FAILED: "#a4262c",
}


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
            self.member = Member.objects.filter(member_number=number).first()
            if self.member is None:
                raise ValidationError(NO_SUCH_MEMBER)
        return number


@admin.register(DocumentExport)
class DocumentExportAdmin(admin.ModelAdmin):
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
    change_list_template = "admin/invoicing/documentexport/change_list.html"
    change_form_template = "admin/invoicing/documentexport/change_form.html"

    # --- Read-only, seen by whoever may view invoices --------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
        url = reverse("admin:invoicing_documentexport_download", args=[obj.pk])
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
            path("new/", view(self.new_view), name="invoicing_documentexport_new"),
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="invoicing_documentexport_progress",
            ),
            path(
                "<int:pk>/download/",
                view(self.download_view),
                name="invoicing_documentexport_download",
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
                export = documents.documents_export_request(
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
                    reverse("admin:invoicing_documentexport_change", args=[export.pk])
                )
        return TemplateResponse(
            request,
            "admin/invoicing/documentexport/new.html",
            {
                **self.admin_site.each_context(request),
                "title": _("New PDF export"),
                "opts": self.model._meta,
                "form": form,
            },
        )

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The fragment the export's page polls (the member's, with admin URLs)."""
        if not _may_export(request):
            raise PermissionDenied
        export = get_object_or_404(DocumentExport, pk=pk)
        return TemplateResponse(request, "invoicing/_export_progress.html", _progress(export))

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not _may_export(request):
            raise PermissionDenied
        return export_download_response(get_object_or_404(DocumentExport, pk=pk))


def _may_export(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(VIEW_PERMISSION))


def _progress(export: DocumentExport) -> dict[str, Any]:
    return progress_context(
        export,
        progress_url=reverse("admin:invoicing_documentexport_progress", args=[export.pk]),
        download_url=reverse("admin:invoicing_documentexport_download", args=[export.pk]),
    )
