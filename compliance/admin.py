"""The compliance back office: runs and their results, findings with their
history, digests sent; the dashboard, the finding actions and "run now" are
served here so the admin's staff and two-factor checks cover them. Runs,
results and findings change only through the services: every admin here is
read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from compliance import views
from compliance.models import CheckResult, CheckRun, DigestSent, Finding, FindingEvent
from compliance.registry import CHECKS
from compliance.selectors import subject_admin_url
from smartcoop.admin_site import ObjectActionsMixin, ReadOnlyAdminMixin


class CheckResultInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CheckResult
    readonly_fields = (
        "check_title",
        "severity",
        "team",
        "ok",
        "found",
        "new",
        "reopened",
        "resolved",
        "open_after",
        "milliseconds",
        "error",
    )
    fields = readonly_fields
    extra = 0

    @admin.display(description=_("Check"))
    def check_title(self, result: CheckResult) -> str:
        check = CHECKS.get(result.check_key)
        return str(check.title) if check else result.check_key

    @admin.display(description=_("Time (ms)"))
    def milliseconds(self, result: CheckResult) -> int | None:
        return result.milliseconds


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "trigger",
        "started_by",
        "status",
        "duration",
        "found",
        "new",
        "resolved",
        "failed_checks",
    ]
    list_filter = ["status", "trigger"]
    date_hierarchy = "started_at"
    inlines = [CheckResultInline]
    readonly_fields = (
        "trigger",
        "started_by",
        "checked_on",
        "started_at",
        "finished_at",
        "status",
        "found",
        "new",
        "resolved",
        "failed_checks",
    )
    fields = readonly_fields
    list_select_related = ["started_by"]

    @admin.display(description=_("Duration (s)"))
    def duration(self, run: CheckRun) -> str:
        return "" if run.seconds is None else f"{run.seconds:.1f}"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("run/", view(self.run_view), name="compliance_run"),
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="compliance_checkrun_progress",
            ),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        return views.run(request, self.admin_site.each_context(request))

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return views.run_progress_fragment(request, pk)


class FindingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FindingEvent
    readonly_fields = ("at", "kind", "by", "note", "run")
    fields = readonly_fields
    extra = 0


@admin.register(Finding)
class FindingAdmin(ObjectActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "severity",
        "check_title",
        "subject_link",
        "status",
        "team",
        "first_seen",
        "last_seen",
    ]
    list_filter = ["status", "team", "severity", "check_key"]
    search_fields = ["subject_label", "subject_key"]
    date_hierarchy = "opened_at"
    inlines = [FindingEventInline]
    readonly_fields = (
        "check_title",
        "sentence",
        "subject_link",
        "severity",
        "team",
        "status",
        "first_seen",
        "opened_at",
        "last_seen",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
        "note",
        "details",
    )
    fields = readonly_fields
    list_select_related = ["subject_type"]
    change_list_template = "admin/compliance/finding/change_list.html"

    @admin.display(description=_("Check"), ordering="check_key")
    def check_title(self, finding: Finding) -> str:
        check = CHECKS.get(finding.check_key)
        return str(check.title) if check else finding.check_key

    @admin.display(description=_("Finding"))
    def sentence(self, finding: Finding) -> str:
        check = CHECKS.get(finding.check_key)
        return check.describe(finding.details) if check else ""

    @admin.display(description=_("About"), ordering="subject_label")
    def subject_link(self, finding: Finding) -> str:
        url = subject_admin_url(finding)
        if url is None:
            return finding.subject_label
        return format_html('<a href="{}">{}</a>', url, finding.subject_label)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("dashboard/", view(self.dashboard_view), name="compliance_dashboard"),
            path(
                "<int:pk>/acknowledge/",
                view(self.acknowledge_view),
                name="compliance_finding_acknowledge",
            ),
            path("<int:pk>/resolve/", view(self.resolve_view), name="compliance_finding_resolve"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        return views.dashboard(request, self.admin_site.each_context(request))

    def acknowledge_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return views.finding_action(
            request, pk, action="acknowledge", admin_context=self.admin_site.each_context(request)
        )

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return views.finding_action(
            request, pk, action="resolve", admin_context=self.admin_site.each_context(request)
        )

    def object_actions(self, request: HttpRequest, obj: Finding) -> list[tuple[str, Any]]:
        actions: list[tuple[str, Any]] = []
        if request.user.has_perm("compliance.change_finding"):
            if obj.status == "open":
                url = reverse("admin:compliance_finding_acknowledge", args=[obj.pk])
                actions.append((url, _("Acknowledge")))
            if obj.status != "resolved":
                url = reverse("admin:compliance_finding_resolve", args=[obj.pk])
                actions.append((url, _("Resolve")))
        actions.append((reverse("admin:compliance_dashboard"), _("Compliance dashboard")))
        return actions


@admin.register(DigestSent)
class DigestSentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "team", "findings", "run"]
    list_filter = ["team"]
    readonly_fields = ("team", "sent_at", "findings", "recipients", "run")
    fields = readonly_fields
