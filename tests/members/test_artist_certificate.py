"""The artist work certificate on the member profile: the database keeps it
complete and in order, members enter it on their profile with errors next
to the field, staff in the back office, and every change is in the history."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from members import models
from members.models import Member
from members.services import member_artist_certificate_set
from tests.factories import MemberFactory
from tests.helpers import staff_client
from tests.members import support

pytestmark = pytest.mark.django_db

FROM, UNTIL = datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)


@pytest.fixture
def member(db: None) -> Member:
    """Pages follow the profile's language: English here, to read the messages."""
    return MemberFactory(language="en")


def _profile_post(member: Member, **overrides: str) -> dict[str, str]:
    """The profile form as the member posts it, in English unless overridden."""
    return support.profile_post(member, **{"language": "en", **overrides})


CERTIFICATE = {
    "artist_certificate_type": "plus",
    "artist_certificate_number": " KWA-2024-0042 ",
    "artist_certificate_valid_from": "2024-01-01",
    "artist_certificate_valid_until": "2028-12-31",
}


def test_the_three_certificate_types():
    assert models.ArtistCertificateType.values == ["ordinary", "plus", "starter"]


@pytest.mark.parametrize(
    "fields",
    [
        {"artist_certificate_type": "plus"},  # no dates
        {"artist_certificate_type": "plus", "artist_certificate_valid_from": FROM},
        {"artist_certificate_valid_from": FROM, "artist_certificate_valid_until": UNTIL},
        {"artist_certificate_number": "KWA-1"},  # a number alone
        {
            "artist_certificate_type": "gold",
            "artist_certificate_valid_from": FROM,
            "artist_certificate_valid_until": UNTIL,
        },
        {
            "artist_certificate_type": "plus",
            "artist_certificate_valid_from": UNTIL,
            "artist_certificate_valid_until": FROM,
        },
        {
            "artist_certificate_type": "plus",
            "artist_certificate_valid_from": FROM,
            "artist_certificate_valid_until": FROM,
        },
    ],
)
def test_the_database_refuses_an_incomplete_or_reversed_certificate(member, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(**fields)


def test_the_database_accepts_a_complete_certificate_or_none(member):
    Member.objects.filter(pk=member.pk).update(
        artist_certificate_type="starter",
        artist_certificate_valid_from=FROM,
        artist_certificate_valid_until=UNTIL,
    )
    member.refresh_from_db()
    assert member.has_artist_certificate
    assert member.get_artist_certificate_type_display() == "Artist work certificate “starter”"


def test_model_validation_names_the_fields(member):
    member.artist_certificate_type = "ordinary"
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert exc.value.message_dict["artist_certificate_valid_from"] == [
        str(models.CERTIFICATE_FROM_REQUIRED)
    ]
    assert exc.value.message_dict["artist_certificate_valid_until"] == [
        str(models.CERTIFICATE_UNTIL_REQUIRED)
    ]
    member.artist_certificate_valid_from, member.artist_certificate_valid_until = UNTIL, FROM
    with pytest.raises(ValidationError) as exc:
        member.full_clean()
    assert exc.value.message_dict["artist_certificate_valid_until"] == [
        "The certificate must end after it starts: enter a date after 31/12/2028."
    ]
    member.artist_certificate_valid_from, member.artist_certificate_valid_until = FROM, UNTIL
    member.full_clean()


# --- The member's profile --------------------------------------------------------------


def test_member_enters_the_certificate_on_the_profile(member_client, member):
    url = reverse("members:profile_edit", args=[member.pk])
    html = member_client.get(url).content.decode()
    assert "Artist work certificate" in html and 'name="artist_certificate_valid_until"' in html
    response = member_client.post(url, _profile_post(member, **CERTIFICATE))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (
        member.artist_certificate_type,
        member.artist_certificate_number,
        member.artist_certificate_valid_from,
        member.artist_certificate_valid_until,
    ) == ("plus", "KWA-2024-0042", FROM, UNTIL)
    latest = member.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        member.user,
        "artist work certificate edited",
    )
    assert latest.artist_certificate_valid_until == UNTIL
    page = member_client.get(reverse("members:profile", args=[member.pk])).content.decode()
    assert "Artist work certificate “plus”" in page and "KWA-2024-0042" in page
    assert "31/12/2028" in page and "Expired" not in page


def test_saving_the_profile_without_a_change_adds_no_certificate_history(member_client, member):
    url = reverse("members:profile_edit", args=[member.pk])
    member_client.post(url, _profile_post(member, **CERTIFICATE))
    count = member.history.count()
    member_client.post(url, _profile_post(member, **CERTIFICATE))
    # the profile's own save only
    assert member.history.count() == count + 1
    assert member.history.latest().history_change_reason == "profile edited"


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {
                **CERTIFICATE,
                "artist_certificate_valid_from": "2028-12-31",
                "artist_certificate_valid_until": "2024-01-01",
            },
            {
                "artist_certificate_valid_until": [
                    "The certificate must end after it starts: enter a date after 31/12/2028."
                ]
            },
        ),
        (
            {"artist_certificate_type": "starter"},
            {
                "artist_certificate_valid_from": [str(models.CERTIFICATE_FROM_REQUIRED)],
                "artist_certificate_valid_until": [str(models.CERTIFICATE_UNTIL_REQUIRED)],
            },
        ),
        (
            {"artist_certificate_type": "ordinary", "artist_certificate_valid_from": "2024-01-01"},
            {"artist_certificate_valid_until": [str(models.CERTIFICATE_UNTIL_REQUIRED)]},
        ),
        (
            {
                "artist_certificate_valid_from": "2024-01-01",
                "artist_certificate_valid_until": "2028-12-31",
            },
            {"artist_certificate_type": [str(models.CERTIFICATE_TYPE_REQUIRED)]},
        ),
        (
            {**CERTIFICATE, "artist_certificate_valid_until": "2028-13-45"},
            {"artist_certificate_valid_until": ["Enter a valid date."]},
        ),
    ],
)
def test_wrong_certificate_gets_errors_next_to_the_fields_and_saves_nothing(
    member_client, member, overrides, errors
):
    before = Member.objects.values().get(pk=member.pk)
    history = member.history.count()
    response = member_client.post(
        reverse("members:profile_edit", args=[member.pk]), _profile_post(member, **overrides)
    )
    assert response.status_code == 200
    form_errors = response.context["form"].errors
    assert {field: form_errors[field] for field in errors} == errors
    assert set(form_errors) == set(errors)
    html = response.content.decode()
    for field in errors:
        assert f'id="id_{field}_error"' in html
    assert Member.objects.values().get(pk=member.pk) == before
    assert member.history.count() == history


def test_errors_are_in_the_members_language(member):
    Member.objects.filter(pk=member.pk).update(language="fr")
    client = Client()
    client.force_login(member.user)
    response = client.post(
        reverse("members:profile_edit", args=[member.pk]),
        _profile_post(member, language="fr", artist_certificate_type="plus"),
    )
    with translation.override("fr"):
        expected = str(models.CERTIFICATE_FROM_REQUIRED)
    assert response.context["form"].errors["artist_certificate_valid_from"] == [expected]


def test_member_clears_the_certificate(member_client, member):
    url = reverse("members:profile_edit", args=[member.pk])
    member_client.post(url, _profile_post(member, **CERTIFICATE))
    response = member_client.post(url, _profile_post(member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.has_artist_certificate
    assert (member.artist_certificate_number, member.artist_certificate_valid_until) == ("", None)
    page = member_client.get(reverse("members:profile", args=[member.pk])).content.decode()
    assert "None recorded. If you have a kunstwerkattest" in page


def test_an_expired_certificate_says_so_on_the_profile(member_client, member):
    Member.objects.filter(pk=member.pk).update(
        artist_certificate_type="ordinary",
        artist_certificate_valid_from=datetime.date(2019, 1, 1),
        artist_certificate_valid_until=datetime.date(2023, 12, 31),
    )
    page = member_client.get(reverse("members:profile", args=[member.pk])).content.decode()
    assert "Expired" in page


def test_the_write_refuses_what_the_form_refuses(member):
    with pytest.raises(ValidationError) as exc:
        member_artist_certificate_set(
            member=member,
            acting_user=member.user,
            values={
                "artist_certificate_type": "plus",
                "artist_certificate_valid_from": UNTIL,
                "artist_certificate_valid_until": FROM,
            },
        )
    assert set(exc.value.message_dict) == {"artist_certificate_valid_until"}
    with pytest.raises(ValueError, match="Not artist certificate fields"):
        member_artist_certificate_set(
            member=member, acting_user=member.user, values={"legal_name": "Someone"}
        )


# --- The back office -------------------------------------------------------------------


def test_staff_record_the_certificate_in_the_back_office():
    client, staff = staff_client("view_member", "change_member")
    member = MemberFactory()
    page = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert "Artist work certificate" in page.content.decode()

    response = support.member_admin_post(
        client,
        member,
        artist_certificate_type="ordinary",
        artist_certificate_valid_from="31/12/2028",
        artist_certificate_valid_until="01/01/2024",
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["artist_certificate_valid_until"]

    response = support.member_admin_post(
        client,
        member,
        artist_certificate_type="ordinary",
        artist_certificate_number="A-1",
        artist_certificate_valid_from="01/01/2024",
        artist_certificate_valid_until="31/12/2028",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert (member.artist_certificate_type, member.artist_certificate_valid_until) == (
        "ordinary",
        UNTIL,
    )
    assert member.history.latest().history_user == staff
    changelist = client.get(
        reverse("admin:members_member_changelist"), {"artist_certificate_type__exact": "ordinary"}
    )
    assert list(changelist.context["cl"].result_list) == [member]
