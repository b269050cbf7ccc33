"""The pay breakdown (issue 17): the key formula of annex III for 2026 on
worked examples computed by hand from the published parameters, the three
ways in (gross, budget, net wanted) agreeing, and the payment date skipping
weekends and Belgian public holidays."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pay.catalogue import KEY_FORMULA_2026
from pay.paydate import pay_date
from pay.payroll import FamilySituation, KeyFormula, Rates, from_budget, from_gross, from_net

FORMULA = KeyFormula.from_rule(KEY_FORMULA_2026)
RATES = Rates(
    employer=Decimal("0.25"), employee=Decimal("0.1307"), holiday=Decimal("0.1538"), formula=FORMULA
)
SINGLE = FamilySituation.SINGLE


def test_a_single_persons_3000_gross_step_by_step():
    # Employee SS 13.07% of 3,000.00 = 392.10; taxable 2,607.90 a month, 31,294.80 a year.
    # Professional expenses 30% = 9,388.44, capped at 6,070.00: 25,224.80 net taxable.
    # Brackets: 16,710 x 26.75% = 4,469.925; 8,514.80 x 42.80% = 3,644.3344; 8,114.2594.
    # Less 2,987.98 (tax on the tax-free amount) = 5,126.2794 a year: 427.19 a month.
    b = from_gross(Decimal("3000"), rates=RATES, situation=SINGLE, children=0)
    assert b.employee_contributions == Decimal("392.10")
    assert b.taxable == Decimal("2607.90")
    assert b.withholding == Decimal("427.19")
    assert b.net == Decimal("2180.71")
    assert b.employer_contributions == Decimal("750.00")
    assert b.holiday_provision == Decimal("461.40")
    assert b.budget == Decimal("4211.40")


def test_children_and_the_single_parent_reduce_the_tax():
    # Two children: 1,656.00 a year (138.00 a month); a single parent 624.00 more (52.00).
    married = from_gross(
        Decimal("3000"), rates=RATES, situation=FamilySituation.MARRIED_WITH_INCOME, children=2
    )
    assert married.withholding == Decimal("427.19") - Decimal("138.00")
    single = from_gross(Decimal("3000"), rates=RATES, situation=SINGLE, children=2)
    assert single.withholding == Decimal("427.19") - Decimal("138.00") - Decimal("52.00")
    many = from_gross(Decimal("3000"), rates=RATES, situation=SINGLE, children=10)
    assert many.withholding == 0  # never negative


def test_a_spouse_without_income_gets_the_marriage_quotient():
    # 25,224.80 net: quotient 30% = 7,567.44; 17,657.36 taxed:
    # 4,469.925 + 947.36 x 42.80% = 4,875.39508, less 2,987.98 = 1,887.41508;
    # the quotient 7,567.44 x 26.75% = 2,024.29, less 2,987.98: 0. 157.28 a month.
    b = from_gross(
        Decimal("3000"), rates=RATES, situation=FamilySituation.MARRIED_WITHOUT_INCOME, children=0
    )
    assert b.withholding == Decimal("157.28")


def test_low_pay_bears_no_withholding_and_high_pay_the_top_rate():
    assert from_gross(Decimal("900"), rates=RATES, situation=SINGLE, children=0).withholding == 0
    high = from_gross(Decimal("20000"), rates=RATES, situation=SINGLE, children=0)
    higher = from_gross(Decimal("20100"), rates=RATES, situation=SINGLE, children=0)
    # 100 more gross: 86.93 more taxable, taxed at 53.50% = 46.5076 (each month's
    # withholding rounded to the cent).
    assert higher.withholding - high.withholding == Decimal("46.50")


AMOUNTS = st.decimals(min_value=Decimal("10"), max_value=Decimal("30000"), places=2)
SITUATIONS = st.sampled_from(FamilySituation.values)


@settings(max_examples=200, deadline=None)
@given(AMOUNTS, SITUATIONS, st.integers(0, 12))
def test_budget_and_net_wanted_lead_to_the_same_breakdown(amount, situation, children):
    by_budget = from_budget(amount, rates=RATES, situation=situation, children=children)
    assert by_budget.budget <= amount
    assert amount - by_budget.budget < Decimal("0.03")  # the largest gross within the budget
    assert (
        by_budget.budget
        == by_budget.gross + by_budget.employer_contributions + by_budget.holiday_provision
    )
    assert by_budget.net == by_budget.taxable - by_budget.withholding >= 0
    by_net = from_net(amount, rates=RATES, situation=situation, children=children)
    assert by_net.net >= amount
    smaller = from_gross(
        by_net.gross - Decimal("0.01"), rates=RATES, situation=situation, children=children
    )
    assert smaller.net < amount  # the smallest gross that pays the net wanted
    again = from_budget(by_net.budget, rates=RATES, situation=situation, children=children)
    assert again.net >= amount


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [
        # Thursday 3 December 2026: 4, 7, 8, 9, 10, 11, 14 December.
        (datetime.date(2026, 12, 3), datetime.date(2026, 12, 14)),
        # Friday 18 December: 21, 22, 23, 24, (25 Christmas) 28, 29, 30.
        (datetime.date(2026, 12, 18), datetime.date(2026, 12, 30)),
        # Tuesday 29 December: 30, 31, (1 January) 4, 5, 6, 7, 8 January.
        (datetime.date(2026, 12, 29), datetime.date(2027, 1, 8)),
        # Easter Monday 6 April 2026 and Labour Day 1 May are skipped too.
        (datetime.date(2026, 4, 2), datetime.date(2026, 4, 14)),
        (datetime.date(2026, 4, 28), datetime.date(2026, 5, 8)),
    ],
)
def test_the_pay_date_is_seven_belgian_working_days_later(last_day, expected):
    assert pay_date(last_day, working_days=7) == expected
