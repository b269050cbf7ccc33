"""`seed_demo` ends with the nightly compliance run, so a fresh demo's
dashboard has findings, a point of the trend and the digests to show; run
again on a seeded database it does not run the checks a second time."""

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.models import UNRESOLVED, CheckRun, DigestSent, Finding, RunStatus, RunTrigger
from compliance.registry import CHECKS
from compliance.selectors import trend_runs
from smartcoop.celery import app as celery_app
from tests.workers import purge_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_queued_tasks() -> Iterator[None]:
    """The seed queues its invoices' documents for a worker (none runs here)."""
    yield
    purge_broker(celery_app)


def test_the_demo_seed_ends_with_a_nightly_run_that_leaves_findings(no_queued_tasks):
    out = StringIO()
    call_command("seed_demo", members=12, invoices=30, bookings=20, stdout=out)
    run = CheckRun.objects.get()
    assert run.trigger == RunTrigger.SCHEDULE and run.all_checks
    assert run.status == RunStatus.DONE, list(run.results.filter(ok=False).values("error"))
    assert set(run.results.values_list("check_key", flat=True)) == set(CHECKS)
    unresolved = Finding.objects.filter(status__in=UNRESOLVED).count()
    assert run.found == unresolved > 0
    assert trend_runs() == [run]  # the dashboard's chart has its first column
    printed = out.getvalue()
    assert "Running the nightly compliance checks..." in printed
    assert f"{len(CHECKS)} checks, {run.found} problems found, 0 checks failed" in printed
    digests = DigestSent.objects.filter(run=run)
    for digest in digests:
        assert f"digest to {digest.get_team_display()}: {digest.findings} new findings" in printed
    if not digests:
        assert "no digest sent" in printed

    again = StringIO()
    call_command("seed_demo", if_empty=True, stdout=again)
    assert "compliance" not in again.getvalue().lower()
    assert CheckRun.objects.count() == 1
