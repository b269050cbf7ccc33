"""The activity accounts in the back office: read only. Every entry is
written by a service with the account locked (pay.services); a correction
is a new entry, never an edit here."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pay.models import ActivityAccount, LedgerEntry, PayRequest
from pay.services import pay_request_approve
from smartcoop.admin_site import ReadOnlyAdminMixin
from smartcoop.lib.requests import request_user


@admin.register(ActivityAccount)
class ActivityAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("activity", "member", "balance", "updated_at")
    list_select_related = ("activity__member",)
    search_fields = (
        "activity__name",
        "activity__member__legal_name",
        "activity__member__member_number",
    )
    readonly_fields = ("activity", "balance", "updated_at")
    actions = None

    @admin.display(description=_("member"))
    def member(self, obj: ActivityAccount) -> str:
        return str(obj.activity.member)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "account", "kind", "amount", "balance_after", "label")
    list_filter = ("kind", "date")
    raw_id_fields = ("account",)
    list_select_related = ("account__activity",)
    search_fields = ("label", "invoice__number", "account__activity__name")
    date_hierarchy = "date"
    actions = None


@admin.register(PayRequest)
class PayRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pay requests, due first; staff approve them here (each charges its
    budget used to the activity as a salary entry, through the service)."""

    list_display = (
        "pay_date",
        "member",
        "activity",
        "first_day",
        "last_day",
        "budget",
        "net",
        "status",
    )
    list_filter = ("status", "pay_date")
    list_select_related = ("member", "activity")
    search_fields = ("member__legal_name", "member__member_number", "activity__name")
    ordering = ("pay_date", "pk")
    date_hierarchy = "pay_date"
    actions = ["approve"]

    @admin.action(description=_("Approve the selected pay requests"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[PayRequest]) -> None:
        approved = 0
        for pay_request in queryset.select_related("activity"):
            try:
                pay_request_approve(pay_request=pay_request, acting_user=request_user(request))
            except ValidationError as exc:
                self.message_user(
                    request, f"{pay_request}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d pay request approved.", "%(count)d pay requests approved.", approved
                )
                % {"count": approved},
                messages.SUCCESS,
            )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Approving (the action) needs it; a request itself is only looked at.
        return obj is None and bool(request.user.has_perm("pay.change_payrequest"))
