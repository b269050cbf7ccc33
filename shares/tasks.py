from celery import shared_task

from shares import notifications


@shared_task(name="shares.subscription_confirmation_send")
def subscription_confirmation_send(subscription_id: int) -> bool:
    return notifications.subscription_confirmation_send(subscription_id=subscription_id)
