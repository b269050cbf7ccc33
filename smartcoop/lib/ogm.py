"""The Belgian structured reference: OGM (Overschrijving met Gestructureerde
Mededeling) in Dutch, VCS (Virement avec Communication Structurée) in French.

Twelve digits: a ten-digit base and two check digits, the base modulo 97, or
97 when that remainder is 0. Printed on invoices as ``+++123/4567/89012+++``
(``***`` in place of ``+++`` is also seen). Banks carry the bare 12 digits.

Everything here takes and returns the 12 digits as a ``str`` (leading zeros
matter), except :func:`ogm_format` which makes the printed form.
"""

import re

__all__ = ["ogm_format", "ogm_from_number", "ogm_is_valid", "ogm_parse"]

_BASE_LIMIT = 10**10

_DIGITS = re.compile(r"[0-9]{12}", re.ASCII)

# Three groups of 3, 4 and 5 ASCII digits, each pair separated by nothing, by a
# slash, or by spaces (tabs, no-break spaces: Unicode whitespace) around an
# optional slash. The digits may
# not continue a longer number on either side, so an IBAN or an account number
# is never cut into an OGM. The surrounding +++ / *** need no matching: they
# are not digits. Line breaks are not separators: a reference is on one line.
# The lookahead makes the candidates overlap, so a first one with wrong check
# digits does not hide a valid one that shares its digits.
_SEP = r"[^\S\r\n]*/?[^\S\r\n]*"
_CANDIDATE = re.compile(rf"(?<![0-9])(?=([0-9]{{3}}){_SEP}([0-9]{{4}}){_SEP}([0-9]{{5}})(?![0-9]))")


def _check_digits(base: int) -> int:
    return base % 97 or 97


def ogm_from_number(number: int) -> str:
    """The 12 digits of the structured reference with base ``number``,
    ``0 < number < 10**10``; the base is zero-padded to ten digits.

    >>> ogm_from_number(909337554)
    '090933755493'
    """
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"an OGM base is an int, not {type(number).__name__}")
    if not 0 < number < _BASE_LIMIT:
        raise ValueError(f"an OGM base is between 1 and {_BASE_LIMIT - 1}, not {number}")
    return f"{number:010d}{_check_digits(number):02d}"


def ogm_is_valid(digits: str) -> bool:
    """Whether ``digits`` is exactly 12 ASCII digits with the right check digits
    (no separators, no +++; see :func:`ogm_parse` for printed forms)."""
    if not isinstance(digits, str) or not _DIGITS.fullmatch(digits):
        return False
    return _check_digits(int(digits[:10])) == int(digits[10:])


def ogm_format(digits: str) -> str:
    """The printed form of a valid reference: ``+++123/4567/89012+++``.

    Raises ``ValueError`` for anything but 12 digits with the right check digits.
    """
    if not ogm_is_valid(digits):
        raise ValueError(f"{digits!r} is not a valid structured reference (12 digits, mod 97)")
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def ogm_parse(text: str) -> str | None:
    """The 12 digits of the first valid structured reference found in ``text``
    (a bank statement's communication, a pasted invoice line...), or None.

    Recognised: ``+++090/9337/55493+++``, ``***090/9337/55493***``,
    ``090/9337/55493``, ``090933755493``, with or without spaces around the
    groups and delimiters. A candidate whose check digits are wrong is skipped,
    so a mistyped reference gives None rather than a wrong match.
    """
    for match in _CANDIDATE.finditer(text):
        digits = "".join(match.groups())
        if ogm_is_valid(digits):
            return digits
    return None
