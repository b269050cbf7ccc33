"""The staff roles of the back office: one group per role, and what each may
do with every model of the admin (domain.md, issue 15).

Pure data, applied by this app's migrations (`apply_roles`): the groups are
never clicked together by hand. A model added to the admin needs a decision
for every role here, or tests/backoffice/test_roles.py fails.

Each entry gives, per model ("app_label.model"), the letters of the
permissions the role holds: v(iew), a(dd), c(hange), d(elete). What a role may
do in the admin is also bounded by the admin itself: a read-only admin shows
even an "a" role nothing to add (the test pins both together).
"""

from typing import Any

FINANCE = "Finance"
MEMBER_SERVICES = "Member services"
LEGAL = "Legal"
ADMINISTRATORS = "Administrators"

# Models only administrators touch (accounts, sessions, two-factor devices,
# schedules): no other role holds a permission on them.
_ADMINISTRATORS_ONLY = [
    "account.emailaddress",
    "auth.group",
    "auth.user",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.intervalschedule",
    "django_celery_beat.periodictask",
    "django_celery_beat.solarschedule",
    "mfa.authenticator",
    "usersessions.usersession",
]

ROLES: dict[str, dict[str, str]] = {
    # Payments, bank statements, the follow-up of invoices, refunds, the share register.
    FINANCE: {
        **dict.fromkeys(_ADMINISTRATORS_ONLY, ""),
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "vc",
        "documents.documentexport": "va",
        "documents.documentfailure": "v",
        "documents.invoicedelivery": "vc",  # try a failed sending again
        "documents.invoicedocument": "v",
        "einvoicing.einvoicedocument": "v",
        "einvoicing.peppoltransmission": "vc",  # send a failed transmission again
        "governance.assembly": "",
        "governance.proxy": "",
        "invoicing.activity": "v",
        "invoicing.client": "v",
        "invoicing.invoice": "v",
        "invoicing.invoicepayment": "va",  # register and reverse payments
        "invoicing.numbercounter": "v",
        "invoicing.unmatchedbankline": "vc",  # book a waiting bank line
        "members.legalnamechange": "",
        "members.member": "v",
        "members.nationalnumberaccess": "",
        "pay.activityaccount": "v",
        "pay.ledgerentry": "v",
        "pay.payrequest": "vc",  # approve pay requests
        "rules.rule": "v",
        "rules.ruleversion": "v",
        "shares.bankimport": "va",  # upload a statement
        "shares.exitrequest": "vc",  # refunds
        "shares.payment": "va",
        "shares.registerentry": "va",  # the register, its export and corrections
        "shares.subscription": "v",
        "workspaces.booking": "",
        "workspaces.closure": "",
        "workspaces.location": "",
        "workspaces.maintenanceblock": "",
        "workspaces.resource": "",
    },
    # Members, applications, exits, legal-name changes, bookings.
    MEMBER_SERVICES: {
        **dict.fromkeys(_ADMINISTRATORS_ONLY, ""),
        "compliance.checkrun": "v",
        "compliance.digestsent": "v",
        "compliance.finding": "vc",
        "documents.documentexport": "",
        "documents.documentfailure": "",
        "documents.invoicedelivery": "",
        "documents.invoicedocument": "",
        "einvoicing.einvoicedocument": "",
        "einvoicing.peppoltransmission": "",
        # The general assembly's secretariat (convocation, agenda, count).
        "governance.assembly": "vacd",
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
        "workspaces.booking": "vc",  # cancel with a reason
        "workspaces.closure": "vacd",
        "workspaces.location": "vacd",
        "workspaces.maintenanceblock": "vacd",
        "workspaces.resource": "vacd",
    },
    # Rules and their versions, and compliance; reads everything else.
    LEGAL: {
        **dict.fromkeys(_ADMINISTRATORS_ONLY, ""),
        "compliance.checkrun": "vacd",
        "compliance.digestsent": "vacd",
        "compliance.finding": "vacd",
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
        "workspaces.booking": "v",
        "workspaces.closure": "v",
        "workspaces.location": "v",
        "workspaces.maintenanceblock": "v",
        "workspaces.resource": "v",
    },
}

# Permissions beyond view/add/change/delete, as "app_label.codename".
EXTRA: dict[str, list[str]] = {
    FINANCE: ["compliance.run_checks"],
    MEMBER_SERVICES: ["members.view_national_number"],  # each reading is logged
    LEGAL: [
        "rules.publish_ruleversion",
        "rules.view_historicalruleversion",
        "compliance.run_checks",
    ],
}

LETTERS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def codenames(role: str) -> set[tuple[str, str]]:
    """(app_label, codename) of every permission `role` holds (not Administrators)."""
    held = set()
    for label, letters in ROLES[role].items():
        app_label, model = label.split(".")
        held |= {(app_label, f"{LETTERS[letter]}_{model}") for letter in letters}
    held |= {tuple(extra.split(".", 1)) for extra in EXTRA.get(role, [])}  # type: ignore[misc]
    return held


def apply_roles(Group: Any, Permission: Any) -> None:  # the model classes of a migration
    """Make each role's group hold exactly its permissions; Administrators hold all."""
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = codenames(role)
        permissions = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise LookupError(f"{role}: no such permissions {sorted(missing)}")
        group.permissions.set(permissions)
    administrators, _created = Group.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(Permission.objects.all())
