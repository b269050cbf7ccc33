"""What several test modules need alike, written once and public (no test
module imports a private name from another): test clients logged in as a
user or as staff with chosen permissions, a response's HTML, the first day of
next month, and a bank statement as the back office uploads it."""

import datetime
from typing import Any

from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from tests.factories import StaffFactory

# PBKDF2's deliberate slowness would dominate the suite's run time.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATEMENT_HEADER = (
    "date;amount;currency;communication;counterparty_name;counterparty_iban;transaction_id"
)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_client(
    *codenames: str, app_label: str | None = None, superuser: bool = False
) -> tuple[Client, User]:
    """A staff user with two-factor authentication on and exactly the
    permissions `codenames` (of `app_label` where a codename alone is
    ambiguous), logged in."""
    staff = StaffFactory(is_superuser=superuser)
    permissions = Permission.objects.filter(codename__in=codenames)
    if app_label is not None:
        permissions = permissions.filter(content_type__app_label=app_label)
    staff.user_permissions.add(*permissions)
    assert staff.user_permissions.count() == len(codenames), "a codename matched no permission"
    return logged_in(staff), staff


def text_of(response: Any) -> str:
    """The response's body as text (an HTML page, a CSV)."""
    return response.content.decode()


def first_of_next_month() -> datetime.date:
    today = timezone.localdate()
    return (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def bank_statement(*rows: str, final_newline: bool = False) -> bytes:
    """A bank statement CSV (the format both ledgers' upload reads)."""
    return "\n".join([STATEMENT_HEADER, *rows, *([""] if final_newline else [])]).encode()
