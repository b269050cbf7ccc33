"""Emails about bookings, sent by Celery tasks after commit, in the member's
language: the confirmation (with the booking as an .ics attachment) and the
notice that staff cancelled a booking."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from workspaces import ical, services
from workspaces.models import Booking, BookingStatus


def _booking(booking_id: int) -> Booking:
    return Booking.objects.select_related("member__user", "resource__location").get(pk=booking_id)


def _send(booking: Booking, subject: str, template: str) -> None:
    member = booking.member
    assert member is not None  # member bookings only
    context = {
        "booking": booking,
        "member": member,
        "resource": booking.resource,
        "location": booking.resource.location,
    }
    text = render_to_string(f"workspaces/email/{template}.txt", context)
    html = render_to_string(f"workspaces/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [member.user.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"booking-{booking.pk}.ics", ical.calendar([booking]), "text/calendar")
    message.send()


def booking_confirmation_send(*, booking_id: int) -> bool:
    """Once per booking, and only while it is still booked."""
    booking = _booking(booking_id)
    if booking.confirmation_sent_at or booking.status != BookingStatus.ACTIVE:
        return False
    assert booking.member is not None
    with translation.override(booking.member.language):
        _send(
            booking,
            _("Your booking of %(resource)s") % {"resource": booking.resource.name},
            "booking_confirmation",
        )
    return services.booking_mark_notified(booking_id=booking.pk, field="confirmation_sent_at")


def booking_cancellation_send(*, booking_id: int) -> bool:
    """Staff cancelled the booking: the member is told why, once."""
    booking = _booking(booking_id)
    if booking.cancellation_sent_at or booking.status != BookingStatus.CANCELLED:
        return False
    assert booking.member is not None
    with translation.override(booking.member.language):
        _send(
            booking,
            _("Your booking of %(resource)s is cancelled") % {"resource": booking.resource.name},
            "booking_cancelled",
        )
    return services.booking_mark_notified(booking_id=booking.pk, field="cancellation_sent_at")
