"""What the apps built on invoicing add to it, without invoicing importing
them (architecture.md, Dependency direction).

Documents and e-invoicing sit above invoicing: they render, send and
transmit what invoicing issues. Each registers here in its
`AppConfig.ready()`, the way the share ledger and the invoices register
their bank routes (smartcoop.lib.bankrouting):

* `on_issue(hook)`: `hook(invoice)` runs inside the transaction that issues
  an invoice or a credit note, once it has its number. A hook only records
  and schedules (tasks after commit): it must not render, send or call the
  network while the numbering lock is held (style.md, item 5).
* `section_add(section)`: a part of a member page about one invoice or one
  client (the stored PDF and its sendings, the Peppol route), rendered by
  its own template with its own context. Its related names are fetched by
  the page's one query (`related_for`), so the page keeps its query count.
* `admin_section_add(section)`: a fieldset of the invoice's back-office page
  and the buttons it adds there.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.http import HttpRequest

from invoicing.models import Client, Invoice

IssueHook = Callable[[Invoice], object]

INVOICE_PAGE = "invoice"
CLIENT_PAGE = "client"


@dataclass(frozen=True)
class Section:
    """A part of the member's invoice page (`object` is the invoice) or client
    page (the client), from an app above invoicing."""

    name: str
    page: str
    template: str
    context: Callable[[Invoice | Client], Mapping[str, object]]
    order: int = 0
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedSection:
    template: str
    context: Mapping[str, object]


Link = tuple[str, str]  # (url, label)


@dataclass(frozen=True)
class AdminSection:
    """A fieldset of the invoice's admin page: `fields` are admin display
    callables taking the invoice; `links` adds buttons above the form."""

    name: str
    title: str
    fields: Sequence[Callable[[Invoice], object]]
    links: Callable[[HttpRequest, Invoice], list[Link]] | None = None
    prefetch_related: tuple[str, ...] = ()
    order: int = 0


@dataclass
class _Registry:
    issue_hooks: dict[str, IssueHook] = field(default_factory=dict)
    sections: dict[tuple[str, str], Section] = field(default_factory=dict)
    admin_sections: dict[str, AdminSection] = field(default_factory=dict)


_registry = _Registry()


def on_issue(name: str, hook: IssueHook) -> None:
    """Register (or replace, on a reload) the issue hook called `name`."""
    _registry.issue_hooks[name] = hook


def issued(invoice: Invoice) -> None:
    """Called by invoice_issue and credit_note_issue inside their transaction."""
    for hook in _registry.issue_hooks.values():
        hook(invoice)


def section_add(section: Section) -> None:
    _registry.sections[(section.page, section.name)] = section


def sections(page: str) -> list[Section]:
    return sorted((s for s in _registry.sections.values() if s.page == page), key=lambda s: s.order)


def related_for(page: str) -> tuple[list[str], list[str]]:
    """(select_related, prefetch_related) the sections of `page` read."""
    selected: list[str] = []
    prefetched: list[str] = []
    for section in sections(page):
        selected += [name for name in section.select_related if name not in selected]
        prefetched += [name for name in section.prefetch_related if name not in prefetched]
    return selected, prefetched


def sections_rendered(page: str, obj: Invoice | Client) -> list[RenderedSection]:
    """Each section of `page` with its context for `obj`, in order."""
    return [RenderedSection(s.template, s.context(obj)) for s in sections(page)]


def admin_section_add(section: AdminSection) -> None:
    _registry.admin_sections[section.name] = section


def admin_sections() -> list[AdminSection]:
    return sorted(_registry.admin_sections.values(), key=lambda s: s.order)
