"""The member's dashboard: "what needs me now" across the apps (ux.md, Member
pages). An app of its own at the top of the dependency direction, under the
wiring only: it reads every app (invoicing, shares, workspaces) through their
selectors, and no app may import a sibling."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from invoicing.selectors import InvoicingDashboard, invoicing_dashboard
from members.selectors import member_for_user
from pay.selectors import next_payment
from workspaces.selectors import next_booking

CHART_WIDTH = 600
CHART_HEIGHT = 200
CHART_TOP = 16  # room for the value labels above the bars
CHART_BOTTOM = 24  # room for the month labels


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str
    month: datetime.date
    net: Decimal
    negative: bool


def turnover_bars(figures: InvoicingDashboard) -> list[Bar]:
    """The 12 months as SVG bars (server-drawn, no chart library): the
    largest month fills the height; a negative month (more credited than
    invoiced) is drawn as a short red bar."""
    top = max((abs(m.net) for m in figures.months), default=Decimal(0)) or Decimal(1)
    slot = CHART_WIDTH // max(len(figures.months), 1)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for index, month in enumerate(figures.months):
        height = int(usable * abs(month.net) / top) if month.net else 0
        bars.append(
            Bar(
                x=index * slot + 4,
                y=CHART_TOP + usable - height,
                width=slot - 8,
                height=height,
                label=date_format(month.month, "M"),
                month=month.month,
                net=month.net,
                negative=month.net < 0,
            )
        )
    return bars


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "members/landing.html")
    member = member_for_user(user=request.user)
    context: dict[str, object] = {"member": member}
    if member is not None:
        today = timezone.localdate()
        figures = invoicing_dashboard(member=member, today=today)
        context |= {
            "today": today,
            "invoicing": figures,
            "bars": turnover_bars(figures),
            "next_booking": next_booking(member=member),
            "next_payment": next_payment(member),
            "chart": {
                "width": CHART_WIDTH,
                "height": CHART_HEIGHT,
                "baseline": CHART_HEIGHT - CHART_BOTTOM,
            },
        }
    return render(request, "dashboard/home.html", context)
