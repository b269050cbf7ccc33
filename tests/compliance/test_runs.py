"""The run and the findings' life cycle: idempotent across runs, resolved
when gone, reopened when back, acknowledged and resolved by people with a
note, history kept; one failing check never stops the others."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from compliance import services
from compliance.models import (
    CheckResult,
    CheckRun,
    EventKind,
    Finding,
    FindingEvent,
    FindingStatus,
    RunStatus,
    RunTrigger,
)
from compliance.registry import CHECKS
from tests.compliance.conftest import problem
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

KEY = "test.scripted"


def run_scripted() -> CheckRun:
    return services.compliance_run(keys=[KEY])


def events(finding: Finding) -> list[str]:
    return list(finding.events.order_by("at", "pk").values_list("kind", flat=True))


def test_a_problem_found_opens_one_finding_about_its_subject(scripted):
    member = MemberFactory()
    scripted.problems = [problem(member.pk, count=3, label=str(member))]
    run = run_scripted()
    [finding] = Finding.objects.all()
    assert (finding.check_key, finding.subject_key) == (KEY, f"member:{member.pk}")
    assert finding.subject_type is not None
    assert finding.subject_type.model_class() is type(member)
    assert finding.subject_id == member.pk and finding.subject_label == str(member)
    assert finding.status == FindingStatus.OPEN
    assert (finding.severity, finding.team) == ("warning", "finance")
    assert finding.details == {"count": 3}
    assert finding.first_seen == finding.last_seen == finding.opened_at == run.started_at
    assert events(finding) == [EventKind.OPENED]
    assert run.status == RunStatus.DONE
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert (run.found, run.new, run.resolved, run.failed_checks) == (1, 1, 0, 0)
    [result] = run.results.all()
    assert (result.ok, result.found, result.new, result.resolved, result.open_after) == (
        True,
        1,
        1,
        0,
        1,
    )


def test_found_again_it_is_the_same_finding_with_a_later_last_seen(scripted):
    scripted.problems = [problem(1), problem(2)]
    first = run_scripted()
    scripted.problems = [problem(1, count=5), problem(2)]
    second = run_scripted()
    assert Finding.objects.count() == 2
    one = Finding.objects.get(subject_key="member:1")
    assert one.first_seen == first.started_at and one.last_seen == second.started_at
    assert one.last_run == second and one.details == {"count": 5}  # the latest figures
    assert events(one) == [EventKind.OPENED]  # nothing happened to it
    assert (second.found, second.new, second.resolved) == (2, 0, 0)


def test_a_problem_gone_is_resolved_by_the_next_run_and_reopens_if_it_comes_back(scripted):
    scripted.problems = [problem(1), problem(2)]
    run_scripted()
    scripted.problems = [problem(2)]
    second = run_scripted()
    gone = Finding.objects.get(subject_key="member:1")
    assert gone.status == FindingStatus.RESOLVED and gone.resolved_at == second.started_at
    assert gone.resolved_by is None
    assert events(gone) == [EventKind.OPENED, EventKind.AUTO_RESOLVED]
    assert (second.found, second.new, second.resolved) == (1, 0, 1)
    scripted.problems = [problem(1), problem(2)]
    third = run_scripted()
    gone.refresh_from_db()
    assert gone.status == FindingStatus.OPEN and gone.opened_at == third.started_at
    assert gone.resolved_at is None
    assert events(gone) == [EventKind.OPENED, EventKind.AUTO_RESOLVED, EventKind.REOPENED]
    assert third.new == 1 and third.results.get().reopened == 1
    assert Finding.objects.count() == 2


def test_running_twice_changes_nothing_but_last_seen(scripted):
    scripted.problems = [problem(n) for n in range(1, 6)]
    run_scripted()
    before = list(Finding.objects.order_by("pk").values("pk", "status", "details", "opened_at"))
    run_scripted()
    after = list(Finding.objects.order_by("pk").values("pk", "status", "details", "opened_at"))
    assert before == after and FindingEvent.objects.count() == 5


def test_the_check_sees_which_subjects_it_has_open_findings_about(scripted):
    scripted.problems = [problem(1), problem(2)]
    run_scripted()
    run_scripted()
    assert scripted.seen_contexts[0].open_subjects == frozenset()
    assert scripted.seen_contexts[1].open_subjects == {"member:1", "member:2"}


def test_one_failing_check_is_recorded_and_the_others_still_run(scripted, settings):
    scripted.problems = [problem(1)]
    run_scripted()
    scripted.fail = True
    other = next(key for key in CHECKS if key != KEY)
    run = services.compliance_run(keys=[KEY, other])
    assert run.status == RunStatus.PARTIAL and run.failed_checks == 1
    failed = run.results.get(check_key=KEY)
    assert not failed.ok and "the scripted check broke" in failed.error
    assert failed.open_after == 1  # its findings are left as they were, not resolved
    assert run.results.get(check_key=other).ok
    assert Finding.objects.get(check_key=KEY).status == FindingStatus.OPEN


def test_a_check_that_reports_one_subject_twice_fails_rather_than_guess(scripted):
    scripted.problems = [problem(1), problem(1)]
    run = run_scripted()
    assert not run.results.get().ok and "twice" in run.results.get().error
    assert not Finding.objects.exists()


def test_an_unknown_check_is_refused_in_the_users_language():
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        services.compliance_run(keys=["no.such.check"])
    assert "Contrôle inconnu" in str(refused.value)
    assert not CheckRun.objects.exists()


def test_a_full_run_runs_every_registered_check_and_marks_itself_complete():
    run = services.compliance_run()
    assert run.all_checks and run.trigger == RunTrigger.SCHEDULE
    assert set(run.results.values_list("check_key", flat=True)) == set(CHECKS)
    assert run.status == RunStatus.DONE, list(run.results.filter(ok=False).values("error"))


# --- People working the findings ----------------------------------------------------------


def test_acknowledging_keeps_it_open_with_who_and_the_note_and_the_next_run_keeps_that(scripted):
    scripted.problems = [problem(1)]
    run_scripted()
    finding = Finding.objects.get()
    staff = StaffFactory()
    services.finding_acknowledge(finding=finding, acting_user=staff, note="Called the member.")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACKNOWLEDGED and finding.acknowledged_by == staff
    assert finding.note == "Called the member."
    run_scripted()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACKNOWLEDGED  # still there, still being handled
    assert events(finding) == [EventKind.OPENED, EventKind.ACKNOWLEDGED]
    assert finding.events.get(kind=EventKind.ACKNOWLEDGED).by == staff
    scripted.problems = []
    run_scripted()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED  # fixed: resolved by the run


def test_resolving_by_hand_records_the_note_and_a_problem_still_there_reopens(scripted):
    scripted.problems = [problem(1)]
    run_scripted()
    finding = Finding.objects.get()
    staff = StaffFactory()
    services.finding_resolve(finding=finding, acting_user=staff, note="Paid in cash.")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RESOLVED and finding.resolved_by == staff
    run_scripted()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert events(finding) == [EventKind.OPENED, EventKind.RESOLVED, EventKind.REOPENED]
    assert finding.events.get(kind=EventKind.RESOLVED).note == "Paid in cash."


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Write a note that says what was done or decided."),
        ("nl", "Schrijf een notitie"),
        ("fr", "Écrivez une note"),
    ],
)
def test_a_blank_note_is_refused_in_the_users_language_and_nothing_changes(
    scripted, language, message
):
    scripted.problems = [problem(1)]
    run_scripted()
    finding = Finding.objects.get()
    with translation.override(language):
        for service in (services.finding_acknowledge, services.finding_resolve):
            with pytest.raises(ValidationError) as refused:
                service(finding=finding, acting_user=StaffFactory(), note="   ")
            assert message in str(refused.value)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.events.count() == 1


def test_only_an_open_finding_can_be_acknowledged_and_a_resolved_one_not_resolved_again(scripted):
    scripted.problems = [problem(1)]
    run_scripted()
    finding = Finding.objects.get()
    staff = StaffFactory()
    services.finding_resolve(finding=finding, acting_user=staff, note="Done.")
    with pytest.raises(ValidationError, match="Only an open finding"):
        services.finding_acknowledge(finding=finding, acting_user=staff, note="Seen.")
    with pytest.raises(ValidationError, match="already resolved"):
        services.finding_resolve(finding=finding, acting_user=staff, note="Again.")
    assert finding.events.count() == 2


def test_a_note_too_long_is_refused_and_nothing_changes(scripted):
    scripted.problems = [problem(1)]
    run_scripted()
    finding = Finding.objects.get()
    with pytest.raises(ValidationError, match="under 2000"):
        services.finding_resolve(finding=finding, acting_user=StaffFactory(), note="x" * 2001)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and finding.events.count() == 1


def test_a_run_has_one_result_per_check_and_the_database_refuses_a_second(scripted):
    run = run_scripted()
    result = CheckResult.objects.get(run=run, check_key=KEY)
    result.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        result.save()
