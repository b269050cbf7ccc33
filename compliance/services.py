"""Running the checks and working the findings.

A run records itself first, then gives each check its own transaction: a
check that fails is rolled back and recorded as failed, and the next one
runs. Inside a check the findings are reconciled as sets: what is found and
has no finding yet opens one, what was resolved and is found again reopens,
what is open and no longer found is resolved, and everything found moves its
`last_seen`. Running twice on the same day changes nothing but `last_seen`."""

import datetime
import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compliance.models import (
    UNRESOLVED,
    CheckResult,
    CheckRun,
    DigestSent,
    EventKind,
    Finding,
    FindingEvent,
    FindingStatus,
    RunStatus,
    RunTrigger,
)
from compliance.registry import CHECKS, TEAM_GROUPS, Check, Context, Problem, Team
from compliance.selectors import findings_new_for_digest, run_running, subject_admin_url
from smartcoop.lib.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

NOTE_MAX = 2000


RUN_TASK = "compliance.run_checks"  # the Celery task a staff run goes through
# A running run that has not finished a check for this long is taken for
# crashed (its worker died): it is marked abandoned and stops holding the
# lock. A full run takes well under a minute at the cooperative's size and the
# slowest check a few seconds (docs/decisions.md).
RUN_STALE_AFTER = datetime.timedelta(minutes=30)


class RunInProgress(ValidationError):
    """A run was asked for while another one runs."""


def compliance_run(
    *,
    keys: Iterable[str] | None = None,
    trigger: str = RunTrigger.SCHEDULE,
    acting_user: User | None = None,
) -> CheckRun:
    """Run the given checks (all when None) here and now, and return the
    finished run. Refused with RunInProgress while another run runs."""
    run = _run_open(keys=keys, trigger=trigger, acting_user=acting_user)
    return run_execute(run_id=run.pk)


def nightly_run() -> tuple[CheckRun, list[DigestSent]]:
    """What the nightly schedule does (and `seed_demo` once): every check,
    then each team's digest of its new findings."""
    run = compliance_run()
    return run, digests_send(run=run)


def run_start(*, keys: Iterable[str] | None, acting_user: User) -> CheckRun:
    """Staff's "run now": take the lock (a running run) here, in the
    request, so a second start is refused at once; a worker does the checks
    (a full run takes tens of seconds: not inside a web request)."""
    run = _run_open(keys=keys, trigger=RunTrigger.STAFF, acting_user=acting_user)
    enqueue_on_commit(RUN_TASK, run.pk)
    return run


def _run_open(*, keys: Iterable[str] | None, trigger: str, acting_user: User | None) -> CheckRun:
    wanted = list(CHECKS) if keys is None else list(keys)
    unknown = [key for key in wanted if key not in CHECKS]
    if unknown:
        raise ValidationError(_("Unknown check: %(keys)s") % {"keys": ", ".join(unknown)})
    if not wanted:
        raise ValidationError(_("Choose at least one check to run."))
    now = timezone.now()
    with transaction.atomic():
        _runs_abandon_stale(now)
        try:
            # A savepoint: the partial unique index refuses a second running
            # run, also when two staff click at the same moment (the second
            # insert waits for the first to commit, then fails).
            with transaction.atomic():
                return CheckRun.objects.create(
                    trigger=trigger,
                    started_by=acting_user,
                    started_at=now,
                    progressed_at=now,
                    checked_on=timezone.localdate(now),
                    check_keys=wanted,
                    all_checks=set(wanted) == set(CHECKS),
                )
        except IntegrityError:
            pass
    raise _in_progress_error()


def _runs_abandon_stale(now: datetime.datetime) -> None:
    cutoff = now - RUN_STALE_AFTER
    stale = CheckRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, started_at__lt=cutoff)
    )
    for pk in stale.values_list("pk", flat=True):
        logger.warning("Compliance run %s made no progress for %s: abandoned", pk, RUN_STALE_AFTER)
    stale.update(status=RunStatus.ABANDONED)


def _in_progress_error() -> RunInProgress:
    current = run_running()
    if current is None:  # it finished in between: the click may be tried again
        return RunInProgress(_("Another run of the checks was just starting. Try again."))
    return RunInProgress(
        _(
            "The checks are already running (started at %(time)s, %(done)d of %(total)d "
            "checks done). Wait until that run has finished; its progress shows on the "
            "dashboard."
        )
        % {
            "time": date_format(timezone.localtime(current.run.started_at), "H:i"),
            "done": current.done,
            "total": current.total,
        }
    )


def run_execute(*, run_id: int) -> CheckRun:
    """Do the checks of an opened run, one transaction each, recording the
    progress after each; then its totals and status, which free the lock.
    A run delivered twice (a worker lost after a check) skips the checks it
    has a result for; a run no longer running (abandoned) is left alone."""
    run = CheckRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        logger.warning("Compliance run %s is %s: not run again", run.pk, run.status)
        return run
    done = set(run.results.values_list("check_key", flat=True))
    for key in run.check_keys:
        if key in done:
            continue
        check = CHECKS.get(key)
        if check is None:  # removed by a deploy between the click and the worker
            logger.warning("Compliance run %s: no check %s any more", run.pk, key)
            continue
        _run_check(run, check)
        CheckRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now())
    totals = run.results.aggregate(
        found=Coalesce(Sum("found"), 0),
        new=Coalesce(Sum(F("new") + F("reopened")), 0),
        resolved=Coalesce(Sum("resolved"), 0),
        failed=Count("pk", filter=Q(ok=False)),
    )
    run.found, run.new = totals["found"], totals["new"]
    run.resolved, run.failed_checks = totals["resolved"], totals["failed"]
    run.finished_at = run.progressed_at = timezone.now()
    run.status = RunStatus.DONE if run.failed_checks == 0 else RunStatus.PARTIAL
    run.save(
        update_fields=[
            "found",
            "new",
            "resolved",
            "failed_checks",
            "finished_at",
            "progressed_at",
            "status",
        ]
    )
    logger.info(
        "Compliance run %s: %s checks, %s found, %s new, %s resolved, %s failed",
        run.pk,
        len(run.check_keys),
        run.found,
        run.new,
        run.resolved,
        run.failed_checks,
    )
    return run


def _run_check(run: CheckRun, check: Check) -> CheckResult:
    result = CheckResult(
        run=run,
        check_key=check.key,
        severity=check.severity,
        team=check.team,
        started_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            _lock(check.key)
            _reconcile(run, check, result)
            result.ok = True
    except Exception:  # one failing check never stops the others
        logger.exception("Compliance check %s failed", check.key)
        result.ok = False
        result.found = result.new = result.reopened = result.resolved = 0
        result.error = traceback.format_exc(limit=8)[-4000:]
        result.open_after = Finding.objects.filter(
            check_key=check.key, status__in=UNRESOLVED
        ).count()
    result.finished_at = timezone.now()
    result.save()
    return result


def _lock(key: str) -> None:
    """Two runs of one check (the schedule and a staff click) take turns, so
    neither sees the other's half-reconciled findings. SQLite's immediate
    transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"compliance:{key}"])
            # Checks stream their results with server-side cursors, which
            # PostgreSQL plans for the first 10% of rows (nested loops, index
            # order); a check reads them all, so plan for all of them.
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
            # Compiling the big scans (JIT) costs more than it saves here:
            # about 1.5 s of the numbering check on a million invoices.
            cursor.execute("SET LOCAL jit = off")


@dataclass(frozen=True)
class _Known:
    pk: int
    status: str
    label: str
    details: dict[str, Any]


def _reconcile(run: CheckRun, check: Check, result: CheckResult) -> None:
    now = run.started_at
    known = {
        key: _Known(pk, status, label, details)
        for pk, key, status, label, details in Finding.objects.filter(
            check_key=check.key
        ).values_list("pk", "subject_key", "status", "subject_label", "details")
    }
    open_keys = frozenset(key for key, row in known.items() if row.status in UNRESOLVED)
    ctx = Context(today=run.checked_on, now=now, open_subjects=open_keys)
    problems: dict[str, Problem] = {}
    for problem in check.find(ctx):
        if problem.key in problems:
            raise ValueError(f"{check.key} found {problem.key!r} twice")
        problems[problem.key] = problem

    created = [
        _new_finding(run, check, problem) for key, problem in problems.items() if key not in known
    ]
    Finding.objects.bulk_create(created, batch_size=1000)
    reopened = [
        row.pk
        for key, row in known.items()
        if key in problems and row.status == FindingStatus.RESOLVED
    ]
    gone = [row.pk for key, row in known.items() if key in open_keys and key not in problems]
    changed = [
        Finding(pk=row.pk, subject_label=problems[key].label[:300], details=problems[key].details)
        for key, row in known.items()
        if key in problems
        and (row.details != problems[key].details or row.label != problems[key].label[:300])
    ]
    if reopened:
        Finding.objects.filter(pk__in=reopened).update(
            status=FindingStatus.OPEN,
            opened_at=now,
            resolved_at=None,
            resolved_by=None,
            acknowledged_at=None,
            acknowledged_by=None,
        )
    if gone:
        Finding.objects.filter(pk__in=gone).update(status=FindingStatus.RESOLVED, resolved_at=now)
    if changed:
        Finding.objects.bulk_update(changed, ["subject_label", "details"], batch_size=500)
    seen = [row.pk for key, row in known.items() if key in problems]
    for start in range(0, len(seen), 5000):
        chunk = seen[start : start + 5000]
        Finding.objects.filter(pk__in=chunk).update(last_seen=now, last_run=run)
    events = [FindingEvent(finding=f, kind=EventKind.OPENED) for f in created]
    events += [FindingEvent(finding_id=pk, kind=EventKind.REOPENED) for pk in reopened]
    events += [FindingEvent(finding_id=pk, kind=EventKind.AUTO_RESOLVED) for pk in gone]
    for event in events:
        event.at, event.run = now, run
    FindingEvent.objects.bulk_create(events, batch_size=1000)
    result.found = len(problems)
    result.new = len(created)
    result.reopened = len(reopened)
    result.resolved = len(gone)
    result.open_after = Finding.objects.filter(check_key=check.key, status__in=UNRESOLVED).count()


def _new_finding(run: CheckRun, check: Check, problem: Problem) -> Finding:
    now = run.started_at
    return Finding(
        check_key=check.key,
        subject_key=problem.key,
        subject_type=_content_type(problem.subject[0]),
        subject_id=problem.subject[1],
        subject_label=problem.label[:300],
        severity=check.severity,
        team=check.team,
        details=problem.details,
        first_seen=now,
        last_seen=now,
        opened_at=now,
        last_run=run,
    )


def _content_type(label: str) -> ContentType:
    app_label, model = label.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model)


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a note that says what was done or decided.")})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}}
        )
    return note


def finding_acknowledge(*, finding: Finding, acting_user: User, note: str) -> Finding:
    """Someone has seen it and is on it; it stays open until it is gone."""
    return _finding_decide(
        finding=finding,
        acting_user=acting_user,
        note=note,
        status=FindingStatus.ACKNOWLEDGED,
        allowed_from=(FindingStatus.OPEN,),
        refusal=_("Only an open finding can be acknowledged."),
        event=EventKind.ACKNOWLEDGED,
    )


def finding_resolve(*, finding: Finding, acting_user: User, note: str) -> Finding:
    """Someone fixed it or decided it is in order. If the next run still
    finds the problem, the finding reopens with this history."""
    return _finding_decide(
        finding=finding,
        acting_user=acting_user,
        note=note,
        status=FindingStatus.RESOLVED,
        allowed_from=UNRESOLVED,
        refusal=_("This finding is already resolved."),
        event=EventKind.RESOLVED,
    )


@transaction.atomic
def _finding_decide(
    *,
    finding: Finding,
    acting_user: User,
    note: str,
    status: str,
    allowed_from: Iterable[str],
    refusal: str,
    event: str,
) -> Finding:
    """Move a finding to `status` (acknowledged or resolved) with who, when
    and the note, and record the event; its row is locked meanwhile."""
    note = _clean_note(note)
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.status not in allowed_from:
        raise ValidationError(refusal)
    now = timezone.now()
    locked.status = status
    setattr(locked, f"{status}_at", now)  # acknowledged_at, resolved_at
    setattr(locked, f"{status}_by", acting_user)
    locked.note = note
    locked.save(update_fields=["status", f"{status}_at", f"{status}_by", "note"])
    FindingEvent.objects.create(finding=locked, kind=event, at=now, by=acting_user, note=note)
    return locked


# --- The morning digest ---------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    title: str
    sentence: str
    label: str
    url: str | None


def digests_send(*, run: CheckRun | None = None) -> list[DigestSent]:
    """Mail each team the findings opened since its last digest, in each
    recipient's language. A team with nothing new gets no email; a team
    whose email fails keeps its findings for tomorrow's digest."""
    sent = []
    for team in Team:
        try:
            digest = _digest_send(team=team, run=run)
        except Exception:
            logger.exception("The %s compliance digest could not be sent", team)
            continue
        if digest is not None:
            sent.append(digest)
    return sent


def _digest_send(*, team: str, run: CheckRun | None) -> DigestSent | None:
    last = DigestSent.objects.filter(team=team).order_by("-sent_at").first()
    findings = list(findings_new_for_digest(team=team, since=last.sent_at if last else None))
    if not findings:
        return None
    recipients = list(
        User.objects.filter(groups__name=TEAM_GROUPS[team], is_active=True, is_staff=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", "member__language")
    )
    if not recipients:
        logger.warning("The %s team has no staff member with an email for its digest", team)
        return None
    now = timezone.now()
    for email, language in recipients:
        with translation.override(language or settings.LANGUAGE_CODE):
            _digest_message(team=team, findings=findings, to=email).send()
    return DigestSent.objects.create(
        team=team,
        sent_at=now,
        run=run,
        findings=len(findings),
        recipients=[email for email, _language in recipients],
    )


DIGEST_LINES_PER_CHECK = 50


def _digest_message(*, team: str, findings: list[Finding], to: str) -> EmailMultiAlternatives:
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check_key, []).append(finding)
    site = settings.SITE_URL.rstrip("/")
    dashboard = site + reverse("admin:compliance_dashboard")
    sections = []
    for key, rows in by_check.items():
        check = CHECKS.get(key)
        if check is None:  # a check removed since
            continue
        lines = []
        for finding in rows[:DIGEST_LINES_PER_CHECK]:
            url = subject_admin_url(finding)
            line = DigestLine(
                title=str(check.title),
                sentence=check.describe(finding.details),
                label=finding.subject_label,
                url=f"{site}{url}" if url else None,
            )
            lines.append(line)
        sections.append(
            {
                "check": check,
                "lines": lines,
                "more": max(0, len(rows) - DIGEST_LINES_PER_CHECK),
                "url": f"{dashboard}?{urlencode({'check': key})}",
            }
        )
    context = {
        "team": Team(team).label,
        "count": len(findings),
        "sections": sections,
        "dashboard": f"{dashboard}?{urlencode({'team': team})}",
    }
    subject = ngettext(
        "Compliance, %(team)s: %(count)d new finding",
        "Compliance, %(team)s: %(count)d new findings",
        len(findings),
    ) % {"team": Team(team).label, "count": len(findings)}
    message = EmailMultiAlternatives(
        subject, render_to_string("compliance/email/digest.txt", context), None, [to]
    )
    html = render_to_string("compliance/email/digest.html", context)
    message.attach_alternative(html, "text/html")
    return message
