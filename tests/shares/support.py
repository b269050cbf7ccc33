"""Subscriptions as the share tests set them up: subscribed by the member
with every consent given, and paid in full by bank transfer."""

import datetime

from django.contrib.auth.models import User

from members.models import ConsentKind, Member
from shares import services
from shares.models import Subscription
from tests.factories import StaffFactory

PAID_ON = datetime.date(2026, 10, 1)


def subscribed(member: Member, quantity: int = 2) -> Subscription:
    return services.share_subscribe(
        member=member, quantity=quantity, accepted=ConsentKind.values, acting_user=member.user
    )


def paid_subscription(
    member: Member,
    quantity: int = 2,
    *,
    on: datetime.date = PAID_ON,
    acting_user: User | None = None,
) -> Subscription:
    """Subscribed, and its full amount registered as paid on `on` (by a new
    staff user unless `acting_user` is given)."""
    subscription = subscribed(member, quantity)
    services.share_payment_register(
        subscription=subscription,
        amount=subscription.amount,
        value_date=on,
        acting_user=acting_user or StaffFactory(),
    )
    subscription.refresh_from_db()
    return subscription
