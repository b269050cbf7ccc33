import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum.be import nn, vat

from members import validators
from smartcoop.lib.belgium import (
    belgian_enterprise_number,
    belgian_iban,
    belgian_national_number,
)


def test_iban_is_compacted():
    assert validators.clean_iban("be68 5390 0754 7034") == "BE68539007547034"


@pytest.mark.parametrize("bad", ["BE68 5390 0754 7035", "BE68", "hello", "NL00ABNA0000000000"])
def test_bad_iban_is_refused_with_an_example(bad):
    with pytest.raises(ValidationError) as exc:
        validators.clean_iban(bad)
    assert exc.value.messages == [str(validators.INVALID_IBAN)]
    assert "BE68 5390 0754 7034" in exc.value.messages[0]


def test_national_number_with_matching_birth_date():
    assert validators.clean_national_number("85.07.30-033.28", datetime.date(1985, 7, 30)) == (
        "85073003328"
    )


@pytest.mark.parametrize("bad", ["85073003329", "1234", "abcdefghijk"])
def test_bad_national_number(bad):
    with pytest.raises(ValidationError) as exc:
        validators.clean_national_number(bad)
    assert exc.value.messages == [str(validators.INVALID_NATIONAL_NUMBER)]


def test_national_number_must_match_birth_date():
    with pytest.raises(ValidationError) as exc:
        validators.clean_national_number("85073003328", datetime.date(1985, 7, 31))
    assert exc.value.messages == [str(validators.NATIONAL_NUMBER_BIRTH_DATE_MISMATCH)]


def test_enterprise_number():
    assert validators.clean_enterprise_number("BE 0403.019.261") == "0403019261"
    with pytest.raises(ValidationError) as exc:
        validators.clean_enterprise_number("0403.019.262")
    assert exc.value.messages == [str(validators.INVALID_ENTERPRISE_NUMBER)]


def test_birth_date_in_the_future_is_refused():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        validators.clean_birth_date(tomorrow)
    assert exc.value.messages == [str(validators.BIRTH_DATE_IN_FUTURE)]
    assert validators.clean_birth_date(timezone.localdate()) == timezone.localdate()


@given(st.randoms(use_true_random=False))
def test_generated_ibans_pass_schwifty(rng):
    iban = belgian_iban(rng)
    assert IBAN(iban).country_code == "BE"
    assert validators.clean_iban(iban) == iban


@given(st.randoms(use_true_random=False))
def test_generated_enterprise_numbers_pass_stdnum(rng):
    assert vat.is_valid(belgian_enterprise_number(rng))


@given(
    st.randoms(use_true_random=False),
    st.dates(datetime.date(1930, 1, 1), datetime.date(2008, 12, 31)),
)
def test_generated_national_numbers_pass_stdnum_and_encode_the_birth_date(rng, birth):
    number = belgian_national_number(rng, birth)
    assert nn.is_valid(number)
    assert nn.get_birth_date(number) == birth
