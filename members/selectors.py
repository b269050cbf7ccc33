"""Reads of members that views, the admin and other apps share."""

import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from members.models import ArtistCertificateType, LegalNameChange, Member, Status, StatusChange


def member_for_user(*, user: User | AnonymousUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("user").first()


def member_of_user(*, user: User) -> Member:
    """The user's own member profile, for member pages: 404 for a user who
    has none (staff), never 403."""
    return get_object_or_404(Member.objects.select_related("user"), user=user)


def member_by_number(*, number: int) -> Member | None:
    """The member with this member number, for staff forms that take one."""
    return Member.objects.select_related("user").filter(member_number=number).first()


def member_get_owned(*, user: User, pk: int) -> Member:
    """The member with this id if it is the user's own, else 404 (never 403)."""
    return get_object_or_404(Member.objects.select_related("user"), pk=pk, user=user)


def legal_name_change_get_owned(*, user: User, pk: int) -> LegalNameChange:
    return get_object_or_404(
        LegalNameChange.objects.select_related("member"), pk=pk, member__user=user
    )


def legal_name_change_pending(*, member: Member) -> LegalNameChange | None:
    return member.name_changes.filter(state=LegalNameChange.State.PENDING).first()


def member_list() -> QuerySet[Member]:
    return Member.objects.select_related("user")


def members_current() -> QuerySet[Member]:
    """Members whose membership is current (status member), by member number."""
    return Member.objects.filter(status=Status.MEMBER).order_by("member_number")


def members_with_status_on(*, status: str, on: datetime.date) -> QuerySet[Member]:
    """Members whose status was `status` at the end of day `on` (a general
    assembly's record date), from the status changes: a member's status on a
    day is the one they moved out of by their first change effective after it,
    or their current status if none came later. One query; other apps narrow
    their own rows with it (`member__in=`)."""
    first_later_change = (
        StatusChange.objects.filter(member=OuterRef("pk"), effective_on__gt=on)
        .order_by("effective_on", "changed_at", "pk")
        .values("from_status")[:1]
    )
    return (
        Member.objects.annotate(status_then=Coalesce(Subquery(first_later_change), "status"))
        .filter(status_then=status)
        .order_by("member_number")
    )


def members_artist_certificate_ending(*, by: datetime.date) -> QuerySet[Member]:
    """Members without an artist work certificate, or whose certificate is valid
    only until `by` or earlier (already ended included). Other apps narrow
    their own rows with it (`member__in=`), so it stays one query."""
    return Member.objects.filter(
        Q(artist_certificate_valid_until__isnull=True) | Q(artist_certificate_valid_until__lte=by)
    )


def artist_certificate_type_label(*, kind: str) -> str:
    """The name of a type of artist work certificate in the active language
    ("" for none, the stored value for one this code no longer knows)."""
    if kind in ArtistCertificateType.values:
        return str(ArtistCertificateType(kind).label)
    return kind


def members_count(on: datetime.date) -> int:
    """Members today, whom a rule change from `on` reaches (rules/reach.py). One query."""
    return Member.objects.filter(status=Status.MEMBER).count()
