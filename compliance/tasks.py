"""Celery tasks of compliance. The nightly task is what django-celery-beat
starts at 02:00 (migration 0002); staff runs go through `run_checks`.
Running either twice only moves the findings' `last_seen`."""

from celery import shared_task
from django.contrib.auth.models import User

from compliance.models import RunTrigger
from compliance.services import compliance_run, digests_send


@shared_task(name="compliance.nightly")
def nightly() -> int:
    """Run every check, then mail each team its new findings."""
    run = compliance_run()
    digests_send(run=run)
    return run.pk


@shared_task(name="compliance.run_checks")
def run_checks(keys: list[str] | None = None, user_id: int | None = None) -> int:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    return compliance_run(keys=keys, trigger=RunTrigger.STAFF, acting_user=user).pk
