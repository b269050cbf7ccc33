"""Workspaces: locations with bookable resources, their opening hours and
closures, and bookings (domain.md, Workspaces).

No two active bookings of one resource overlap, maintenance blocks included
(they are bookings of kind "maintenance", without a member). Intervals are
half-open, [starts_at, ends_at): a booking ending at 10:00 does not clash
with one starting at 10:00. The database guarantees it: on PostgreSQL an
exclusion constraint (btree_gist) over the resource and the time range, on
SQLite (the embedded `make run`) a trigger; see migration 0002 and
docs/decisions.md. The services check first only to give a friendly message.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from members.models import Member
from rules.fields import RuleProvenanceField

# Every location of the cooperative is in Belgium; times are shown and
# opening hours read in this zone (domain.md).
TIME_ZONE = ZoneInfo("Europe/Brussels")
# The name the database gives an overlap, on PostgreSQL (the exclusion
# constraint) and on SQLite (the trigger's message): the services recognise it.
NO_OVERLAP_CONSTRAINT = "workspaces_booking_no_overlap"


class ResourceKind(models.TextChoices):
    DESK = "desk", _("Desk")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    STUDIO = "studio", _("Studio")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Location(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name in the address"), max_length=60, unique=True)
    city = models.CharField(_("city"), max_length=100)
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=12)
    description = models.TextField(_("description"), blank=True)
    accessibility = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Step-free access, lift, accessible toilets, hearing loop..."),
    )
    map_url = models.URLField(_("map link"), blank=True)
    photo_url = models.URLField(_("photo link"), blank=True)
    # Bookings start and end on this grid (minutes past the hour).
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length in minutes"),
        default=30,
        validators=[MinValueValidator(5)],
        help_text=_("Bookings start and end on multiples of this length (15, 30 or 60)."),
    )
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        ordering = ["city", "name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__in=[15, 30, 60]), name="location_slot_minutes_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


class Resource(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    capacity = models.PositiveSmallIntegerField(
        _("capacity (people)"), default=1, validators=[MinValueValidator(1)]
    )
    equipment = models.CharField(
        _("equipment"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated: screen, whiteboard, video conferencing..."),
    )
    is_active = models.BooleanField(_("bookable"), default=True)

    class Meta:
        ordering = ["location", "kind", "name"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="resource_name_per_location"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resource_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"

    @property
    def equipment_list(self) -> list[str]:
        return [item.strip() for item in self.equipment.split(",") if item.strip()]


class OpeningHours(models.Model):
    """One opening interval of a location on a weekday, in Brussels time.
    A weekday may have several (a lunch break); no row means closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens at"))
    closes = models.TimeField(_("closes at"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")), name="opening_hours_close_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """Days a location is closed (public holidays, works), both days included."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["location", "first_day"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="closure_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        if self.first_day == self.last_day:
            return f"{self.first_day:%d/%m/%Y} {self.reason}"
        return f"{self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y} {self.reason}"

    def covers(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day


class BookingKind(models.TextChoices):
    MEMBER = "member", _("Member booking")
    MAINTENANCE = "maintenance", _("Maintenance block")


class BookingStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("booking status", "Booked")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")


class Booking(models.Model):
    """A resource held from starts_at (included) to ends_at (excluded), by a
    member or blocked by staff for maintenance. Never deleted: cancelled."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    kind = models.CharField(
        _("kind"), max_length=12, choices=BookingKind.choices, default=BookingKind.MEMBER
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.ACTIVE
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancellation_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # Set once the member has been told (the tasks are safe to run twice).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    rules_used = RuleProvenanceField()

    history = HistoricalRecords(
        excluded_fields=["confirmation_sent_at", "cancellation_sent_at", "rules_used"]
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["resource", "starts_at"], name="booking_resource_start"),
            models.Index(fields=["member", "starts_at"], name="booking_member_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=BookingKind.MEMBER, member__isnull=False)
                    | Q(kind=BookingKind.MAINTENANCE, member__isnull=True)
                ),
                name="booking_member_unless_maintenance",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=BookingStatus.CANCELLED, cancelled_at__isnull=False)
                    | Q(status=BookingStatus.ACTIVE, cancelled_at__isnull=True)
                ),
                name="booking_cancelled_has_a_time",
            ),
            # The no-overlap guarantee is not declared here: it is an
            # exclusion constraint on PostgreSQL, a trigger on SQLite
            # (migration 0002), since Django cannot express both.
        ]

    def __str__(self) -> str:
        start = self.starts_at.astimezone(TIME_ZONE)
        end = self.ends_at.astimezone(TIME_ZONE)
        return f"{self.resource.name} {start:%d/%m/%Y %H:%M}–{end:%H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.ACTIVE

    @property
    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(TIME_ZONE)

    @property
    def local_end(self) -> datetime.datetime:
        return self.ends_at.astimezone(TIME_ZONE)


class CalendarFeed(models.Model):
    """A member's personal iCalendar feed: a secret address calendar apps
    subscribe to. Revoking it makes the address answer 404 for good; a new
    one gets a new token."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="calendar_feeds")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_member",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"{self.member} ({state})"


class MaintenanceBlockManager(models.Manager["MaintenanceBlock"]):
    def get_queryset(self) -> models.QuerySet["MaintenanceBlock"]:
        return super().get_queryset().filter(kind=BookingKind.MAINTENANCE)


class MaintenanceBlock(Booking):
    """The back office's view of maintenance blocks (bookings without a member)."""

    objects = MaintenanceBlockManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("maintenance block")
        verbose_name_plural = _("maintenance blocks")
