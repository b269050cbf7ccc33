from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from smartcoop.lib.crypto import decrypt_text, encrypt_text
from smartcoop.lib.money import format_money, round_cents


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (Decimal("1234.56"), "nl", "€ 1.234,56"),
        (Decimal("1234.56"), "fr", "€ 1.234,56"),
        (Decimal("1234.56"), "en", "€1,234.56"),
        (Decimal("1234567.5"), "nl", "€ 1.234.567,50"),
        (Decimal("-30"), "en", "-€30.00"),
        (Decimal("0.005"), "nl", "€ 0,01"),
        (Decimal("999.995"), "en", "€1,000.00"),
    ],
)
def test_format_money(amount, language, expected):
    assert format_money(amount, language) == expected


def test_round_cents_refuses_float():
    with pytest.raises(TypeError):
        round_cents(0.1)  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4))
def test_round_cents_is_half_up_and_two_places(amount):
    rounded = round_cents(amount)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - amount) <= Decimal("0.005")


@given(st.text(max_size=50))
def test_encryption_round_trip_and_not_plaintext(text):
    token = encrypt_text(text)
    assert decrypt_text(token) == text
    if len(text) > 3:
        assert text not in token


def test_decrypt_with_a_wrong_key_is_loud(settings):
    token = encrypt_text("85073003328")
    settings.FIELD_ENCRYPTION_KEYS = ["a" * 43 + "="]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        decrypt_text(token)


def test_enqueue_on_commit_survives_a_dead_broker(db, settings, django_capture_on_commit_callbacks):
    """A broker that refuses connections must not fail the committed request."""
    from celery import Celery

    from smartcoop.celery import app as celery_app
    from smartcoop.lib.tasks import enqueue_on_commit

    # Current only while enqueueing: shared tasks of later tests must keep
    # resolving to the project's app, not to this dead one.
    dead = Celery("dead", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_transport_options = {"max_retries": 0, "socket_connect_timeout": 1}
    dead.conf.task_publish_retry = False

    @dead.task(name="dead.noop")
    def noop() -> None:  # pragma: no cover - never runs
        raise AssertionError

    dead.set_current()
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            enqueue_on_commit(noop.name)
    finally:
        celery_app.set_current()
    assert len(callbacks) == 1  # it was attempted after commit, and did not raise
