"""The staff compliance dashboard and the finding actions. They are served
inside the admin (compliance/admin.py wraps them in `admin_view`), so the
back office's staff and two-factor checks apply; each view checks its own
permission and calls one service."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from compliance import services
from compliance.charts import sparkline, stacked_bars
from compliance.forms import FindingNoteForm, RunForm
from compliance.models import Finding
from compliance.registry import CHECKS, Severity, Team
from compliance.selectors import (
    check_summaries,
    finding_detail_queryset,
    findings_unresolved,
    latest_run,
    run_progress,
    run_running,
    severity_trend,
    subject_admin_url,
    trend_runs,
)
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user

VIEW = "compliance.view_finding"
CHANGE = "compliance.change_finding"
RUN = "compliance.run_checks"  # the permission
PAGE_SIZE = 50


def dashboard(request: HttpRequest, admin_context: dict[str, Any]) -> HttpResponse:
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    team = request.GET.get("team", "")
    team = team if team in Team.values else ""
    check_key = request.GET.get("check", "")
    check_key = check_key if check_key in CHECKS else ""
    severity = request.GET.get("severity", "")
    severity = severity if severity in Severity.values else ""
    runs = trend_runs()
    summaries = check_summaries(runs=runs, team=team)
    trend = severity_trend(runs=runs, team=team)
    findings = findings_unresolved(team=team, check_key=check_key, severity=severity)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "finding": finding,
            "check": CHECKS.get(finding.check_key),
            "sentence": CHECKS[finding.check_key].describe(finding.details)
            if finding.check_key in CHECKS
            else "",
            "subject_url": subject_admin_url(finding),
        }
        for finding in page
    ]
    context = {
        **admin_context,
        "title": _("Compliance"),
        "teams": Team.choices,
        "team": team,
        "check_key": check_key,
        "severity": severity,
        "check_title": CHECKS[check_key].title if check_key else "",
        "summaries": [(summary, sparkline(summary.trend)) for summary in summaries],
        "chart": stacked_bars(trend),
        "trend": trend,
        "rows": rows,
        "page": page,
        "latest_run": latest_run(),
        "progress": run_running(),
        "can_change": request.user.has_perm(CHANGE),
        "can_run": request.user.has_perm(RUN),
        "run_form": RunForm(),
        "note_form": FindingNoteForm(),
        "here": request.get_full_path(),
    }
    return TemplateResponse(request, "compliance/dashboard.html", context)


def finding_action(
    request: HttpRequest, pk: int, *, action: str, admin_context: dict[str, Any]
) -> HttpResponse:
    """Acknowledge or resolve a finding with a note: a form page on GET (from
    the admin), the change on POST (from that page or the dashboard)."""
    if not request.user.has_perm(CHANGE):
        raise PermissionDenied
    finding = get_object_or_404(finding_detail_queryset(), pk=pk)
    back = _back_url(request, finding)
    form = FindingNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = {
            "acknowledge": services.finding_acknowledge,
            "resolve": services.finding_resolve,
        }[action]
        try:
            note = form.cleaned_data["note"]
            service(finding=finding, acting_user=request_user(request), note=note)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = {
                "acknowledge": _("Finding acknowledged: %(label)s"),
                "resolve": _("Finding resolved: %(label)s"),
            }[action] % {"label": finding.subject_label}
            messages.success(request, done)
            return HttpResponseRedirect(back)
    if request.method == "POST" and request.POST.get("from") == "dashboard":
        # The dashboard's inline form: say what was wrong and go back to it.
        for error in [*form.non_field_errors(), *form.errors.get("note", [])]:
            messages.error(request, error)
        return HttpResponseRedirect(back)
    check = CHECKS.get(finding.check_key)
    title = _("Acknowledge") if action == "acknowledge" else _("Resolve")
    context = {
        **admin_context,
        "title": title,
        "subject": finding.subject_label,
        "back_url": back,
        "opts": Finding._meta,
        "form": form,
        "facts": [
            (_("Check"), check.title if check else finding.check_key),
            (_("About"), finding.subject_label),
            (_("Finding"), check.describe(finding.details) if check else ""),
            (_("Status"), finding.get_status_display()),
            (_("First seen"), finding.first_seen),
            (_("Last seen"), finding.last_seen),
        ],
    }
    return TemplateResponse(request, "admin/action_form.html", context)


def _back_url(request: HttpRequest, finding: Finding) -> str:
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("admin:compliance_finding_change", args=[finding.pk])


def run(request: HttpRequest, admin_context: dict[str, Any]) -> HttpResponse:
    """Start one check or all of them in a worker; a second start while a
    run goes on is refused with what that run is doing."""
    if not request.user.has_perm(RUN):
        raise PermissionDenied
    form = RunForm(request.POST or None)
    back = request.POST.get("next") or reverse("admin:compliance_dashboard")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("admin:compliance_dashboard")
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["check"]
        try:
            services.run_start(keys=[key] if key else None, acting_user=request_user(request))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(back)
        if key:
            messages.success(
                request, _("The check “%(title)s” is running.") % {"title": CHECKS[key].title}
            )
        else:
            messages.success(request, _("All checks are running."))
        return HttpResponseRedirect(back)
    if request.method == "POST":
        messages.error(request, _("Choose a check from the list."))
        return HttpResponseRedirect(back)
    context = {
        **admin_context,
        "title": _("Run checks"),
        "form": form,
        "progress": run_running(),
    }
    return TemplateResponse(request, "compliance/run.html", context)


def run_progress_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of one run, which htmx asks for every second while
    the run goes on."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    return TemplateResponse(
        request, "compliance/_run_progress.html", {"progress": run_progress(pk=pk)}
    )
