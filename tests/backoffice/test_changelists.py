"""Every admin changelist at the demo's shape answers with a fixed number of
queries, pinned here: a list that starts reading one row at a time (an N+1)
fails. Measured as an Administrators user (all permissions), the page warm
(session and rules catalogue cached), on a small demo made by the demo's own
seeds through the services."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.urls import reverse

from backoffice.roles import ADMINISTRATORS
from invoicing.demo import seed_invoices
from members.demo import seed_demo_logins, seed_members
from shares.demo import seed_shares
from tests.helpers import logged_in
from workspaces.demo import seed_workspaces

pytestmark = pytest.mark.django_db

# Queries per changelist page, warm. Most are: session, user, group
# permissions, two-factor check, the count, the page, and one per related
# table prefetched or filter listed.
PINNED: dict[str, int] = {
    "admin:account_emailaddress_changelist": 10,
    "admin:auth_group_changelist": 10,
    "admin:auth_user_changelist": 11,
    "admin:compliance_checkrun_changelist": 12,
    "admin:compliance_digestsent_changelist": 10,
    "admin:compliance_finding_changelist": 13,
    "admin:django_celery_beat_clockedschedule_changelist": 10,
    "admin:django_celery_beat_crontabschedule_changelist": 10,
    "admin:django_celery_beat_intervalschedule_changelist": 10,
    "admin:django_celery_beat_periodictask_changelist": 13,
    "admin:django_celery_beat_solarschedule_changelist": 10,
    "admin:documents_documentexport_changelist": 12,
    "admin:documents_documentfailure_changelist": 10,
    "admin:documents_invoicedelivery_changelist": 12,
    "admin:documents_invoicedocument_changelist": 12,
    "admin:einvoicing_einvoicedocument_changelist": 12,
    "admin:einvoicing_peppoltransmission_changelist": 10,
    "admin:governance_assembly_changelist": 10,
    "admin:governance_proxy_changelist": 11,
    "admin:invoicing_activity_changelist": 10,
    "admin:invoicing_client_changelist": 10,
    "admin:invoicing_invoice_changelist": 12,
    "admin:invoicing_invoicepayment_changelist": 12,
    "admin:invoicing_numbercounter_changelist": 12,
    "admin:invoicing_unmatchedbankline_changelist": 13,
    "admin:members_legalnamechange_changelist": 10,
    "admin:members_member_changelist": 10,
    "admin:members_nationalnumberaccess_changelist": 10,
    "admin:mfa_authenticator_changelist": 10,
    "admin:pay_activityaccount_changelist": 10,
    "admin:pay_ledgerentry_changelist": 12,
    "admin:pay_payrequest_changelist": 12,
    "admin:rules_rule_changelist": 10,
    "admin:rules_ruleversion_changelist": 13,
    "admin:shares_bankimport_changelist": 10,
    "admin:shares_exitrequest_changelist": 10,
    "admin:shares_payment_changelist": 11,
    "admin:shares_registerentry_changelist": 12,
    "admin:shares_subscription_changelist": 12,
    "admin:usersessions_usersession_changelist": 10,
    "admin:workspaces_booking_changelist": 13,
    "admin:workspaces_closure_changelist": 13,
    "admin:workspaces_location_changelist": 11,
    "admin:workspaces_maintenanceblock_changelist": 11,
    "admin:workspaces_resource_changelist": 11,
}


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        seed_members(40, log=_quiet)
        seed_demo_logins()
        seed_shares(log=_quiet)
        seed_invoices(120, log=_quiet)
        seed_workspaces(bookings=200, log=_quiet)
        yield
        transaction.set_rollback(True)


def _administrator() -> User:
    return User.objects.get(groups__name=ADMINISTRATORS)


def _changelists() -> list[str]:
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
    )


@pytest.mark.parametrize("url_name", _changelists())
def test_each_changelist_answers_with_its_pinned_number_of_queries(
    demo: None, url_name: str, django_assert_num_queries: Any
) -> None:
    client = logged_in(_administrator())
    url = reverse(url_name)
    assert client.get(url).status_code == 200  # warm: session, catalogue, content types
    with django_assert_num_queries(PINNED[url_name]):
        assert client.get(url).status_code == 200


def test_every_changelist_is_pinned() -> None:
    assert sorted(PINNED) == _changelists()
    assert Group.objects.filter(name=ADMINISTRATORS).exists()
