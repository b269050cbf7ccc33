"""Numbers as members type them in their language (smartcoop.lib.numbers,
decisions.md 16): the Belgian ways of writing an amount are all read, an
ambiguous "1.234" is read by the page's language, what is not a number, too
precise or too large is refused with its message, and what the platform
shows a member reads back as the same number."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from smartcoop.lib.forms import LocalDecimalField
from smartcoop.lib.numbers import (
    MAX_ABS,
    NOT_A_NUMBER,
    TOO_LARGE,
    TOO_PRECISE,
    check_decimal,
    format_decimal,
    parse_decimal,
)

LANGUAGES = ["nl", "fr", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),  # a space between thousands
        ("1\u00a0234,5", "1234.5"),  # a no-break space, as browsers in fr write it
        ("1\u202f234,5", "1234.5"),  # a narrow no-break space
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("12,5", "12.5"),
        ("12.50", "12.50"),
        ("0,085", "0.085"),  # a translator's price per word
        ("0.0085", "0.0085"),
        (" 3 ", "3"),
        (",5", "0.5"),
        ("5.", "5"),
        ("-4,25", "-4.25"),
        ("+7", "7"),
        ("1.234.567", "1234567"),
        ("1.234.567,8", "1234567.8"),
        ("999999999", "999999999"),
    ],
)
def test_every_belgian_way_of_writing_a_number_is_read(language, text, expected):
    assert parse_decimal(text, language=language) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # One separator and three digits: the page's language decides.
        ("1.234", "nl", "1234"),
        ("1.234", "fr", "1234"),
        ("1.234", "en", "1.234"),
        ("1,234", "nl", "1.234"),
        ("1,234", "fr", "1.234"),
        ("1,234", "en", "1234"),
        # Never ambiguous: a leading zero is no thousand.
        ("0.125", "nl", "0.125"),
        ("0,125", "en", "0.125"),
    ],
)
def test_an_ambiguous_number_is_read_by_the_language(text, language, expected):
    assert parse_decimal(text, language=language) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "12,5 EUR", "1e5", "1.2.3", "--1", "12,,5", "1.23,4", "1.2345,6", "1,2.3.4"],
)
def test_what_is_not_a_number_is_refused(text):
    for language in LANGUAGES:
        with pytest.raises(ValidationError) as exc:
            parse_decimal(text, language=language)
        assert exc.value.code == "not_a_number"
        assert exc.value.messages == [str(NOT_A_NUMBER)]


@pytest.mark.parametrize(
    ("value", "places"),
    [("12.345", 2), ("0.001", 2), ("1.0001", 3), ("12.3451", 3), ("0.00001", 4)],
)
def test_too_many_decimals_are_refused(value, places):
    with pytest.raises(ValidationError) as exc:
        check_decimal(Decimal(value), places=places)
    assert exc.value.code == "too_precise"
    assert exc.value.messages == [str(TOO_PRECISE % {"places": places})]
    assert exc.value.messages == [f"Use at most {places} decimals."]


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("12.500", 2, "12.50"), ("3", 3, "3.000"), ("0.085", 4, "0.0850"), ("999999999", 2, None)],
)
def test_a_number_within_its_places_is_kept_exactly(value, places, expected):
    checked = check_decimal(Decimal(value), places=places)
    assert checked == Decimal(value)
    assert str(checked) == (expected or f"{value}.00")


@pytest.mark.parametrize("value", ["1000000000", "-1000000000", "999999999.01"])
def test_too_large_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        check_decimal(Decimal(value), places=2)
    assert exc.value.code == "too_large"
    assert exc.value.messages == [str(TOO_LARGE)]
    assert Decimal("999999999") == MAX_ABS


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_not_a_finite_number_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        check_decimal(value, places=2)
    assert exc.value.code == "not_a_number"


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        ("2.500", "nl", "2,5"),
        ("2.500", "fr", "2,5"),
        ("2.500", "en", "2.5"),
        ("10.000", "nl", "10"),
        ("0.0850", "fr", "0,085"),
        ("1234.56", "en", "1234.56"),
        ("-3.10", "nl", "-3,1"),
    ],
)
def test_a_number_is_shown_with_the_decimals_it_has(value, language, shown):
    assert format_decimal(Decimal(value), language=language) == shown


@given(
    value=st.decimals(min_value=Decimal("-999999999"), max_value=Decimal("999999999"), places=4),
    language=st.sampled_from(LANGUAGES),
)
def test_what_is_shown_reads_back_as_the_same_number(value, language):
    assert parse_decimal(format_decimal(value, language=language), language=language) == value


@pytest.mark.parametrize(
    ("language", "typed", "shown_back"),
    [("nl", "1.234", "1234"), ("en", "1.234", "1.234"), ("fr", "1 234,50", "1234,5")],
)
def test_the_form_field_shows_back_what_it_read(language, typed, shown_back):
    from django import forms

    class Form(forms.Form):
        quantity = LocalDecimalField(places=3)

    with translation.override(language):
        form = Form({"quantity": typed})
        assert form.is_valid()
        assert form["quantity"].value() == shown_back
        assert form.cleaned_data["quantity"] == parse_decimal(typed, language=language)
        refused = Form({"quantity": "1,2345"})
        assert not refused.is_valid()
        assert refused["quantity"].value() == "1,2345"  # shown as typed, with its error
        assert refused.errors["quantity"] == [str(TOO_PRECISE % {"places": 3})]
