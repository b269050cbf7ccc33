"""The permission matrix (style.md, item 9; after pretix
src/tests/control/test_permissions.py).

Every URL of the project is requested as each kind of visitor:

    anonymous     nobody logged in
    other_member  a member, not the owner of the objects in the URL
    staff_no_mfa  staff without two-factor authentication, no model permission
    staff         staff with two-factor authentication, no model permission
    owner         the member whose objects the URL names

and the answer is pinned: LOGIN (a redirect to allauth's login page that
comes back here), a redirect elsewhere (To), or a status code (404 when the
object is someone else's, never 403, so ids do not leak; 405 for POST-only
views asked with GET). Requests by anyone but the owner must leave the
owner's data unchanged.

The admin is one entry of the matrix for its whole namespace: every admin
URL is walked as anonymous, a plain member and staff without two-factor
authentication, and a few representative ones as staff with and without
model permissions.

Adding a URL without adding it to MATRIX fails test_every_url_is_in_the_matrix.
"""

import copy
import datetime
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.html import escape

from documents.models import DeliveryStatus, DocumentExport, InvoiceDelivery
from documents.services import documents_export_build, documents_export_request
from governance import services as governance_services
from governance.models import Proxy
from invoicing.models import Activity, Invoice, InvoiceLine
from invoicing.models import Client as InvoiceClient
from members.models import ConsentKind, LegalNameChange, Member
from pay import services as pay_services
from shares import services as share_services
from shares.models import Certificate, ExitRequest, RegisterEntry, Subscription
from smartcoop.admin_site import MFA_REQUIRED
from tests.factories import (
    ActivityFactory,
    ClientFactory,
    LocationFactory,
    MemberFactory,
    PaidMemberFactory,
    ResourceFactory,
    StaffFactory,
    draft_invoice,
    issued_invoice,
)
from tests.helpers import FAST_HASHERS
from workspaces import services as workspace_services
from workspaces.models import Booking, CalendarFeed

ANON = "anonymous"
OTHER = "other_member"
STAFF_NO_MFA = "staff_no_mfa"
STAFF = "staff"
OWNER = "owner"
ROLES = (ANON, OTHER, STAFF_NO_MFA, STAFF, OWNER)
LOGGED_IN = (OTHER, STAFF_NO_MFA, STAFF, OWNER)

ADMIN_NAMESPACE = "admin"

# member, other_member, change, subscription, certificate, staff_user, staff_no_mfa,
# client, activity, draft, invoice (the owner's invoicing objects),
# location, room, booking, feed (workspaces)
Objects = SimpleNamespace
KwargsFn = Callable[[Objects], dict[str, Any]]


# --- Expectations -------------------------------------------------------------------


# What the test client returns: a response with .redirect_chain and more.
Response = Any


def _location(response: Response) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


@dataclass(frozen=True)
class Login:
    """302 to allauth's login page, with ?next= the page asked for."""

    def check(self, response: Response, url: str, objs: Objects) -> None:
        assert response.status_code == 302, response.status_code
        path, query = _location(response)
        assert path == reverse("account_login")
        assert query.get("next") == [url]

    def __repr__(self) -> str:
        return "LOGIN"


@dataclass(frozen=True)
class To:
    """302 to the named URL (its query string is not compared)."""

    name: str
    kwargs: KwargsFn | None = None

    def check(self, response: Response, url: str, objs: Objects) -> None:
        assert response.status_code == 302, response.status_code
        path, _query = _location(response)
        expected = reverse(self.name, kwargs=self.kwargs(objs) if self.kwargs else None)
        assert path == expected

    def __repr__(self) -> str:
        return f"To({self.name})"


LOGIN = Login()
Expected = int | Login | To


def every(expected: Expected) -> dict[str, Expected]:
    return dict.fromkeys(ROLES, expected)


def anon_and_logged_in(anonymous: Expected, logged_in: Expected) -> dict[str, Expected]:
    return {ANON: anonymous, **dict.fromkeys(LOGGED_IN, logged_in)}


def owner_only(owner: Expected) -> dict[str, Expected]:
    """The member's own pages: everyone else logged in gets 404."""
    return {ANON: LOGIN, OTHER: 404, STAFF_NO_MFA: 404, STAFF: 404, OWNER: owner}


def members_only(member: Expected, other: Expected | None = None) -> dict[str, Expected]:
    """Pages about whoever asks, for members: staff without a member profile
    get 404, another member their own page (`other`, when it differs)."""
    return {
        ANON: LOGIN,
        OTHER: member if other is None else other,
        STAFF_NO_MFA: 404,
        STAFF: 404,
        OWNER: member,
    }


@dataclass(frozen=True)
class Row:
    name: str
    expect: dict[str, Expected]
    method: str = "get"
    kwargs: KwargsFn | None = None
    data: KwargsFn | None = None

    @property
    def id(self) -> str:
        return f"{self.name}[{self.method.upper()}]"


def own_member(o: Objects) -> dict[str, Any]:
    return {"pk": o.member.pk}


def own_change(o: Objects) -> dict[str, Any]:
    return {"pk": o.member.pk, "change_pk": o.change.pk}


def _unverified_address(o: Objects) -> EmailAddress:
    # Only for this row: allauth refuses to turn on two-factor authentication
    # while an address is unverified, which would change mfa_activate_totp.
    return EmailAddress.objects.create(
        user=o.member.user, email="second.address@example.be", verified=False, primary=False
    )


def own_subscription(o: Objects) -> dict[str, Any]:
    return {"pk": o.subscription.pk}


def own_certificate(o: Objects) -> dict[str, Any]:
    return {"pk": o.certificate.pk}


def own_draft(o: Objects) -> dict[str, Any]:
    return {"pk": o.draft.pk}


def own_invoice(o: Objects) -> dict[str, Any]:
    return {"pk": o.invoice.pk}


def own_failed_delivery(o: Objects) -> dict[str, Any]:
    return {"pk": o.invoice.pk, "delivery_pk": o.failed_delivery.pk}


def own_export(o: Objects) -> dict[str, Any]:
    return {"pk": o.export.pk}


def newest_export_of(who: str) -> KwargsFn:
    return lambda o: {
        "pk": DocumentExport.objects.filter(requested_by=getattr(o, who).user).latest("pk").pk
    }


def valid_export_period(o: Objects) -> dict[str, Any]:
    return {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def own_client(o: Objects) -> dict[str, Any]:
    return {"pk": o.client.pk}


def own_activity(o: Objects) -> dict[str, Any]:
    return {"pk": o.activity.pk}


def own_pay_request(o: Objects) -> dict[str, Any]:
    return {"pk": o.pay_request.pk}


def own_location(o: Objects) -> dict[str, Any]:
    return {"slug": o.location.slug}


def own_booking(o: Objects) -> dict[str, Any]:
    return {"pk": o.booking.pk}


def newest_booking_of(who: str) -> KwargsFn:
    return lambda o: {"pk": Booking.objects.filter(member=getattr(o, who)).latest("pk").pk}


def valid_booking(o: Objects) -> dict[str, Any]:
    day = datetime.date.today() + datetime.timedelta(days=6)
    return {"resource": o.room.pk, "day": day.isoformat(), "start": "10:00", "end": "11:00"}


def newest_subscription_of(who: str) -> KwargsFn:
    """The subscription the request just made (the To check runs after it)."""
    return lambda o: {"pk": Subscription.objects.filter(member=getattr(o, who)).latest("pk").pk}


def newest_certificate_of(who: str) -> KwargsFn:
    return lambda o: {"pk": Certificate.objects.filter(member=getattr(o, who)).latest("pk").pk}


def valid_subscription(o: Objects) -> dict[str, Any]:
    return {
        "quantity": "1",
        "accept_internal_rules": "on",
        "accept_data_policy": "on",
        "accept_financial_risk": "on",
    }


def valid_profile(o: Objects) -> dict[str, Any]:
    return {
        "legal_name": o.member.legal_name,
        "street": "Rue Haute 112",
        "postal_code": "1000",
        "city": "Bruxelles",
        "country": "BE",
        "birth_date": "1990-04-17",
        "language": "fr",
        "iban": "BE68 5390 0754 7034",
        "phone": "+32 2 555 12 34",
        "enterprise_number": "",
        "national_number": "",
    }


MATRIX: list[Row] = [
    # --- Ours ---------------------------------------------------------------------
    Row("dashboard", every(200)),  # the landing page for visitors
    Row("health", every(200)),
    Row(
        "members:profile_redirect",
        {
            ANON: LOGIN,
            OTHER: To("members:profile", lambda o: {"pk": o.other_member.pk}),
            STAFF_NO_MFA: To("dashboard"),  # no member profile
            STAFF: To("dashboard"),
            OWNER: To("members:profile", own_member),
        },
    ),
    Row("members:profile", owner_only(200), kwargs=own_member),
    Row("members:profile_edit", owner_only(200), kwargs=own_member),
    Row(
        "members:profile_edit",
        owner_only(To("members:profile", own_member)),
        method="post",
        kwargs=own_member,
        data=valid_profile,
    ),
    Row("members:data_export", owner_only(200), kwargs=own_member),
    Row("members:name_change_withdraw", anon_and_logged_in(LOGIN, 405), kwargs=own_change),
    Row(
        "members:name_change_withdraw",
        owner_only(To("members:profile", own_member)),
        method="post",
        kwargs=own_change,
    ),
    Row("members:security", anon_and_logged_in(LOGIN, 200)),
    Row("shares:overview", members_only(200)),
    Row("shares:subscribe", members_only(200)),
    Row(
        "shares:subscribe",
        members_only(
            To("shares:subscription", newest_subscription_of("member")),
            other=To("shares:subscription", newest_subscription_of("other_member")),
        ),
        method="post",
        data=valid_subscription,
    ),
    Row("shares:subscription", owner_only(200), kwargs=own_subscription),
    Row("shares:certificate_issue", anon_and_logged_in(LOGIN, 405)),
    # The owner holds shares and gets a certificate; the other member holds
    # none and is sent back to their overview with a message.
    Row(
        "shares:certificate_issue",
        members_only(
            To("shares:certificate", newest_certificate_of("member")),
            other=To("shares:overview"),
        ),
        method="post",
    ),
    Row("shares:certificate", owner_only(200), kwargs=own_certificate),
    Row("shares:exit", members_only(200)),
    # More shares than anyone holds: refused whatever the month (inside the
    # exit window or not), so the page comes back.
    Row(
        "shares:exit",
        members_only(200),
        method="post",
        data=lambda o: {"quantity": "99", "confirm": "on"},
    ),
    # --- Invoicing ---------------------------------------------------------------------
    Row("invoicing:invoice_list", members_only(200)),
    Row("invoicing:invoice_create", members_only(200)),
    Row("invoicing:invoice_create", members_only(200), method="post"),  # empty: errors shown
    Row("invoicing:invoice_totals", anon_and_logged_in(LOGIN, 405)),
    Row("invoicing:invoice_totals", members_only(200), method="post"),
    Row("invoicing:invoice_export", members_only(200)),
    Row("invoicing:invoice_detail", owner_only(200), kwargs=own_draft),
    Row("invoicing:invoice_detail", owner_only(200), kwargs=own_invoice),
    Row("invoicing:invoice_edit", owner_only(200), kwargs=own_draft),
    Row("invoicing:invoice_delete", owner_only(200), kwargs=own_draft),
    Row(
        "invoicing:invoice_delete",
        owner_only(To("invoicing:invoice_list")),
        method="post",
        kwargs=own_draft,
    ),
    Row("invoicing:invoice_issue", owner_only(200), kwargs=own_draft),
    Row(
        "invoicing:invoice_issue",
        owner_only(To("invoicing:invoice_detail", own_draft)),
        method="post",
        kwargs=own_draft,
    ),
    Row("invoicing:invoice_credit", owner_only(200), kwargs=own_invoice),
    Row("invoicing:invoice_credit", owner_only(200), method="post", kwargs=own_invoice),
    Row("invoicing:invoice_mark_sent", anon_and_logged_in(LOGIN, 405), kwargs=own_invoice),
    Row(
        "invoicing:invoice_mark_sent",
        owner_only(To("invoicing:invoice_detail", own_invoice)),
        method="post",
        kwargs=own_invoice,
    ),
    Row("documents:invoice_pdf", owner_only(200), kwargs=own_invoice),
    Row("documents:invoice_pdf", owner_only(200), kwargs=own_draft),  # preview
    Row("einvoicing:invoice_ubl", owner_only(200), kwargs=own_invoice),
    Row("documents:invoice_send", owner_only(200), kwargs=own_invoice),
    Row(
        "documents:invoice_send",
        owner_only(To("invoicing:invoice_detail", own_invoice)),
        method="post",
        kwargs=own_invoice,
    ),
    Row("documents:delivery_retry", anon_and_logged_in(LOGIN, 405), kwargs=own_failed_delivery),
    Row(
        "documents:delivery_retry",
        owner_only(To("invoicing:invoice_detail", own_invoice)),
        method="post",
        kwargs=own_failed_delivery,
    ),
    Row("documents:export_list", members_only(200)),
    Row(
        "documents:export_list",
        members_only(
            To("documents:export_detail", newest_export_of("member")),
            other=To("documents:export_detail", newest_export_of("other_member")),
        ),
        method="post",
        data=valid_export_period,
    ),
    Row("documents:export_detail", owner_only(200), kwargs=own_export),
    Row("documents:export_progress", owner_only(200), kwargs=own_export),
    Row("documents:export_download", owner_only(200), kwargs=own_export),
    Row("invoicing:client_list", members_only(200)),
    Row("invoicing:client_create", members_only(200)),
    Row("invoicing:client_create", members_only(200), method="post"),  # empty: errors shown
    Row("invoicing:client_detail", owner_only(200), kwargs=own_client),
    Row("invoicing:client_edit", owner_only(200), kwargs=own_client),
    Row("invoicing:client_archive", anon_and_logged_in(LOGIN, 405), kwargs=own_client),
    Row(
        "invoicing:client_archive",
        owner_only(To("invoicing:client_detail", own_client)),
        method="post",
        kwargs=own_client,
    ),
    Row("invoicing:activity_list", members_only(200)),
    Row("invoicing:activity_create", members_only(200)),
    Row("invoicing:activity_create", members_only(200), method="post"),  # empty: errors shown
    Row("invoicing:activity_detail", owner_only(200), kwargs=own_activity),
    Row("invoicing:activity_edit", owner_only(200), kwargs=own_activity),
    Row("invoicing:activity_archive", anon_and_logged_in(LOGIN, 405), kwargs=own_activity),
    Row(
        "invoicing:activity_archive",
        owner_only(To("invoicing:activity_detail", own_activity)),
        method="post",
        kwargs=own_activity,
    ),
    # --- Pay: the activity's account and pay requests are the owner's alone.
    Row("pay:activity_account", owner_only(200), kwargs=own_activity),
    Row("pay:pay_request_create", owner_only(200), kwargs=own_activity),
    Row("pay:pay_request_create", owner_only(200), method="post", kwargs=own_activity),
    Row("pay:pay_request_preview", anon_and_logged_in(LOGIN, 405), kwargs=own_activity),
    Row("pay:pay_request_preview", owner_only(200), method="post", kwargs=own_activity),
    Row("pay:pay_request_detail", owner_only(200), kwargs=own_pay_request),
    # --- Workspaces: browsing needs a login; booking needs a member profile (the
    # owner's share is paid; the other member's is not, so their booking is
    # refused with a message on the same page); the feed's token is its key.
    Row("workspaces:locations", anon_and_logged_in(LOGIN, 200)),
    Row("workspaces:location", anon_and_logged_in(LOGIN, 200), kwargs=own_location),
    Row("workspaces:book", members_only(200)),
    Row(
        "workspaces:book",
        members_only(To("workspaces:booking", newest_booking_of("member")), other=200),
        method="post",
        data=valid_booking,
    ),
    Row("workspaces:my_bookings", members_only(200)),
    Row("workspaces:booking", owner_only(200), kwargs=own_booking),
    Row("workspaces:booking_cancel", anon_and_logged_in(LOGIN, 405), kwargs=own_booking),
    Row(
        "workspaces:booking_cancel",
        owner_only(To("workspaces:my_bookings")),
        method="post",
        kwargs=own_booking,
    ),
    Row("workspaces:feed_manage", anon_and_logged_in(LOGIN, 405)),
    Row("workspaces:feed_manage", members_only(To("workspaces:my_bookings")), method="post"),
    Row("workspaces:feed", every(200), kwargs=lambda o: {"token": o.feed.token}),
    # --- Governance: assemblies are every member's; proxies are scoped ---------------
    Row("governance:assemblies", members_only(200)),
    Row("governance:assembly", members_only(200), kwargs=lambda o: {"pk": o.assembly.pk}),
    Row("governance:vote", members_only(200), kwargs=lambda o: {"pk": o.assembly.pk}),
    Row("governance:receipts", members_only(200), kwargs=lambda o: {"pk": o.assembly.pk}),
    Row("governance:document", members_only(200), kwargs=lambda o: {"pk": o.agenda_doc.pk}),
    Row(
        "governance:proxy_appoint",
        anon_and_logged_in(LOGIN, 405),
        kwargs=lambda o: {"pk": o.assembly.pk},
    ),
    Row(
        "governance:proxy_appoint",
        members_only(200),  # no member number: the form comes back with its error
        method="post",
        kwargs=lambda o: {"pk": o.assembly.pk},
    ),
    Row(
        "governance:proxy_confirm",
        anon_and_logged_in(LOGIN, 405),
        kwargs=lambda o: {"pk": o.proxy_held.pk},
    ),
    Row(
        "governance:proxy_confirm",
        owner_only(To("governance:assembly", lambda o: {"pk": o.assembly.pk})),
        method="post",
        kwargs=lambda o: {"pk": o.proxy_held.pk},
    ),
    Row(
        "governance:proxy_decline",
        anon_and_logged_in(LOGIN, 405),
        kwargs=lambda o: {"pk": o.proxy_held.pk},
    ),
    Row(
        "governance:proxy_decline",
        owner_only(To("governance:assembly", lambda o: {"pk": o.assembly.pk})),
        method="post",
        kwargs=lambda o: {"pk": o.proxy_held.pk},
    ),
    Row(
        "governance:proxy_revoke",
        anon_and_logged_in(LOGIN, 405),
        kwargs=lambda o: {"pk": o.proxy_held.pk},
    ),
    Row(
        "governance:proxy_revoke",
        owner_only(To("governance:assembly", lambda o: {"pk": o.assembly.pk})),
        method="post",
        kwargs=lambda o: {"pk": o.proxy_given.pk},
    ),
    Row("set_language", every(To("dashboard"))),  # GET changes nothing, goes home
    Row(
        "set_language",
        every(To("members:security")),
        method="post",
        data=lambda o: {"language": "fr", "next": reverse("members:security")},
    ),
    # --- allauth: accounts ----------------------------------------------------------
    Row("account_login", anon_and_logged_in(200, To("dashboard"))),
    Row("account_signup", anon_and_logged_in(200, To("dashboard"))),
    Row("account_logout", anon_and_logged_in(To("dashboard"), 200)),  # GET asks to confirm
    Row("account_logout", every(To("dashboard")), method="post"),
    Row("account_inactive", every(200)),
    Row("account_email", anon_and_logged_in(LOGIN, 200)),
    Row("account_email_verification_sent", every(200)),
    # A real key, for an unverified second address of the owner. Whoever opens
    # it sees the confirmation page (the key is the secret); it confirms only
    # on POST, and logs out a different logged-in user first.
    Row(
        "account_confirm_email",
        every(200),
        kwargs=lambda o: {"key": EmailConfirmationHMAC(_unverified_address(o)).key},
    ),
    Row("account_change_password", anon_and_logged_in(LOGIN, 200)),
    # Every account here has a password, so "set" sends on to "change".
    Row("account_set_password", anon_and_logged_in(LOGIN, To("account_change_password"))),
    Row("account_reset_password", every(200)),
    Row("account_reset_password_done", every(200)),
    # A real token of the owner: allauth moves it into the session and
    # redirects to the same URL with "set-password" in place of the token.
    Row(
        "account_reset_password_from_key",
        every(
            To(
                "account_reset_password_from_key",
                lambda o: {"uidb36": user_pk_to_url_str(o.member.user), "key": "set-password"},
            )
        ),
        kwargs=lambda o: {
            "uidb36": user_pk_to_url_str(o.member.user),
            "key": default_token_generator.make_token(o.member.user),
        },
    ),
    Row("account_reset_password_from_key_done", every(200)),
    # No login is in progress, so the code step sends people back.
    Row("account_confirm_login_code", anon_and_logged_in(To("account_login"), To("dashboard"))),
    # Sensitive actions ask for the password (or an emailed code) again.
    Row("account_reauthenticate", anon_and_logged_in(LOGIN, 200)),
    Row("account_request_reauthentication_code", anon_and_logged_in(LOGIN, 200)),
    Row(
        "account_confirm_reauthentication_code",
        anon_and_logged_in(LOGIN, To("account_request_reauthentication_code")),
    ),
    # --- allauth: two-factor authentication -------------------------------------------
    Row("mfa_index", anon_and_logged_in(LOGIN, 200)),
    Row("mfa_authenticate", anon_and_logged_in(To("account_login"), To("dashboard"))),
    Row(
        "mfa_reauthenticate",
        {**anon_and_logged_in(LOGIN, To("account_reauthenticate")), STAFF: 200},
    ),
    # A session opened by force_login has not re-authenticated recently.
    Row("mfa_activate_totp", anon_and_logged_in(LOGIN, To("account_reauthenticate"))),
    # Only someone with TOTP on can turn it off: the others get 404.
    Row(
        "mfa_deactivate_totp",
        {**anon_and_logged_in(LOGIN, 404), STAFF: To("account_reauthenticate")},
    ),
    # Nobody here has recovery codes yet (StaffFactory turns on TOTP only).
    Row("mfa_view_recovery_codes", anon_and_logged_in(LOGIN, 404)),
    Row("mfa_download_recovery_codes", anon_and_logged_in(LOGIN, 404)),
    Row("mfa_generate_recovery_codes", anon_and_logged_in(LOGIN, To("account_reauthenticate"))),
    # --- allauth: sessions ---------------------------------------------------------------
    Row("usersessions_list", anon_and_logged_in(LOGIN, 200)),
]
# The whole "admin:" namespace is one entry of the matrix, walked below.
MATRIX_NAMES = {row.name for row in MATRIX} | {f"{ADMIN_NAMESPACE}:*"}


# --- The URL resolver -----------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # "members:profile", "account_login"; None if unnamed
    namespace: str
    parts: tuple[tuple[str, bool], ...]  # (pattern text, is_regex), outermost first
    pattern: URLPattern


def _routes(resolver: URLResolver, namespace: str = "", parts: tuple = ()) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        is_regex = not hasattr(entry.pattern, "_route")
        here = (*parts, (str(entry.pattern), is_regex))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _routes(entry, inner, here)
        else:
            name = None
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name=name, namespace=namespace, parts=here, pattern=entry)


ROUTES = list(_routes(get_resolver()))
ADMIN_ROUTES = [r for r in ROUTES if r.namespace.split(":")[0] == ADMIN_NAMESPACE]

# Values for the parameters of admin URLs. The permission check runs before
# any object is looked up, so they need not exist.
ADMIN_SAMPLES = {
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "app_label": "members",
    "url": "no-such-page/",
    "pk": "1",
    "member_pk": "1",
    "format": "ubl",
}


def _sample_path(route: Route) -> str:
    """A concrete path matching `route`, with ADMIN_SAMPLES for its parameters."""
    path = "/"
    for text, is_regex in route.parts:
        if is_regex:
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: ADMIN_SAMPLES[m.group(1)], text)
            text = re.sub(r"\([^)]*\)", "1", text)  # unnamed groups, e.g. simple_history's
            text = text.removeprefix("^").removesuffix("$")
        else:
            text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_SAMPLES[m.group(1)], text)
        path += text
    assert resolve(path).func is route.pattern.callback, (path, route)
    return path


ADMIN_PATHS = {_sample_path(route): route for route in ADMIN_ROUTES}


# --- Fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _static_storage_without_manifest(settings: Any) -> None:
    """scripts/test.sh runs collectstatic first; a bare `pytest` does not, and
    the manifest storage used whenever DATABASE_URL is set then fails on every
    {% static %}. Fall back to the plain storage only in that case."""
    backend = django_settings.STORAGES["staticfiles"]["BACKEND"]
    manifest = Path(django_settings.STATIC_ROOT) / "staticfiles.json"
    if "Manifest" in backend and not manifest.exists():
        settings.STORAGES = {
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


def _convened_assembly(staff: User, owner: Member) -> tuple[Any, ...]:
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=20)
    assembly = governance_services.assembly_create(
        title="GA",
        resource=ResourceFactory(),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        remote_allowed=True,
        voting_opens_at=start - datetime.timedelta(days=3),
        voting_closes_at=start + datetime.timedelta(hours=2),
        record_date=datetime.date.today(),
        acting_user=staff,
    )
    item = governance_services.agenda_item_add(
        assembly=assembly, title="Accounts", description="", acting_user=staff
    )
    document = governance_services.agenda_document_add(
        item=item, title="Accounts", content=b"%PDF-1.4\n%%EOF\n", acting_user=staff
    )
    governance_services.assembly_convene(assembly=assembly, acting_user=staff)
    owner = Member.objects.get(pk=owner.pk)  # a member now: a share is paid
    grantor, holder = PaidMemberFactory(), PaidMemberFactory()
    held = governance_services.proxy_appoint(
        assembly=assembly, grantor=grantor, holder_number=owner.member_number
    )
    given = Proxy.objects.create(assembly=assembly, grantor=owner, holder=holder)
    return assembly, document, held, given


def _the_owners_world() -> Objects:
    member, other_member = MemberFactory(), MemberFactory()
    staff_user, staff_no_mfa = StaffFactory(), StaffFactory(mfa=False)
    change = LegalNameChange.objects.create(
        member=member, old_name=member.legal_name, new_name=f"{member.legal_name} Jr"
    )
    # The owner holds 2 paid shares with a certificate, and waits to pay 1 more.
    paid = share_services.share_subscribe(
        member=member, quantity=2, accepted=ConsentKind.values, acting_user=member.user
    )
    share_services.share_payment_register(
        subscription=paid,
        amount=paid.amount,
        value_date=datetime.date(2026, 10, 1),
        acting_user=staff_user,
    )
    subscription = share_services.share_subscribe(
        member=member, quantity=1, accepted=ConsentKind.values, acting_user=member.user
    )
    certificate = share_services.share_certificate_issue(member=member, acting_user=member.user)
    # A location open every day, a room there, the owner's booking in 5 days
    # and their calendar feed.
    location = LocationFactory()
    room = ResourceFactory(location=location)
    booking = workspace_services.booking_create(
        member=Member.objects.get(pk=member.pk),
        resource=room,
        day=datetime.date.today() + datetime.timedelta(days=5),
        start=datetime.time(10),
        end=datetime.time(11),
        acting_user=member.user,
    )
    feed = workspace_services.calendar_feed_renew(member=member, acting_user=member.user)
    # A convened general assembly in 20 days with one agenda PDF; a member
    # asks the owner to hold their proxy, and the owner gave theirs to another.
    assembly, agenda_doc, proxy_held, proxy_given = _convened_assembly(staff_user, member)
    # The owner (a member now: a share is paid) has a client, an activity, a
    # draft and an issued invoice.
    client = ClientFactory(member=member)
    activity = ActivityFactory(member=member)
    draft = draft_invoice(member, client=client, activity=activity)
    invoice = issued_invoice(member, client=client, activity=activity)
    pay_request = pay_services.pay_request_create(
        member=member,
        activity=activity,
        work_dates=[datetime.date.today()],
        description="Translation",
        budget=Decimal("100.00"),
        net_wanted=None,
        situation="single",
        children=0,
        acting_user=member.user,
    )
    failed_delivery = InvoiceDelivery.objects.create(
        invoice=invoice,
        recipient="billing@example.be",
        requested_by=member.user,
        status=DeliveryStatus.FAILED,
        attempts=5,
        error="SMTPServerDisconnected",
    )
    # The owner's PDF export of a month without documents, built (an empty ZIP).
    export = documents_export_request(
        acting_user=member.user,
        member=member,
        date_from=datetime.date(2000, 1, 1),
        date_to=datetime.date(2000, 1, 31),
    )
    documents_export_build(export_id=export.pk)
    return Objects(
        pay_request=pay_request,
        export=export,
        assembly=assembly,
        agenda_doc=agenda_doc,
        proxy_held=proxy_held,
        proxy_given=proxy_given,
        failed_delivery=failed_delivery,
        location=location,
        room=room,
        booking=booking,
        feed=feed,
        client=client,
        activity=activity,
        draft=draft,
        invoice=invoice,
        member=Member.objects.get(pk=member.pk),
        other_member=other_member,
        change=change,
        subscription=subscription,
        certificate=certificate,
        staff_user=staff_user,
        staff_no_mfa=staff_no_mfa,
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[Objects]:
    """The owner's objects, made once for this module (building them took
    more time than the 510 requests of the matrix): in a transaction that is
    rolled back after the module's last test. Each test runs in a savepoint
    inside it (pytest-django's db), so whatever a request changes is undone
    before the next. Made as the suite's autouse fixtures would make them:
    in English, with the fast password hasher."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with translation.override("en"), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                made = _the_owners_world()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def objs(world: Objects, db: None) -> Objects:
    """A deep copy of the world's objects for each test, as Django's
    setUpTestData gives each test its own: no instance carries what an
    earlier test did to it in memory (a login's last_login, a cached
    relation)."""
    return copy.deepcopy(world)


@pytest.fixture
def owner_client(objs: Objects) -> Client:
    """The owner, logged in before the test starts."""
    client = Client()
    client.force_login(objs.member.user)
    return client


@pytest.fixture
def staff_viewer(db: None) -> User:
    """Staff with two-factor authentication and the permission to view members."""
    user = StaffFactory()
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="members", codename="view_member")
    )
    return user


def _client_for(role: str, objs: Objects, owner_client: Client) -> Client:
    if role == OWNER:
        return owner_client
    users = {
        OTHER: objs.other_member.user,
        STAFF_NO_MFA: objs.staff_no_mfa,
        STAFF: objs.staff_user,
        OWNER: objs.member.user,
    }
    client = Client()
    if role != ANON:
        client.force_login(users[role])
    return client


def _owner_data(objs: Objects) -> tuple:
    """What a request by someone else must not change."""
    user = User.objects.get(pk=objs.member.user_id)
    return (
        list(Member.objects.filter(pk=objs.member.pk).values()),
        list(LegalNameChange.objects.filter(member=objs.member).values()),
        list(EmailAddress.objects.filter(user=user).order_by("pk").values()),
        (user.password, user.email, user.is_active),
        list(Subscription.objects.filter(member=objs.member).order_by("pk").values()),
        list(Certificate.objects.filter(member=objs.member).order_by("pk").values()),
        list(ExitRequest.objects.filter(member=objs.member).order_by("pk").values()),
        list(RegisterEntry.objects.filter(member=objs.member).order_by("pk").values()),
        list(Booking.objects.filter(member=objs.member).order_by("pk").values()),
        list(CalendarFeed.objects.filter(member=objs.member).order_by("pk").values()),
        list(Invoice.objects.filter(member=objs.member).order_by("pk").values()),
        list(InvoiceLine.objects.filter(invoice__member=objs.member).order_by("pk").values()),
        list(InvoiceClient.objects.filter(member=objs.member).order_by("pk").values()),
        list(Activity.objects.filter(member=objs.member).order_by("pk").values()),
        list(InvoiceDelivery.objects.filter(invoice__member=objs.member).order_by("pk").values()),
        list(DocumentExport.objects.filter(requested_by=user).order_by("pk").values()),
    )


# --- The matrix ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_matrix(row: Row, role: str, objs: Objects, owner_client: Client) -> None:
    expected = row.expect[role]
    url = reverse(row.name, kwargs=row.kwargs(objs) if row.kwargs else None)
    client = _client_for(role, objs, owner_client)
    before = _owner_data(objs)

    data = row.data(objs) if row.data else {}
    response = client.get(url) if row.method == "get" else client.post(url, data)

    if isinstance(expected, int):
        assert response.status_code == expected, (url, response.get("Location"))
    else:
        expected.check(response, url, objs)
    if role != OWNER:
        assert _owner_data(objs) == before, "someone else changed the owner's data"
    if row.name == "account_logout" and row.method == "post":
        assert "_auth_user_id" not in client.session


def test_every_url_is_in_the_matrix() -> None:
    """A new URL must be added to MATRIX (and so be given its permissions)."""
    routes = list(_routes(get_resolver()))
    in_admin = [r.namespace.split(":")[0] == ADMIN_NAMESPACE for r in routes]
    unnamed = [
        "".join(text for text, _regex in route.parts)
        for route, admin in zip(routes, in_admin, strict=True)
        if route.name is None and not admin
    ]
    assert not unnamed, f"URLs without a name cannot be in the permission matrix: {unnamed}"
    names = {
        f"{ADMIN_NAMESPACE}:*" if admin else str(route.name)
        for route, admin in zip(routes, in_admin, strict=True)
    }
    missing, stale = names - MATRIX_NAMES, MATRIX_NAMES - names
    assert not missing, f"URLs missing from the permission matrix: {sorted(missing)}"
    assert not stale, f"the matrix lists URLs that no longer exist: {sorted(stale)}"
    for row in MATRIX:
        assert set(row.expect) == set(ROLES), f"{row.id} does not say what each role gets"


# --- The admin: every URL, then representative ones ------------------------------------------


def _admin_next(path: str) -> str:
    # The admin's logout sends those without access to the index first, and
    # its login page defaults to the index.
    if path in (reverse("admin:logout"), reverse("admin:login")):
        return reverse("admin:index")
    return path


def _assert_sent_to_login(response: Response, path: str) -> None:
    """Through the admin's login, which has no form of its own, to allauth's."""
    assert response.status_code == 200
    final = urlsplit(response.redirect_chain[-1][0])
    assert final.path == reverse("account_login")
    assert parse_qs(final.query).get("next") == [_admin_next(path)]


def _assert_forbidden(response: Response) -> None:
    assert response.status_code == 403
    if response.redirect_chain:
        assert urlsplit(response.redirect_chain[-1][0]).path == reverse("admin:login")


def _assert_sent_to_turn_on_mfa(response: Response) -> None:
    """To TOTP activation, which first asks for the password again."""
    chain = [urlsplit(url).path for url, _status in response.redirect_chain]
    assert reverse("mfa_activate_totp") in chain, chain
    assert chain[-1] == reverse("account_reauthenticate")
    assert response.status_code == 200
    assert str(MFA_REQUIRED) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "staff_no_mfa"])
@pytest.mark.parametrize("path", list(ADMIN_PATHS))
def test_admin_namespace_is_closed(path: str, role: str, request: pytest.FixtureRequest) -> None:
    """No admin URL lets in anyone but staff with two-factor authentication."""
    if role == "anonymous":
        client = Client()
    elif role == "member":
        client = request.getfixturevalue("member_client")
    else:
        client = Client()
        client.force_login(request.getfixturevalue("staff_no_mfa"))

    response = client.get(path, follow=True)

    if role == "anonymous":
        _assert_sent_to_login(response, path)
    elif role == "member":
        _assert_forbidden(response)
    else:
        _assert_sent_to_turn_on_mfa(response)


ADMIN_REPRESENTATIVE = {
    # name: {role: outcome}; "login", "403" and "mfa" are asserted by the
    # helpers above; an int is the final status code.
    "admin:login": {
        "anonymous": "login",
        "member": "403",
        "staff_no_mfa": "mfa",
        "staff": 200,
        "staff_viewer": 200,
    },  # staff go on to the index
    "admin:index": {
        "anonymous": "login",
        "member": "403",
        "staff_no_mfa": "mfa",
        "staff": 200,
        "staff_viewer": 200,
    },
    "admin:members_member_changelist": {
        "anonymous": "login",
        "member": "403",
        "staff_no_mfa": "mfa",
        "staff": 403,
        "staff_viewer": 200,
    },
    "admin:members_member_change": {
        "anonymous": "login",
        "member": "403",
        "staff_no_mfa": "mfa",
        "staff": 403,
        "staff_viewer": 200,
    },
    # A custom view of the back office checks its model permission itself.
    "admin:shares_register": {
        "anonymous": "login",
        "member": "403",
        "staff_no_mfa": "mfa",
        "staff": 403,
        "staff_viewer": 403,
    },
    # PDF exports need invoicing.view_invoice, for the list and each custom view.
    **{
        name: {
            "anonymous": "login",
            "member": "403",
            "staff_no_mfa": "mfa",
            "staff": 403,
            "staff_viewer": 403,
        }
        for name in (
            "admin:documents_documentexport_changelist",
            "admin:documents_documentexport_new",
            "admin:documents_documentexport_progress",
            "admin:documents_documentexport_download",
            # An invoice's PDF, its UBL and rendering it now: invoicing.view_invoice too.
            "admin:documents_invoice_pdf",
            "admin:documents_invoicedocument_download",
            "admin:documents_invoice_render",
        )
    },
    # The compliance dashboard needs compliance.view_finding, working a
    # finding compliance.change_finding, running the checks compliance.run_checks.
    **{
        name: {
            "anonymous": "login",
            "member": "403",
            "staff_no_mfa": "mfa",
            "staff": 403,
            "staff_viewer": 403,
        }
        for name in (
            "admin:compliance_dashboard",
            "admin:compliance_run",
            "admin:compliance_finding_acknowledge",
            "admin:compliance_finding_resolve",
        )
    },
}
# The arguments of the representative URLs that need them (checked before any lookup).
ADMIN_REPRESENTATIVE_KWARGS: dict[str, dict[str, Any]] = {
    "admin:documents_documentexport_progress": {"pk": 1},
    "admin:documents_documentexport_download": {"pk": 1},
    "admin:documents_invoice_pdf": {"pk": 1},
    "admin:documents_invoicedocument_download": {"pk": 1, "format": "ubl"},
    "admin:documents_invoice_render": {"pk": 1},
    "admin:compliance_finding_acknowledge": {"pk": 1},
    "admin:compliance_finding_resolve": {"pk": 1},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "staff_no_mfa", "staff", "staff_viewer"])
@pytest.mark.parametrize("name", list(ADMIN_REPRESENTATIVE))
def test_admin_representative_urls(
    name: str,
    role: str,
    member: Member,
    member_client: Client,
    staff_no_mfa: User,
    staff_user: User,
    staff_viewer: User,
) -> None:
    kwargs: dict[str, Any] | None = {"object_id": member.pk} if name.endswith("_change") else None
    if name in ADMIN_REPRESENTATIVE_KWARGS:
        kwargs = ADMIN_REPRESENTATIVE_KWARGS[name]
    path = reverse(name, kwargs=kwargs)
    users = {"staff_no_mfa": staff_no_mfa, "staff": staff_user, "staff_viewer": staff_viewer}
    client = member_client if role == "member" else Client()
    if role in users:
        client.force_login(users[role])

    first = client.get(path)
    response = client.get(path, follow=True)

    expected = ADMIN_REPRESENTATIVE[name][role]
    if expected == "login":
        _assert_sent_to_login(response, path)
    elif expected == "403":
        _assert_forbidden(response)
    elif expected == "mfa":
        _assert_sent_to_turn_on_mfa(response)
    else:
        assert response.status_code == expected
        if name == "admin:login":
            assert first.status_code == 302
            assert urlsplit(first["Location"]).path == reverse("admin:index")
        else:
            assert not response.redirect_chain, response.redirect_chain
    if role in ("anonymous", "member", "staff_no_mfa") and name != "admin:login":
        # Django's admin sends whoever it refuses to its own login first.
        assert first.status_code == 302
        assert urlsplit(first["Location"]).path == reverse("admin:login")
    if role == "staff_viewer" and name == "admin:members_member_change":
        assert escape(member.legal_name) in response.content.decode()
