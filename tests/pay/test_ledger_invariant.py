"""After any sequence of issues, credits and transfers, every activity's
balance equals the sum of its entries and its last running balance, is never
negative, and its income and reversals equal what its issued documents imply
(issue 17, Tests). Expenses and salaries join the operations once they exist
(they post through the same locked `_post` as transfers)."""

import contextlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from invoicing.models import Invoice
from pay import services
from pay.selectors import balance_mismatches
from tests.clock import TODAY, on
from tests.factories import ActivityFactory, MemberFactory
from tests.invoicing.support import credit, issued
from tests.pay.support import assert_consistent

PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(0, 2), PRICES, st.integers(1, 5)),
        st.tuples(st.just("credit"), st.integers(0, 20), st.integers(1, 5), st.booleans()),
        st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(0, 2), PRICES),
    ),
    max_size=8,
)


class LedgerInvariant(TestCase):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(OPERATIONS)
    def test_balance_is_the_sum_of_entries_and_matches_the_invoices(self, operations):
        member = MemberFactory(status="member")
        activities = [ActivityFactory(member=member) for _ in range(3)]
        with on(TODAY):
            for operation in operations:
                # A refused operation leaves everything as it was.
                with contextlib.suppress(ValidationError):
                    self._apply(member, activities, operation)
            for activity in activities:
                assert_consistent(activity)
            self.assertEqual(list(balance_mismatches()), [])

    def _apply(self, member, activities, operation):
        kind = operation[0]
        if kind == "issue":
            _kind, index, price, quantity = operation
            issued(
                member,
                activity=activities[index],
                lines=[("Work", str(quantity), str(price), "S:21")],
            )
        elif kind == "credit":
            _kind, index, quantity, fully = operation
            invoices = list(Invoice.objects.filter(kind="invoice").order_by("pk"))
            if not invoices:
                return
            invoice = invoices[index % len(invoices)]
            line = invoice.lines.get()
            credit(invoice, quantities=None if fully else {line.pk: Decimal(quantity)})
        else:
            _kind, source, target, amount = operation
            services.budget_transfer(
                source=activities[source],
                target=activities[target],
                amount=amount,
                acting_user=member.user,
            )
