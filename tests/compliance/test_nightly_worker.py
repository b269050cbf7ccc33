"""The nightly run end to end: the beat entry the migration created, sent by
django-celery-beat's own scheduler to the real Redis broker, run by a real
Celery worker process (`celery -A smartcoop worker`, as in production),
recorded as a run with a result per check and the finding it made."""

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from compliance.models import CheckRun, Finding, RunStatus, RunTrigger
from compliance.registry import CHECKS
from smartcoop.celery import app as celery_app
from tests.factories import ClientFactory, PaidMemberFactory, issued_invoice
from tests.workers import WorkerProcess, purge_broker, wait_for

NIGHTLY = "Compliance: nightly checks"


@pytest.fixture
def worker(seed_data: None, tmp_path: Path) -> Iterator[WorkerProcess]:
    purge_broker(celery_app)
    process = WorkerProcess(
        broker_url=celery_app.conf.broker_read_url,
        log=tmp_path / "worker.log",
        queues=("celery",),
    )
    try:
        yield process.start()
    finally:
        process.stop()
        purge_broker(celery_app)


@pytest.mark.celery
def test_the_beat_entry_is_sent_by_the_scheduler_and_a_real_worker_records_a_run(worker):
    assert celery_app.conf.task_always_eager is False
    member = PaidMemberFactory(legal_name="Wout Claes")
    # Issued on 1 September with 30 days to pay: overdue tonight.
    issued_invoice(
        member,
        client=ClientFactory(member=member),
        supply_date=datetime.date(2026, 9, 1),
        today=datetime.date(2026, 9, 1),
    )
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    # The scheduler's own entry for the row (its `schedule` lists only the
    # crontab rows due within the hour, so not this one at test time).
    entry = scheduler.Entry(PeriodicTask.objects.get(name=NIGHTLY), app=celery_app)
    assert entry.task == "compliance.nightly"
    assert entry.schedule.hour == {2} and entry.schedule.minute == {0}
    assert str(entry.schedule.tz) == "Europe/Brussels"

    scheduler.apply_async(entry)  # what beat does when the entry is due
    scheduler.close()
    run = wait_for(lambda: CheckRun.objects.filter(finished_at__isnull=False).first(), timeout=180)
    assert run is not None, f"the worker recorded no run\n{worker.output()}"
    assert run.trigger == RunTrigger.SCHEDULE and run.all_checks
    assert run.status == RunStatus.DONE, list(run.results.filter(ok=False).values("error"))
    assert set(run.results.values_list("check_key", flat=True)) == set(CHECKS)
    overdue = Finding.objects.get(check_key="invoices.overdue")
    assert overdue.subject_id == member.pk and overdue.last_run == run
    worker.wait_for_log(r"Task compliance\.nightly\[[^\]]+\] succeeded")
