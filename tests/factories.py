"""factory_boy factories; valid Belgian data by construction."""

import datetime
import random
import time
from contextlib import nullcontext
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User

from members.models import Consent, ConsentKind, Member
from smartcoop.lib.belgium import belgian_iban
from tests.clock import on

TEST_PASSWORD = "a-long-test-password-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_now() -> str:
    """The code of the current 30-second period: the middle of the window the
    server accepts (MFA_TOTP_TOLERANCE = 1), so a period boundary passing
    between typing the code and checking it does not matter. (allauth's
    counter generator starts with the previous period, which then fails.)"""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.be")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified_email(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def mfa(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is not False:
            TOTP.activate(obj, TOTP_SECRET)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    member_number = factory.Sequence(lambda n: 100000 + n)
    legal_name = factory.Faker("name", locale="nl_BE")
    street = "Veldstraat 12"
    postal_code = "9000"
    city = "Gent"
    birth_date = datetime.date(1985, 7, 30)
    language = "nl"
    iban = factory.LazyFunction(lambda: belgian_iban(random.Random()))
    phone = "+32 470 12 34 56"

    @factory.post_generation
    def consents(obj: Member, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from django.utils import timezone

            Consent.objects.bulk_create(
                Consent(member=obj, kind=k, version="2026-01", accepted_at=timezone.now())
                for k in ConsentKind.values
            )


class LegalFactory(StaffFactory):
    """A member of the legal team (the "Legal" group, two-factor on)."""

    @factory.post_generation
    def legal_group(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from django.contrib.auth.models import Group

            obj.groups.add(Group.objects.get(name="Legal"))


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rules.Rule"

    key = factory.Sequence(lambda n: f"test.rule_{n}")
    kind = "percentage"
    description = "A rule for a test."
    legal_reference = "Test art. 1"


def published_version(rule, valid_from, value, reason="seed"):
    """A published version as the seed migration makes them (no approver needed)."""
    from rules.models import RuleVersion

    return RuleVersion.objects.create(
        rule=rule,
        valid_from=valid_from,
        value=value,
        reason=reason,
        status="published",
        is_seed=True,
    )


# --- Invoicing -------------------------------------------------------------------------


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "invoicing.Activity"

    member = factory.SubFactory(MemberFactory, status="member")
    name = factory.Sequence(lambda n: f"Translation work {n}")
    kind = "other"


class ClientFactory(factory.django.DjangoModelFactory):
    """A Belgian company client with a valid VAT and enterprise number."""

    class Meta:
        model = "invoicing.Client"

    member = factory.SubFactory(MemberFactory, status="member")
    kind = "company"
    name = factory.Sequence(lambda n: f"Agency {n} BV")
    street = "Kouter 7"
    postal_code = "9000"
    city = "Gent"
    country = "BE"
    vat_number = "BE0403019261"
    enterprise_number = "0403019261"
    email = factory.Sequence(lambda n: f"billing{n}@agency.example.be")
    language = "nl"


# The activity kind a legal basis needs (invoicing.vat_bases).
KIND_FOR = {"E:art44_2_8": "artistic", "AE:be_cocontractor": "immovable"}

# (description, quantity, unit price, VAT code)
DEFAULT_LINES = [("Translation NL>FR, 12 pages", "12", "45.00", "S:21")]


def invoice_lines(rows=None):
    """Lines as the draft form gives them to the service, from rows of
    (description, quantity, unit price, VAT code), the numbers as Decimals or
    as text with a decimal point or comma."""
    from invoicing.services import LineData

    def number(value):
        return value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "."))

    return [
        LineData(description=d, quantity=number(q), unit="C62", unit_price=number(p), vat=v)
        for d, q, p, v in (rows or DEFAULT_LINES)
    ]


def draft_invoice(
    member=None,
    *,
    client=None,
    activity=None,
    lines=None,
    supply_date=None,
    payment_term_days=30,
    today=None,
):
    """A draft made by the service, as a member would make it (on `today`,
    if given: the clock is moved there)."""
    from django.utils import timezone

    from invoicing import services

    member = member or MemberFactory(status="member")
    # A legal basis holds only for some clients and activities (invoicing.
    # vat_bases): made to fit the lines when not given.
    codes = {row[3] for row in (lines or DEFAULT_LINES)}
    organiser = {"sector": "show_organiser"} if "E:art44_2_8" in codes else {}
    client = client or ClientFactory(member=member, **organiser)
    kind = next((KIND_FOR[code] for code in sorted(codes) if code in KIND_FOR), "other")
    activity = activity or ActivityFactory(member=member, kind=kind)
    with on(today) if today else nullcontext():
        return services.invoice_draft_save(
            member=member,
            acting_user=member.user,
            client=client,
            activity=activity,
            supply_date=supply_date or timezone.localdate(),
            payment_term_days=payment_term_days,
            lines=invoice_lines(lines),
        )


def issued_invoice(member=None, **kwargs):
    from invoicing import services

    draft = draft_invoice(member, **kwargs)
    today = kwargs.get("today")
    with on(today) if today else nullcontext():
        return services.invoice_issue(invoice=draft, acting_user=draft.member.user)


# --- Workspaces -------------------------------------------------------------------------


class LocationFactory(factory.django.DjangoModelFactory):
    """A location open every day from 08:00 to 20:00 (Brussels time), so
    tests can book "tomorrow" whatever the weekday."""

    class Meta:
        model = "workspaces.Location"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Location {n}")
    slug = factory.Sequence(lambda n: f"location-{n}")
    city = "Saint-Gilles"
    street = "Rue Coenraets 72"
    postal_code = "1060"
    accessibility = "Step-free entrance and lift."

    @factory.post_generation
    def hours(obj, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is not False:
            from workspaces.models import OpeningHours

            OpeningHours.objects.bulk_create(
                OpeningHours(
                    location=obj, weekday=d, opens=datetime.time(8), closes=datetime.time(20)
                )
                for d in range(7)
            )


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "workspaces.Resource"

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Meeting room {n}")
    kind = "meeting_room"
    capacity = 6
    equipment = "screen, whiteboard"


class PaidMemberFactory(MemberFactory):
    """A member whose share is paid (status "member"), English pages."""

    status = "member"
    language = "en"
