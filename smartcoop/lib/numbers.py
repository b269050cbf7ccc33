"""Numbers as members type them, in their language (ux.md, Conventions;
decisions.md 16).

Dutch and French pages write `1.234,56`, English ones `1,234.56`; Belgian
members type either, with spaces or nothing between thousands. What is
accepted everywhere:

    1.234,56   1 234,56   1234,56   1234.56   1,234.56   12,5   0,085

The decimal separator is the last of "," and "." when both appear, and the
only one when it is followed by anything but exactly three digits. One
separator followed by exactly three digits ("1.234", "1,234") is ambiguous:
it is read by the page's language, a thousands separator where that language
uses it for thousands (nl, fr: "1.234" is 1234, "1,234" is 1.234; en: "1,234"
is 1234, "1.234" is 1.234). Forms show the value back as read.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_A_NUMBER = _("Enter a number, such as 12,50 or 1.234,56 (a comma or a dot for decimals).")
TOO_PRECISE = _("Use at most %(places)s decimals.")
TOO_LARGE = _("This number is too large.")

# The separator each language writes between the units and the decimals.
DECIMAL_SEPARATOR = {"nl": ",", "fr": ",", "en": "."}
# 10^9 is far beyond any amount or quantity a member types; the bound keeps
# typing errors (and overflows of the 14-digit columns) out.
MAX_ABS = Decimal("999999999")

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_SHAPE = re.compile(r"^[+-]?[0-9.,]*[0-9][0-9.,]*$")


def _grouped(integer: str, separator: str) -> bool:
    """'1.234.567' with `separator` between groups of three."""
    return re.fullmatch(rf"\d{{1,3}}(\{separator}\d{{3}})+", integer) is not None


def parse_decimal(text: str, *, language: str) -> Decimal:
    """The number in `text`, as a member typing in `language` means it.
    Raises ValidationError(NOT_A_NUMBER) for anything else; it neither
    rounds nor bounds (see check_decimal)."""
    compact = _SPACES.sub("", text.strip())
    if not _SHAPE.match(compact):
        raise ValidationError(NOT_A_NUMBER, code="not_a_number")
    sign = ""
    if compact[0] in "+-":
        sign, compact = compact[0].replace("+", ""), compact[1:]
    commas, dots = compact.count(","), compact.count(".")
    if commas and dots:
        decimal_mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        integer, _sep, fraction = compact.rpartition(decimal_mark)
        if thousands in fraction or not (_grouped(integer, thousands) or integer.isdigit()):
            raise ValidationError(NOT_A_NUMBER, code="not_a_number")
        digits = integer.replace(thousands, "") + "." + fraction
    elif commas + dots == 0:
        digits = compact
    else:
        mark = "," if commas else "."
        integer, _sep, fraction = compact.rpartition(mark)
        if commas + dots > 1:  # 1.234.567: only thousands
            if not _grouped(compact, mark):
                raise ValidationError(NOT_A_NUMBER, code="not_a_number")
            digits = compact.replace(mark, "")
        elif len(fraction) == 3 and integer and integer != "0":
            # Ambiguous: the language says whether it marks the thousands.
            local_decimal = DECIMAL_SEPARATOR.get(language, ".")
            digits = integer + fraction if mark != local_decimal else f"{integer}.{fraction}"
        else:
            digits = f"{integer or '0'}.{fraction}"
    try:
        return Decimal(sign + digits)
    except InvalidOperation as exc:  # pragma: no cover - the shape was checked
        raise ValidationError(NOT_A_NUMBER, code="not_a_number") from exc


def check_decimal(value: Decimal, *, places: int) -> Decimal:
    """`value` if it has at most `places` decimals and a sane size, as a
    Decimal with exactly `places` decimals; else ValidationError."""
    if not value.is_finite():
        raise ValidationError(NOT_A_NUMBER, code="not_a_number")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(TOO_PRECISE, code="too_precise", params={"places": places})
    if abs(value) > MAX_ABS:
        raise ValidationError(TOO_LARGE, code="too_large")
    return value.quantize(Decimal(1).scaleb(-places))


def format_decimal(value: Decimal, *, language: str) -> str:
    """`value` with the decimals it has (none padded, none dropped), written
    the way `language` writes numbers: 2,5 in nl and fr, 2.5 in en."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    integer, _dot, fraction = text.partition(".")
    return integer + (DECIMAL_SEPARATOR.get(language, ".") + fraction if fraction else "")


__all__ = [
    "DECIMAL_SEPARATOR",
    "MAX_ABS",
    "NOT_A_NUMBER",
    "TOO_LARGE",
    "TOO_PRECISE",
    "check_decimal",
    "format_decimal",
    "parse_decimal",
]
