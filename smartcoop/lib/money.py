"""Money as Decimal, rounded to the cent half-up, shown in the user's locale."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _group(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


def format_money(amount: Decimal, language: str, currency_symbol: str = "€") -> str:
    """`€ 1.234,56` in nl and fr, `€1,234.56` in en (ux.md, Conventions)."""
    value = round_cents(amount)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    if language.split("-")[0] in {"nl", "fr"}:
        return f"{sign}{currency_symbol} {_group(whole, '.')},{cents}"
    return f"{sign}{currency_symbol}{_group(whole, ',')}.{cents}"
