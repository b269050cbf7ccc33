"""The staff roles, pinned: for each group, what the admin lets it view, add,
change and delete on every model it shows, and the back-office actions it may
open. The groups come from backoffice's migration (never clicked by hand); a
model added to the admin without a decision for every role fails here."""

from typing import Any

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.test import RequestFactory
from django.urls import reverse

from backoffice.roles import ADMINISTRATORS, EXTRA, ROLES, codenames
from members.demo import seed_demo_logins
from tests.factories import StaffFactory
from tests.helpers import logged_in

pytestmark = pytest.mark.django_db

# What each group can do in the admin, model by model: v(iew), a(dd),
# c(hange), d(elete). Read-only admins (rows that change only through their
# services) show no a/c/d to anyone; those writes are the actions below.
ADMIN_MATRIX = {
    "Finance": {
        "account.emailaddress": "",
        "auth.group": "",
        "auth.user": "",
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "v",
        "django_celery_beat.clockedschedule": "",
        "django_celery_beat.crontabschedule": "",
        "django_celery_beat.intervalschedule": "",
        "django_celery_beat.periodictask": "",
        "django_celery_beat.solarschedule": "",
        "documents.documentexport": "v",
        "documents.documentfailure": "v",
        "documents.invoicedelivery": "v",
        "documents.invoicedocument": "v",
        "einvoicing.einvoicedocument": "v",
        "einvoicing.peppoltransmission": "v",
        "governance.assembly": "",
        "governance.proxy": "",
        "invoicing.activity": "v",
        "invoicing.client": "v",
        "invoicing.invoice": "v",
        "invoicing.invoicepayment": "v",
        "invoicing.numbercounter": "v",
        "invoicing.unmatchedbankline": "v",
        "members.legalnamechange": "",
        "members.member": "v",
        "members.nationalnumberaccess": "",
        "mfa.authenticator": "",
        "pay.activityaccount": "v",
        "pay.ledgerentry": "v",
        "pay.payrequest": "vc",
        "rules.rule": "v",
        "rules.ruleversion": "v",
        "shares.bankimport": "v",
        "shares.exitrequest": "vc",
        "shares.payment": "v",
        "shares.registerentry": "v",
        "shares.subscription": "v",
        "usersessions.usersession": "",
        "workspaces.booking": "",
        "workspaces.closure": "",
        "workspaces.location": "",
        "workspaces.maintenanceblock": "",
        "workspaces.resource": "",
    },
    "Member services": {
        "account.emailaddress": "",
        "auth.group": "",
        "auth.user": "",
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "v",
        "django_celery_beat.clockedschedule": "",
        "django_celery_beat.crontabschedule": "",
        "django_celery_beat.intervalschedule": "",
        "django_celery_beat.periodictask": "",
        "django_celery_beat.solarschedule": "",
        "documents.documentexport": "",
        "documents.documentfailure": "",
        "documents.invoicedelivery": "",
        "documents.invoicedocument": "",
        "einvoicing.einvoicedocument": "",
        "einvoicing.peppoltransmission": "",
        "governance.assembly": "va",
        "governance.proxy": "v",
        "invoicing.activity": "",
        "invoicing.client": "",
        "invoicing.invoice": "",
        "invoicing.invoicepayment": "",
        "invoicing.numbercounter": "",
        "invoicing.unmatchedbankline": "",
        "members.legalnamechange": "vc",
        "members.member": "vc",
        "members.nationalnumberaccess": "v",
        "mfa.authenticator": "",
        "pay.activityaccount": "v",
        "pay.ledgerentry": "v",
        "pay.payrequest": "v",
        "rules.rule": "v",
        "rules.ruleversion": "v",
        "shares.bankimport": "",
        "shares.exitrequest": "vc",
        "shares.payment": "",
        "shares.registerentry": "v",
        "shares.subscription": "vc",
        "usersessions.usersession": "",
        "workspaces.booking": "vc",
        "workspaces.closure": "vacd",
        "workspaces.location": "vacd",
        "workspaces.maintenanceblock": "va",
        "workspaces.resource": "vacd",
    },
    "Legal": {
        "account.emailaddress": "",
        "auth.group": "",
        "auth.user": "",
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "v",
        "django_celery_beat.clockedschedule": "",
        "django_celery_beat.crontabschedule": "",
        "django_celery_beat.intervalschedule": "",
        "django_celery_beat.periodictask": "",
        "django_celery_beat.solarschedule": "",
        "documents.documentexport": "v",
        "documents.documentfailure": "v",
        "documents.invoicedelivery": "v",
        "documents.invoicedocument": "v",
        "einvoicing.einvoicedocument": "v",
        "einvoicing.peppoltransmission": "v",
        "governance.assembly": "v",
        "governance.proxy": "v",
        "invoicing.activity": "v",
        "invoicing.client": "v",
        "invoicing.invoice": "v",
        "invoicing.invoicepayment": "v",
        "invoicing.numbercounter": "v",
        "invoicing.unmatchedbankline": "v",
        "members.legalnamechange": "v",
        "members.member": "v",
        "members.nationalnumberaccess": "v",
        "mfa.authenticator": "",
        "pay.activityaccount": "v",
        "pay.ledgerentry": "v",
        "pay.payrequest": "v",
        "rules.rule": "v",
        "rules.ruleversion": "vacd",
        "shares.bankimport": "v",
        "shares.exitrequest": "v",
        "shares.payment": "v",
        "shares.registerentry": "v",
        "shares.subscription": "v",
        "usersessions.usersession": "",
        "workspaces.booking": "v",
        "workspaces.closure": "v",
        "workspaces.location": "v",
        "workspaces.maintenanceblock": "v",
        "workspaces.resource": "v",
    },
    "Administrators": {
        "account.emailaddress": "vacd",
        "auth.group": "vacd",
        "auth.user": "vacd",
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "v",
        "django_celery_beat.clockedschedule": "vacd",
        "django_celery_beat.crontabschedule": "vacd",
        "django_celery_beat.intervalschedule": "vacd",
        "django_celery_beat.periodictask": "vacd",
        "django_celery_beat.solarschedule": "vacd",
        "documents.documentexport": "v",
        "documents.documentfailure": "v",
        "documents.invoicedelivery": "v",
        "documents.invoicedocument": "v",
        "einvoicing.einvoicedocument": "v",
        "einvoicing.peppoltransmission": "v",
        "governance.assembly": "va",
        "governance.proxy": "v",
        "invoicing.activity": "v",
        "invoicing.client": "v",
        "invoicing.invoice": "v",
        "invoicing.invoicepayment": "v",
        "invoicing.numbercounter": "v",
        "invoicing.unmatchedbankline": "v",
        "members.legalnamechange": "vc",
        "members.member": "vac",
        "members.nationalnumberaccess": "v",
        "mfa.authenticator": "vacd",
        "pay.activityaccount": "v",
        "pay.ledgerentry": "v",
        "pay.payrequest": "vc",
        "rules.rule": "vc",
        "rules.ruleversion": "vacd",
        "shares.bankimport": "vc",
        "shares.exitrequest": "vc",
        "shares.payment": "v",
        "shares.registerentry": "v",
        "shares.subscription": "vc",
        "usersessions.usersession": "vacd",
        "workspaces.booking": "vc",
        "workspaces.closure": "vacd",
        "workspaces.location": "vacd",
        "workspaces.maintenanceblock": "va",
        "workspaces.resource": "vacd",
    },
}

# Back-office pages beyond the model forms, and which groups may open them.
ACTIONS = {
    "admin:shares_payment_upload": {"Finance", ADMINISTRATORS},
    "admin:shares_registerentry_changelist": {
        "Finance",
        "Member services",
        "Legal",
        ADMINISTRATORS,
    },
    "admin:rules_ruleversion_add": {"Legal", ADMINISTRATORS},
    "admin:compliance_dashboard": {"Finance", "Member services", "Legal", ADMINISTRATORS},
    "admin:auth_group_changelist": {ADMINISTRATORS},
}


def _member_of(group_name):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return type(user).objects.get(pk=user.pk)  # no permission cache


def test_every_admin_model_has_a_decision_for_every_role():
    shown = {model._meta.label_lower for model in admin.site._registry}
    for role, rows in ROLES.items():
        assert set(rows) == shown, role
    for group, rows in ADMIN_MATRIX.items():
        assert set(rows) == shown, group


@pytest.mark.parametrize("group_name", sorted(ADMIN_MATRIX))
def test_what_each_group_may_do_in_the_admin(group_name):
    request = RequestFactory().get("/admin/")
    request.user = _member_of(group_name)
    seen = {}
    for model, model_admin in admin.site._registry.items():
        checks = [
            ("v", model_admin.has_view_permission),
            ("a", model_admin.has_add_permission),
            ("c", model_admin.has_change_permission),
            ("d", model_admin.has_delete_permission),
        ]
        seen[model._meta.label_lower] = "".join(letter for letter, may in checks if may(request))
    assert seen == ADMIN_MATRIX[group_name]


@pytest.mark.parametrize("group_name", sorted(ROLES))
def test_each_group_holds_exactly_the_permissions_of_its_role(group_name):
    held = {
        (p.content_type.app_label, p.codename)
        for p in Group.objects.get(name=group_name).permissions.select_related("content_type")
    }
    assert held == codenames(group_name)
    assert all(tuple(extra.split(".", 1)) in held for extra in EXTRA.get(group_name, []))


def test_administrators_hold_every_permission_and_alone_edit_groups():
    administrators = Group.objects.get(name=ADMINISTRATORS)
    assert administrators.permissions.count() == Permission.objects.count()
    editors = Group.objects.filter(permissions__codename="change_group")
    assert list(editors.values_list("name", flat=True)) == [ADMINISTRATORS]


@pytest.mark.parametrize("url_name", sorted(ACTIONS))
def test_back_office_pages_open_for_their_groups_only(url_name):
    for group_name in ADMIN_MATRIX:
        response = logged_in(_member_of(group_name)).get(reverse(url_name))
        expected = 200 if group_name in ACTIONS[url_name] else 403
        assert response.status_code == expected, (url_name, group_name)


def test_the_demo_has_one_staff_user_per_role_with_two_factor_on():
    logins = seed_demo_logins()
    by_role: dict[str, list[Any]] = {}
    for login in logins:
        by_role.setdefault(login.role, []).append(login)
    assert sorted(by_role) == ["admin", "finance", "legal", "member", "services"]
    assert len(by_role["legal"]) == 2  # four eyes: one drafts, the other approves
    for role, group_name in [
        ("finance", "Finance"),
        ("services", "Member services"),
        ("legal", "Legal"),
        ("admin", ADMINISTRATORS),
    ]:
        for login in by_role[role]:
            user = User.objects.get(email=login.email)
            assert user.is_staff and is_mfa_enabled(user)
            assert list(user.groups.values_list("name", flat=True)) == [group_name]
            assert "two-factor" in login.note
    member = User.objects.get(email=by_role["member"][0].email)
    assert not member.is_staff and not member.groups.exists()
