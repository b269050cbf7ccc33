import datetime
import os

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from members import services, validators
from members.models import (
    Consent,
    LegalNameChange,
    Member,
    NationalNumberAccess,
    Status,
    StatusChange,
)
from rules.selectors import rule_on
from tests.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_CONSENTS = ["internal_rules", "data_policy", "financial_risk"]


def test_member_create_records_consents_with_versions():
    user = UserFactory()
    member = services.member_create(
        user=user,
        legal_name=" Amira El Amrani ",
        language="en",
        accepted=ALL_CONSENTS,
        acting_user=user,
    )
    assert member.legal_name == "Amira El Amrani"
    assert member.status == Status.APPLICANT
    rule = rule_on("members.consent_document_versions")
    consents = {c.kind: (c.version, c.rules_used) for c in member.consents.all()}
    assert consents == {
        k: (rule.value[k], {"members.consent_document_versions": rule.version_id})
        for k in ALL_CONSENTS
    }
    history = member.history.get()
    assert history.history_user == user
    assert history.history_change_reason == "signed up"


def test_member_numbers_are_consecutive():
    first = services.member_create(
        user=UserFactory(), legal_name="A", language="nl", accepted=ALL_CONSENTS, acting_user=None
    )
    second = services.member_create(
        user=UserFactory(), legal_name="B", language="nl", accepted=ALL_CONSENTS, acting_user=None
    )
    assert second.member_number == first.member_number + 1


def test_member_create_without_all_consents_saves_nothing():
    user = UserFactory()
    with pytest.raises(ValidationError) as exc:
        services.member_create(
            user=user, legal_name="A", language="nl", accepted=ALL_CONSENTS[:2], acting_user=user
        )
    assert exc.value.messages == [str(services.CONSENTS_MISSING)]
    assert not Member.objects.exists()
    assert not Consent.objects.exists()


def test_profile_update_validates_every_field_and_saves_nothing_on_error():
    member = MemberFactory(iban="BE68539007547034")
    with pytest.raises(ValidationError) as exc:
        services.member_profile_update(
            member=member,
            acting_user=member.user,
            values={
                "city": "Brugge",
                "iban": "BE00 0000",
                "enterprise_number": "0403019262",
                "birth_date": datetime.date(2999, 1, 1),
            },
        )
    assert set(exc.value.message_dict) == {"iban", "enterprise_number", "birth_date"}
    member.refresh_from_db()
    assert member.city == "Gent"
    assert member.iban == "BE68539007547034"


def test_profile_update_canonicalises_and_audits():
    member = MemberFactory()
    staff = StaffFactory()
    services.member_profile_update(
        member=member,
        acting_user=staff,
        values={"iban": "be68 5390 0754 7034", "enterprise_number": "BE 0403.019.261"},
    )
    member.refresh_from_db()
    assert member.iban == "BE68539007547034"
    assert member.enterprise_number == "0403019261"
    latest = member.history.latest()
    assert latest.history_user == staff
    assert latest.history_change_reason == "profile edited"


def test_national_number_is_stored_encrypted():
    member = MemberFactory(birth_date=datetime.date(1985, 7, 30))
    services.member_profile_update(
        member=member, acting_user=member.user, values={}, national_number="85.07.30-033.28"
    )
    member.refresh_from_db()
    assert member.has_national_number
    assert "85073003328" not in member.national_number_encrypted
    # not in the history either
    assert not hasattr(member.history.latest(), "national_number_encrypted")


def test_bad_national_number_saves_nothing():
    member = MemberFactory()
    with pytest.raises(ValidationError) as exc:
        services.member_profile_update(
            member=member,
            acting_user=member.user,
            values={"city": "Namur"},
            national_number="85073003329",
        )
    assert exc.value.message_dict == {"national_number": [str(validators.INVALID_NATIONAL_NUMBER)]}
    member.refresh_from_db()
    assert member.city == "Gent"
    assert not member.has_national_number


def test_national_number_read_needs_the_permission_and_is_logged():
    member = MemberFactory(birth_date=datetime.date(1985, 7, 30))
    services.member_profile_update(
        member=member, acting_user=member.user, values={}, national_number="85073003328"
    )
    staff = StaffFactory()
    with pytest.raises(PermissionDenied):
        services.member_national_number_read(
            member=member, acting_user=staff, purpose=NationalNumberAccess.Purpose.ADMIN_VIEW
        )
    assert not NationalNumberAccess.objects.exists()
    # the member cannot read it through the admin purpose either
    with pytest.raises(PermissionDenied):
        services.member_national_number_read(
            member=member,
            acting_user=member.user,
            purpose=NationalNumberAccess.Purpose.ADMIN_VIEW,
        )

    staff.user_permissions.add(Permission.objects.get(codename="view_national_number"))
    staff = type(staff).objects.get(pk=staff.pk)  # drop the permission cache
    value = services.member_national_number_read(
        member=member, acting_user=staff, purpose=NationalNumberAccess.Purpose.ADMIN_VIEW
    )
    assert value == "85073003328"
    access = NationalNumberAccess.objects.get()
    assert (access.member, access.accessed_by, access.purpose) == (member, staff, "admin_view")


def test_status_transitions_follow_the_map():
    member = MemberFactory()
    staff = StaffFactory()
    services.member_status_set(
        member=member, status=Status.MEMBER, acting_user=staff, reason="paid"
    )
    with pytest.raises(ValidationError) as exc:
        services.member_status_set(
            member=member, status=Status.MEMBER, acting_user=staff, reason="oops"
        )
    assert "cannot go from" in exc.value.messages[0]
    services.member_status_set(
        member=member, status=Status.EXCLUDED, acting_user=staff, reason="general meeting"
    )
    member.refresh_from_db()
    assert member.status == Status.EXCLUDED
    moves = list(StatusChange.objects.values_list("from_status", "to_status", "changed_by"))
    assert moves == [("applicant", "member", staff.pk), ("member", "excluded", staff.pk)]


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("applicant", "member", True),
        ("applicant", "excluded", False),
        ("member", "resigned", True),
        ("member", "applicant", True),  # a reversed payment (shares)
        ("resigned", "member", True),
        ("resigned", "excluded", False),
        ("excluded", "member", True),
        ("excluded", "resigned", False),
    ],
)
def test_transition_matrix(start, target, allowed):
    member = MemberFactory(status=start)
    if allowed:
        services.member_status_set(member=member, status=target, acting_user=None, reason="t")
        member.refresh_from_db()
        assert member.status == target
    else:
        with pytest.raises(ValidationError):
            services.member_status_set(member=member, status=target, acting_user=None, reason="t")
        member.refresh_from_db()
        assert member.status == start
        assert not StatusChange.objects.exists()


def test_legal_name_change_goes_through_staff_and_tells_the_member(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory(legal_name="Sofie Peeters", language="nl")
    services.member_profile_update(
        member=member, acting_user=member.user, values={}, legal_name="Sofie Janssens"
    )
    member.refresh_from_db()
    assert member.legal_name == "Sofie Peeters"  # unchanged until approved
    change = LegalNameChange.objects.get()
    assert (change.old_name, change.new_name, change.state) == (
        "Sofie Peeters",
        "Sofie Janssens",
        "pending",
    )

    with pytest.raises(ValidationError):  # one pending request at a time
        services.member_legal_name_change_request(
            member=member, new_name="Sofie X", acting_user=member.user
        )

    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_legal_name_change_decide(change=change, approve=True, acting_user=staff)
    member.refresh_from_db()
    assert member.legal_name == "Sofie Janssens"
    assert member.history.latest().history_user == staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.user.email]
    assert mail.outbox[0].subject == "Je nieuwe wettelijke naam is goedgekeurd"

    with pytest.raises(ValidationError):
        services.member_legal_name_change_decide(change=change, approve=False, acting_user=staff)
    # the task is idempotent: running it again sends nothing
    assert services.member_legal_name_change_notify(change_id=change.pk) is False
    assert len(mail.outbox) == 1


def test_data_export_holds_everything_and_logs_the_national_number_read():
    created: Member = MemberFactory(birth_date=datetime.date(1985, 7, 30))
    member = services.member_profile_update(
        member=created,
        acting_user=created.user,
        values={"phone": "+32 470 00 00 00"},
        national_number="85073003328",
    )
    member = services.member_artist_certificate_set(
        member=member,
        acting_user=member.user,
        values={
            "artist_certificate_type": "plus",
            "artist_certificate_number": "KW-2025-0042",
            "artist_certificate_valid_from": datetime.date(2025, 3, 1),
            "artist_certificate_valid_until": datetime.date(2030, 2, 28),
        },
    )
    data = services.member_data_export(member=member, acting_user=member.user)
    assert data["member"]["artist_certificate"] == {
        "type": "plus",
        "number": "KW-2025-0042",
        "valid_from": "2025-03-01",
        "valid_until": "2030-02-28",
    }
    assert data["account"]["email"] == member.user.email
    assert data["member"]["national_number"] == "85073003328"
    assert data["member"]["phone"] == "+32 470 00 00 00"
    assert {c["document"] for c in data["consents"]} == set(ALL_CONSENTS)
    assert data["profile_history"]
    access = NationalNumberAccess.objects.get()
    assert access.purpose == "data_export"
    assert access.accessed_by == member.user


def test_key_rotation_re_encrypts_under_the_new_key(settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    member = MemberFactory(birth_date=datetime.date(1985, 7, 30))
    services.member_profile_update(
        member=member, acting_user=member.user, values={}, national_number="85073003328"
    )
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_national_number"))
    staff = type(staff).objects.get(pk=staff.pk)
    assert (
        services.member_national_number_read(
            member=member, acting_user=staff, purpose=NationalNumberAccess.Purpose.ADMIN_VIEW
        )
        == "85073003328"
    )
