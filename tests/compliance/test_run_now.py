"""Staff's "run now": one run at a time (the lock is a running run, held by
a partial unique index), a second start refused with what the first is
doing, the progress after each check, a crashed run freed after
RUN_STALE_AFTER, the permissions, and a real worker doing the run."""

import datetime
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from compliance import services
from compliance.models import CheckRun, Finding, RunStatus, RunTrigger
from compliance.registry import CHECKS, Check, Context, Problem, Severity, Team
from compliance.selectors import RunProgress, run_progress, run_running
from smartcoop.celery import app as celery_app
from tests.clock import on
from tests.compliance.conftest import problem
from tests.factories import StaffFactory
from tests.helpers import staff_client, text_of
from tests.workers import in_process_worker, purge_broker, wait_for

KEY = "test.scripted"
PROGRESS_KEY = "test.progress"
DASHBOARD = "admin:compliance_dashboard"
RUN = "admin:compliance_run"
REFUSED = {
    "en": "The checks are already running",
    "nl": "De controles lopen al",
    "fr": "Les contrôles sont déjà en cours",
}
NONE_OF_ONE_DONE = {"en": "0 of 1 checks done", "nl": "0 van 1", "fr": "0 sur 1"}


class ProgressCheck(Check):
    """Looks at the run's progress while the run does it."""

    key = PROGRESS_KEY
    title = _("Progress check")
    description = _("Records the progress it sees.")
    severity = Severity.INFO
    team = Team.LEGAL
    seen: list[RunProgress | None] = []

    def find(self, ctx: Context) -> Iterable[Problem]:
        self.seen.append(run_running())
        return []

    def describe(self, details: dict[str, Any]) -> str:
        return ""


@pytest.fixture
def progress_check() -> Iterator[type[ProgressCheck]]:
    ProgressCheck.seen = []
    CHECKS[PROGRESS_KEY] = ProgressCheck()
    try:
        yield ProgressCheck
    finally:
        CHECKS.pop(PROGRESS_KEY, None)


# --- The service ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_a_second_start_while_one_runs_is_refused_in_the_users_language(scripted, language):
    staff = StaffFactory()
    # The request's transaction commits; its worker has not started yet.
    first = services.run_start(keys=[KEY], acting_user=staff)
    assert first.status == RunStatus.RUNNING and first.trigger == RunTrigger.STAFF
    with translation.override(language), pytest.raises(services.RunInProgress) as refused:
        services.run_start(keys=None, acting_user=StaffFactory())
    message = refused.value.messages[0]
    assert REFUSED[language] in message and NONE_OF_ONE_DONE[language] in message
    # Nor does the schedule run beside it.
    with pytest.raises(services.RunInProgress):
        services.compliance_run()
    assert CheckRun.objects.get() == first


@pytest.mark.django_db
def test_the_database_holds_one_running_run_whatever_the_code_does():
    now = timezone.now()
    fields = {"trigger": RunTrigger.STAFF, "checked_on": now.date(), "started_at": now}
    CheckRun.objects.create(**fields)
    CheckRun.objects.create(**fields, status=RunStatus.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckRun.objects.create(**fields)
    assert CheckRun.objects.filter(status=RunStatus.RUNNING).count() == 1


@pytest.mark.django_db
def test_the_progress_moves_after_each_check_and_the_finished_run_frees_the_lock(
    scripted, progress_check
):
    scripted.problems = [problem(1), problem(2)]
    staff = StaffFactory()
    run = services.run_start(keys=[KEY, PROGRESS_KEY], acting_user=staff)
    before = run_progress(pk=run.pk)
    assert (before.done, before.total, before.percent, before.running) == (0, 2, 0, True)
    assert before.current == "Scripted check"

    done = services.run_execute(run_id=run.pk)

    [seen] = progress_check.seen  # what the second check saw of its own run
    assert seen is not None and seen.run.pk == run.pk
    assert (seen.done, seen.total, seen.percent, seen.current) == (1, 2, 50, "Progress check")
    assert done.status == RunStatus.DONE and done.found == 2 and done.new == 2
    assert done.progressed_at is not None and done.progressed_at >= seen.run.progressed_at
    after = run_progress(pk=run.pk)
    assert (after.done, after.percent, after.running, after.current) == (2, 100, False, "")
    assert run_running() is None
    # Executed again (a redelivered task), the finished run is left alone.
    assert services.run_execute(run_id=run.pk).found == 2
    assert Finding.objects.count() == 2
    # And the next start is allowed.
    assert services.run_start(keys=[KEY], acting_user=staff).status == RunStatus.RUNNING


@pytest.mark.django_db
def test_a_run_that_made_no_progress_for_the_timeout_is_abandoned_and_no_longer_blocks(scripted):
    staff = StaffFactory()
    start = timezone.now()
    with on(start):
        crashed = services.run_start(keys=[KEY], acting_user=staff)
    almost = start + services.RUN_STALE_AFTER - datetime.timedelta(minutes=1)
    with on(almost), pytest.raises(services.RunInProgress):
        services.run_start(keys=[KEY], acting_user=staff)
    with on(start + services.RUN_STALE_AFTER + datetime.timedelta(minutes=1)):
        fresh = services.run_start(keys=[KEY], acting_user=staff)
        crashed.refresh_from_db()
        assert crashed.status == RunStatus.ABANDONED and crashed.finished_at is None
        # Its task arriving late does nothing.
        assert services.run_execute(run_id=crashed.pk).status == RunStatus.ABANDONED
        assert not crashed.results.exists()
        assert services.run_execute(run_id=fresh.pk).status == RunStatus.DONE


@pytest.mark.django_db
def test_an_unknown_or_empty_choice_of_checks_is_refused_and_nothing_is_recorded():
    staff = StaffFactory()
    with pytest.raises(ValidationError, match="Unknown check: nope"):
        services.run_start(keys=["nope"], acting_user=staff)
    with pytest.raises(ValidationError, match="Choose at least one check"):
        services.run_start(keys=[], acting_user=staff)
    assert not CheckRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_clicking_at_once_start_one_run(seed_data, scripted):
    """Two requests, two connections, started together: the second insert
    waits on the first's index entry, then is refused."""
    staff = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click(user: Any) -> None:
        try:
            barrier.wait()
            with transaction.atomic():  # the request's transaction
                services.run_start(keys=[KEY], acting_user=user)
                time.sleep(0.5)  # the other click inserts meanwhile, and waits
            outcomes.append("started")
        except services.RunInProgress:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=click, args=(user,)) for user in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "started"]
    # One run, which the (eager) task did once its transaction committed.
    assert CheckRun.objects.get().status == RunStatus.DONE


# --- The views -------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_the_permission_the_buttons_are_hidden_and_starting_answers_403(scripted):
    client, _staff = staff_client("view_finding", app_label="compliance")
    page = text_of(client.get(reverse(DASHBOARD)))
    assert 'id="run-all"' not in page and reverse(RUN) not in page
    assert client.post(reverse(RUN), {"check": ""}).status_code == 403
    assert client.get(reverse(RUN)).status_code == 403
    assert not CheckRun.objects.exists()
    with_run, _staff = staff_client("view_finding", "run_checks", app_label="compliance")
    page = text_of(with_run.get(reverse(DASHBOARD)))
    assert 'id="run-all"' in page and "Run all checks now" in page


@pytest.mark.django_db
def test_the_progress_view_needs_the_view_permission_and_an_existing_run(
    scripted, django_assert_num_queries
):
    run = services.run_start(keys=[KEY], acting_user=StaffFactory())
    url = reverse("admin:compliance_checkrun_progress", args=[run.pk])
    nobody, _staff = staff_client("view_checkrun", app_label="compliance")
    assert nobody.get(url).status_code == 403
    client, _staff = staff_client("view_finding", app_label="compliance")
    # Session, user, language, two-factor, two for permissions; the run, its results.
    with django_assert_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    html = text_of(page)
    assert 'hx-get="' + url + '"' in html and 'max="1" value="0"' in html
    assert "0 of 1 check (0 %)" in html
    missing = reverse("admin:compliance_checkrun_progress", args=[run.pk + 1000])
    assert client.get(missing).status_code == 404
    services.run_execute(run_id=run.pk)
    html = text_of(client.get(url))
    assert "hx-get" not in html and "1 of 1 check (100 %)" in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_a_second_click_shows_the_running_run_and_starts_nothing(scripted, language):
    client, staff = staff_client("view_finding", "run_checks", app_label="compliance")
    services.run_start(keys=[KEY], acting_user=staff)  # not executed: no commit in this test
    page = client.post(reverse(RUN), {"check": ""}, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    html = text_of(page)
    assert REFUSED[language] in html
    assert 'class="run-progress"' in html and "hx-get" in html  # the bar of the first run
    assert CheckRun.objects.count() == 1


# --- A real worker --------------------------------------------------------------------


@pytest.fixture
def broker(seed_data: None, tmp_path: Path) -> Iterator[None]:
    purge_broker(celery_app)
    yield
    purge_broker(celery_app)


@pytest.mark.celery
def test_run_now_is_done_by_a_real_worker_and_its_bar_reaches_the_end(broker, scripted):
    assert celery_app.conf.task_always_eager is False
    scripted.problems = [problem(7)]
    client, staff = staff_client("view_finding", "run_checks", app_label="compliance")
    with in_process_worker(celery_app, ["celery"]):
        response = client.post(reverse(RUN), {"check": KEY})
        assert response.status_code == 302
        run = CheckRun.objects.get()
        assert run.started_by == staff and run.trigger == RunTrigger.STAFF
        finished = wait_for(
            lambda: CheckRun.objects.filter(pk=run.pk, finished_at__isnull=False).first()
        )
    assert finished is not None, "the worker did not finish the run"
    assert finished.status == RunStatus.DONE and finished.found == 1
    assert Finding.objects.get().subject_id == 7
    url = reverse("admin:compliance_checkrun_progress", args=[run.pk])
    assert "1 of 1 check (100 %)" in text_of(client.get(url))
    # The lock is free again.
    assert run_running() is None
