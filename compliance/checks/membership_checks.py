"""Checks on members, shares, exits, rules and artist certificates.

Each check reads the apps through their selectors, in one to three queries
whatever the number of rows; details hold JSON-safe values (ISO dates,
Decimal amounts as strings) that `describe` words in the reader's language."""

import datetime
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, Sum
from django.utils import formats, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from compliance.queries.invoicing import artistic_activities, invoice_years_of_use
from compliance.registry import Check, Context, Problem, Severity, Team, register
from members.selectors import (
    artist_certificate_type_label,
    members_artist_certificate_ending,
    members_current,
)
from rules.selectors import rule_versions_taking_effect
from shares.selectors import PAID, exits_refund_due, holdings_on, shares_per_year_of_use
from smartcoop.lib.money import format_money, round_cents

EXIT_REFUND_HORIZON_DAYS = 90
RULES_HORIZON_DAYS = 14
CERTIFICATE_HORIZON_DAYS = 60
ACTIVITY_NAMES_SHOWN = 5
VALUE_MAX = 80


def _date(iso: str) -> str:
    return formats.date_format(datetime.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def _member_label(number: int, name: str) -> str:
    return f"{number} {name}"


# --- Shares per year of use ----------------------------------------------------------


@register
class SharesShortOfRule(Check):
    key = "shares.short_of_rule"
    title = _("Members short of the shares-per-year rule")
    description = _(
        "Members are asked to hold a number of shares (the rule shares.per_year_of_use) for "
        "every calendar year in which they issued an invoice through the cooperative. It is "
        "reported, never blocked: invite the member to subscribe the missing shares, or note "
        "why not."
    )
    severity = Severity.INFO
    team = Team.MEMBER_SERVICES

    def find(self, ctx: Context) -> Iterator[Problem]:
        # Three queries, joined here by member: years of use and holdings are
        # both one grouped row per member (at most the 30,000 members), then
        # the current members among those short of the rule.
        per_year = shares_per_year_of_use(on=ctx.today)
        if per_year <= 0:
            return
        years = {row["member"]: int(row["years"]) for row in invoice_years_of_use().iterator()}
        held = {
            row["member"]: int(row["held"] or 0) for row in holdings_on(as_of=ctx.today).iterator()
        }
        short = [pk for pk, used in years.items() if held.get(pk, 0) < per_year * used]
        if not short:
            return
        members = members_current().filter(pk__in=short)
        for pk, number, name in members.values_list("pk", "member_number", "legal_name"):
            used, shares = years[pk], held.get(pk, 0)
            yield Problem(
                key=f"member:{pk}",
                subject=("members.member", pk),
                label=_member_label(number, name),
                details={
                    "held": shares,
                    "years_of_use": used,
                    "per_year": per_year,
                    "missing": per_year * used - shares,
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        years = ngettext("%(n)d year of use", "%(n)d years of use", details["years_of_use"]) % {
            "n": details["years_of_use"]
        }
        return ngettext(
            "%(missing)d share short: holds %(held)d, the rule asks %(per_year)d a year "
            "for %(years)s.",
            "%(missing)d shares short: holds %(held)d, the rule asks %(per_year)d a year "
            "for %(years)s.",
            details["missing"],
        ) % {
            "missing": details["missing"],
            "held": details["held"],
            "per_year": details["per_year"],
            "years": years,
        }


# --- Refunds of exits ----------------------------------------------------------------


def _seen_from(condition: Q, prefix: str) -> Q:
    """A condition on share register entries (shares.selectors.PAID), as seen
    from another model through the relation `prefix`."""
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_seen_from(child, prefix))
        else:
            lookup, value = cast(tuple[str, Any], child)
            children.append((prefix + lookup, value))
    return Q(*children, _connector=condition.connector, _negated=condition.negated)


# An exit request's member's register entries.
_ENTRIES = "member__register_entries__"


@register
class ExitRefundDue(Check):
    key = "shares.exit_refund_due"
    title = _("Exit refunds due soon or overdue")
    description = _(
        "Shares of a member who left are refunded at their nominal value within the refund "
        "term (the rule shares.refund_term). These exits are not refunded yet and their "
        "deadline is within 90 days, or already past: plan the payment and record the "
        "refund on the exit."
    )
    severity = Severity.WARNING
    team = Team.FINANCE

    def find(self, ctx: Context) -> Iterator[Problem]:
        # One query. The amount is what shares.services.refund_maximum allows:
        # the nominal value the member paid per share (net of reversed
        # payments), times the shares leaving; an exit records no share price.
        paid = _seen_from(PAID, _ENTRIES)
        exits = exits_refund_due(
            until=ctx.today + datetime.timedelta(days=EXIT_REFUND_HORIZON_DAYS)
        ).annotate(
            paid_amount=Sum(f"{_ENTRIES}amount", filter=paid),
            paid_shares=Sum(f"{_ENTRIES}quantity", filter=paid),
        )
        for exit_request in exits:
            paid_amount = exit_request.paid_amount or Decimal("0.00")
            paid_shares = exit_request.paid_shares or 0
            amount = (
                round_cents(paid_amount / paid_shares * exit_request.quantity)
                if paid_shares > 0
                else Decimal("0.00")
            )
            days_left = (exit_request.refund_due_by - ctx.today).days
            member = exit_request.member
            yield Problem(
                key=f"exit:{exit_request.pk}",
                subject=("shares.exitrequest", exit_request.pk),
                label=f"{_member_label(member.member_number, member.legal_name)} "
                f"−{exit_request.quantity}",
                details={
                    "member": _member_label(member.member_number, member.legal_name),
                    "shares": exit_request.quantity,
                    "refund_due_by": exit_request.refund_due_by.isoformat(),
                    "days_left": days_left,
                    "state": "overdue" if days_left < 0 else "due",
                    "amount": str(amount),
                    "exit_status": exit_request.status,
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        values = {
            "amount": format_money(Decimal(details["amount"]), translation.get_language() or "en"),
            "shares": ngettext("%(n)d share", "%(n)d shares", details["shares"])
            % {"n": details["shares"]},
            "date": _date(details["refund_due_by"]),
            "days": abs(details["days_left"]),
        }
        if details["days_left"] < 0:
            text = ngettext(
                "Overdue: the refund of %(amount)s for %(shares)s was due on %(date)s, "
                "%(days)d day ago.",
                "Overdue: the refund of %(amount)s for %(shares)s was due on %(date)s, "
                "%(days)d days ago.",
                values["days"],
            )
        elif details["days_left"] == 0:
            text = gettext("The refund of %(amount)s for %(shares)s is due today, %(date)s.")
        else:
            text = ngettext(
                "The refund of %(amount)s for %(shares)s is due by %(date)s, in %(days)d day.",
                "The refund of %(amount)s for %(shares)s is due by %(date)s, in %(days)d days.",
                values["days"],
            )
        return text % values


# --- Rule versions taking effect -----------------------------------------------------


def _short(text: str) -> str:
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1].rstrip() + "…"


@register
class RulesTakingEffect(Check):
    key = "rules.taking_effect"
    title = _("Rule versions taking effect soon")
    description = _(
        "Published versions of legal rules that take effect within 14 days: check that the "
        "people and documents concerned are ready. The finding resolves itself on the day "
        "the version takes effect."
    )
    severity = Severity.INFO
    team = Team.LEGAL

    def find(self, ctx: Context) -> Iterator[Problem]:
        # One query; tomorrow up to and including today + 14 days.
        versions = rule_versions_taking_effect(within_days=RULES_HORIZON_DAYS, today=ctx.today)
        for version in versions:
            # The value as English text, so the details do not change with
            # the language of whoever runs the check.
            with translation.override("en"):
                value = _short(version.display_value)
            yield Problem(
                key=f"version:{version.pk}",
                subject=("rules.ruleversion", version.pk),
                label=f"{version.rule.key} {version.valid_from.isoformat()}",
                details={
                    "rule": version.rule.key,
                    "valid_from": version.valid_from.isoformat(),
                    "value": value,
                    "days_until": (version.valid_from - ctx.today).days,
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        return ngettext(
            "%(rule)s becomes %(value)s on %(date)s, in %(days)d day.",
            "%(rule)s becomes %(value)s on %(date)s, in %(days)d days.",
            details["days_until"],
        ) % {
            "rule": details["rule"],
            "value": details["value"],
            "date": _date(details["valid_from"]),
            "days": details["days_until"],
        }


# --- Artist work certificates --------------------------------------------------------


@register
class ArtistCertificate(Check):
    key = "artists.certificate"
    title = _("Artist work certificates missing or ending")
    description = _(
        "Members with an artistic activity in use whose artist work certificate "
        "(kunstwerkattest / attestation du travail des arts) is not on their profile, ends "
        "within 60 days or has ended: ask them for the new certificate and record it on "
        "the profile."
    )
    severity = Severity.WARNING
    team = Team.MEMBER_SERVICES

    def find(self, ctx: Context) -> Iterator[Problem]:
        # One query: the artistic activities of the members concerned, in
        # member order, grouped here into one problem per member.
        ending = members_artist_certificate_ending(
            by=ctx.today + datetime.timedelta(days=CERTIFICATE_HORIZON_DAYS)
        )
        activities = artistic_activities().filter(member__in=ending)
        for _member_id, group in itertools.groupby(activities, key=lambda a: a.member_id):
            rows = list(group)
            member = rows[0].member
            until = member.artist_certificate_valid_until
            if not member.artist_certificate_type or until is None:
                state, days_left = "missing", None
            else:
                days_left = (until - ctx.today).days
                state = "expired" if days_left < 0 else "expiring"
            yield Problem(
                key=f"member:{member.pk}",
                subject=("members.member", member.pk),
                label=_member_label(member.member_number, member.legal_name),
                details={
                    "activities": [a.name for a in rows[:ACTIVITY_NAMES_SHOWN]],
                    "activity_count": len(rows),
                    "certificate_type": member.artist_certificate_type or None,
                    "valid_until": until.isoformat() if until else None,
                    "days_left": days_left,
                    "state": state,
                },
            )

    def describe(self, details: dict[str, Any]) -> str:
        names = ", ".join(details["activities"])
        more = details["activity_count"] - len(details["activities"])
        if more > 0:
            names += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
        if details["state"] == "missing":
            return ngettext(
                "No artist work certificate on file for the artistic activity %(names)s.",
                "No artist work certificate on file for the artistic activities %(names)s.",
                details["activity_count"],
            ) % {"names": names}
        values = {
            "type": artist_certificate_type_label(kind=details["certificate_type"] or ""),
            "date": _date(details["valid_until"]),
            "days": abs(details["days_left"]),
            "names": names,
        }
        if details["state"] == "expired":
            text = ngettext(
                "%(type)s: ended on %(date)s, %(days)d day ago; artistic activities: %(names)s.",
                "%(type)s: ended on %(date)s, %(days)d days ago; artistic activities: %(names)s.",
                values["days"],
            )
        elif details["days_left"] == 0:
            text = gettext("%(type)s: ends today, %(date)s; artistic activities: %(names)s.")
        else:
            text = ngettext(
                "%(type)s: ends on %(date)s, in %(days)d day; artistic activities: %(names)s.",
                "%(type)s: ends on %(date)s, in %(days)d days; artistic activities: %(names)s.",
                values["days"],
            )
        return text % values
