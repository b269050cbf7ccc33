"""The register always equals paid subscriptions minus exits, per member and
overall, whatever sequence of operations staff and members perform
(issue 4, Rules to hold)."""

import contextlib
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from members.models import ConsentKind
from shares import services
from shares.models import (
    ExitRequest,
    ExitStatus,
    RegisterEntry,
    Subscription,
    SubscriptionStatus,
)
from tests.factories import MemberFactory, StaffFactory

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["subscribe", "pay", "exit", "approve", "reject", "refund", "reverse"]),
        st.integers(min_value=0, max_value=2),  # which member / which object
        st.integers(min_value=1, max_value=4),  # how many shares
    ),
    max_size=25,
)


class RegisterInvariant(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(OPERATIONS)
    def test_register_equals_paid_subscriptions_minus_exits(self, operations):
        staff = StaffFactory()
        members = [MemberFactory() for _ in range(3)]
        for op, index, quantity in operations:
            # A refused operation must leave everything as it was.
            with contextlib.suppress(ValidationError):
                self._apply(op, members[index], index, quantity, staff)
        for member in members:
            self.assertEqual(self._register(member=member), self._expected(member=member))
            refunded = RegisterEntry.objects.filter(member=member, amount__lt=0).exclude(
                entry_type="reversal"
            ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            paid = Subscription.objects.filter(
                member=member, status=SubscriptionStatus.PAID
            ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
            self.assertLessEqual(-refunded, paid)  # never refund more than was paid
        self.assertEqual(self._register(), self._expected())

    def _apply(self, op, member, index, quantity, staff):
        if op == "subscribe":
            services.share_subscribe(
                member=member,
                quantity=quantity,
                accepted=ConsentKind.values,
                acting_user=member.user,
            )
        elif op == "pay":
            subscription = Subscription.objects.filter(member=member).order_by("pk").first()
            if subscription:
                services.share_payment_register(
                    subscription=subscription,
                    amount=subscription.amount,
                    value_date=datetime.date(2027, 1, 5),
                    acting_user=staff,
                )
        elif op == "exit":
            services.share_exit_request(
                member=member,
                quantity=quantity,
                requested_on=datetime.date(2027, 2, 1),
                acting_user=member.user,
            )
        elif op in ("approve", "reject"):
            exit_request = ExitRequest.objects.filter(member=member).order_by("-pk").first()
            if exit_request:
                services.share_exit_decide(
                    exit_request=exit_request, approve=op == "approve", acting_user=staff
                )
        elif op == "refund":
            exit_request = ExitRequest.objects.filter(member=member).order_by("-pk").first()
            if exit_request:
                amount = services.refund_maximum(exit_request) + Decimal(index - 1)
                services.share_refund_record(
                    exit_request=exit_request,
                    amount=amount,
                    refunded_on=datetime.date(2027, 9, 1),
                    acting_user=staff,
                )
        elif op == "reverse":
            entries = list(RegisterEntry.objects.filter(member=member).order_by("pk"))
            if entries:
                services.register_entry_reverse(
                    entry=entries[index % len(entries)], acting_user=staff, note="test"
                )

    @staticmethod
    def _register(**filters) -> int:
        return RegisterEntry.objects.filter(**filters).aggregate(n=Sum("quantity"))["n"] or 0

    @staticmethod
    def _expected(**filters) -> int:
        paid = (
            Subscription.objects.filter(status=SubscriptionStatus.PAID, **filters).aggregate(
                n=Sum("quantity")
            )["n"]
            or 0
        )
        left = (
            ExitRequest.objects.filter(
                status__in=[ExitStatus.APPROVED, ExitStatus.REFUNDED], **filters
            ).aggregate(n=Sum("quantity"))["n"]
            or 0
        )
        return paid - left
