"""Checks on invoices: the overdue ones with what the law adds to them, the
numbering guarantee, and invoices issued by someone holding no paid share.
Each is one query of compliance/queries/invoicing.py."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from compliance.queries.invoicing import (
    document_kind_label,
    invoices_issued_without_share,
    numbering_breaks,
    overdue_by_member,
)
from compliance.registry import Check, Context, Problem, Severity, Team, register
from smartcoop.lib.money import format_money

MEMBER = "members.member"
COUNTER = "invoicing.numbercounter"
LIST_MAX = 10  # invoice numbers listed per finding
BREAKS_MAX = 20  # gaps, duplicates and date-order breaks listed per series


def _money(value: str) -> str:
    return format_money(Decimal(value), get_language() or "en")


def _date(value: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")


@register
class OverdueInvoices(Check):
    key = "invoices.overdue"
    title = _("Overdue invoices")
    description = _(
        "Members with issued invoices whose due date has passed and that are not fully paid or "
        "credited, with the late-payment interest and the fixed compensation the law grants "
        "on business clients' invoices (law of 2 August 2002, art. 5 and 6; none for private "
        "persons). Remind the client, or help the member to; the finding closes by itself "
        "once the invoices are paid or credited."
    )
    severity = Severity.WARNING
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterable[Problem]:
        for row in overdue_by_member(today=ctx.today):
            details: dict[str, Any] = {
                "count": row.count,
                "outstanding": str(row.outstanding),
                "interest": str(row.interest),
                "compensation": str(row.compensation),
                "oldest_due": row.oldest_due.isoformat(),
                "days_late": (ctx.today - row.oldest_due).days,
                "numbers": row.numbers[:LIST_MAX],
            }
            if row.unpriced:
                # Late since before the first version of the interest or
                # compensation rule: those days bear no interest here.
                details["unpriced"] = row.unpriced
            yield Problem(
                key=f"member:{row.member_id}",
                subject=(MEMBER, row.member_id),
                label=f"{row.member_number} {row.legal_name}",
                details=details,
            )

    def describe(self, details: dict[str, Any]) -> str:
        count = details["count"]
        return ngettext(
            "%(count)d overdue invoice, %(outstanding)s outstanding, %(interest)s late interest "
            "and %(compensation)s compensation due; oldest due %(oldest)s.",
            "%(count)d overdue invoices, %(outstanding)s outstanding, %(interest)s late "
            "interest and %(compensation)s compensation due; oldest due %(oldest)s.",
            count,
        ) % {
            "count": count,
            "outstanding": _money(details["outstanding"]),
            "interest": _money(details["interest"]),
            "compensation": _money(details["compensation"]),
            "oldest": _date(details["oldest_due"]),
        }


def _range(pair: list[int]) -> str:
    first, last = pair
    return str(first) if first == last else f"{first}–{last}"


@register
class NumberingBroken(Check):
    key = "invoices.numbering"
    title = _("Invoice numbering broken")
    description = _(
        "Invoice and credit note numbers must run without gaps from 1 in each series and year, "
        "each number once, in the order of their dates (VAT Code art. 53, § 2; Royal Decree "
        "no. 1, art. 5). The platform guarantees this, so a finding here means the data was "
        "changed outside it: stop and investigate with the IT team and the accountant before "
        "issuing more in that series."
    )
    severity = Severity.ERROR
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterable[Problem]:
        for row in numbering_breaks(limit=BREAKS_MAX):
            yield Problem(
                key=f"series:{row.series}/{row.year}",
                subject=(COUNTER, row.counter_id),
                label=f"{document_kind_label(row.series)} {row.year}",
                details={
                    "series": row.series,
                    "year": row.year,
                    "issued": row.issued,
                    "highest": row.highest,
                    "counter_last_number": row.counter_last_number,
                    "counter_last_issued_on": (
                        row.counter_last_issued_on.isoformat()
                        if row.counter_last_issued_on
                        else None
                    ),
                    "counter_behind": row.counter_behind,
                    "missing_count": row.missing,
                    "missing_ranges": [[first, last] for first, last in row.missing_ranges],
                    "duplicate_count": row.duplicate_count,
                    "duplicate_sequences": row.duplicate_sequences,
                    "duplicate_number_count": row.duplicate_number_count,
                    "duplicate_numbers": row.duplicate_numbers,
                    "out_of_order_count": row.out_of_order_count,
                    "out_of_order": [
                        {
                            "before": before,
                            "before_date": before_date.isoformat(),
                            "number": number,
                            "date": date.isoformat(),
                        }
                        for before, before_date, number, date in row.out_of_order
                    ],
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        parts = []
        if details["missing_count"]:
            ranges = ", ".join(_range(pair) for pair in details["missing_ranges"])
            parts.append(
                ngettext(
                    "%(count)d number missing (%(ranges)s)",
                    "%(count)d numbers missing (%(ranges)s)",
                    details["missing_count"],
                )
                % {"count": details["missing_count"], "ranges": ranges}
            )
        if details["duplicate_count"]:
            parts.append(
                ngettext(
                    "%(count)d sequence issued twice",
                    "%(count)d sequences issued twice",
                    details["duplicate_count"],
                )
                % {"count": details["duplicate_count"]}
            )
        if details["duplicate_number_count"]:
            parts.append(
                ngettext(
                    "%(count)d number used twice",
                    "%(count)d numbers used twice",
                    details["duplicate_number_count"],
                )
                % {"count": details["duplicate_number_count"]}
            )
        if details["out_of_order_count"]:
            parts.append(
                ngettext(
                    "%(count)d number dated before the one it follows",
                    "%(count)d numbers dated before the one they follow",
                    details["out_of_order_count"],
                )
                % {"count": details["out_of_order_count"]}
            )
        if details["counter_behind"]:
            parts.append(gettext("the counter is behind what was issued"))
        return gettext("Series %(series)s %(year)s: %(problems)s.") % {
            "series": document_kind_label(details["series"]),
            "year": details["year"],
            "problems": "; ".join(parts),
        }


@register
class InvoicedWithoutShare(Check):
    key = "membership.invoiced_without_share"
    title = _("Invoices issued without a paid share")
    description = _(
        "Invoices issued by someone who held no paid share on the invoice date: only members "
        "may use the cooperative's services. Check the share register (a payment or transfer "
        "booked late, an exit dated wrongly) and correct it, or take the matter to the board."
    )
    severity = Severity.ERROR
    team = Team.LEGAL

    def find(self, ctx: Context) -> Iterable[Problem]:
        for row in invoices_issued_without_share():
            yield Problem(
                key=f"member:{row.member_id}",
                subject=(MEMBER, row.member_id),
                label=f"{row.member_number} {row.legal_name}",
                details={
                    "count": row.count,
                    "first_issued": row.first_issued.isoformat(),
                    "last_issued": row.last_issued.isoformat(),
                    "numbers": row.numbers[:LIST_MAX],
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        count = details["count"]
        if details["first_issued"] == details["last_issued"]:
            return ngettext(
                "%(count)d invoice issued on %(first)s without a paid share.",
                "%(count)d invoices issued on %(first)s without a paid share.",
                count,
            ) % {"count": count, "first": _date(details["first_issued"])}
        return ngettext(
            "%(count)d invoice issued between %(first)s and %(last)s without a paid share.",
            "%(count)d invoices issued between %(first)s and %(last)s without a paid share.",
            count,
        ) % {
            "count": count,
            "first": _date(details["first_issued"]),
            "last": _date(details["last_issued"]),
        }
