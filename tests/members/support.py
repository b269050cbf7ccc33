"""How a member's profile is posted, by the member on the site and by staff in
the back office, for the tests of the profile and of what it holds (the
artist work certificate)."""

from typing import Any

from django.test import Client
from django.urls import reverse

from members.models import Member


def profile_post(member: Member, **overrides: str) -> dict[str, str]:
    """The profile form as a member posts it (French pages unless overridden)."""
    data = {
        "legal_name": member.legal_name,
        "street": "Rue Haute 5",
        "postal_code": "1000",
        "city": "Bruxelles",
        "country": "BE",
        "birth_date": "1985-07-30",
        "language": "fr",
        "iban": "BE68 5390 0754 7034",
        "phone": "+32 470 11 22 33",
        "enterprise_number": "",
        "national_number": "",
        # The artist work certificate section, left empty as a member without one does.
        "artist_certificate_type": "",
        "artist_certificate_number": "",
        "artist_certificate_valid_from": "",
        "artist_certificate_valid_until": "",
    }
    data.update(overrides)
    return data


def member_admin_post(client: Client, member: Member, **overrides: object) -> Any:
    """Post the member's admin change form as it was shown, with `overrides`."""
    url = reverse("admin:members_member_change", args=[member.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "user": member.user.pk,
            "birth_date": "1985-07-30",
            "consents-TOTAL_FORMS": 3,
            "consents-INITIAL_FORMS": 3,
            "status_changes-TOTAL_FORMS": 0,
            "status_changes-INITIAL_FORMS": 0,
        }
    )
    for i, consent in enumerate(member.consents.all()):
        data[f"consents-{i}-id"] = consent.pk
        data[f"consents-{i}-member"] = member.pk
    data.update(overrides)
    return client.post(url, data)
