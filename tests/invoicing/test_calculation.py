"""The arithmetic of an invoice (issue 5, Rules to hold): lines rounded to the
cent half up, VAT per category on the sum of rounded line nets, totals as sums
of rounded figures, the 6.5% contribution on the net, and credit notes that
give the contribution back in proportion and exactly in full."""

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from invoicing.calculation import (
    LineInput,
    Totals,
    VatGroup,
    compute_totals,
    line_net,
    proportional_contribution,
    vat_option_for,
    vat_options,
)
from rules.selectors import rules_on
from tests.factories import MemberFactory, issued_invoice

CENT = Decimal("0.01")
RATE = Decimal("6.5")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _line(quantity: str, price: str, category: str = "S", rate: str = "21") -> LineInput:
    return LineInput(Decimal(quantity), Decimal(price), category, Decimal(rate))


def _is_cents(value: Decimal) -> bool:
    return value.as_tuple().exponent == -2


# --- Lines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("1.5", "0.03", "0.05"),  # 0.045: half up, not half even (0.04)
        ("2.5", "0.01", "0.03"),  # 0.025
        ("0.333", "3.00", "1.00"),  # 0.999
        ("12", "45.00", "540.00"),
        ("0.001", "4.99", "0.00"),  # 0.00499
        ("0.001", "5.00", "0.01"),  # 0.005
        ("999999.999", "0.01", "10000.00"),
    ],
)
def test_line_net_is_quantity_times_price_rounded_half_up(quantity, price, expected):
    net = line_net(Decimal(quantity), Decimal(price))
    assert net == Decimal(expected)
    assert _is_cents(net)


def test_line_net_refuses_floats():
    with pytest.raises(TypeError):
        line_net(1.5, 0.03)  # type: ignore[arg-type]


# --- Totals --------------------------------------------------------------------------


def test_three_rates_give_three_groups_highest_rate_first():
    totals = compute_totals(
        [_line("3", "10.00", "Z", "0"), _line("2", "12.50", "S", "6"), _line("1", "100.00")],
        contribution_rate=RATE,
    )
    assert totals.line_nets == [Decimal("30.00"), Decimal("25.00"), Decimal("100.00")]
    assert totals.groups == [
        VatGroup("S", Decimal("21"), Decimal("100.00"), Decimal("21.00")),
        VatGroup("S", Decimal("6"), Decimal("25.00"), Decimal("1.50")),
        VatGroup("Z", Decimal("0"), Decimal("30.00"), Decimal("0.00")),
    ]
    assert (totals.net, totals.vat, totals.gross) == (
        Decimal("155.00"),
        Decimal("22.50"),
        Decimal("177.50"),
    )
    assert totals.contribution == Decimal("10.08")  # 155 x 6.5% = 10.075, half up
    assert totals.member_share == Decimal("144.92")
    assert totals.contribution_rate == RATE


def test_vat_is_computed_on_the_sum_of_rounded_nets_not_per_line():
    # Per line 0.03 x 21% = 0.0063 -> 0.01, twice 0.02; on the base 0.06 -> 0.0126 -> 0.01.
    totals = compute_totals([_line("1", "0.03"), _line("1", "0.03")], contribution_rate=RATE)
    assert totals.groups == [VatGroup("S", Decimal("21"), Decimal("0.06"), Decimal("0.01"))]
    assert totals.vat == Decimal("0.01")
    assert totals.gross == Decimal("0.07")


def test_the_base_sums_rounded_nets_not_raw_products():
    # 0.045 + 0.045 = 0.09 raw, but the lines round to 0.05 each: base 0.10.
    totals = compute_totals(
        [_line("1.5", "0.03", "S", "6"), _line("1.5", "0.03", "S", "6")], contribution_rate=RATE
    )
    assert totals.groups[0].base == Decimal("0.10")
    assert totals.net == Decimal("0.10")


def test_categories_with_the_same_rate_stay_apart():
    totals = compute_totals(
        [
            _line("1", "10.00", "Z", "0"),
            _line("1", "20.00", "E", "0"),
            _line("1", "5.00", "AE", "0"),
            _line("1", "1.00", "E", "0"),
        ],
        contribution_rate=RATE,
    )
    assert [(g.category, g.base) for g in totals.groups] == [
        ("AE", Decimal("5.00")),
        ("E", Decimal("21.00")),
        ("Z", Decimal("10.00")),
    ]
    assert totals.vat == Decimal("0.00")
    assert totals.gross == totals.net == Decimal("36.00")


def test_contribution_rounds_half_up():
    # 1.00 x 6.5% = 0.065: half up gives 0.07 (half even would give 0.06).
    totals = compute_totals([_line("1", "1.00", "Z", "0")], contribution_rate=RATE)
    assert totals.contribution == Decimal("0.07")
    assert totals.member_share == Decimal("0.93")


def test_no_lines_give_zero_totals():
    totals = compute_totals([], contribution_rate=RATE)
    assert totals.groups == [] and totals.line_nets == []
    assert (totals.net, totals.vat, totals.gross, totals.contribution) == (Decimal("0.00"),) * 4
    assert all(_is_cents(v) for v in (totals.net, totals.vat, totals.gross, totals.contribution))


def test_group_as_json_keeps_exact_strings():
    group = VatGroup("S", Decimal("21.00"), Decimal("100.10"), Decimal("21.02"))
    assert group.as_json() == {"category": "S", "rate": "21.00", "base": "100.10", "vat": "21.02"}


# --- Property: totals are sums of rounded figures --------------------------------------

QUANTITIES = st.decimals(
    min_value=Decimal("0.001"),
    max_value=Decimal("99999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
# Unit prices take up to 4 decimals (issue 22: €0.085 a word).
PRICES = st.decimals(
    min_value=Decimal("0.00"),
    max_value=Decimal("99999.99"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
# What a draft accepts: a line's amount stays below a billion euro (LINE_TOO_LARGE).
ISSUABLE_QUANTITIES = st.decimals(
    min_value=Decimal("0.001"),
    max_value=Decimal("9999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
LINES = st.lists(
    st.builds(
        LineInput,
        quantity=QUANTITIES,
        unit_price=PRICES,
        vat_category=st.sampled_from(["S", "Z", "E", "AE"]),
        vat_rate=st.sampled_from([Decimal("21"), Decimal("12"), Decimal("6"), Decimal("0")]),
    ),
    min_size=1,
    max_size=25,
)
CONTRIBUTION_RATES = st.sampled_from([Decimal("6.5"), Decimal("0"), Decimal("7.25")])


@dataclass(frozen=True)
class Expected:
    nets: list[Decimal]
    bases: dict[tuple[str, Decimal], Decimal]
    vats: dict[tuple[str, Decimal], Decimal]
    net: Decimal
    vat: Decimal
    gross: Decimal
    contribution: Decimal
    member_share: Decimal


def _expected(lines: Sequence[LineInput], rate: Decimal) -> Expected:
    """The rule written out independently of invoicing.calculation."""
    nets = [_cents(line.quantity * line.unit_price) for line in lines]
    bases: dict[tuple[str, Decimal], Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        key = (line.vat_category, line.vat_rate)
        bases[key] = bases.get(key, Decimal(0)) + net
    vats = {key: _cents(base * key[1] / 100) for key, base in bases.items()}
    net = sum(nets, Decimal(0))
    vat = sum(vats.values(), Decimal(0))
    contribution = _cents(net * rate / 100)
    return Expected(nets, bases, vats, net, vat, net + vat, contribution, net - contribution)


@settings(max_examples=300, deadline=None)
@given(lines=LINES, rate=CONTRIBUTION_RATES)
def test_totals_are_sums_of_rounded_lines(lines, rate):
    totals: Totals = compute_totals(lines, contribution_rate=rate)
    expected = _expected(lines, rate)
    assert totals.line_nets == expected.nets
    assert {(g.category, g.rate): g.base for g in totals.groups} == expected.bases
    assert {(g.category, g.rate): g.vat for g in totals.groups} == expected.vats
    assert len(totals.groups) == len(expected.bases)
    assert totals.net == expected.net
    assert totals.vat == expected.vat
    assert totals.gross == expected.gross == totals.net + totals.vat
    assert totals.contribution == expected.contribution
    assert totals.member_share == expected.member_share
    # Every figure is in cents, and the groups partition the net.
    figures = [*totals.line_nets, totals.net, totals.vat, totals.gross, totals.contribution]
    figures += [g.base for g in totals.groups] + [g.vat for g in totals.groups]
    assert all(_is_cents(value) for value in figures)
    assert sum((g.base for g in totals.groups), Decimal(0)) == totals.net
    # Highest rate first, then by category code.
    keys = [(-g.rate, g.category) for g in totals.groups]
    assert keys == sorted(keys)


@settings(max_examples=200, deadline=None)
@given(lines=LINES)
def test_the_order_of_the_lines_changes_no_total(lines):
    forward = compute_totals(lines, contribution_rate=RATE)
    backward = compute_totals(list(reversed(lines)), contribution_rate=RATE)
    assert backward.groups == forward.groups
    assert (backward.net, backward.vat, backward.gross, backward.contribution) == (
        forward.net,
        forward.vat,
        forward.gross,
        forward.contribution,
    )


# --- Contribution given back by credit notes -------------------------------------------


def test_a_full_credit_in_one_go_gives_back_the_whole_contribution():
    assert proportional_contribution(
        credited_net=Decimal("155.00"),
        invoice_net=Decimal("155.00"),
        invoice_contribution=Decimal("10.08"),
        already_reversed=Decimal("0.00"),
        remaining_net=Decimal("155.00"),
    ) == Decimal("10.08")


def test_a_partial_credit_gives_back_in_proportion_rounded_half_up():
    # 10.08 x 50 / 155 = 3.2516... -> 3.25
    assert proportional_contribution(
        credited_net=Decimal("50.00"),
        invoice_net=Decimal("155.00"),
        invoice_contribution=Decimal("10.08"),
        already_reversed=Decimal("0.00"),
        remaining_net=Decimal("155.00"),
    ) == Decimal("3.25")
    # 0.07 x 0.50 / 1.00 = 0.035 -> 0.04 (half up)
    assert proportional_contribution(
        credited_net=Decimal("0.50"),
        invoice_net=Decimal("1.00"),
        invoice_contribution=Decimal("0.07"),
        already_reversed=Decimal("0.00"),
        remaining_net=Decimal("1.00"),
    ) == Decimal("0.04")


def test_the_last_credit_takes_exactly_what_is_left():
    assert proportional_contribution(
        credited_net=Decimal("105.00"),
        invoice_net=Decimal("155.00"),
        invoice_contribution=Decimal("10.08"),
        already_reversed=Decimal("3.25"),
        remaining_net=Decimal("105.00"),
    ) == Decimal("6.83")


def test_a_zero_invoice_gives_nothing_back():
    assert proportional_contribution(
        credited_net=Decimal("0.00"),
        invoice_net=Decimal("0.00"),
        invoice_contribution=Decimal("0.00"),
        already_reversed=Decimal("0.00"),
        remaining_net=Decimal("1.00"),
    ) == Decimal("0.00")


@st.composite
def _net_and_partition(draw: st.DrawFn) -> tuple[Decimal, list[Decimal]]:
    """An invoice net in cents and the nets of several credit notes that
    together credit all of it."""
    cents = draw(st.integers(min_value=1, max_value=10_000_000))
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=cents), max_size=8)))
    bounds = [0, *cuts, cents]
    parts = [Decimal(b - a) / 100 for a, b in itertools.pairwise(bounds)]
    return Decimal(cents) / 100, [p for p in parts if p > 0]


@settings(max_examples=300, deadline=None)
@given(_net_and_partition(), CONTRIBUTION_RATES)
def test_several_partial_credits_reverse_exactly_the_contribution(net_parts, rate):
    invoice_net, parts = net_parts
    contribution = _cents(invoice_net * rate / 100)
    reversed_total = Decimal("0.00")
    credited = Decimal("0.00")
    for part in parts:
        step = proportional_contribution(
            credited_net=part,
            invoice_net=invoice_net,
            invoice_contribution=contribution,
            already_reversed=reversed_total,
            remaining_net=invoice_net - credited,
        )
        assert _is_cents(step)
        if part != invoice_net - credited:
            # Not the last: in proportion, rounded, but never more than is left.
            assert step == min(
                _cents(contribution * part / invoice_net), contribution - reversed_total
            )
        assert Decimal("0.00") <= step <= contribution - reversed_total
        reversed_total += step
        credited += part
    assert credited == invoice_net
    assert reversed_total == contribution


# --- VAT options from the rules --------------------------------------------------------

SUPPLY = datetime.date(2026, 11, 20)


@pytest.mark.django_db
def test_vat_options_on_a_date_come_from_the_rules():
    options, provenance = vat_options(SUPPLY)
    assert [o.code for o in options] == [
        "S:21",
        "S:12",
        "S:6",
        "Z:0",
        "E:art44_2_8",
        "AE:eu_services",
        "AE:be_cocontractor",
        "K:eu_goods",
        "G:export",
        "O:outside_eu",
    ]
    keys = [
        "vat.categories",
        "invoicing.vat_bases",
        "vat.rates.standard",
        "vat.rates.intermediate",
        "vat.rates.reduced",
        "vat.rates.zero",
    ]
    assert provenance == rules_on(keys, on=SUPPLY).provenance()
    by_code = {o.code: o for o in options}
    assert by_code["S:21"].label() == "21 %"
    assert by_code["Z:0"].label("en") == "0 % (Zero rated)"
    assert by_code["E:art44_2_8"].label("fr") == "Exempté, artiste-interprète (art. 44, § 2, 8°)"
    assert by_code["S:21"].mention is None
    reverse_charge = by_code["AE:eu_services"]
    assert reverse_charge.mention is not None and reverse_charge.vatex_code == "VATEX-EU-AE"
    exempt = by_code["E:art44_2_8"].mention
    assert exempt is not None and exempt.get("nl").startswith("Vrijstelling van btw")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("S:21", "S:21"),
        ("S:21.00", "S:21"),
        ("S:6", "S:6"),
        ("AE:eu_services", "AE:eu_services"),
        ("AE:be_cocontractor", "AE:be_cocontractor"),
        ("AE:0", None),  # a code from before the legal bases
        ("E:nothing", None),
        ("S:eu_services", None),
        ("S:22", None),
        ("X:21", None),
        ("S:abc", None),
        ("S:", None),
        ("", None),
        ("Z:6", None),
    ],
)
def test_vat_option_for_a_code(code, found):
    options, _provenance = vat_options(SUPPLY)
    option = vat_option_for(code, options)
    assert (option.code if option else None) == found


# --- Property: what issuing stores is the same arithmetic ------------------------------

# What a Belgian company client may get under a "not artistic" activity.
CODES = st.sampled_from(["S:21", "S:12", "S:6", "Z:0"])
TYPED_LINES = st.lists(
    st.tuples(ISSUABLE_QUANTITIES, PRICES, CODES, st.booleans()),
    min_size=1,
    max_size=12,
).filter(lambda typed: any((q * p).quantize(Decimal("0.01"), ROUND_HALF_UP) for q, p, *_ in typed))


class IssuedTotals(TestCase):
    """Random lines typed by a member (dot or comma decimals), saved as a
    draft and issued: the stored lines, VAT breakdown and totals are the
    rounded sums, and the contribution is the rule's rate on the net."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(TYPED_LINES)
    def test_issued_figures_are_the_sums_of_rounded_lines(self, typed):
        member = MemberFactory(status="member")
        rows = [
            (f"Line {i}", f"{q:f}".replace(".", ",") if comma else f"{q:f}", f"{p:f}", code)
            for i, (q, p, code, comma) in enumerate(typed)
        ]
        invoice = issued_invoice(member, lines=rows, supply_date=SUPPLY, today=SUPPLY)
        invoice.refresh_from_db()
        lines = [
            LineInput(q, p, code.split(":")[0], Decimal(code.split(":")[1]))
            for q, p, code, _comma in typed
        ]
        rate = Decimal(
            rules_on(["invoicing.contribution_rate"], on=SUPPLY).value(
                "invoicing.contribution_rate"
            )
        )
        assert rate == Decimal("6.5")
        expected = _expected(lines, rate)
        stored = list(invoice.lines.order_by("position").values_list("net_amount", flat=True))
        assert stored == expected.nets
        assert {
            (g["category"], Decimal(g["rate"])): (Decimal(g["base"]), Decimal(g["vat"]))
            for g in invoice.vat_breakdown
        } == {key: (base, expected.vats[key]) for key, base in expected.bases.items()}
        assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
            expected.net,
            expected.vat,
            expected.gross,
        )
        assert invoice.contribution == expected.contribution
        assert invoice.contribution_rate == rate
        assert invoice.member_share == expected.member_share
        assert (
            invoice.rules_used["invoicing.contribution_rate"]
            == rules_on(["invoicing.contribution_rate"], on=SUPPLY).provenance()[
                "invoicing.contribution_rate"
            ]
        )
