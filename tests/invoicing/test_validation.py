"""What members type: VAT and enterprise numbers, Peppol ids (issue 5, Bad
input; numbers: tests/smartcoop/test_numbers.py). Each refusal carries a
module constant message."""

import pytest
from django.core.exceptions import ValidationError

from invoicing.validation import (
    ENTERPRISE_NUMBER_INVALID,
    PEPPOL_ID_INVALID,
    VAT_NUMBER_INVALID,
    enterprise_number_is_valid,
    normalise_enterprise_number,
    normalise_peppol_id,
    normalise_vat_number,
    vat_number_is_valid,
)

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
