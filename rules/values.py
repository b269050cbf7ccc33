"""Typed rule values: how each kind is written, checked and read back.

Stored values are JSON (strings for decimals, never floats); readers get
Python values: Decimal, Money, int, Duration, LocalizedText or a dict.
"""

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from smartcoop.lib.money import format_money

LANGUAGES = ("nl", "fr", "en")

NOT_A_DECIMAL = _("Enter a number such as 6.5 (a dot or a comma for decimals).")
PERCENTAGE_RANGE = _("A percentage must be between 0 and 100.")
NOT_MONEY = _("Enter an amount in euro with at most two decimals, such as 30.00.")
NOT_AN_INTEGER = _("Enter a whole number, such as 5.")
NOT_A_DURATION = _(
    "Enter a duration in ISO 8601 form: P30D (30 days), P3Y (3 years), PT24H (24 hours)."
)
TEXT_MISSING_LANGUAGE = _("Give the text in Dutch, French and English.")
NOT_JSON_OBJECT = _("Enter a structured value (JSON).")
SCHEMA_FAILED = _("The structured value does not fit its schema: %(error)s")


class Kind(models.TextChoices):
    DECIMAL = "decimal", _("Decimal number")
    PERCENTAGE = "percentage", _("Percentage")
    MONEY = "money", _("Amount of money")
    INTEGER = "integer", _("Whole number")
    DURATION = "duration", _("Duration")
    TEXT = "text", _("Text in Dutch, French and English")
    STRUCTURED = "structured", _("Structured value")


_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


@dataclass(frozen=True)
class Duration:
    """A calendar duration (years and months are not a fixed number of days)."""

    years: int = 0
    months: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0

    @classmethod
    def parse(cls, text: str) -> "Duration":
        match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
        if not match:
            raise ValidationError(NOT_A_DURATION, code="duration")
        return cls(**{k: int(v) for k, v in match.groupdict().items() if v})

    def __str__(self) -> str:
        date = "".join(
            f"{n}{u}" for n, u in [(self.years, "Y"), (self.months, "M"), (self.days, "D")] if n
        )
        time = "".join(f"{n}{u}" for n, u in [(self.hours, "H"), (self.minutes, "M")] if n)
        return "P" + date + (f"T{time}" if time else "") if (date or time) else "P0D"

    def add_to(self, moment: datetime.date) -> datetime.date:
        """`moment` plus this duration; the 31st plus a month is the month's last day."""
        month_index = moment.month - 1 + self.months + 12 * self.years
        year, month = moment.year + month_index // 12, month_index % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        shifted = moment.replace(year=year, month=month, day=day)
        return shifted + datetime.timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    @property
    def timedelta(self) -> datetime.timedelta:
        """Only for durations without years or months."""
        if self.years or self.months:
            raise ValueError(f"{self} has no fixed length")
        return datetime.timedelta(days=self.days, hours=self.hours, minutes=self.minutes)


@dataclass(frozen=True)
class LocalizedText:
    nl: str
    fr: str
    en: str

    def get(self, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        return str(getattr(self, language, self.en))

    def __str__(self) -> str:
        return self.get()


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, float | bool):
        raise ValidationError(NOT_A_DECIMAL, code="decimal")
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(NOT_A_DECIMAL, code="decimal") from exc
    if not value.is_finite():
        raise ValidationError(NOT_A_DECIMAL, code="decimal")
    return value


def clean_value(kind: str, raw: Any, schema: dict | None = None) -> Any:
    """Check a value given by a person or the seed; return its JSON form."""
    if kind == Kind.DECIMAL:
        return str(_decimal(raw))
    if kind == Kind.PERCENTAGE:
        value = _decimal(raw)
        if not Decimal(0) <= value <= Decimal(100):
            raise ValidationError(PERCENTAGE_RANGE, code="percentage_range")
        return str(value)
    if kind == Kind.MONEY:
        amount = raw.get("amount") if isinstance(raw, dict) else raw
        try:
            value = _decimal(amount)
        except ValidationError as exc:
            raise ValidationError(NOT_MONEY, code="money") from exc
        if value.as_tuple().exponent < -2 or value < 0:  # type: ignore[operator]
            raise ValidationError(NOT_MONEY, code="money")
        return {"amount": f"{value:.2f}", "currency": "EUR"}
    if kind == Kind.INTEGER:
        if isinstance(raw, bool) or not (
            isinstance(raw, int) or (isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw))
        ):
            raise ValidationError(NOT_AN_INTEGER, code="integer")
        return int(raw)
    if kind == Kind.DURATION:
        return str(Duration.parse(raw))
    if kind == Kind.TEXT:
        if not isinstance(raw, dict) or any(
            not isinstance(raw.get(lang), str) or not raw[lang].strip() for lang in LANGUAGES
        ):
            raise ValidationError(TEXT_MISSING_LANGUAGE, code="text")
        return {lang: raw[lang].strip() for lang in LANGUAGES}
    if kind == Kind.STRUCTURED:
        if not isinstance(raw, dict | list):
            raise ValidationError(NOT_JSON_OBJECT, code="structured")
        if schema:
            try:
                jsonschema.validate(raw, schema)
            except jsonschema.ValidationError as exc:
                raise ValidationError(
                    SCHEMA_FAILED, code="schema", params={"error": exc.message}
                ) from exc
        return raw
    raise ValueError(f"Unknown rule kind {kind!r}")


def to_python(kind: str, stored: Any) -> Any:
    """The Python value of a stored (already checked) value."""
    if kind in (Kind.DECIMAL, Kind.PERCENTAGE):
        return Decimal(stored)
    if kind == Kind.MONEY:
        return Money(Decimal(stored["amount"]), stored["currency"])
    if kind == Kind.INTEGER:
        return int(stored)
    if kind == Kind.DURATION:
        return Duration.parse(stored)
    if kind == Kind.TEXT:
        return LocalizedText(**stored)
    return stored


def display(kind: str, stored: Any) -> str:
    """A short human form in the active language, for the admin and the preview."""
    if kind == Kind.PERCENTAGE:
        return f"{number_format(Decimal(stored))} %"
    if kind == Kind.DECIMAL:
        return str(number_format(Decimal(stored)))
    if kind == Kind.MONEY:
        return format_money(Decimal(stored["amount"]), get_language() or "en")
    if kind == Kind.TEXT:
        return " | ".join(f"{lang}: {stored[lang]}" for lang in LANGUAGES)
    if kind == Kind.STRUCTURED:
        import json

        return json.dumps(stored, ensure_ascii=False, sort_keys=True)
    return str(stored)
