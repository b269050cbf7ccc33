"""The availability grid's table rows, written in Python.

A week of 50 resources is about 350 cells and 1,000 segments, a day about
1,200 cells: through the template engine (a few nodes per cell) that took
most of the page's 150-400 ms; joined here from escaped pieces it takes a few
milliseconds (bench/README.md, Workspaces). Everything that comes from the
database is escaped; the labels are translated in the active language."""

from urllib.parse import urlencode

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workspaces.selectors import STATE_LABELS, Grid, GridRow


def _row_header(row: GridRow, people: dict[int, str]) -> str:
    resource = row.resource
    if resource.capacity not in people:
        people[resource.capacity] = ngettext("%(n)s person", "%(n)s people", resource.capacity) % {
            "n": resource.capacity
        }
    equipment = f"<br>{escape(resource.equipment)}" if resource.equipment else ""
    return (
        f'<th scope="row">{escape(resource.name)}<span class="resource-meta">'
        f"{escape(resource.get_kind_display())} · {escape(people[resource.capacity])}"
        f"{equipment}</span></th>"
    )


def day_rows(grid: Grid, *, book_query: str, bookable: bool) -> SafeString:
    """<tr>s of the day view: each free slot a link that opens the booking
    form in the panel (htmx) or on its own page; other states merged."""
    day = grid.days[0]
    iso = day.day.isoformat()
    labels = {state: escape(str(label)) for state, label in STATE_LABELS.items()}
    book_url = reverse("workspaces:book")
    people: dict[int, str] = {}
    out = []
    for row in grid.rows:
        resource = row.resource
        base = escape(f"{book_url}?{book_query}&{urlencode({'resource': resource.pk, 'day': iso})}")
        cells = [_row_header(row, people)]
        for seg in row.cells[0]:
            start = f"{seg.start:%H:%M}"
            if seg.state == "free" and bookable:
                url = f"{base}&amp;start={start}"
                aria = escape(
                    _("Book %(resource)s at %(time)s") % {"resource": resource.name, "time": start}
                )
                cells.append(
                    f'<td class="slot slot-free"><a href="{url}" hx-get="{url}"'
                    f' hx-target="#booking-panel" hx-swap="innerHTML" aria-label="{aria}">'
                    f"{labels['free']}</a></td>"
                )
            else:
                span = f' colspan="{seg.slots}"' if seg.slots > 1 else ""
                cells.append(
                    f'<td class="slot slot-{seg.state}"{span} title="{start}–{seg.end:%H:%M}">'
                    f"{labels[seg.state]}</td>"
                )
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (every piece above is escaped)


def week_rows(grid: Grid, *, day_query: str) -> SafeString:
    """<tr>s of the week view: per day a bar of merged segments (a link to
    that day's view) and the free time in words."""
    labels = {state: escape(str(label)) for state, label in STATE_LABELS.items()}
    closed = escape(_("Closed"))
    full = escape(_("Full"))
    extra = f"&amp;{escape(day_query)}" if day_query else ""
    links = {d.day: f"?view=day&amp;date={d.day.isoformat()}{extra}" for d in grid.days}
    people: dict[int, str] = {}
    free_text: dict[float, str] = {}
    out = []
    for row in grid.rows:
        cells = [_row_header(row, people)]
        for day, bar, hours in row.week:
            if not day.is_open:
                cells.append(
                    f'<td class="week-cell"><span class="week-free slot-closed">{closed}'
                    "</span></td>"
                )
                continue
            segments = "".join(
                f'<span class="seg slot-{seg.state}" style="flex-grow:{seg.slots}"'
                f' title="{seg.start:%H:%M}–{seg.end:%H:%M} {labels[seg.state]}"></span>'
                for seg in bar
            )
            if hours not in free_text:
                free_text[hours] = (
                    escape(_("%(hours)s h free") % {"hours": floatformat(hours, -1)})
                    if hours
                    else full
                )
            cells.append(
                f'<td class="week-cell"><a class="bar" href="{links[day.day]}">{segments}</a>'
                f'<span class="week-free">{free_text[hours]}</span></td>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (every piece above is escaped)
