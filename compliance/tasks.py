"""Celery tasks of compliance. The nightly task is what django-celery-beat
starts at 02:00 (migration 0002); staff runs go through `run_checks`, their
run already opened (and the lock taken) by the request that started them.
Running either twice only moves the findings' `last_seen`."""

from celery import Task, shared_task

from compliance.services import RunInProgress, nightly_run, run_execute

# A staff run going on at 02:00 delays the nightly run by this much, a few times.
NIGHTLY_RETRY_SECONDS = 300
NIGHTLY_RETRIES = 12


@shared_task(name="compliance.nightly", bind=True, max_retries=NIGHTLY_RETRIES)
def nightly(self: Task) -> int:
    """Run every check, then mail each team its new findings."""
    try:
        run, _digests = nightly_run()
    except RunInProgress as exc:
        raise self.retry(exc=exc, countdown=NIGHTLY_RETRY_SECONDS) from exc
    return run.pk


@shared_task(name="compliance.run_checks")
def run_checks(run_id: int) -> int:
    return run_execute(run_id=run_id).pk
