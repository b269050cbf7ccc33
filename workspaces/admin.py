"""The back office for workspaces: locations with their opening hours,
closures and resources; a location's bookings per day; cancelling a booking
on a member's behalf (the member is told by email); maintenance blocks."""

import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from smartcoop.admin_site import SAVE, action_page
from smartcoop.lib.requests import request_user
from workspaces import selectors, services
from workspaces.forms import CancelOnBehalfForm, DayForm, MaintenanceBlockForm
from workspaces.models import (
    TIME_ZONE,
    Booking,
    BookingKind,
    BookingStatus,
    Closure,
    Location,
    MaintenanceBlock,
    OpeningHours,
    Resource,
)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _local(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(TIME_ZONE):%d/%m/%Y %H:%M}"


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Closure]:
        # Past closures stay in the Closures list; here only what is to come.
        return super().get_queryset(request).filter(last_day__gte=timezone.localdate())


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ("name", "kind", "capacity", "equipment", "is_active")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "address", "slot_minutes", "is_active", "day_link")
    list_filter = ("is_active", "city")
    search_fields = ("name", "city", "street")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline, ClosureInline, ResourceInline]
    # Map and photo links typed without a scheme are https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("bookings"))
    def day_link(self, obj: Location) -> str:
        url = reverse("admin:workspaces_location_day", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Bookings per day"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/day/",
                self.admin_site.admin_view(self.day_view),
                name="workspaces_location_day",
            ),
            *super().get_urls(),
        ]

    def day_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every booking and block of the location on one day, by resource."""
        if not request.user.has_perm("workspaces.view_booking"):
            raise PermissionDenied
        location = get_object_or_404(Location, pk=pk)
        form = DayForm(request.GET or {"day": timezone.localdate()})
        day = form.cleaned_data["day"] if form.is_valid() else timezone.localdate()
        bookings = selectors.location_day_bookings(location=location, day=day)
        can_cancel = request.user.has_perm("workspaces.change_booking")
        return action_page(
            request,
            self,
            "workspaces/admin/day.html",
            _("Bookings in %(location)s") % {"location": location.name},
            form=form,
            day=day,
            location=location,
            bookings=bookings,
            can_cancel=can_cancel,
            previous_day=day - datetime.timedelta(days=1),
            next_day=day + datetime.timedelta(days=1),
        )


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "location", "kind", "capacity", "equipment", "is_active")
    list_filter = ("location", "kind", "is_active")
    search_fields = ("name", "location__name", "equipment")
    list_select_related = ("location",)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("location", "first_day", "last_day", "reason")
    list_filter = ("location",)
    date_hierarchy = "first_day"
    list_select_related = ("location",)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Members' bookings: read-only, cancelled on behalf through a form that
    asks why (the member receives the reason by email)."""

    list_display = ("when", "resource", "location", "member", "status", "created_at", "cancel_link")
    list_filter = ("status", "resource__location", "resource__kind")
    search_fields = ("=member__member_number", "member__legal_name", "resource__name")
    list_select_related = ("resource__location", "member")
    date_hierarchy = "starts_at"
    readonly_fields = (
        "resource",
        "member",
        "starts_at",
        "ends_at",
        "status",
        "created_at",
        "created_by",
        "cancelled_at",
        "cancelled_by",
        "cancellation_reason",
        "rules_used",
        "cancel_link",
    )
    exclude = ("kind", "note")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).filter(kind=BookingKind.MEMBER)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("when"), ordering="starts_at")
    def when(self, obj: Booking) -> str:
        return f"{_local(obj.starts_at)}–{obj.ends_at.astimezone(TIME_ZONE):%H:%M}"

    @admin.display(description=_("location"), ordering="resource__location__name")
    def location(self, obj: Booking) -> str:
        return obj.resource.location.name

    @admin.display(description=_("cancel"))
    def cancel_link(self, obj: Booking) -> str:
        if obj.status != BookingStatus.ACTIVE or obj.ends_at <= timezone.now():
            return "—"
        url = reverse("admin:workspaces_booking_cancel", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Cancel on behalf"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="workspaces_booking_cancel",
            ),
            *super().get_urls(),
        ]

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("workspaces.change_booking"):
            raise PermissionDenied
        booking = get_object_or_404(
            Booking.objects.select_related("resource__location", "member"),
            pk=pk,
            kind=BookingKind.MEMBER,
        )
        form = CancelOnBehalfForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.booking_cancel_on_behalf(
                    booking=booking,
                    acting_user=request_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Booking cancelled; the member is told by email."))
                back = request.GET.get("next", "")
                if back.startswith("/admin/"):
                    return HttpResponseRedirect(back)
                return HttpResponseRedirect(reverse("admin:workspaces_booking_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Cancel a booking"),
            form=form,
            submit_label=SAVE,
            subject=f"{booking} · {booking.member}",
        )


@admin.register(MaintenanceBlock)
class MaintenanceBlockAdmin(admin.ModelAdmin):
    """Maintenance blocks: created through the service (it refuses a block
    over members' bookings), lifted by an action; never edited or deleted."""

    list_display = ("when", "resource", "note", "status", "created_by")
    list_filter = ("status", "resource__location")
    list_select_related = ("resource__location", "created_by")
    readonly_fields = (
        "resource",
        "starts_at",
        "ends_at",
        "note",
        "status",
        "created_at",
        "created_by",
        "cancelled_at",
        "cancelled_by",
    )
    fields = readonly_fields
    actions = ["lift"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("when"), ordering="starts_at")
    def when(self, obj: Booking) -> str:
        return f"{_local(obj.starts_at)} – {_local(obj.ends_at)}"

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MaintenanceBlockForm(request.POST or None)
        for name in ("starts_at", "ends_at"):
            form.fields[name].widget = AdminSplitDateTime()
        if request.method == "POST" and form.is_valid():
            try:
                services.maintenance_block_create(
                    resource=form.cleaned_data["resource"],
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                    note=form.cleaned_data["note"],
                    acting_user=request_user(request),
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                self.message_user(request, _("Maintenance block recorded."))
                return HttpResponseRedirect(reverse("admin:workspaces_maintenanceblock_changelist"))
        return action_page(
            request,
            self,
            "admin/action_form.html",
            _("Block a resource for maintenance"),
            form=form,
            submit_label=SAVE,
            media=self.media + form.media,
        )

    @admin.action(description=_("Lift the selected maintenance blocks"), permissions=["add"])
    def lift(self, request: HttpRequest, queryset: QuerySet[MaintenanceBlock]) -> None:
        for block in queryset:
            try:
                services.maintenance_block_lift(block=block, acting_user=request_user(request))
            except ValidationError as exc:
                self.message_user(request, f"{block}: {_errors(exc)}", messages.ERROR)
            else:
                self.message_user(request, _("%(block)s: lifted.") % {"block": block})
