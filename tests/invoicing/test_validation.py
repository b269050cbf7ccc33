"""What members type: amounts, VAT and enterprise numbers, Peppol ids
(issue 5, Bad input). Each refusal carries a module constant message."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoicing.validation import (
    ENTERPRISE_NUMBER_INVALID,
    MAX_ABS,
    NOT_A_NUMBER,
    PEPPOL_ID_INVALID,
    TOO_LARGE,
    TOO_PRECISE,
    VAT_NUMBER_INVALID,
    enterprise_number_is_valid,
    normalise_enterprise_number,
    normalise_peppol_id,
    normalise_vat_number,
    parse_decimal,
    vat_number_is_valid,
)

# --- parse_decimal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "places", "expected"),
    [
        ("12,5", 2, "12.50"),
        ("12.50", 2, "12.50"),
        (" 3 ", 3, "3.000"),
        ("1 234,56", 2, "1234.56"),  # a space between thousands
        ("1\u00a0234,5", 2, "1234.50"),  # a no-break space, as browsers in fr write it
        (",5", 2, "0.50"),
        ("5.", 2, "5.00"),
        ("-4,25", 2, "-4.25"),
        ("+7", 2, "7.00"),
        ("12.500", 2, "12.50"),  # trailing zeros are not extra precision
        ("0.125", 3, "0.125"),
        (7, 2, "7.00"),
        (Decimal("2.5"), 3, "2.500"),
        (Decimal("1.10"), 2, "1.10"),
        ("999999999", 2, "999999999.00"),  # the largest accepted
    ],
)
def test_parse_decimal_accepts(raw, places, expected):
    value = parse_decimal(raw, places=places)
    assert value == Decimal(expected)
    assert str(value) == expected  # quantized to `places`


def _code_and_message(raw, places):
    with pytest.raises(ValidationError) as exc:
        parse_decimal(raw, places=places)
    return exc.value.code, exc.value.messages


@pytest.mark.parametrize(
    "raw",
    [
        1.5,
        2.0,
        True,
        None,
        [],
        "",
        "   ",
        "abc",
        "12,5 EUR",
        "1e5",
        "1.2.3",
        "1,234.56",
        "--1",
        "12,,5",
        Decimal("NaN"),
        Decimal("Infinity"),
    ],
)
def test_parse_decimal_refuses_what_is_not_a_number(raw):
    code, messages = _code_and_message(raw, 2)
    assert code == "not_a_number"
    assert messages == [str(NOT_A_NUMBER)]


@pytest.mark.parametrize(
    ("raw", "places"),
    [("12.345", 2), ("0,001", 2), ("1.0001", 3), (Decimal("0.125"), 2), ("12.3451", 3)],
)
def test_parse_decimal_refuses_too_precise(raw, places):
    code, messages = _code_and_message(raw, places)
    assert code == "too_precise"
    assert messages == [str(TOO_PRECISE % {"places": places})]
    assert messages == [f"Use at most {places} decimals."]


@pytest.mark.parametrize("raw", ["1000000000", "-1000000000", "999999999.01", 10**12])
def test_parse_decimal_refuses_too_large(raw):
    code, messages = _code_and_message(raw, 2)
    assert code == "too_large"
    assert messages == [str(TOO_LARGE)]
    assert Decimal("999999999") == MAX_ABS


# --- VAT numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BE0403019261", "BE0403019261"),
        ("be 0403.019.261", "BE0403019261"),
        ("BE 0403 019 261", "BE0403019261"),
        ("BE403019261", "BE0403019261"),  # the old nine-digit form
        ("BE0417497106", "BE0417497106"),
        ("NL004495445B01", "NL004495445B01"),
        ("nl 0044.95445.b01", "NL004495445B01"),
        ("FR40303265045", "FR40303265045"),
        ("DE136695976", "DE136695976"),
        ("EL094259216", "EL094259216"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_vat_numbers_are_normalised(raw, expected):
    assert normalise_vat_number(raw) == expected
    assert vat_number_is_valid(expected) is bool(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "BE0403019262",
        "NL004495446B01",
        "FR40303265046",
        "DE136695977",
        "0403019261",
        "XX123456789",
        "CHE-116.281.710",
        "BE04030192",
        "hello",
    ],
)
def test_invalid_vat_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_vat_number(raw)
    assert exc.value.code == "vat_number"
    assert exc.value.messages == [str(VAT_NUMBER_INVALID)]
    assert vat_number_is_valid(raw) is False


# --- Enterprise numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0403019261", "0403019261"),
        ("0403.019.261", "0403019261"),
        ("BE 0403 019 261", "0403019261"),
        ("403019261", "0403019261"),
        ("0202.239.951", "0202239951"),
        ("", ""),
    ],
)
def test_enterprise_numbers_are_normalised(raw, expected):
    assert normalise_enterprise_number(raw) == expected
    assert enterprise_number_is_valid(expected) is bool(expected)


@pytest.mark.parametrize("raw", ["0403019262", "1234567890", "abc", "04030192611", "NL004495445"])
def test_invalid_enterprise_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_enterprise_number(raw)
    assert exc.value.code == "enterprise_number"
    assert exc.value.messages == [str(ENTERPRISE_NUMBER_INVALID)]
    assert enterprise_number_is_valid(raw) is False


# --- Peppol participant ids ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0208:0403019261", "0208:0403019261"),
        (" 9925:be0403019261 ", "9925:be0403019261"),
        ("0088:5412345000013", "0088:5412345000013"),
        ("0192:NO-123_4.5", "0192:NO-123_4.5"),
        ("", ""),
    ],
)
def test_peppol_ids_are_accepted(raw, expected):
    assert normalise_peppol_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0403019261",
        "208:0403019261",
        "02080:1",
        "abcd:123",
        "0208:",
        "0208:has space",
        "0208:" + "1" * 61,
        "0208:04030/19261",
    ],
)
def test_bad_peppol_ids_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_peppol_id(raw)
    assert exc.value.code == "peppol_id"
    assert exc.value.messages == [str(PEPPOL_ID_INVALID)]
