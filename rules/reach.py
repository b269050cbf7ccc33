"""What a change of rule reaches: the apps that read the rules say, per key
prefix, what a new value will apply to from a date (draft invoices, members,
bookings, subscriptions...), each counted in one query. The legal team reads
it beside "What changes from a date" (rules/admin.py).

The rules app is at the bottom of the dependency direction, so it cannot ask
invoicing or workspaces itself: they register here from their AppConfig.ready.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reach:
    prefix: str  # the keys it concerns: "invoicing." or "vat."
    label: Any  # what is counted (lazy text), such as "draft invoices"
    count: Callable[[datetime.date], int]  # how many, from that date; one query


_REACHES: list[Reach] = []


def reach_register(*, prefix: str, label: Any, count: Callable[[datetime.date], int]) -> None:
    if any(r.prefix == prefix and str(r.label) == str(label) for r in _REACHES):
        return  # ready() may run twice in one process (tests)
    _REACHES.append(Reach(prefix, label, count))


def reaches_for(key: str) -> list[Reach]:
    return [reach for reach in _REACHES if key.startswith(reach.prefix)]
