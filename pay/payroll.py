"""The pay breakdown (issue 17): from the budget an activity spends to the
net the member receives, and back. Pure arithmetic on Decimals with the
rates and the key formula passed in (pay.selectors reads them from the rules
catalogue for the work's date), so the live preview and the approved request
run the same code.

    budget used = gross + employer contributions + holiday-pay provision
    taxable     = gross - employee social security (13.07 %)
    net         = taxable - withholding tax

The withholding tax follows the key formula of annex III KB/WIB 92 for
periodic remuneration, taking the pay as one month's remuneration (scale I;
scale II for a spouse without income). It is a simulation of the payslip:
docs/rules.md says where it differs from the payroll's own computation.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MONTHS = Decimal(12)
ZERO = Decimal("0.00")
# The largest gross the solver searches (a pay request is one period's pay).
MAX_GROSS = Decimal("1000000.00")


class FamilySituation(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED_WITH_INCOME = "married_income", _("Married or legal partner, partner with income")
    MARRIED_WITHOUT_INCOME = (
        "married_no_income",
        _("Married or legal partner, partner without income"),
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(rate: Any) -> Decimal:
    return Decimal(str(rate)) / HUNDRED


@dataclass(frozen=True)
class KeyFormula:
    """Annex III's key formula, annual amounts (pay.catalogue.WITHHOLDING)."""

    expenses_rate: Decimal
    expenses_cap: Decimal
    brackets: tuple[tuple[Decimal | None, Decimal], ...]
    tax_free_reduction: Decimal
    quotient_rate: Decimal
    quotient_cap: Decimal
    children: tuple[Decimal, ...]
    child_beyond: Decimal
    single_parent: Decimal

    @classmethod
    def from_rule(cls, value: dict[str, Any]) -> "KeyFormula":
        return cls(
            expenses_rate=_pct(value["professional_expenses"]["rate"]),
            expenses_cap=Decimal(value["professional_expenses"]["cap"]),
            brackets=tuple(
                (None if b["up_to"] is None else Decimal(b["up_to"]), _pct(b["rate"]))
                for b in value["brackets"]
            ),
            tax_free_reduction=Decimal(value["tax_free_reduction"]),
            quotient_rate=_pct(value["marriage_quotient"]["rate"]),
            quotient_cap=Decimal(value["marriage_quotient"]["cap"]),
            children=tuple(Decimal(c) for c in value["children_reductions"]),
            child_beyond=Decimal(value["child_reduction_beyond"]),
            single_parent=Decimal(value["single_parent_reduction"]),
        )

    def basic_tax(self, income: Decimal) -> Decimal:
        """The annual basic tax on `income` by the brackets."""
        tax, lower = Decimal(0), Decimal(0)
        for upper, rate in self.brackets:
            if income <= lower:
                break
            top = income if upper is None else min(income, upper)
            tax += (top - lower) * rate
            if upper is None:
                break
            lower = upper
        return tax

    def children_reduction(self, children: int) -> Decimal:
        listed = len(self.children) - 1
        if children <= listed:
            return self.children[children]
        return self.children[listed] + self.child_beyond * (children - listed)


@dataclass(frozen=True)
class Rates:
    """What the breakdown needs, for one work date."""

    employer: Decimal  # fractions, not percentages
    employee: Decimal
    holiday: Decimal
    formula: KeyFormula


@dataclass(frozen=True)
class Breakdown:
    budget: Decimal
    employer_contributions: Decimal
    holiday_provision: Decimal
    gross: Decimal
    employee_contributions: Decimal
    taxable: Decimal
    withholding: Decimal
    net: Decimal

    def as_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in self.__dataclass_fields__}


def withholding_tax(
    taxable: Decimal, *, formula: KeyFormula, situation: str, children: int
) -> Decimal:
    """Monthly withholding on a monthly taxable remuneration (annex III):
    annualise, take off the lump-sum professional expenses (capped), split
    off the marriage quotient for a spouse without income, tax each part by
    the brackets less the tax on the tax-free amount, bring back to a month,
    then take off the reductions for dependants. Never negative."""
    annual = taxable * MONTHS
    expenses = min(annual * formula.expenses_rate, formula.expenses_cap)
    net_income = max(annual - expenses, Decimal(0))
    if situation == FamilySituation.MARRIED_WITHOUT_INCOME:
        quotient = min(net_income * formula.quotient_rate, formula.quotient_cap)
        # Each part bears its own tax, less the tax on the tax-free amount.
        main = formula.basic_tax(net_income - quotient) - formula.tax_free_reduction
        part = formula.basic_tax(quotient) - formula.tax_free_reduction
        tax = max(main, Decimal(0)) + max(part, Decimal(0))
    else:
        tax = max(formula.basic_tax(net_income) - formula.tax_free_reduction, Decimal(0))
    reductions = formula.children_reduction(children)
    if situation == FamilySituation.SINGLE and children > 0:
        reductions += formula.single_parent
    monthly = (Decimal(tax) - reductions) / MONTHS
    return max(_cents(monthly), ZERO)


def from_gross(gross: Decimal, *, rates: Rates, situation: str, children: int) -> Breakdown:
    """The breakdown of a gross salary, every figure rounded to the cent."""
    gross = _cents(gross)
    employer = _cents(gross * rates.employer)
    holiday = _cents(gross * rates.holiday)
    employee = _cents(gross * rates.employee)
    taxable = gross - employee
    tax = min(
        withholding_tax(taxable, formula=rates.formula, situation=situation, children=children),
        taxable,
    )
    return Breakdown(
        budget=gross + employer + holiday,
        employer_contributions=employer,
        holiday_provision=holiday,
        gross=gross,
        employee_contributions=employee,
        taxable=taxable,
        withholding=tax,
        net=taxable - tax,
    )


def from_budget(budget: Decimal, *, rates: Rates, situation: str, children: int) -> Breakdown:
    """The largest gross whose budget used does not exceed `budget`."""
    gross = (budget / (1 + rates.employer + rates.holiday)).quantize(CENT, rounding=ROUND_DOWN)
    breakdown = from_gross(gross, rates=rates, situation=situation, children=children)
    # Each part is rounded on its own, so the estimate may be a cent off either way.
    while breakdown.budget > budget and gross > 0:
        gross -= CENT
        breakdown = from_gross(gross, rates=rates, situation=situation, children=children)
    while True:
        larger = from_gross(gross + CENT, rates=rates, situation=situation, children=children)
        if larger.budget > budget:
            return breakdown
        gross, breakdown = gross + CENT, larger


def from_net(net: Decimal, *, rates: Rates, situation: str, children: int) -> Breakdown:
    """The smallest gross whose net reaches `net` (the net grows with the
    gross), found by bisection on cents: the budget that net needs."""
    low, high = Decimal(0), MAX_GROSS
    if from_gross(high, rates=rates, situation=situation, children=children).net < net:
        return from_gross(high, rates=rates, situation=situation, children=children)
    while high - low > CENT:
        middle = ((low + high) / 2).quantize(CENT, rounding=ROUND_DOWN)
        if from_gross(middle, rates=rates, situation=situation, children=children).net >= net:
            high = middle
        else:
            low = middle
    return from_gross(high, rates=rates, situation=situation, children=children)
