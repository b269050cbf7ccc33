"""The nightly run end to end: the beat entry the migration created, sent by
django-celery-beat's own scheduler to the real Redis broker, run by a real
Celery worker, recorded as a run with a result per check."""

from collections.abc import Iterator

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from compliance.models import CheckRun, Finding, RunStatus, RunTrigger
from compliance.registry import CHECKS
from smartcoop.celery import app as celery_app
from tests.compliance.conftest import problem
from tests.invoicing.workers import (
    in_process_worker,
    needs_postgresql,
    needs_redis,
    purge_broker,
    wait_for,
)

NIGHTLY = "Compliance: nightly checks"


@pytest.fixture
def broker(seed_data: None) -> Iterator[None]:
    purge_broker(celery_app)
    yield
    purge_broker(celery_app)


@needs_redis
@needs_postgresql
@pytest.mark.celery
def test_the_beat_entry_is_sent_by_the_scheduler_and_a_real_worker_records_a_run(broker, scripted):
    assert celery_app.conf.task_always_eager is False
    scripted.problems = [problem(7)]
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    # The scheduler's own entry for the row (its `schedule` lists only the
    # crontab rows due within the hour, so not this one at test time).
    entry = scheduler.Entry(PeriodicTask.objects.get(name=NIGHTLY), app=celery_app)
    assert entry.task == "compliance.nightly"
    assert entry.schedule.hour == {2} and entry.schedule.minute == {0}
    assert str(entry.schedule.tz) == "Europe/Brussels"

    with in_process_worker(celery_app, ["celery"]):
        scheduler.apply_async(entry)  # what beat does when the entry is due
        run = wait_for(
            lambda: CheckRun.objects.filter(finished_at__isnull=False).first(), timeout=120
        )
    assert run is not None, "the worker recorded no run"
    assert run.trigger == RunTrigger.SCHEDULE and run.all_checks
    assert run.status == RunStatus.DONE, list(run.results.filter(ok=False).values("error"))
    assert set(run.results.values_list("check_key", flat=True)) == set(CHECKS)
    assert Finding.objects.get(check_key="test.scripted").last_run == run
