import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from djmoney.money import Money


@pytest.mark.parametrize(
    ("language", "money", "date"),
    [
        ("nl", "€ 1.234,56", "27/11/2026"),
        ("fr", "€ 1.234,56", "27/11/2026"),
        ("en", "€1,234.56", "27/11/2026"),
    ],
)
def test_money_and_dates_in_the_users_locale(language, money, date):
    template = Template(
        '{% load coop %}{{ amount|money }}|{{ price|money }}|{{ day|date:"SHORT_DATE_FORMAT" }}'
    )
    context = Context(
        {
            "amount": Decimal("1234.56"),
            "price": Money(Decimal("1234.56"), "EUR"),
            "day": datetime.date(2026, 11, 27),
        }
    )
    with translation.override(language):
        assert template.render(context) == f"{money}|{money}|{date}"


def test_times_are_shown_in_brussels(settings):
    from django.utils import timezone

    assert settings.TIME_ZONE == "Europe/Brussels"
    utc_noon = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
    assert timezone.localtime(utc_noon).hour == 14  # CEST
