"""Compliance: the runs of the nightly checks, what each check found, and
the findings staff work through (domain.md, Compliance). This app writes
only these tables; it reads every other app through their selectors."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compliance.registry import Severity, Team


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Nightly schedule")
    STAFF = "staff", _("Started by staff")


class RunStatus(models.TextChoices):
    RUNNING = "running", pgettext_lazy("run status", "Running")
    DONE = "done", pgettext_lazy("run status", "Done")
    PARTIAL = "partial", pgettext_lazy("run status", "Done, some checks failed")
    # Stopped making progress (its worker died): no longer holds the lock.
    ABANDONED = "abandoned", pgettext_lazy("run status", "Stopped without finishing")


class CheckRun(models.Model):
    """One run of some or all checks; its results say what each check found."""

    trigger = models.CharField(_("started by"), max_length=10, choices=RunTrigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    checked_on = models.DateField(_("day checked"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    check_keys = models.JSONField(_("checks"), default=list)
    # Ran every registered check: the runs the dashboard's trend is drawn from.
    all_checks = models.BooleanField(_("all checks"), default=False)
    found = models.PositiveIntegerField(_("problems found"), default=0)
    new = models.PositiveIntegerField(_("new findings"), default=0)
    resolved = models.PositiveIntegerField(_("resolved by this run"), default=0)
    failed_checks = models.PositiveIntegerField(_("failed checks"), default=0)
    # Moves on after each check: a running run that has not moved for
    # services.RUN_STALE_AFTER is taken for crashed and stops holding the lock.
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("check run")
        verbose_name_plural = _("check runs")
        permissions = [("run_checks", _("Can run the compliance checks"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RunStatus]), name="checkrun_status_valid"
            ),
            # One run at a time, whoever starts it (two staff clicking at
            # once, or a click during the nightly run).
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="one_checkrun_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.get_trigger_display()})"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def total(self) -> int:
        return len(self.check_keys)


class CheckResult(models.Model):
    """What one check did in one run: its counts, its time, or its failure."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="results")
    check_key = models.CharField(_("check"), max_length=60)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    team = models.CharField(_("team"), max_length=16, choices=Team.choices)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), default=False)
    found = models.PositiveIntegerField(_("problems found"), default=0)
    new = models.PositiveIntegerField(_("new findings"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    open_after = models.PositiveIntegerField(_("open after the run"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["run", "check_key"]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "check_key"], name="one_result_per_check_and_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_key}: {self.found}"

    @property
    def milliseconds(self) -> int | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds() * 1000)


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("finding status", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("finding status", "Resolved")


UNRESOLVED = (FindingStatus.OPEN, FindingStatus.ACKNOWLEDGED)


class Finding(models.Model):
    """One problem, one row across all runs: found again, it is the same
    finding (last seen moves on); gone, it is resolved; back, it reopens.
    Every change of status is a FindingEvent."""

    check_key = models.CharField(_("check"), max_length=60)
    subject_key = models.CharField(_("subject"), max_length=120)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_label = models.CharField(_("about"), max_length=300)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    team = models.CharField(_("team"), max_length=16, choices=Team.choices)
    details = models.JSONField(_("details"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    opened_at = models.DateTimeField(_("opened at"))  # first seen, or reopened
    last_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = pgettext_lazy("compliance", "finding")
        verbose_name_plural = pgettext_lazy("compliance", "findings")
        constraints = [
            models.UniqueConstraint(
                fields=["check_key", "subject_key"], name="one_finding_per_check_and_subject"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in FindingStatus]),
                name="finding_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.RESOLVED) | Q(resolved_at__isnull=False),
                name="resolved_finding_has_a_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "team", "severity"]),
            models.Index(fields=["opened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.check_key}: {self.subject_label}"

    @property
    def is_open(self) -> bool:
        return self.status in UNRESOLVED


class EventKind(models.TextChoices):
    OPENED = "opened", pgettext_lazy("finding event", "Found")
    REOPENED = "reopened", pgettext_lazy("finding event", "Found again after being resolved")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("finding event", "Acknowledged")
    RESOLVED = "resolved", pgettext_lazy("finding event", "Resolved by staff")
    AUTO_RESOLVED = "auto_resolved", pgettext_lazy("finding event", "No longer found")


class FindingEvent(models.Model):
    """The history of a finding: who did what, when, with which note."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=14, choices=EventKind.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("finding event")
        verbose_name_plural = _("finding events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class DigestSent(models.Model):
    """A team's morning digest: which findings it listed went out when."""

    team = models.CharField(_("team"), max_length=16, choices=Team.choices)
    sent_at = models.DateTimeField(_("sent at"))
    run = models.ForeignKey(CheckRun, null=True, blank=True, on_delete=models.SET_NULL)
    findings = models.PositiveIntegerField(_("new findings listed"))
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")

    def __str__(self) -> str:
        return f"{self.get_team_display()} {self.sent_at:%Y-%m-%d}"
