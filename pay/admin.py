"""The activity accounts in the back office: read only. Every entry is
written by a service with the account locked (pay.services); a correction
is a new entry, never an edit here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pay.models import ActivityAccount, LedgerEntry
from smartcoop.admin_site import ReadOnlyAdminMixin


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
