from celery import shared_task

from members import services


@shared_task(name="members.legal_name_change_notify")
def legal_name_change_notify(change_id: int) -> bool:
    return services.member_legal_name_change_notify(change_id=change_id)
