"""Where allauth sends a person once logged in (after the two-factor step):
members to their dashboard, staff without a member profile to the back
office, where their work is (the member pages would only answer 404)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from members.selectors import member_for_user


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_staff and member_for_user(user=user) is None:
            return reverse("admin:index")
        return super().get_login_redirect_url(request)
