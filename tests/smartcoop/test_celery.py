"""Tasks through a real Redis broker and an in-process worker on its own
Redis database (CELERY_BROKER_URL from scripts/services.sh, db 2)."""

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from members import services, tasks
from members.models import LegalNameChange
from smartcoop.celery import app as celery_app
from tests.factories import MemberFactory, StaffFactory
from tests.workers import finished_tasks, wait_for

WAIT = 20.0  # seconds


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
    assert wait_for(lambda: len(mail.outbox) == 1, timeout=WAIT)
    message = mail.outbox[0]
    assert message.subject == "Votre nouveau nom légal n'a pas été approuvé"
    assert "Pièce d'identité illisible." in message.body
    assert wait_for(
        lambda: LegalNameChange.objects.get(pk=change.pk).notified_at is not None, timeout=WAIT
    )

    # Delivered twice (a redelivery after a worker died): still one email.
    with finished_tasks() as finished:
        again = tasks.legal_name_change_notify.delay(change.pk)
        assert wait_for(lambda: again.id in finished, timeout=WAIT)
    assert finished[again.id] is False
    assert len(mail.outbox) == 1
