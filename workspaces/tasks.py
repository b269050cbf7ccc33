from celery import shared_task

from workspaces import notifications


@shared_task(name="workspaces.booking_confirmation_send")
def booking_confirmation_send(booking_id: int) -> bool:
    return notifications.booking_confirmation_send(booking_id=booking_id)


@shared_task(name="workspaces.booking_cancellation_send")
def booking_cancellation_send(booking_id: int) -> bool:
    return notifications.booking_cancellation_send(booking_id=booking_id)
