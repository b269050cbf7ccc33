"""Where allauth sends a person once logged in (after the two-factor step):
members to their dashboard, staff without a member profile to the back
office, where their work is (most member pages would answer them 404)."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import AbstractBaseUser, User
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from members.selectors import member_for_user


class AccountAdapter(DefaultAccountAdapter):
    def post_login(
        self,
        request: HttpRequest,
        user: AbstractBaseUser,
        *,
        email_verification: str,
        signal_kwargs: dict[str, Any] | None,
        email: str | None,
        signup: bool,
        redirect_url: str | None,
    ) -> HttpResponse:
        """The end of a login (password, then two-factor). An explicit
        `next` still wins; only the default changes, and only here (a
        logged-in person who opens the login page again goes home as before)."""
        if (
            not redirect_url
            and isinstance(user, User)
            and user.is_staff
            and member_for_user(user=user) is None
        ):
            redirect_url = reverse("admin:index")
        return super().post_login(
            request,
            user,
            email_verification=email_verification,
            signal_kwargs=signal_kwargs,
            email=email,
            signup=signup,
            redirect_url=redirect_url,
        )
