"""Reads of the findings and runs for the dashboard, the admin and the
digest. Each is one or two queries whatever the number of findings."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from compliance.models import (
    UNRESOLVED,
    CheckResult,
    CheckRun,
    Finding,
    FindingStatus,
    RunStatus,
)
from compliance.registry import CHECKS, SEVERITY_ORDER, Check

TREND_RUNS = 30


def findings_unresolved(
    *, team: str = "", check_key: str = "", severity: str = ""
) -> QuerySet[Finding]:
    findings = Finding.objects.filter(status__in=UNRESOLVED)
    if team:
        findings = findings.filter(team=team)
    if check_key:
        findings = findings.filter(check_key=check_key)
    if severity:
        findings = findings.filter(severity=severity)
    return findings.select_related("subject_type", "acknowledged_by").order_by(
        "status", "-opened_at", "-pk"
    )


def finding_detail_queryset() -> QuerySet[Finding]:
    return Finding.objects.select_related(
        "subject_type", "acknowledged_by", "resolved_by", "last_run"
    ).prefetch_related("events__by")


@dataclass
class CheckSummary:
    check: Check
    open: int = 0
    acknowledged: int = 0
    last_result: CheckResult | None = None
    trend: list[int] = field(default_factory=list)  # open after each of the last runs

    @property
    def unresolved(self) -> int:
        return self.open + self.acknowledged


def check_summaries(*, runs: list[CheckRun], team: str = "") -> list[CheckSummary]:
    """Every registered check (of a team) with its open and acknowledged
    findings, its latest result and its counts over the last runs; most
    serious and most numerous first."""
    checks = [c for c in CHECKS.values() if not team or c.team == team]
    summaries = {c.key: CheckSummary(check=c) for c in checks}
    counts = (
        Finding.objects.filter(status__in=UNRESOLVED, check_key__in=summaries)
        .values("check_key")
        .annotate(
            open=Count("pk", filter=Q(status=FindingStatus.OPEN)),
            acknowledged=Count("pk", filter=Q(status=FindingStatus.ACKNOWLEDGED)),
        )
        .order_by()
    )
    for row in counts:
        summaries[row["check_key"]].open = row["open"]
        summaries[row["check_key"]].acknowledged = row["acknowledged"]
    latest = (
        CheckResult.objects.filter(check_key__in=summaries)
        .values("check_key")
        .annotate(last=Max("pk"))
        .order_by()
    )
    for result in CheckResult.objects.filter(pk__in=[row["last"] for row in latest]):
        summaries[result.check_key].last_result = result
    per_run: dict[tuple[int, str], int] = {
        (run_id, key): open_after
        for run_id, key, open_after in CheckResult.objects.filter(
            run__in=runs, check_key__in=summaries
        ).values_list("run_id", "check_key", "open_after")
    }
    for summary in summaries.values():
        summary.trend = [per_run.get((run.pk, summary.check.key), 0) for run in runs]
    rank: dict[str, int] = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}
    return sorted(
        summaries.values(),
        key=lambda s: (rank[s.check.severity], -s.unresolved, str(s.check.title)),
    )


def trend_runs(limit: int = TREND_RUNS) -> list[CheckRun]:
    """The last finished runs of every check, oldest first."""
    runs = CheckRun.objects.filter(all_checks=True, finished_at__isnull=False).order_by(
        "-started_at", "-pk"
    )[:limit]
    return list(reversed(runs))


@dataclass(frozen=True)
class TrendPoint:
    run: CheckRun
    by_severity: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def severity_trend(*, runs: list[CheckRun], team: str = "") -> list[TrendPoint]:
    """Open findings after each of `runs` (trend_runs()), per severity (the chart)."""
    results = CheckResult.objects.filter(run__in=runs)
    if team:
        results = results.filter(team=team)
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for row in results.values("run_id", "severity").annotate(open=Sum("open_after")).order_by():
        totals[row["run_id"]][row["severity"]] = row["open"]
    return [
        TrendPoint(run=run, by_severity={s: totals[run.pk].get(s, 0) for s in SEVERITY_ORDER})
        for run in runs
    ]


def latest_run() -> CheckRun | None:
    return CheckRun.objects.order_by("-started_at", "-pk").first()


@dataclass(frozen=True)
class RunProgress:
    """How far a run has come: `done` of its `total` checks, and the title
    of the check it is doing (empty once finished)."""

    run: CheckRun
    done: int
    current: str

    @property
    def total(self) -> int:
        return self.run.total

    @property
    def running(self) -> bool:
        return self.run.status == RunStatus.RUNNING

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


def _progress(run: CheckRun) -> RunProgress:
    done = set(run.results.values_list("check_key", flat=True))
    waiting = [key for key in run.check_keys if key not in done and key in CHECKS]
    current = str(CHECKS[waiting[0]].title) if waiting and run.status == RunStatus.RUNNING else ""
    return RunProgress(run=run, done=len(done), current=current)


def run_running() -> RunProgress | None:
    """The run that holds the lock now, with its progress (two queries)."""
    run = CheckRun.objects.filter(status=RunStatus.RUNNING).select_related("started_by").first()
    return None if run is None else _progress(run)


def run_progress(*, pk: int) -> RunProgress:
    """One run's progress, for the dashboard's progress bar; 404 if none."""
    return _progress(get_object_or_404(CheckRun.objects.select_related("started_by"), pk=pk))


def run_detail_queryset() -> QuerySet[CheckRun]:
    return CheckRun.objects.select_related("started_by").prefetch_related("results")


def subject_admin_url(finding: Finding) -> str | None:
    """The admin page of what the finding is about, when the admin has one."""
    if finding.subject_type is None or finding.subject_id is None:
        return None
    content_type = finding.subject_type
    try:
        return reverse(
            f"admin:{content_type.app_label}_{content_type.model}_change",
            args=[finding.subject_id],
        )
    except NoReverseMatch:
        return None


def findings_new_for_digest(*, team: str, since: datetime.datetime | None) -> QuerySet[Finding]:
    """A team's findings opened (or reopened) since its last digest and
    still unresolved."""
    findings = Finding.objects.filter(team=team, status__in=UNRESOLVED)
    if since is not None:
        findings = findings.filter(opened_at__gt=since)
    return findings.select_related("subject_type").order_by("check_key", "subject_label")
