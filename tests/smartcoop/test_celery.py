"""Tasks through a real Redis broker and an in-process worker on its own
Redis database (CELERY_BROKER_URL from scripts/services.sh, db 2)."""

import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail

from members import services, tasks
from members.models import LegalNameChange
from smartcoop.celery import app as celery_app
from tests.factories import MemberFactory, StaffFactory


def test_task_defaults_follow_the_architecture():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_connection_timeout <= 2
    assert conf.broker_transport_options["socket_timeout"] <= 2
    assert conf.task_publish_retry is False
    assert conf.timezone == "Europe/Brussels"


@pytest.fixture
def worker(seed_data: None) -> Iterator[None]:
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
        yield


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.celery
def test_decision_email_is_sent_by_a_real_worker_after_commit(worker):
    assert celery_app.conf.task_always_eager is False
    member = MemberFactory(language="fr")
    change = services.member_legal_name_change_request(
        member=member, new_name="Julien Renard", acting_user=member.user
    )
    services.member_legal_name_change_decide(
        change=change, approve=False, acting_user=StaffFactory(), note="Pièce d'identité illisible."
    )
    assert _wait_for(lambda: len(mail.outbox) == 1)
    message = mail.outbox[0]
    assert message.subject == "Votre nouveau nom légal n'a pas été approuvé"
    assert "Pièce d'identité illisible." in message.body
    assert _wait_for(lambda: LegalNameChange.objects.get(pk=change.pk).notified_at is not None)

    # Delivered twice (a redelivery after a worker died): still one email.
    finished: dict[str, object] = {}

    def on_postrun(task_id: str, retval: object, **kwargs: object) -> None:
        finished[task_id] = retval

    task_postrun.connect(on_postrun, weak=False)
    try:
        again = tasks.legal_name_change_notify.delay(change.pk)
        assert _wait_for(lambda: again.id in finished)
    finally:
        task_postrun.disconnect(on_postrun)
    assert finished[again.id] is False
    assert len(mail.outbox) == 1
