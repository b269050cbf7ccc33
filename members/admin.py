from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from members import services
from members.forms import MemberFieldsCleanMixin
from members.models import (
    ARTIST_CERTIFICATE_FIELDS,
    Consent,
    LegalNameChange,
    Member,
    NationalNumberAccess,
    Status,
    StatusChange,
)
from smartcoop.admin_site import HistoryAdmin, ReadOnlyAdminMixin
from smartcoop.lib.audit import audited
from smartcoop.lib.requests import request_user


class MemberAdminForm(MemberFieldsCleanMixin, forms.ModelForm):
    class Meta:
        model = Member
        fields = (
            "user",
            "legal_name",
            "category",
            "street",
            "postal_code",
            "city",
            "country",
            "phone",
            "language",
            "birth_date",
            "iban",
            "enterprise_number",
            *ARTIST_CERTIFICATE_FIELDS,
        )


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "version", "accepted_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "changed_at", "changed_by", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _status_action(target: str, label: Any) -> Any:
    @admin.action(description=label, permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, []
        for member in queryset:
            try:
                services.member_status_set(
                    member=member,
                    status=target,
                    acting_user=request_user(request),
                    reason=f"set in the back office by {request.user}",
                )
                done += 1
            except ValidationError as exc:
                refused.append(f"{member}: {' '.join(exc.messages)}")
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(n)d member updated.", "%(n)d members updated.", done) % {"n": done},
            )
        for line in refused:
            modeladmin.message_user(request, line, level=messages.ERROR)

    action.__name__ = f"set_status_{target}"
    return action


@admin.register(Member)
class MemberAdmin(HistoryAdmin):
    form = MemberAdminForm
    list_display = ("member_number", "legal_name", "email", "status", "category", "city")
    list_filter = ("status", "category", "language", "artist_certificate_type")
    search_fields = ("=member_number", "legal_name", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("member_number", "status", "national_number", "created_at", "updated_at")
    raw_id_fields = ("user",)
    inlines = [ConsentInline, StatusChangeInline]
    actions = [
        _status_action(Status.RESIGNED, _("Mark as resigned")),
        _status_action(Status.EXCLUDED, _("Mark as excluded")),
    ]
    fieldsets = (
        (None, {"fields": ("user", "member_number", "legal_name", "status", "category")}),
        (
            _("Contact"),
            {"fields": ("street", "postal_code", "city", "country", "phone", "language")},
        ),
        (
            _("Identity and bank"),
            {"fields": ("birth_date", "iban", "enterprise_number", "national_number")},
        ),
        (_("Artist work certificate"), {"fields": ARTIST_CERTIFICATE_FIELDS}),
        (_("Created and updated"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj: Member) -> str:
        return str(obj.user.email)

    @admin.display(description=_("national register number"))
    def national_number(self, obj: Member) -> str:
        request = getattr(self, "_request", None)
        if not obj.has_national_number:
            return "—"
        if request is None or not request.user.has_perm("members.view_national_number"):
            return str(_("on file (hidden)"))
        try:
            return services.member_national_number_read(
                member=obj,
                acting_user=request.user,
                purpose=NationalNumberAccess.Purpose.ADMIN_VIEW,
            )
        except PermissionDenied:
            return str(_("on file (hidden)"))

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._request = request
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        if not change:
            (obj.member_number,) = services.member_numbers_reserve(count=1)
        audited(obj, acting_user=request.user, reason="edited in the back office")
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # members leave by a status change; the register keeps them


@admin.register(LegalNameChange)
class LegalNameChangeAdmin(admin.ModelAdmin):
    list_display = ("member", "old_name", "new_name", "state", "requested_at", "decided_by")
    list_filter = ("state",)
    search_fields = ("=member__member_number", "old_name", "new_name")
    list_select_related = ("member", "decided_by")
    readonly_fields = [f.name for f in LegalNameChange._meta.fields]
    actions = ["approve", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _decide(self, request: HttpRequest, queryset: QuerySet, approve: bool) -> None:
        for change in queryset:
            try:
                services.member_legal_name_change_decide(
                    change=change, approve=approve, acting_user=request_user(request)
                )
            except ValidationError as exc:
                self.message_user(request, f"{change}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{change}: {change.get_state_display()}")

    @admin.action(description=_("Approve the new legal name"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject the new legal name"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(NationalNumberAccess)
class NationalNumberAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("accessed_at", "member", "accessed_by", "purpose")
    list_filter = ("purpose",)
    search_fields = ("=member__member_number", "accessed_by__email")
    list_select_related = ("member", "accessed_by")
