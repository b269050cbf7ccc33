"""The member's workspace pages: locations, the availability grid (day and
week), booking without a page reload (htmx, with a plain-form fallback), my
bookings, and the personal calendar feed."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from members.models import Member
from members.selectors import member_for_user
from smartcoop.lib.forms import add_service_errors
from smartcoop.lib.requests import request_user
from workspaces import ical, rendering, selectors, services
from workspaces.forms import BookingForm, GridFilterForm
from workspaces.models import TIME_ZONE, Booking

PAGE_SIZE = 20
DAY = datetime.timedelta(days=1)


def _member(request: HttpRequest) -> Member:
    member = member_for_user(user=request_user(request))
    if member is None:
        raise Http404
    return member


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@login_required
def locations(request: HttpRequest) -> HttpResponse:
    city = request.GET.get("city", "")
    page = Paginator(selectors.location_list(city=city), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "city": city,
        "cities": selectors.location_cities(),
        "query": urlencode({"city": city}) if city else "",
    }
    return render(request, "workspaces/locations.html", context)


@login_required
def location(request: HttpRequest, slug: str) -> HttpResponse:
    """A location, its resources' availability as a grid, and the booking panel."""
    place = selectors.location_get(slug=slug)
    member = member_for_user(user=request_user(request))
    now = timezone.now()
    today = timezone.localdate(now, TIME_ZONE)
    form = GridFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown next to the filters; defaults for the rest
    values = form.values(today)
    week = values["view"] == "week"
    first_day = values["date"] - values["date"].weekday() * DAY if week else values["date"]
    days = 7 if week else 1
    rules = services.booking_rules(today)
    horizon_end = services.horizon_limit(rules.value(services.HORIZON), now)
    grid = selectors.availability(
        location=place,
        first_day=first_day,
        days=days,
        member=member,
        kind=values["kind"],
        min_capacity=values["capacity"],
        horizon_end=horizon_end,
        now=now,
        week=week,
    )
    filters = {
        k: v
        for k, v in (
            ("view", values["view"]),
            ("kind", values["kind"]),
            ("capacity", values["capacity"] or ""),
        )
        if v
    }
    step = 7 * DAY if week else DAY

    def link(day: datetime.date, **changes: str) -> str:
        return "?" + urlencode({**filters, "date": day.isoformat(), **changes})

    day_query = urlencode({k: v for k, v in filters.items() if k != "view"})
    book_query = urlencode({"location": place.slug})
    if week:
        rows_html = rendering.week_rows(grid, day_query=day_query)
    else:
        rows_html = rendering.day_rows(grid, book_query=book_query, bookable=member is not None)
    context = {
        "location": place,
        "form": form,
        "rows_html": rows_html,
        "grid": grid,
        "view": values["view"],
        "date": values["date"],
        "today": today,
        "previous_url": link(first_day - step),
        "next_url": link(first_day + step),
        "today_url": link(today),
        "day_query": day_query,
        "book_query": book_query,
        "closures": selectors.upcoming_closures(location=place, today=today),
        "member": member,
    }
    if _is_htmx(request) and request.headers.get("HX-Target") == "availability":
        return render(request, "workspaces/_grid.html", context)
    return render(request, "workspaces/location.html", context)


@login_required
def book(request: HttpRequest) -> HttpResponse:
    """The booking form: in the location page's panel (htmx) or on its own."""
    member = _member(request)
    place = None
    slug = request.GET.get("location") or request.POST.get("location")
    if slug:
        place = selectors.location_get(slug=slug)
    initial = {k: request.GET[k] for k in ("resource", "day", "start", "end") if k in request.GET}
    if "start" in initial and "end" not in initial and place is not None:
        try:
            start = datetime.time.fromisoformat(initial["start"])
        except ValueError:
            pass
        else:
            minutes = start.hour * 60 + start.minute + place.slot_minutes
            if minutes < 24 * 60:
                initial["end"] = f"{minutes // 60:02d}:{minutes % 60:02d}"
    form = BookingForm(request.POST or None, initial=initial, location=place)
    booking = None
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create(
                member=member,
                resource=form.cleaned_data["resource"],
                day=form.cleaned_data["day"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not _is_htmx(request):
                messages.success(request, _("Booked. A confirmation is on its way by email."))
                return redirect("workspaces:booking", pk=booking.pk)
    context = {"form": form, "location": place, "booking": booking, "member": member}
    if _is_htmx(request):
        response = render(request, "workspaces/_booking_panel.html", context)
        if booking is not None:
            response["HX-Trigger"] = "bookingsChanged"
        return response
    return render(request, "workspaces/book.html", context)


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    page = Paginator(
        selectors.member_bookings(member=member, upcoming=when == "upcoming"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(b, services.can_cancel(b, now)) for b in page.object_list]
    feed = selectors.calendar_feed_live(member=member)
    context = {
        "member": member,
        "page": page,
        "rows": rows,
        "when": when,
        "query": urlencode({"when": when}),
        "feed": feed,
        "feed_url": (
            request.build_absolute_uri(reverse("workspaces:feed", args=[feed.token]))
            if feed
            else ""
        ),
    }
    return render(request, "workspaces/my_bookings.html", context)


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    booking = selectors.booking_get_owned(member=member, pk=pk)
    context = {
        "booking": booking,
        "can_cancel": services.can_cancel(booking, timezone.now()),
        "cancel_until": services.cancellation_limit(booking),
    }
    return render(request, "workspaces/booking.html", context)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    booking: Booking = selectors.booking_get_owned(member=member, pk=pk)
    try:
        services.booking_cancel(booking=booking, member=member, acting_user=request_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workspaces:booking", pk=booking.pk)
    messages.success(request, _("Your booking is cancelled."))
    return redirect("workspaces:my_bookings")


@login_required
@require_POST
def feed_manage(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the secret calendar address, or revoke it."""
    member = _member(request)
    if request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(member=member, acting_user=request_user(request))
        messages.success(request, _("Your calendar address is revoked; it no longer works."))
    else:
        services.calendar_feed_renew(member=member, acting_user=request_user(request))
        messages.success(
            request, _("Your calendar address is ready. Any previous address no longer works.")
        )
    return redirect(reverse("workspaces:my_bookings") + "#calendar-feed")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no login (calendar apps cannot log in), the secret
    token is the key; a wrong or revoked token answers 404."""
    _member, bookings = selectors.calendar_feed_bookings(token=token)
    body = ical.calendar(bookings, name=_("smartcoop bookings"))
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="smartcoop-bookings.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
