"""One bank statement upload books the payments of every ledger.

Staff upload a statement once (shares admin). Share subscriptions and
invoices are sibling apps that may not import each other (architecture.md,
Dependency direction), so a ledger that owns a range of structured
references registers a handler here when Django starts, and the upload hands
it the lines whose reference falls in its range.

    register(claims=invoice_reference_claims, book=book_invoice_line)

`claims(reference) -> bool` must be cheap and pure (no query); `book(line,
file_name=, acting_user=)` books one line in its own transaction and returns
(outcome, message), outcome one of "booked", "to_resolve", "already_recorded".
"""

from collections.abc import Callable
from dataclasses import dataclass

Claims = Callable[[str], bool]
Book = Callable[..., tuple[str, str]]


@dataclass(frozen=True)
class Route:
    name: str
    claims: Claims
    book: Book


_routes: dict[str, Route] = {}


def register(*, name: str, claims: Claims, book: Book) -> None:
    """Register (or replace, on a reload) the handler called `name`."""
    _routes[name] = Route(name, claims, book)


def route_for(reference: str | None) -> Route | None:
    """The handler whose range holds this structured reference, if any."""
    if not reference:
        return None
    for route in _routes.values():
        if route.claims(reference):
            return route
    return None
