"""Demo invoicing data for the demo members (`seed_demo --invoices N`),
created in bulk: activities, clients, N issued invoices spread over the
last 24 months with about 3% credit notes, their payments, and a few drafts.

The rows are the ones the services would write (invoicing.services:
activity_save, client_save, invoice_draft_save, invoice_issue,
credit_note_issue, invoice_payment_register):

* numbers are gapless and in date order per series and year, in the
  format of the rule `invoicing.number_format`; the NumberCounter rows,
  locked as `_counter_locked` locks them, end on the last number and date,
  so a real issue afterwards continues the series;
* each issued document's structured reference is
  ogm_from_number(REFERENCE_BASE + its id), the ids drawn from the table's
  own sequence in issue order;
* totals come from `invoicing.calculation.compute_totals` with the rules in
  force (VAT options on the date of supply, the contribution rate on the
  invoice date), credit notes give back the contribution with
  `proportional_contribution`, and the seller, buyer and mentions are copied
  with the services' own `_seller`, `_buyer`, `_member_mentions` and
  `_mentions`;
* the follow-up (sent, partly paid, paid, credited) follows
  `_follow_up_status`, each payment being an InvoicePayment row.

Not written: the simple-history rows the services' saves would add (one per
save of an activity, client or invoice; over a million at scale); the admin
shows an empty history for demo documents.

Speed: on PostgreSQL the rows go in with COPY (ids drawn from the tables'
sequences first), elsewhere (SQLite, `make run`) with executemany of the same
rows. Either way the lines of a chunk are inserted *before* their invoices, in
the same transaction: the triggers of migration 0002 refuse lines whose
invoice is issued, and an invoice not inserted yet is not issued; the foreign
keys (deferred, as Django creates them) are checked once the invoices are
there. On PostgreSQL the line trigger is still switched off for the seed's
transaction, for speed only (see `_line_trigger_off`).
"""

import datetime
import gc
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import override

from invoicing import snapshots
from invoicing.calculation import (
    LineInput,
    Totals,
    VatOption,
    compute_totals,
    proportional_contribution,
    vat_options,
)
from invoicing.models import (
    Activity,
    ActivityKind,
    Client,
    ClientKind,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceStatus,
    NumberCounter,
    PaymentSource,
    Unit,
)
from invoicing.services.common import (
    CONTRIBUTION_RATE,
    CREDIT_NOTE_MENTION,
    ISSUE_DEADLINE_DAY,
    LATE_ISSUE_WARNING,
    NUMBER_FORMAT,
    PAYMENT_TERM_MAX,
    REFERENCE_BASE,
)
from invoicing.services.issuing import issue_deadline
from members.demo import DEMO_DOMAIN, PLACES
from members.models import Member, Status, StatusChange
from rules.selectors import rules_on
from smartcoop.lib.belgium import belgian_enterprise_number, belgian_iban
from smartcoop.lib.ogm import ogm_format, ogm_from_number

CHUNK = 20_000  # invoices per round of inserts
MONTHS = 24
CREDIT_SHARE = 0.03
SOFIE_LARGE = 2000  # the demo login's invoices when n >= LARGE
SOFIE_SMALL = 40
LARGE = 100_000
DAY = datetime.timedelta(days=1)
T = TypeVar("T")

# --- What members do -------------------------------------------------------------------

# (names nl/fr/en, kind, lines: (descriptions nl/fr/en, unit, price range in cents,
#  quantity range in thousandths, VAT choices "category:rate" with weights))
_S21, _S6, _Z0, _E0 = "S:21", "S:6", "Z:0", "E:0"
THEMES: list[
    tuple[
        tuple[str, str, str],
        str,
        list[
            tuple[
                tuple[str, str, str], str, tuple[int, int], tuple[int, int], list[tuple[str, int]]
            ]
        ],
    ]
]
THEMES = [
    (
        (
            "Vertaling Nederlands-Frans",
            "Traduction néerlandais-français",
            "Dutch-French translation",
        ),
        ActivityKind.OTHER,
        [
            (
                ("Vertaling", "Traduction", "Translation"),
                Unit.WORD,
                (8, 16),
                (800_000, 12_000_000),
                [(_S21, 1)],
            ),
            (
                ("Nalezing en revisie", "Relecture et révision", "Proofreading and revision"),
                Unit.HOUR,
                (4500, 7000),
                (1000, 8000),
                [(_S21, 1)],
            ),
            (
                ("Beëdigde vertaling", "Traduction jurée", "Sworn translation"),
                Unit.PAGE,
                (2500, 4500),
                (1000, 12_000),
                [(_S21, 1)],
            ),
        ],
    ),
    (
        ("Grafisch ontwerp", "Design graphique", "Graphic design"),
        ActivityKind.OTHER,
        [
            (
                ("Ontwerp huisstijl", "Création d'identité visuelle", "Brand identity design"),
                Unit.LUMP_SUM,
                (60_000, 350_000),
                (1000, 1000),
                [(_S21, 1)],
            ),
            (
                ("Opmaak brochure", "Mise en page brochure", "Brochure layout"),
                Unit.HOUR,
                (5000, 8500),
                (2000, 30_000),
                [(_S21, 1)],
            ),
            (
                ("Drukwerk boek", "Impression livre", "Book printing"),
                Unit.UNIT,
                (450, 2400),
                (50_000, 500_000),
                [(_S6, 1)],
            ),
        ],
    ),
    (
        ("Opleidingen en workshops", "Formations et ateliers", "Training and workshops"),
        ActivityKind.OTHER,
        [
            (
                ("Opleidingsdag", "Journée de formation", "Training day"),
                Unit.DAY,
                (45_000, 95_000),
                (1000, 5000),
                [(_S21, 1)],
            ),
            (
                ("Workshop halve dag", "Atelier demi-journée", "Half-day workshop"),
                Unit.HALF_DAY,
                (25_000, 50_000),
                (1000, 4000),
                [(_S21, 1)],
            ),
            (
                ("Cursusmateriaal", "Support de cours", "Course material"),
                Unit.UNIT,
                (1200, 4500),
                (5000, 30_000),
                [(_S6, 3), (_S21, 1)],
            ),
        ],
    ),
    (
        ("Webontwikkeling", "Développement web", "Web development"),
        ActivityKind.OTHER,
        [
            (
                ("Ontwikkeling", "Développement", "Development"),
                Unit.HOUR,
                (6000, 11_000),
                (4000, 80_000),
                [(_S21, 1)],
            ),
            (
                ("Hosting en onderhoud", "Hébergement et maintenance", "Hosting and maintenance"),
                Unit.MONTH,
                (2500, 15_000),
                (1000, 12_000),
                [(_S21, 1)],
            ),
            (
                ("Analyse", "Analyse", "Analysis"),
                Unit.DAY,
                (55_000, 90_000),
                (500, 5000),
                [(_S21, 1)],
            ),
        ],
    ),
    (
        ("Fotografie", "Photographie", "Photography"),
        ActivityKind.ARTISTIC,
        [
            (
                ("Fotoreportage", "Reportage photo", "Photo shoot"),
                Unit.DAY,
                (40_000, 120_000),
                (500, 3000),
                [(_S21, 2), (_S6, 1)],
            ),
            (
                ("Gebruiksrechten foto's", "Droits d'utilisation des photos", "Photo usage rights"),
                Unit.LUMP_SUM,
                (15_000, 90_000),
                (1000, 1000),
                [(_S6, 1)],
            ),
            (
                ("Verplaatsingskosten", "Frais de déplacement", "Travel costs"),
                Unit.KILOMETRE,
                (43, 43),
                (20_000, 400_000),
                [(_S21, 1)],
            ),
        ],
    ),
    (
        ("Theatertournee", "Tournée théâtrale", "Theatre tour"),
        ActivityKind.ARTISTIC,
        [
            (
                ("Voorstelling", "Représentation", "Performance"),
                Unit.UNIT,
                (80_000, 350_000),
                (1000, 4000),
                [(_E0, 4), (_S6, 1)],
            ),
            (
                ("Technische ondersteuning", "Régie technique", "Technical support"),
                Unit.DAY,
                (30_000, 60_000),
                (1000, 4000),
                [(_S21, 1)],
            ),
            (
                ("Verplaatsingskosten", "Frais de déplacement", "Travel costs"),
                Unit.KILOMETRE,
                (43, 43),
                (30_000, 600_000),
                [(_S21, 1)],
            ),
        ],
    ),
    (
        ("Concerten", "Concerts", "Concerts"),
        ActivityKind.ARTISTIC,
        [
            (
                ("Concert", "Concert", "Concert"),
                Unit.LUMP_SUM,
                (40_000, 250_000),
                (1000, 1000),
                [(_E0, 5), (_S6, 1)],
            ),
            (
                ("Repetitie", "Répétition", "Rehearsal"),
                Unit.HALF_DAY,
                (15_000, 35_000),
                (1000, 4000),
                [(_E0, 2), (_S21, 1)],
            ),
            (
                ("Muziekles", "Cours de musique", "Music lesson"),
                Unit.HOUR,
                (3500, 6000),
                (1000, 20_000),
                [(_Z0, 1), (_S21, 2)],
            ),
        ],
    ),
    (
        ("Illustratie", "Illustration", "Illustration"),
        ActivityKind.ARTISTIC,
        [
            (
                ("Illustraties", "Illustrations", "Illustrations"),
                Unit.UNIT,
                (9000, 45_000),
                (1000, 20_000),
                [(_S6, 3), (_S21, 1)],
            ),
            (
                ("Auteursrechten", "Droits d'auteur", "Copyright licence"),
                Unit.LUMP_SUM,
                (20_000, 150_000),
                (1000, 1000),
                [(_S6, 1)],
            ),
            (
                ("Tijdschriftbijdrage", "Contribution au magazine", "Magazine contribution"),
                Unit.PAGE,
                (6000, 20_000),
                (1000, 6000),
                [(_Z0, 1), (_S6, 1)],
            ),
        ],
    ),
]
_LANG_INDEX = {"nl": 0, "fr": 1, "en": 2}

CREDIT_REASONS = {
    True: ["Invoiced twice by mistake", "Performance cancelled", "Wrong client on the invoice"],
    False: ["Discount agreed with the client", "Quantity corrected", "Partly cancelled"],
}
COMPANY_WORDS = [
    "Atelier",
    "Studio",
    "Huis",
    "Maison",
    "Groep",
    "Collectief",
    "Agence",
    "Bureau",
    "Fabriek",
    "Werkplaats",
    "Théâtre",
    "Cultuurcentrum",
    "Brouwerij",
    "Drukkerij",
    "Boekhandel",
    "Librairie",
    "Garage",
    "Horeca",
    "Kliniek",
    "School",
]
COMPANY_NAMES = [
    "Noord",
    "Zuid",
    "Lumière",
    "Aurora",
    "Delta",
    "Horizon",
    "Mosa",
    "Scheldt",
    "Zenne",
    "Ardenne",
    "Kempen",
    "Polder",
    "Étoile",
    "Orion",
    "Vega",
    "Linde",
    "Eik",
    "Chêne",
    "Duin",
    "Meander",
    "Kompas",
    "Kristal",
]
BE_FORMS = {
    "nl": ["BV", "NV", "CV", "VZW"],
    "fr": ["SRL", "SA", "SC", "ASBL"],
    "en": ["BV", "SRL", "VZW", "ASBL"],
}
PERSON_FIRST = [
    "An",
    "Bart",
    "Claire",
    "David",
    "Eva",
    "Frank",
    "Greet",
    "Hélène",
    "Ilse",
    "Jan",
    "Karin",
    "Luc",
    "Marie",
    "Nico",
    "Olivier",
    "Patricia",
    "Raf",
    "Sophie",
]
PERSON_LAST = [
    "Claes",
    "Dubois",
    "Goossens",
    "Lambert",
    "Maes",
    "Martin",
    "Peeters",
    "Renard",
    "Simon",
    "Van Dyck",
    "Wouters",
    "Leroy",
]
# (country, language, legal form, places: (postal code, city, street))
FOREIGN = [
    (
        "NL",
        "nl",
        "B.V.",
        [
            ("1012 AB", "Amsterdam", "Damrak"),
            ("3011 AD", "Rotterdam", "Coolsingel"),
            ("3511 LX", "Utrecht", "Oudegracht"),
        ],
    ),
    (
        "FR",
        "fr",
        "SARL",
        [
            ("75011", "Paris", "Rue Oberkampf"),
            ("59000", "Lille", "Rue Esquermoise"),
            ("69002", "Lyon", "Rue de la République"),
        ],
    ),
    (
        "DE",
        "en",
        "GmbH",
        [
            ("10115", "Berlin", "Invalidenstraße"),
            ("50667", "Köln", "Hohe Straße"),
            ("52062", "Aachen", "Pontstraße"),
        ],
    ),
    (
        "LU",
        "fr",
        "S.à r.l.",
        [("1118", "Luxembourg", "Rue Aldringen"), ("4002", "Esch-sur-Alzette", "Rue de l'Alzette")],
    ),
]


def _foreign_vat_number(rng: random.Random, country: str) -> str:
    """A VAT number that python-stdnum accepts (check digits included)."""
    from stdnum import luhn
    from stdnum.eu import vat as eu_vat

    while True:
        if country == "FR":
            body = f"{rng.randrange(10**7, 10**8):08d}"
            siren = body + luhn.calc_check_digit(body)
            candidate = f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
        elif country == "LU":
            head = rng.randrange(10**5, 10**6)
            candidate = f"LU{head:06d}{head % 89:02d}"
        elif country == "NL":
            candidate = f"NL{rng.randrange(10**8, 10**9):09d}B{rng.randrange(1, 20):02d}"
        else:
            candidate = f"{country}{rng.randrange(10**8, 10**9):09d}"
        if eu_vat.is_valid(candidate):
            return candidate


# --- Writing rows in bulk --------------------------------------------------------------


class _JsonText(str):
    """A JSON value serialised once, for the values many rows share."""


def _json(value: Any) -> _JsonText:
    return _JsonText(json.dumps(value))


class _Table:
    """Inserts rows given as tuples in the order of `columns` (attnames, the
    primary key first): COPY on PostgreSQL, executemany elsewhere, the values
    prepared by each field as the ORM would. Ids are drawn beforehand with
    `ids()`, so rows can refer to each other and to their references."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.fields: list[Any] = [meta.get_field(name) for name in columns]
        self.columns = [str(f.column) for f in self.fields]
        self.postgres = connection.vendor == "postgresql"
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self._next_id = 0
        self.written = 0

    def ids(self, count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            if not self._next_id:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')  # noqa: S608
                self._next_id = int(cursor.fetchone()[0]) + 1
                if connection.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                    self._next_id = max(self._next_id, int(row[0]) + 1 if row else 0)
        first, self._next_id = self._next_id, self._next_id + count
        return list(range(first, first + count))

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        if self.postgres:
            from psycopg import sql
            from psycopg.types.json import Jsonb

            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
            )
            json_columns = self.json
            with connection.cursor() as cursor, cursor.cursor.copy(copy) as out:
                for row in rows:
                    if json_columns:
                        row = list(row)
                        for i in json_columns:
                            if not isinstance(row[i], _JsonText):  # else: already JSON text
                                row[i] = Jsonb(row[i])
                    out.write_row(row)
                    self.written += 1
            return
        fields = self.fields
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        prepared = [
            [
                f.get_db_prep_save(json.loads(v) if isinstance(v, _JsonText) else v, connection)
                for f, v in zip(fields, row, strict=True)
            ]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(self.table)} ({names}) VALUES ({marks})",  # noqa: S608
                prepared,
            )
        self.written += len(prepared)


@contextmanager
def _line_trigger_off() -> Iterator[None]:
    """On PostgreSQL, the trigger that guards the lines of issued documents
    (migration 0002) is disabled for the rest of the seed's transaction and
    enabled again before it commits (ALTER TABLE is transactional: no other
    session ever sees it disabled, and it holds the line table locked).

    Why: the lines go in before their invoices (module docstring), which the
    trigger lets through anyway (it finds no issued parent), but checking it
    costs a query per line, planned once per session while the invoice table
    is still empty; that plan (a sequential scan) then reads the whole invoice
    table for each line: hours at a million invoices. SQLite's trigger is a
    rowid lookup; it stays on."""
    if connection.vendor != "postgresql":
        yield
        return
    table, trigger = InvoiceLine._meta.db_table, "invoicing_lines_of_issued_are_final"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER {trigger}')
    yield
    with connection.cursor() as cursor:
        # The foreign keys (deferred) are checked now: ALTER TABLE refuses a
        # table with trigger events pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER {trigger}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _by_date(
    dates: Iterable[datetime.date], resolve: Callable[[datetime.date], tuple[dict[str, int], T]]
) -> dict[datetime.date, T]:
    """resolve(date) -> (provenance, value) for every date, calling it only
    around the dates where a rule version changes (as shares.demo does)."""
    days = sorted(set(dates))
    found: dict[datetime.date, tuple[dict[str, int], T]] = {}

    def at(i: int) -> dict[str, int]:
        if days[i] not in found:
            found[days[i]] = resolve(days[i])
        return found[days[i]][0]

    spans = [(0, len(days) - 1)] if days else []
    while spans:
        lo, hi = spans.pop()
        if at(lo) == at(hi):
            for day in days[lo + 1 : hi]:
                found[day] = found[days[lo]]
        elif hi - lo > 1:
            middle = (lo + hi) // 2
            spans += [(lo, middle), (middle, hi)]
    return {day: value for day, (_provenance, value) in found.items()}


# --- The plan --------------------------------------------------------------------------


@dataclass
class _Party:
    """A demo member with what they invoice under and whom they invoice."""

    pk: int
    user_id: int
    number: int
    name: str
    language: str
    start: datetime.date  # first day they could issue in the demo window
    count: int = 0
    # (activity, theme index, the member mentions its invoices copy)
    activities: list[tuple[Activity, int, dict[str, str]]] = field(default_factory=list)
    clients: list["_ClientInfo"] = field(default_factory=list)


@dataclass(slots=True)
class _ClientInfo:
    """What the invoices of a client read, taken from the model once (its
    country field builds a Country object at each access)."""

    pk: int
    name: str
    language: str
    person: bool
    eu_business: bool
    buyer: dict[str, str]  # what its invoices copy (services.drafts._buyer)
    term: int  # its usual payment term
    iban: str  # the account it pays from
    # The buyer JSON of its invoices per activity (the member mentions differ).
    buyer_json: dict[int, "_JsonText"] = field(default_factory=dict)


@dataclass
class _Line:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    option: VatOption


@dataclass
class _Credit:
    """What a credit note takes from its invoice, decided with the invoice."""

    original: int
    party: _Party
    activity_id: int
    client_id: int
    supply_date: datetime.date
    buyer_reference: str
    language: str
    seller: _JsonText
    buyer: _JsonText  # the invoice's, as credit_note_issue copies them
    mentions: list[str]
    reason: str
    lines: list[tuple[int, _Line, Decimal]]  # (credited line id, line, quantity credited)
    totals: Totals
    contribution: Decimal


def _recorder() -> User:
    """Who booked the demo payments: the demo staff user, else the first staff
    user, else an account made for the purpose (no password, so no login)."""
    user_model = get_user_model()
    user = (
        user_model.objects.filter(email=f"staff@{DEMO_DOMAIN}", is_staff=True).first()
        or user_model.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    )
    if user is None:
        user, created = user_model.objects.get_or_create(
            username="demo-bookkeeper",
            defaults={"email": f"bookkeeper@{DEMO_DOMAIN}", "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    assert isinstance(user, User)
    return user


def _parties(today: datetime.date, first_day: datetime.date) -> list[_Party]:
    """The demo members with status member and no activity yet, each with the
    first day they could issue: the later of the window's start and the day
    their membership started (only members may issue)."""
    started = dict(
        StatusChange.objects.filter(to_status=Status.MEMBER, effective_on__isnull=False)
        .values("member")
        .annotate(on=Max("effective_on"))
        .values_list("member", "on")
    )
    rows = (
        Member.objects.filter(status=Status.MEMBER, user__email__endswith=f"@{DEMO_DOMAIN}")
        .filter(~Exists(Activity.objects.filter(member=OuterRef("pk"))))
        .order_by("member_number")
        .values_list("pk", "user_id", "member_number", "legal_name", "language")
    )
    parties = []
    for pk, user_id, number, name, language in rows:
        start = min(max(first_day, started.get(pk) or first_day), today)
        parties.append(_Party(pk, user_id, number, name, language, start))
    return parties


def _allocate(
    rng: random.Random, parties: list[_Party], n: int, sofie: int | None, today: datetime.date
) -> None:
    """Spread n invoices: the demo login gets its fixed share, the others a
    skewed share (a few invoice a lot, most a little), in proportion to how
    long they have been able to invoice."""
    for p in parties:
        if p.pk == sofie:
            p.count = min(n, SOFIE_LARGE if n >= LARGE else SOFIE_SMALL)
            if (today - p.start).days < 180:  # a recent member still shows two years of data
                p.start = today - datetime.timedelta(days=round(MONTHS * 30.44))
    rest = n - sum(p.count for p in parties)
    others = [p for p in parties if p.pk != sofie and p.start < today]
    if not others or rest <= 0:
        return
    weights = [rng.lognormvariate(0, 0.9) * (today - p.start).days for p in others]
    total = sum(weights)
    shares = [rest * w / total for w in weights]
    for p, share in zip(others, shares, strict=True):
        p.count = int(share)
    left = rest - sum(p.count for p in others)
    order = sorted(range(len(others)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[:left]:
        others[i].count += 1


_EMAIL_TABLE = str.maketrans("éèêëàâäïîôöüûç'.", "eeeeaaaiioouuc--")


def _new_client(rng: random.Random, member_pk: int, at: datetime.datetime) -> tuple[Client, int]:
    """A client and its usual payment term: Belgian companies (valid enterprise
    and VAT numbers), non-profits (enterprise number, no VAT), private persons,
    companies of other EU states (valid VAT numbers); some without email."""
    kind = rng.choices(["be", "npo", "person", "eu"], weights=[58, 10, 20, 12])[0]
    client = Client(member_id=member_pk, created_at=at, updated_at=at, archived=False)
    if kind == "eu":
        country, language, form, places = rng.choice(FOREIGN)
        postal_code, city, street = rng.choice(places)
        client.kind, client.country, client.language = ClientKind.COMPANY, country, language
        client.name = f"{rng.choice(COMPANY_NAMES)} {rng.choice(COMPANY_WORDS)} {form}"
        client.vat_number = _foreign_vat_number(rng, country)
        term = rng.choice([30, 30, 45, 60])
    else:
        postal_code, city, language, streets = rng.choice(PLACES)
        street = rng.choice(streets)
        client.country, client.language = "BE", language
        if kind == "person":
            client.kind = ClientKind.PERSON
            client.name = f"{rng.choice(PERSON_FIRST)} {rng.choice(PERSON_LAST)}"
            term = rng.choice([14, 15, 30])
        else:
            client.kind = ClientKind.COMPANY
            forms = BE_FORMS[language]
            form = forms[3] if kind == "npo" else rng.choice(forms[:3])
            client.name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NAMES)} {form}"
            client.enterprise_number = belgian_enterprise_number(rng)
            if kind == "be":
                client.vat_number = f"BE{client.enterprise_number}"
            term = rng.choice([30, 30, 30, 14, 45, 60])
    client.street = f"{street} {rng.randrange(1, 250)}"
    client.postal_code, client.city = postal_code, city
    if rng.random() >= (0.4 if client.kind == ClientKind.PERSON else 0.1):
        words = client.name.lower().translate(_EMAIL_TABLE).split()
        domain = f"{'-'.join(words[:2])}-{rng.randrange(100, 1000)}.example"
        local = "info" if client.kind == ClientKind.COMPANY else words[0]
        client.email = f"{local}@{domain}"
    return client, term


ACTIVITY_COLUMNS = [
    "id",
    "member_id",
    "name",
    "kind",
    "budget",
    "description",
    "archived",
    "created_at",
]
CLIENT_COLUMNS = [
    "id",
    "member_id",
    "kind",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_number",
    "enterprise_number",
    "peppol_id",
    "email",
    "language",
    "archived",
    "created_at",
    "updated_at",
]


def _create_parties(
    rng: random.Random, parties: list[_Party], tz: Any, log: Callable[[str], None]
) -> tuple[int, int]:
    """Activities (1 to 3 each, some artistic) and clients for every member,
    and what the invoices will copy from them."""
    activity_table = _Table(Activity, ACTIVITY_COLUMNS)
    client_table = _Table(Client, CLIENT_COLUMNS)
    activities: list[Activity] = []
    clients: list[Client] = []
    terms: list[int] = []
    for p in parties:
        at = datetime.datetime.combine(p.start - DAY, datetime.time(10), tz)
        lang = _LANG_INDEX.get(p.language, 0)
        howmany = rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
        for theme in rng.sample(range(len(THEMES)), howmany):
            names, kind, _items = THEMES[theme]
            budget = Decimal(rng.randrange(5, 80) * 1000) if rng.random() < 0.3 else None
            activity = Activity(
                member_id=p.pk,
                name=names[lang],
                kind=kind,
                budget=budget,
                description="",
                archived=False,
                created_at=at,
            )
            activities.append(activity)
            p.activities.append((activity, theme, {}))
        for _ in range(max(1, min(60, 1 + p.count // rng.randrange(5, 15)))):
            client, term = _new_client(rng, p.pk, at)
            clients.append(client)
            terms.append(term)
    pairs: list[tuple[_Table, Sequence[models.Model], list[str]]] = [
        (activity_table, activities, ACTIVITY_COLUMNS),
        (client_table, clients, CLIENT_COLUMNS),
    ]
    for table, objects, columns in pairs:
        for obj, pk in zip(objects, table.ids(len(objects)), strict=True):
            obj.pk = pk
        # str(): the country field holds a Country object, COPY wants its code.
        table.write(
            [
                str(getattr(obj, name)) if name == "country" else getattr(obj, name)
                for name in columns
            ]
            for obj in objects
        )
    for p in parties:
        member = Member(pk=p.pk, member_number=p.number, legal_name=p.name)
        p.activities = [
            (a, theme, snapshots.member_mentions(Invoice(member=member, activity=a)))
            for a, theme, _m in p.activities
        ]
    parties_by_pk = {p.pk: p for p in parties}
    for c, term in zip(clients, terms, strict=True):
        belgian = str(c.country) == "BE"
        parties_by_pk[c.member_id].clients.append(
            _ClientInfo(
                pk=c.pk,
                name=c.name,
                language=c.language,
                person=c.kind == ClientKind.PERSON,
                eu_business=not belgian and c.kind == ClientKind.COMPANY,
                buyer=snapshots.buyer(c),
                term=term,
                iban=belgian_iban(rng) if belgian else "",
            )
        )
    log(f"  {len(activities)} activities, {len(clients)} clients")
    return len(activities), len(clients)


# --- Documents -------------------------------------------------------------------------

INVOICE_COLUMNS = [
    "id",
    "kind",
    "status",
    "member_id",
    "activity_id",
    "client_id",
    "credited_invoice_id",
    "series",
    "year",
    "sequence",
    "number",
    "structured_reference",
    "supply_date",
    "issue_date",
    "payment_term_days",
    "due_date",
    "buyer_reference",
    "notes",
    "credit_reason",
    "total_net",
    "total_vat",
    "total_gross",
    "contribution_rate",
    "contribution",
    "vat_breakdown",
    "amount_paid",
    "amount_credited",
    "contribution_credited",
    "sent_at",
    "paid_on",
    "language",
    "seller",
    "buyer",
    "mentions",
    "warnings",
    "rules_used",
    "created_by_id",
    "issued_by_id",
    "issued_at",
    "created_at",
    "updated_at",
]
LINE_COLUMNS = [
    "id",
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "vat_category",
    "vat_rate",
    "net_amount",
    "credits_line_id",
]
PAYMENT_COLUMNS = [
    "id",
    "invoice_id",
    "amount",
    "value_date",
    "source",
    "transaction_id",
    "communication",
    "counterparty_name",
    "counterparty_iban",
    "note",
    "reverses_id",
    "recorded_by_id",
    "recorded_at",
]
ZERO = Decimal("0.00")
EMPTY_LIST = _JsonText("[]")
INVOICE, CREDIT = 0, 1
LINE_COUNTS = [1] * 35 + [2] * 30 + [3] * 18 + [4] * 10 + [5] * 7  # lines per invoice


@dataclass
class _Plan:
    """One issued invoice to write: when, by whom, for whom, how many lines,
    and whether (when, fully or not) it will be credited."""

    day: int  # ordinal of the invoice date
    second: int
    party: int
    activity: int
    client: int
    lines: int
    credit_day: int = 0
    credit_full: bool = False


@dataclass(frozen=True)
class _DayRules:
    """What issuing on a day reads from the rules."""

    formats: dict[str, str]
    contribution_rate: Decimal
    provenance: dict[str, int]
    deadline_day: int
    credit_mention: Any  # LocalizedText
    credit_provenance: dict[str, int]


def _vat_options(
    on: datetime.date,
) -> tuple[dict[str, int], tuple[dict[str, VatOption], dict[str, int]]]:
    options, provenance = vat_options(on)
    return provenance, ({o.code: o for o in options}, provenance)


def _day_rules(on: datetime.date) -> tuple[dict[str, int], _DayRules]:
    rules = rules_on(
        [CONTRIBUTION_RATE, PAYMENT_TERM_MAX, NUMBER_FORMAT, ISSUE_DEADLINE_DAY], on=on
    )
    credit = rules_on([NUMBER_FORMAT, CREDIT_NOTE_MENTION], on=on)
    value = _DayRules(
        formats=rules.value(NUMBER_FORMAT),
        contribution_rate=Decimal(rules.value(CONTRIBUTION_RATE)),
        provenance=rules.provenance(),
        deadline_day=int(rules.value(ISSUE_DEADLINE_DAY)),
        credit_mention=credit.value(CREDIT_NOTE_MENTION),
        credit_provenance=credit.provenance(),
    )
    return rules.provenance() | credit.provenance(), value


def seed_invoices(
    n: int, *, seed: int = 2026, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Give the demo members (status member, no activity yet) activities,
    clients and `n` issued invoices over the last 24 months, with about 3%
    credit notes, their payments and a few drafts, in one transaction;
    returns how many rows of each kind were written."""
    rng = random.Random(seed)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    first_day = today - datetime.timedelta(days=round(MONTHS * 30.44))
    # The cyclic garbage collector would walk the million planned documents
    # again and again while the rows are built (none of them form cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _seed(n, rng, today, tz, first_day, log)
    finally:
        if collecting:
            gc.enable()


def _seed(
    n: int,
    rng: random.Random,
    today: datetime.date,
    tz: Any,
    first_day: datetime.date,
    log: Callable[[str], None],
) -> dict[str, int]:
    with transaction.atomic():
        years = list(range(first_day.year, today.year + 1))
        # The counters first, created if missing and locked as the services lock
        # them: nobody numbers in between, and later issues continue from them.
        NumberCounter.objects.bulk_create(
            [NumberCounter(series=s, year=y) for s in DocumentKind.values for y in years],
            ignore_conflicts=True,
        )
        counters = {
            (c.series, c.year): c
            for c in NumberCounter.objects.select_for_update().filter(year__in=years)
        }
        staff = _recorder()
        parties = _parties(today, first_day)
        sofie = (
            Member.objects.filter(user__email=f"sofie@{DEMO_DOMAIN}", status=Status.MEMBER)
            .values_list("pk", flat=True)
            .first()
        )
        _allocate(rng, parties, n, sofie, today)
        activities, clients = _create_parties(rng, parties, tz, log)
        writer = _Documents(rng, parties, counters, staff, today, tz, log)
        with _line_trigger_off():
            counts = writer.issued()
        counts["drafts"] = writer.drafts(sofie)
        for counter in counters.values():
            counter.save(update_fields=["last_number", "last_issued_on"])
    return {"members": len(parties), "activities": activities, "clients": clients, **counts}


class _Documents:
    """Plans, numbers and writes the documents, in issue order."""

    def __init__(
        self,
        rng: random.Random,
        parties: list[_Party],
        counters: dict[tuple[str, int], NumberCounter],
        staff: User,
        today: datetime.date,
        tz: Any,
        log: Callable[[str], None],
    ) -> None:
        self.rng, self.parties, self.counters, self.staff = rng, parties, counters, staff
        self.random = rng.random
        self.today_ord = today.toordinal()
        self.codes: dict[int, list[str]] = {}
        self.today, self.tz, self.log = today, tz, log
        self.now = timezone.now()
        self.seller = snapshots.seller()
        self.seller_json = _json(self.seller)
        self.mentions: dict[tuple[str, ...], tuple[list[str], _JsonText]] = {}
        self.rules_used: dict[tuple[int, int], _JsonText] = {}
        self.invoices = _Table(Invoice, INVOICE_COLUMNS)
        self.lines = _Table(InvoiceLine, LINE_COLUMNS)
        self.payments = _Table(InvoicePayment, PAYMENT_COLUMNS)
        self.vat: dict[datetime.date, tuple[dict[str, VatOption], dict[str, int]]] = {}
        self.pending: dict[int, _Credit] = {}
        self.line_ids: list[int] = []
        with override("en"):
            self.late_warning = str(LATE_ISSUE_WARNING)
        self.counts = dict.fromkeys(
            ["paid", "partly_paid", "open", "overdue", "credited", "late_issued"], 0
        )

    # --- planning

    def _int(self, low: int, high: int) -> int:
        """A random integer from low to high inclusive (random.randint, faster)."""
        return low + int(self.random() * (high - low + 1))

    def _second(self, day: int) -> int:
        """A second of the working day (8:00 to 20:00), before now for today."""
        if day < self.today_ord:
            return self._int(8 * 3600, 20 * 3600 - 1)
        local = timezone.localtime(self.now)
        return self._int(0, local.hour * 3600 + local.minute * 60)

    def _pick(self, count: int) -> int:
        return int(self.random() * count)

    def _codes(self, vats: list[tuple[str, int]]) -> list[str]:
        """The VAT codes of a line, each repeated by its weight."""
        key = id(vats)
        codes = self.codes.get(key)
        if codes is None:
            codes = self.codes[key] = [code for code, weight in vats for _ in range(weight)]
        return codes

    def _plan(self) -> list[_Plan]:
        rng, today_ord = self.rng, self.today.toordinal()
        floors = {
            key: c.last_issued_on.toordinal() if c.last_issued_on else 0
            for key, c in self.counters.items()
        }
        plans = []
        for index, p in enumerate(self.parties):
            start = p.start.toordinal()
            for _ in range(p.count):
                day = self._int(start, today_ord)
                weekday = datetime.date.fromordinal(day).weekday()
                if weekday >= 5 and day + 7 - weekday <= today_ord:
                    day += 7 - weekday  # weekend work is invoiced on the Monday
                # After what a series already holds (a second seed): date order.
                day = max(day, floors[(DocumentKind.INVOICE, datetime.date.fromordinal(day).year)])
                lines = LINE_COUNTS[self._pick(len(LINE_COUNTS))]
                plan = _Plan(
                    day,
                    self._second(day),
                    index,
                    self._pick(len(p.activities)),
                    self._pick(len(p.clients)),
                    lines,
                )
                if day < today_ord - 1 and rng.random() < CREDIT_SHARE:
                    credit_day = min(today_ord, day + self._int(1, 45))
                    year = datetime.date.fromordinal(credit_day).year
                    plan.credit_day = max(credit_day, floors[(DocumentKind.CREDIT_NOTE, year)])
                    plan.credit_full = rng.random() < 0.55
                plans.append(plan)
        return plans

    def issued(self) -> dict[str, int]:
        """Every issued invoice and credit note, numbered per series and year
        in the order of their issue, written in chunks."""
        plans = self._plan()
        # (day, second, kind, plan index): the order of issue.
        order = [(p.day, p.second, INVOICE, i) for i, p in enumerate(plans)]
        order += [
            (p.credit_day, self._second(p.credit_day), CREDIT, i)
            for i, p in enumerate(plans)
            if p.credit_day
        ]
        order.sort()
        credit_notes = len(order) - len(plans)
        self.log(f"  {len(plans)} invoices and {credit_notes} credit notes planned")
        rules = _by_date({datetime.date.fromordinal(o[0]) for o in order}, _day_rules)
        for start in range(0, len(order), CHUNK):
            chunk = order[start : start + CHUNK]
            ids = self.invoices.ids(len(chunk))
            needed = sum(
                plans[i].lines if kind == INVOICE or plans[i].credit_full else 1
                for _d, _s, kind, i in chunk
            )
            self.line_ids = self.lines.ids(needed)[::-1]
            invoice_rows: list[list[Any]] = []
            payment_rows: list[list[Any]] = []

            def line_rows(
                chunk: list[tuple[int, int, int, int]] = chunk,
                ids: list[int] = ids,
                invoice_rows: list[list[Any]] = invoice_rows,
                payment_rows: list[list[Any]] = payment_rows,
            ) -> Iterable[list[Any]]:
                for (day_ord, second, kind, index), pk in zip(chunk, ids, strict=True):
                    day = datetime.date.fromordinal(day_ord)
                    series = DocumentKind.INVOICE if kind == INVOICE else DocumentKind.CREDIT_NOTE
                    counter = self.counters[(series, day.year)]
                    counter.last_number += 1
                    counter.last_issued_on = day
                    day_rules = rules[day]
                    number = day_rules.formats[series].format(
                        year=day.year, number=counter.last_number
                    )
                    at = datetime.datetime.combine(
                        day, datetime.time(second // 3600, second // 60 % 60), self.tz
                    )
                    head = [
                        pk,
                        series,
                        InvoiceStatus.ISSUED,
                        counter.last_number,
                        number,
                        ogm_from_number(REFERENCE_BASE + pk),
                        day,
                        at,
                    ]
                    if kind == INVOICE:
                        row, lines, payments = self._invoice(plans[index], index, head, day_rules)
                        payment_rows.extend(payments)
                    else:
                        row, lines = self._credit_note(index, head, day_rules)
                    invoice_rows.append(row)
                    yield from lines

            # Lines first, then their invoices (module docstring), then payments.
            self.lines.write(line_rows())
            self.invoices.write(invoice_rows)
            for row, pk in zip(payment_rows, self.payments.ids(len(payment_rows)), strict=True):
                row[0] = pk
            self.payments.write(payment_rows)
            self.log(f"  {min(start + CHUNK, len(order)):>8} / {len(order)} documents")
        assert not self.pending, "every planned credit note was written"
        return {
            "invoices": len(plans),
            "credit_notes": credit_notes,
            "lines": self.lines.written,
            "payments": self.payments.written,
            **self.counts,
        }

    # --- content

    def options(self, on: datetime.date) -> tuple[dict[str, VatOption], dict[str, int]]:
        """The VAT options of a date of supply, as parse_lines reads them."""
        found = self.vat.get(on)
        if found is None:
            # Every day from here to today at once, the rules read only where they change.
            last = max(on, self.today)
            days = [on + datetime.timedelta(days=i) for i in range((last - on).days + 1)]
            self.vat |= _by_date(days, _vat_options)
            found = self.vat[on]
        return found

    def _make_lines(
        self, theme: int, client: _ClientInfo, supply: datetime.date, count: int
    ) -> tuple[list[_Line], dict[str, int]]:
        rng = self.rng
        options, provenance = self.options(supply)
        _names, _kind, items = THEMES[theme]
        lang = _LANG_INDEX.get(client.language, 0)
        eu_business = client.eu_business
        lines = []
        for _ in range(count):
            descriptions, unit, (low, high), (qlow, qhigh), vats = items[self._pick(len(items))]
            step = 500 if unit in (Unit.HOUR, Unit.DAY, Unit.HALF_DAY) else 1000
            quantity = Decimal(qlow + step * self._pick((qhigh - qlow) // step + 1)).scaleb(-3)
            cents = self._int(low, high)
            cents = cents - cents % (500 if cents > 10_000 else 50 if cents > 1000 else 1)
            codes = self._codes(vats)
            code = codes[self._pick(len(codes))]
            if eu_business:
                code = "AE:0"  # a service to a business of another EU state: reverse charge
            elif code == _E0 and client.person:
                code = _S21  # art. 44 covers services to organisers, not to private persons
            description = descriptions[lang]
            if rng.random() < 0.5:
                description = f"{description} {supply:%m/%Y}"
            lines.append(
                _Line(description, quantity, unit, Decimal(cents).scaleb(-2), options[code])
            )
        return lines, provenance

    def _invoice(
        self, plan: _Plan, index: int, head: list[Any], rules: _DayRules
    ) -> tuple[list[Any], list[list[Any]], list[list[Any]]]:
        rng, today = self.rng, self.today
        pk, series, _status, sequence, number, reference, day, issued_at = head
        party = self.parties[plan.party]
        activity, theme, member_mentions = party.activities[plan.activity]
        client = party.clients[plan.client]
        term = client.term
        if rng.random() < 0.03:  # invoiced late: the warning is recorded
            supply = day - datetime.timedelta(days=self._int(45, 110))
        else:
            supply = day - datetime.timedelta(days=self._int(0, 14))
        lines, vat_provenance = self._make_lines(theme, client, supply, plan.lines)
        totals = compute_totals(
            [LineInput(x.quantity, x.unit_price, x.option.category, x.option.rate) for x in lines],
            contribution_rate=rules.contribution_rate,
        )
        used = {x.option.code: x.option for x in lines}
        mentions_key = (client.language, *used)
        mentions, mentions_json = self.mentions.get(mentions_key) or self.mentions.setdefault(
            mentions_key,
            (texts := snapshots.mentions(list(used.values()), client.language), _json(texts)),
        )
        rules_key = (id(rules.provenance), id(vat_provenance))
        rules_used = self.rules_used.get(rules_key) or self.rules_used.setdefault(
            rules_key, _json(rules.provenance | vat_provenance)
        )
        buyer = client.buyer_json.get(plan.activity) or client.buyer_json.setdefault(
            plan.activity, _json(client.buyer | member_mentions)
        )
        warnings: list[str] | _JsonText = EMPTY_LIST
        deadline = issue_deadline(supply, day=rules.deadline_day)
        if day > deadline:
            warnings = [
                self.late_warning
                % {"supply": f"{supply:%d/%m/%Y}", "deadline": f"{deadline:%d/%m/%Y}"}
            ]
            self.counts["late_issued"] += 1
        due = day + datetime.timedelta(days=term)
        buyer_reference = f"PO-{self._int(10_000, 99_998)}" if rng.random() < 0.15 else ""
        line_rows = []
        line_ids = []
        for position, (line, net) in enumerate(zip(lines, totals.line_nets, strict=True), 1):
            line_id = self.line_ids.pop()
            line_ids.append(line_id)
            line_rows.append(
                [
                    line_id,
                    pk,
                    position,
                    line.description,
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    line.option.category,
                    line.option.rate,
                    net,
                    None,
                ]
            )
        sent_at = None
        if rng.random() < 0.88:
            sent_at = min(issued_at + datetime.timedelta(seconds=self._int(60, 7200)), self.now)
        updated_at = sent_at or issued_at
        # A credit note, decided now: the invoice's follow-up depends on it.
        amount_credited = contribution_credited = ZERO
        pay_from = day
        if plan.credit_day:
            credit = self._plan_credit(
                plan,
                index,
                party,
                activity,
                client,
                supply,
                buyer_reference,
                buyer,
                mentions,
                lines,
                line_ids,
                totals,
            )
            amount_credited, contribution_credited = credit.totals.gross, credit.contribution
            pay_from = datetime.date.fromordinal(plan.credit_day) + DAY
            credit.original = pk
            updated_at = max(
                updated_at, datetime.datetime.combine(pay_from - DAY, datetime.time(12), self.tz)
            )
        payable = totals.gross - amount_credited
        payments = self._payments(pk, reference, client, payable, pay_from, term, due)
        amount_paid = sum((p[2] for p in payments), ZERO)
        paid_on = None
        if amount_credited >= totals.gross and totals.gross > 0:
            status = InvoiceStatus.CREDITED
            self.counts["credited"] += 1
        elif amount_paid > 0 and payable - amount_paid <= 0:
            status, paid_on = InvoiceStatus.PAID, payments[-1][3]
            self.counts["paid"] += 1
        elif amount_paid > 0:
            status = InvoiceStatus.PARTLY_PAID
            self.counts["partly_paid"] += 1
        else:
            status = InvoiceStatus.SENT if sent_at else InvoiceStatus.ISSUED
            self.counts["open"] += 1
        if status in (InvoiceStatus.PARTLY_PAID, InvoiceStatus.SENT, InvoiceStatus.ISSUED) and (
            due < today
        ):
            self.counts["overdue"] += 1
        if payments:
            updated_at = max(updated_at, payments[-1][12])
        created_at = issued_at - datetime.timedelta(seconds=self._int(300, 3 * 86400))
        row = [
            pk,
            DocumentKind.INVOICE,
            status,
            party.pk,
            activity.pk,
            client.pk,
            None,
            series,
            day.year,
            sequence,
            number,
            reference,
            supply,
            day,
            term,
            due,
            buyer_reference,
            "",
            "",
            totals.net,
            totals.vat,
            totals.gross,
            totals.contribution_rate,
            totals.contribution,
            _json([g.as_json() for g in totals.groups]),
            amount_paid,
            amount_credited,
            contribution_credited,
            sent_at,
            paid_on,
            client.language,
            self.seller_json,
            buyer,
            mentions_json,
            warnings,
            rules_used,
            party.user_id,
            party.user_id,
            issued_at,
            created_at,
            updated_at,
        ]
        return row, line_rows, payments

    def _plan_credit(
        self,
        plan: _Plan,
        index: int,
        party: _Party,
        activity: Activity,
        client: _ClientInfo,
        supply: datetime.date,
        buyer_reference: str,
        buyer: _JsonText,
        mentions: list[str],
        lines: list[_Line],
        line_ids: list[int],
        totals: Totals,
    ) -> _Credit:
        """The credit note of this invoice, as credit_note_issue would make it."""
        rng = self.rng
        if plan.credit_full:
            wanted = [
                (line_id, line, line.quantity)
                for line_id, line in zip(line_ids, lines, strict=True)
            ]
        else:
            j = self._pick(len(lines))
            line = lines[j]
            quantity = line.quantity
            if len(lines) == 1 or rng.random() < 0.6:
                quantity = (line.quantity * Decimal(self._int(20, 80)) / 100).quantize(
                    Decimal("0.001")
                )
                if not 0 < quantity < line.quantity:
                    quantity = line.quantity / 2 if line.quantity > Decimal("0.001") else quantity
            wanted = [(line_ids[j], line, quantity)]
        credit_totals = compute_totals(
            [LineInput(q, x.unit_price, x.option.category, x.option.rate) for _i, x, q in wanted],
            contribution_rate=totals.contribution_rate,
        )
        contribution = proportional_contribution(
            credited_net=credit_totals.net,
            invoice_net=totals.net,
            invoice_contribution=totals.contribution,
            already_reversed=ZERO,
            remaining_net=totals.net,
        )
        full = credit_totals.gross >= totals.gross
        credit = _Credit(
            original=0,
            party=party,
            activity_id=activity.pk,
            client_id=client.pk,
            supply_date=supply,
            buyer_reference=buyer_reference,
            language=client.language,
            seller=self.seller_json,
            buyer=buyer,
            mentions=mentions,
            reason=rng.choice(CREDIT_REASONS[full]),
            lines=wanted,
            totals=credit_totals,
            contribution=contribution,
        )
        self.pending[index] = credit
        return credit

    def _payments(
        self,
        pk: int,
        reference: str,
        client: _ClientInfo,
        payable: Decimal,
        pay_from: datetime.date,
        term: int,
        due: datetime.date,
    ) -> list[list[Any]]:
        """The payments received by today: most in full around the due date,
        some late, some in two parts, some never (so far)."""
        rng = self.rng
        if payable <= 0:
            return []
        days = datetime.timedelta
        behaviour = rng.random()
        planned: list[tuple[datetime.date, Decimal]] = []
        if behaviour < 0.06:
            pass
        elif behaviour < 0.11:
            first = (payable * Decimal(self._int(30, 70)) / 100).quantize(Decimal("0.01"))
            on = pay_from + days(days=self._int(5, term + 15))
            planned.append((on, first))
            if rng.random() < 0.5:
                planned.append((on + days(days=self._int(15, 60)), payable - first))
        elif behaviour < 0.23:
            planned.append((max(due, pay_from) + days(days=self._int(3, 75)), payable))
        else:
            planned.append((pay_from + days(days=self._int(2, max(3, term + 5))), payable))
        rows = []
        for k, (on, amount) in enumerate(planned, 1):
            if on > self.today or amount <= 0:
                break
            recorded_at = min(
                datetime.datetime.combine(on + DAY, datetime.time(9, 30), self.tz), self.now
            )
            if rng.random() < 0.9:
                rows.append(
                    [
                        0,
                        pk,
                        amount,
                        on,
                        PaymentSource.BANK,
                        f"demo-bank-{pk}-{k}",
                        ogm_format(reference),
                        client.name[:200],
                        client.iban,
                        "demo statement",
                        None,
                        self.staff.pk,
                        recorded_at,
                    ]
                )
            else:
                rows.append(
                    [
                        0,
                        pk,
                        amount,
                        on,
                        PaymentSource.MANUAL,
                        f"manual-demo-{pk}-{k}",
                        "",
                        "",
                        "",
                        "",
                        None,
                        self.staff.pk,
                        recorded_at,
                    ]
                )
        return rows

    def _credit_note(
        self, index: int, head: list[Any], rules: _DayRules
    ) -> tuple[list[Any], list[list[Any]]]:
        pk, series, status, sequence, number, reference, day, issued_at = head
        credit = self.pending.pop(index)
        totals = credit.totals
        line_rows = []
        for position, ((line_id, line, quantity), net) in enumerate(
            zip(credit.lines, totals.line_nets, strict=True), 1
        ):
            line_rows.append(
                [
                    self.line_ids.pop(),
                    pk,
                    position,
                    line.description,
                    quantity,
                    line.unit,
                    line.unit_price,
                    line.option.category,
                    line.option.rate,
                    net,
                    line_id,
                ]
            )
        party = credit.party
        row = [
            pk,
            DocumentKind.CREDIT_NOTE,
            status,
            party.pk,
            credit.activity_id,
            credit.client_id,
            credit.original,
            series,
            day.year,
            sequence,
            number,
            reference,
            credit.supply_date,
            day,
            0,
            day,
            credit.buyer_reference,
            "",
            credit.reason,
            totals.net,
            totals.vat,
            totals.gross,
            totals.contribution_rate,
            credit.contribution,
            [g.as_json() for g in totals.groups],
            ZERO,
            ZERO,
            ZERO,
            None,
            None,
            credit.language,
            credit.seller,
            credit.buyer,
            [*credit.mentions, rules.credit_mention.get(credit.language)],
            [],
            rules.credit_provenance,
            party.user_id,
            party.user_id,
            issued_at,
            issued_at,
            issued_at,
        ]
        return row, line_rows

    # --- drafts

    def drafts(self, sofie: int | None) -> int:
        """A few drafts waiting to be issued: three for the demo login, one for
        about one member in seventy."""
        rng, today = self.rng, self.today
        rate = Decimal(rules_on([CONTRIBUTION_RATE], on=today).value(CONTRIBUTION_RATE))
        waiting = [
            (p, 3 if p.pk == sofie else 1)
            for p in self.parties
            if p.pk == sofie or (p.count and rng.random() < 1 / 70)
        ]
        total = sum(k for _p, k in waiting)
        ids = self.invoices.ids(total)[::-1]
        rows, line_rows = [], []
        for party, k in waiting:
            for _ in range(k):
                pk = ids.pop()
                activity, theme, _member_mentions = rng.choice(party.activities)
                client = rng.choice(party.clients)
                term = client.term
                supply = today - datetime.timedelta(days=rng.randint(0, 20))
                lines, _provenance = self._make_lines(theme, client, supply, rng.randint(1, 4))
                totals = compute_totals(
                    [
                        LineInput(x.quantity, x.unit_price, x.option.category, x.option.rate)
                        for x in lines
                    ],
                    contribution_rate=rate,
                )
                at = self.now - datetime.timedelta(minutes=rng.randint(5, 20 * 24 * 60))
                rows.append(
                    [
                        pk,
                        DocumentKind.INVOICE,
                        InvoiceStatus.DRAFT,
                        party.pk,
                        activity.pk,
                        client.pk,
                        None,
                        "",
                        None,
                        None,
                        "",
                        "",
                        supply,
                        None,
                        term,
                        None,
                        "",
                        "",
                        "",
                        totals.net,
                        totals.vat,
                        totals.gross,
                        totals.contribution_rate,
                        totals.contribution,
                        [g.as_json() for g in totals.groups],
                        ZERO,
                        ZERO,
                        ZERO,
                        None,
                        None,
                        client.language,
                        {},
                        {},
                        [],
                        [],
                        {},
                        party.user_id,
                        None,
                        None,
                        at,
                        at,
                    ]
                )
                line_rows += [
                    [
                        0,
                        pk,
                        position,
                        x.description,
                        x.quantity,
                        x.unit,
                        x.unit_price,
                        x.option.category,
                        x.option.rate,
                        net,
                        None,
                    ]
                    for position, (x, net) in enumerate(
                        zip(lines, totals.line_nets, strict=True), 1
                    )
                ]
        self.invoices.write(rows)
        for row, line_id in zip(line_rows, self.lines.ids(len(line_rows)), strict=True):
            row[0] = line_id
        self.lines.write(line_rows)
        return len(rows)
