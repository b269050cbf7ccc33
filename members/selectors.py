"""Reads of members that views, the admin and other apps share."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from members.models import LegalNameChange, Member


def member_for_user(*, user: User | AnonymousUser) -> Member | None:
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).select_related("user").first()


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
