"""The activity accounts' balances, recomputed each night (issue 17): the
balance kept on each account must equal the sum of its entries and its last
running balance, and its income and reversal entries must equal what its
issued invoices and credit notes imply. Three set-based queries
(pay.selectors.balance_mismatches)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from compliance.registry import Check, Context, Problem, Severity, Team, register
from pay.selectors import balance_mismatches
from smartcoop.lib.money import format_money

ACTIVITY = "invoicing.activity"


def _money(value: str) -> str:
    return format_money(Decimal(value), get_language() or "en")


@register
class ActivityBalanceDrift(Check):
    key = "pay.balance"
    title = _("Activity balances that do not add up")
    description = _(
        "An activity's balance is kept on its account and moved only by its append-only "
        "entries; the income and reversals must equal what its issued invoices and credit "
        "notes bring in after the cooperative's contribution. The platform guarantees this, "
        "so a finding means the data was changed outside it, or an invoice was issued without "
        "its entry: stop paying from this activity and investigate with the IT team. A "
        "correction is a new entry, never an edit."
    )
    severity = Severity.ERROR
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterable[Problem]:
        for row in balance_mismatches():
            yield Problem(
                key=f"activity:{row.activity_id}",
                subject=(ACTIVITY, row.activity_id),
                label=row.label,
                details={
                    "balance": str(row.balance),
                    "entries": str(row.entries),
                    "last": str(row.last_balance_after),
                    "from_entries": str(row.from_entries),
                    "from_invoices": str(row.from_invoices),
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        return gettext(
            "Balance %(balance)s; its entries add up to %(entries)s (last running balance "
            "%(last)s); income and reversals %(from_entries)s where the invoices imply "
            "%(from_invoices)s."
        ) % {name: _money(value) for name, value in details.items()}
