"""The Belgian structured reference (OGM/VCS), checked against python-stdnum."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import ogm_vcs

from smartcoop.lib.ogm import ogm_format, ogm_from_number, ogm_is_valid, ogm_parse

# Base 0909337554: 909337554 = 97 * 9374613 + 93, so the check digits are 93.
KNOWN = "090933755493"


def test_known_value_agrees_with_stdnum():
    assert ogm_vcs.calc_check_digits("0909337554") == "93"
    assert ogm_from_number(909337554) == KNOWN
    assert ogm_vcs.is_valid(KNOWN)
    assert ogm_is_valid(KNOWN)


def test_stdnum_doc_example():
    # stdnum.be.ogm_vcs's own example: +++010/8068/17183+++
    assert ogm_from_number(108068171) == "010806817183"
    assert ogm_parse("+++010/8068/17183+++") == "010806817183"


@pytest.mark.parametrize("base", [97, 194, 97 * 103_092_783, 97 * 10**7])
def test_remainder_zero_gives_97(base):
    assert base % 97 == 0
    digits = ogm_from_number(base)
    assert digits.endswith("97")
    assert digits == f"{base:010d}97"
    assert ogm_vcs.calc_check_digits(digits[:10]) == "97"
    assert ogm_vcs.is_valid(digits)
    assert ogm_is_valid(digits)
    # 00 is never a check value.
    assert not ogm_is_valid(f"{base:010d}00")


def test_ogm_from_number_bounds():
    assert ogm_from_number(1) == "000000000101"
    assert ogm_from_number(10**10 - 1) == f"{10**10 - 1}{(10**10 - 1) % 97:02d}"
    for bad in (0, -1, 10**10):
        with pytest.raises(ValueError):
            ogm_from_number(bad)
    with pytest.raises(TypeError):
        ogm_from_number("0909337554")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ogm_from_number(True)


def test_format():
    assert ogm_format(KNOWN) == "+++090/9337/55493+++"
    assert ogm_format("000000000101") == "+++000/0000/00101+++"
    for bad in ("090933755494", "09093375549", "+++090/9337/55493+++", ""):
        with pytest.raises(ValueError):
            ogm_format(bad)


@pytest.mark.parametrize(
    "digits",
    ["090933755494", "09093375549", "0909337554930", "09093375549a", "", " 090933755493"],
)
def test_is_valid_refuses(digits):
    assert not ogm_is_valid(digits)


def test_is_valid_wants_ascii_digits():
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in KNOWN)
    assert arabic_indic.isdigit()
    assert not ogm_is_valid(arabic_indic)
    assert ogm_parse(arabic_indic) is None


@pytest.mark.parametrize(
    "text",
    [
        "+++090/9337/55493+++",
        "***090/9337/55493***",
        "090/9337/55493",
        "090933755493",
        "+++ 090 / 9337 / 55493 +++",
        "+++090 9337 55493+++",
        "090 9337 55493",
        "  +++090/9337/55493+++  ",
        "Factuur F2025-0042 +++090/9337/55493+++ dank u",
        "COMMUNICATION: ***090/9337/55493*** REF. BANQUE 1234",
        "/A/ 090933755493",
        "+++090\u00a0/\u00a09337\u00a0/\u00a055493+++",  # no-break spaces
        "\t090\t9337\t55493",
    ],
)
def test_parse_variants(text):
    assert ogm_parse(text) == KNOWN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Factuur 2025-0042",
        "+++090/9337/55494+++",  # wrong check digits
        "090933755494",
        "***090/9337/55492***",
        "0909337554930",  # 13 digits: not cut into an OGM
        "1090933755493",
        "BE68 5390 0754 7034",  # an IBAN is not an OGM
        "BE68539007547034",
        "+++090/9337\n/55493+++",  # a line break is no separator
    ],
)
def test_parse_rejects(text):
    assert ogm_parse(text) is None


def test_parse_skips_a_wrong_candidate_for_a_valid_one():
    assert ogm_parse("+++090/9337/55494+++ corrected: +++090/9337/55493+++") == KNOWN
    # Overlapping candidates: the first 12 digits are wrong, a later window is right.
    assert ogm_parse("111 090/9337/55493") == KNOWN


bases = st.integers(min_value=1, max_value=10**10 - 1)


@given(bases)
def test_from_number_round_trips(base):
    digits = ogm_from_number(base)
    assert len(digits) == 12 and digits.isascii() and digits.isdigit()
    assert int(digits[:10]) == base
    assert ogm_vcs.calc_check_digits(digits[:10]) == digits[10:]
    assert ogm_vcs.is_valid(digits)
    assert ogm_is_valid(digits)
    printed = ogm_format(digits)
    assert ogm_vcs.validate(printed) == digits
    assert ogm_parse(printed) == digits
    assert ogm_parse(printed.replace("+", "*")) == digits
    assert ogm_parse(f"Betaling {printed} - bedankt") == digits
    assert ogm_parse(digits) == digits


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_is_valid_agrees_with_stdnum(digits):
    assert ogm_is_valid(digits) == ogm_vcs.is_valid(digits)
    assert ogm_parse(digits) == (digits if ogm_vcs.is_valid(digits) else None)


@given(bases, st.integers(min_value=1, max_value=96))
def test_wrong_check_digits_are_refused(base, shift):
    digits = ogm_from_number(base)
    check = (int(digits[10:]) - 1 + shift) % 97 + 1  # another value in 1..97
    wrong = f"{digits[:10]}{check:02d}"
    assert not ogm_is_valid(wrong)
    assert not ogm_vcs.is_valid(wrong)
    assert ogm_parse(f"+++{wrong[:3]}/{wrong[3:7]}/{wrong[7:]}+++") is None


@given(st.text())
def test_parse_never_raises_and_finds_only_valid(text):
    found = ogm_parse(text)
    assert found is None or ogm_vcs.is_valid(found)
