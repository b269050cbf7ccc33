"""Shared fixtures. The suite runs on the PostgreSQL and Redis that
scripts/test.sh starts (`make pytest`, `make test`), never on the embedded
SQLite: the database's constraints, triggers and the compliance SQL are part
of what it checks. Without them it stops at once and says so."""

import os
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from members.models import Member
from smartcoop.celery import app as celery_app
from smartcoop.lib.tasks import broker_breaker_reset
from tests.clock import TODAY, on
from tests.factories import MemberFactory, StaffFactory, UserFactory
from tests.helpers import FAST_HASHERS

# `smtp`: a real SMTP server on loopback; `access_point`: a Peppol access point on loopback.
pytest_plugins = ["tests.mailbox", "tests.access_point"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM

WITHOUT_SERVICES = (
    "The test suite runs on PostgreSQL and Redis, and DATABASE_URL and REDIS_URL name none. "
    "Run `make pytest` (the suite without the browser and worker tests) or `make test` "
    "(the gates and everything): they start a throwaway PostgreSQL and Redis and stop them after."
)
NOT_PER_WORKER = (
    "pytest-xdist needs the settings tests.settings (pyproject.toml), which give each worker "
    "its own Redis databases and documents folder; unset DJANGO_SETTINGS_MODULE={}."
)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to start on the embedded settings, before any test is collected."""
    database = settings.DATABASES["default"]["ENGINE"]
    if database != "django.db.backends.postgresql" or not settings.REDIS_URL.startswith("redis://"):
        raise pytest.UsageError(WITHOUT_SERVICES)
    in_parallel = getattr(config.option, "numprocesses", None)  # pytest-xdist's -n
    if in_parallel and settings.SETTINGS_MODULE != "tests.settings":
        raise pytest.UsageError(NOT_PER_WORKER.format(settings.SETTINGS_MODULE))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2's deliberate slowness would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _static_storage_without_manifest(settings) -> None:
    """scripts/test.sh runs collectstatic first, as production does; a bare
    `pytest` with DATABASE_URL set has no manifest, so it falls back to the
    plain storage rather than failing on every {% static %}."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" in backend and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request's language stays active in its thread; each test starts in English."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """allauth's rate limits live in the cache; each test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _celery_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run eagerly unless a test asks for a real worker (marker celery)."""
    broker_breaker_reset()  # a test that stopped a broker leaves no open breaker behind
    eager = request.node.get_closest_marker("celery") is None
    previous = celery_app.conf.task_always_eager
    previous_propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = eager
    # An eager task that fails must fail the test, not vanish in its result.
    celery_app.conf.task_eager_propagates = eager
    yield
    celery_app.conf.task_always_eager = previous
    celery_app.conf.task_eager_propagates = previous_propagates


def restore_seed_data() -> None:
    """Transactional tests (browser, Celery worker) end by emptying every table,
    data migrations' rows included; put back what the migrations seed."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    from backoffice.roles import apply_roles
    from members.models import MemberNumberCounter
    from rules.models import Rule
    from shares.models import ShareCounter

    MemberNumberCounter.objects.get_or_create(pk=1)
    ShareCounter.objects.get_or_create(pk=1)
    legal_group = import_module("rules.migrations.0003_legal_group")
    legal_group.ensure_legal_group(Group, Permission)
    if not Rule.objects.exists():
        import_module("rules.migrations.0004_seed_catalogue").seed(global_apps, None)
        import_module("invoicing.migrations.0011_seed_vat_bases").seed(global_apps, None)
    import_module("governance.migrations.0002_seed_catalogue").seed(global_apps, None)
    import_module("pay.migrations.0003_seed_rules").seed(global_apps, None)
    import_module("invoicing.migrations.0006_documents_are_final_and_swept").schedule_sweep(
        global_apps
    )
    import_module("documents.migrations.0002_content_types_and_sweep_task").up(global_apps, None)
    import_module("einvoicing.migrations.0002_content_types_and_sweep").up(global_apps, None)
    compliance_setup = import_module("compliance.migrations.0002_nightly_schedule_and_teams")
    compliance_setup.ensure_team_groups(Group, Permission)
    compliance_setup.schedule_nightly(global_apps)
    apply_roles(Group, Permission)  # backoffice's migrations: the staff roles


@pytest.fixture
def on_today() -> Iterator[None]:
    """The clock on tests.clock.TODAY for the whole test (tests that issue
    on that day and then look at what happened since)."""
    with on(TODAY):
        yield


@pytest.fixture
def seed_data(transactional_db: None) -> None:
    restore_seed_data()


@pytest.fixture
def member(db: None) -> Member:
    return MemberFactory()


@pytest.fixture
def other_member(db: None) -> Member:
    return MemberFactory()


@pytest.fixture
def member_client(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def staff_user(db: None) -> User:
    """A staff user with two-factor authentication on."""
    return StaffFactory()


@pytest.fixture
def staff_no_mfa(db: None) -> User:
    return StaffFactory(mfa=False)


@pytest.fixture
def plain_user(db: None) -> User:
    """An account without a member profile."""
    return UserFactory()
