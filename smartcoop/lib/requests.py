"""The logged-in user of a request, typed."""

from django.contrib.auth.models import User
from django.http import HttpRequest


def request_user(request: HttpRequest) -> User:
    """The user of a view that requires login (or of the admin, staff only)."""
    if not isinstance(request.user, User):
        raise TypeError("request_user() is only for views that require a logged-in user")
    return request.user
