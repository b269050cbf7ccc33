"""The member's pay request form: typed values for pay.services, parsed in
the page's language."""

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pay.payroll import FamilySituation
from smartcoop.lib.forms import LocalDecimalField

DATES_UNREADABLE = _("Write each day as day/month/year, for example 03/12/2026: %(text)s")


DAY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


class AmountKind:
    BUDGET = "budget"
    NET = "net"


def parse_days(text: str) -> list[datetime.date]:
    """Days written dd/mm/yyyy (or ISO), separated by commas, spaces or lines."""
    days = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        match = DAY.fullmatch(part)
        try:
            if match is None:
                days.append(datetime.date.fromisoformat(part))
            else:
                day, month, year = (int(g) for g in match.groups())
                days.append(datetime.date(year, month, day))
        except ValueError as exc:
            raise forms.ValidationError(DATES_UNREADABLE, params={"text": part[:30]}) from exc
    return days


class PayRequestForm(forms.Form):
    work_dates = forms.CharField(
        label=_("Days of work"),
        help_text=_("One or more days, for example 01/12/2026, 02/12/2026."),
        max_length=1000,
    )
    description = forms.CharField(
        label=_("Description of the work"), widget=forms.Textarea(attrs={"rows": 3})
    )
    amount_kind = forms.ChoiceField(
        label=_("I give"),
        choices=[
            (AmountKind.BUDGET, _("the budget to use")),
            (AmountKind.NET, _("the net I want")),
        ],
        widget=forms.RadioSelect,
        initial=AmountKind.BUDGET,
    )
    amount = LocalDecimalField(label=_("Amount"), places=2)
    situation = forms.ChoiceField(label=_("Family situation"), choices=FamilySituation.choices)
    children = forms.IntegerField(
        label=_("Dependent children"), min_value=0, max_value=20, initial=0
    )

    def clean_work_dates(self) -> list[datetime.date]:
        return parse_days(self.cleaned_data["work_dates"])

    def amounts(self) -> tuple[Decimal | None, Decimal | None]:
        """(budget, net wanted) from the cleaned form."""
        amount = self.cleaned_data["amount"]
        if self.cleaned_data["amount_kind"] == AmountKind.NET:
            return None, amount
        return amount, None

    def service_kwargs(self) -> dict[str, Any]:
        budget, net_wanted = self.amounts()
        return {
            "work_dates": self.cleaned_data["work_dates"],
            "budget": budget,
            "net_wanted": net_wanted,
            "situation": self.cleaned_data["situation"],
            "children": self.cleaned_data["children"],
        }
