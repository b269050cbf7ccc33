"""Typed rule values: how each kind is written, checked and read back.

Stored values are JSON (strings for decimals, never floats); readers get
Python values: Decimal, Money, int, Duration, LocalizedText or a dict.
"""

import calendar
import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
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

    def words(self) -> str:
        """As people say it, in the active language: "30 days", "10 years", "24 hours"."""
        parts = [
            ngettext("%(n)d year", "%(n)d years", self.years) % {"n": self.years},
            ngettext("%(n)d month", "%(n)d months", self.months) % {"n": self.months},
            ngettext("%(n)d day", "%(n)d days", self.days) % {"n": self.days},
            ngettext("%(n)d hour", "%(n)d hours", self.hours) % {"n": self.hours},
            ngettext("%(n)d minute", "%(n)d minutes", self.minutes) % {"n": self.minutes},
        ]
        counts = [self.years, self.months, self.days, self.hours, self.minutes]
        said = [part for part, count in zip(parts, counts, strict=True) if count]
        return ", ".join(said) if said else ngettext("%(n)d day", "%(n)d days", 0) % {"n": 0}

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
    if kind == Kind.DURATION:
        return Duration.parse(stored).words()
    if kind == Kind.TEXT:
        return " | ".join(f"{lang}: {stored[lang]}" for lang in LANGUAGES)
    if kind == Kind.STRUCTURED:
        return json.dumps(stored, ensure_ascii=False, sort_keys=True)
    return str(stored)


def structured_rows(stored: Any) -> list[tuple[str, str]] | None:
    """A structured value as rows of (key, what it holds), for a small table
    instead of a JSON blob; texts in nl/fr/en show in the active language.
    None when the value is not an object."""
    if not isinstance(stored, dict):
        return None
    language = (get_language() or "en")[:2]

    def said(value: Any) -> str:
        if isinstance(value, dict) and set(value) == set(LANGUAGES):
            return str(value.get(language, value["en"]))
        if isinstance(value, dict):
            return "; ".join(f"{key}: {said(inner)}" for key, inner in value.items())
        if isinstance(value, list):
            return ", ".join(said(item) for item in value)
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        return str(value)

    return [(str(key), said(value)) for key, value in stored.items()]


HELP = {
    Kind.PERCENTAGE: _("In per cent: type 6.5 for six and a half per cent (not 0.065)."),
    Kind.DECIMAL: _("A number; a comma or a dot for decimals, such as 1.5."),
    Kind.MONEY: _("In euro, at most two decimals, such as 30.00."),
    Kind.INTEGER: _("A whole number, such as 5."),
    Kind.DURATION: _("A duration: P30D is 30 days, P3Y 3 years, PT24H 24 hours."),
    Kind.TEXT: _("The same text in Dutch, French and English."),
    Kind.STRUCTURED: _("A structured value (JSON) that fits the rule's schema."),
}
