"""The staff back office: the Django admin behind the same login, with
two-factor authentication required for every staff user."""

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

MFA_REQUIRED = gettext_lazy(
    "Staff must turn on two-factor authentication before using the back office."
)


class CoopAdminSite(admin.AdminSite):
    site_header = gettext_lazy("smartcoop back office")
    site_title = gettext_lazy("smartcoop back office")
    index_title = gettext_lazy("Administration")
    # The header's one link to the member site is in admin/base_site.html,
    # not Django's "View site" besides it.
    site_url = None

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_mfa_enabled(user))

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The admin has no login form of its own: allauth's login (with its
        rate limits and two-factor step) is the only way in."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            login_url = resolve_url("account_login")
            return HttpResponseRedirect(f"{login_url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if not (user.is_active and user.is_staff):
            # A member who opened /admin/: say why not, in their language,
            # on the member site's layout, and offer the way back.
            return TemplateResponse(request, "admin/refused.html", status=403)
        if not is_mfa_enabled(user):
            messages.warning(request, _(str(MFA_REQUIRED)))
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return HttpResponseRedirect(next_url)


class ReadOnlyAdminMixin:
    """Looked at, never written here (for admins and inlines whose rows
    change only through their services)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


SAVE = gettext_lazy("Save")  # the button of the action forms (admin/action_form.html)


def action_page(
    request: HttpRequest, admin_obj: admin.ModelAdmin, template: str, title: Any, **context: Any
) -> TemplateResponse:
    """A back-office action's own page (a form, a confirmation), in the admin's
    frame: its header, breadcrumbs and the model's options."""
    return TemplateResponse(
        request,
        template,
        {
            **admin_obj.admin_site.each_context(request),
            "title": title,
            "opts": admin_obj.model._meta,
            **context,
        },
    )


class ObjectActionsMixin:
    """Links to what staff may do with one object (register a payment, resolve,
    acknowledge...), shown with the object tools of its change page. An admin
    says which in `object_actions`; the permission checks stay in the views the
    links lead to."""

    change_form_template: Any = "admin/object_actions_change_form.html"

    def object_actions(self, request: HttpRequest, obj: Any) -> list[tuple[str, Any]]:
        return []

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context["object_actions"] = [] if obj is None else self.object_actions(request, obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )


class HistoryAdmin(SimpleHistoryAdmin):
    """An admin with its history pages, for reading only.

    django-simple-history's "revert" form saves a POSTed old version for
    anyone who may view the history, whatever `revert_disabled` says; and
    every write in this back office goes through a service with its checks
    and audit record. So the form never saves here (found while building the
    invoicing admin)."""

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
