import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money
from hypothesis import given
from hypothesis import strategies as st

from rules import values
from rules.values import Duration, Kind, LocalizedText, clean_value, to_python


@pytest.mark.parametrize(
    ("kind", "raw", "stored", "python"),
    [
        (Kind.DECIMAL, "0,5", "0.5", Decimal("0.5")),
        (Kind.PERCENTAGE, "6.5", "6.5", Decimal("6.5")),
        (Kind.PERCENTAGE, "100", "100", Decimal("100")),
        (Kind.MONEY, "30", {"amount": "30.00", "currency": "EUR"}, Money("30.00", "EUR")),
        (
            Kind.MONEY,
            {"amount": "40.00", "currency": "EUR"},
            {"amount": "40.00", "currency": "EUR"},
            Money("40.00", "EUR"),
        ),
        (Kind.INTEGER, "5", 5, 5),
        (Kind.DURATION, "p30d", "P30D", Duration(days=30)),
        (Kind.DURATION, "PT24H", "PT24H", Duration(hours=24)),
        (
            Kind.TEXT,
            {"nl": " a ", "fr": "b", "en": "c"},
            {"nl": "a", "fr": "b", "en": "c"},
            LocalizedText("a", "b", "c"),
        ),
    ],
)
def test_good_values(kind, raw, stored, python):
    assert clean_value(kind, raw) == stored
    assert to_python(kind, stored) == python


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (Kind.DECIMAL, "abc", values.NOT_A_DECIMAL),
        (Kind.DECIMAL, 0.1, values.NOT_A_DECIMAL),  # never a float
        (Kind.DECIMAL, "NaN", values.NOT_A_DECIMAL),
        (Kind.PERCENTAGE, "100.01", values.PERCENTAGE_RANGE),
        (Kind.PERCENTAGE, "-1", values.PERCENTAGE_RANGE),
        (Kind.MONEY, "30.001", values.NOT_MONEY),
        (Kind.MONEY, "-5", values.NOT_MONEY),
        (Kind.INTEGER, "1.5", values.NOT_AN_INTEGER),
        (Kind.INTEGER, True, values.NOT_AN_INTEGER),
        (Kind.DURATION, "30 days", values.NOT_A_DURATION),
        (Kind.DURATION, "P", values.NOT_A_DURATION),
        (Kind.TEXT, {"nl": "a", "fr": "b"}, values.TEXT_MISSING_LANGUAGE),
        (Kind.TEXT, {"nl": "a", "fr": "b", "en": "  "}, values.TEXT_MISSING_LANGUAGE),
        (Kind.STRUCTURED, "text", values.NOT_JSON_OBJECT),
    ],
)
def test_bad_values_are_refused_with_a_message(kind, raw, message):
    with pytest.raises(ValidationError) as exc:
        clean_value(kind, raw)
    assert exc.value.messages == [str(message)]


def test_structured_value_is_checked_against_its_schema():
    schema = {
        "type": "object",
        "properties": {"from_month": {"type": "integer", "minimum": 1, "maximum": 12}},
        "required": ["from_month"],
        "additionalProperties": False,
    }
    assert clean_value(Kind.STRUCTURED, {"from_month": 1}, schema) == {"from_month": 1}
    with pytest.raises(ValidationError) as exc:
        clean_value(Kind.STRUCTURED, {"from_month": 13}, schema)
    assert "does not fit its schema" in exc.value.messages[0]


@given(st.decimals(min_value=-1000, max_value=1000, places=3))
def test_percentages_outside_0_to_100_never_pass(number):
    if Decimal(0) <= number <= Decimal(100):
        assert Decimal(clean_value(Kind.PERCENTAGE, str(number))) == number
    else:
        with pytest.raises(ValidationError):
            clean_value(Kind.PERCENTAGE, str(number))


def test_duration_calendar_arithmetic():
    assert Duration.parse("P3Y").add_to(datetime.date(2024, 2, 29)) == datetime.date(2027, 2, 28)
    assert Duration.parse("P1M").add_to(datetime.date(2026, 1, 31)) == datetime.date(2026, 2, 28)
    assert Duration.parse("P30D").add_to(datetime.date(2026, 11, 27)) == datetime.date(2026, 12, 27)
    assert Duration.parse("PT24H").timedelta == datetime.timedelta(hours=24)
    with pytest.raises(ValueError):
        _ = Duration.parse("P3Y").timedelta
    assert str(Duration.parse("P1Y2M3DT4H5M")) == "P1Y2M3DT4H5M"


def test_localized_text_follows_the_language():
    text = LocalizedText(nl="Verlegging van heffing", fr="Autoliquidation", en="Reverse charge")
    assert text.get("fr") == "Autoliquidation"
    from django.utils import translation

    with translation.override("nl"):
        assert str(text) == "Verlegging van heffing"
