"""factory_boy factories; valid Belgian data by construction."""

import datetime
import random

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User

from members.models import Consent, ConsentKind, Member
from smartcoop.lib.belgium import belgian_iban

TEST_PASSWORD = "a-long-test-password-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


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
        rule=rule, valid_from=valid_from, value=value, reason=reason,
        status="published", is_seed=True,
    )  # fmt: skip
