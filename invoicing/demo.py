"""Demo invoicing for the demo members (`seed_demo`): activities, clients, and
invoices over the last 24 months with about 3% credit notes, their sendings
and payments, and a few drafts, all made through the real services
(decisions.md 15).

Two steps:

* `demo_plan()` decides everything: who invoices whom, when, which lines,
  what is sent, credited and paid, and when. It is pure data (dataclasses),
  drawn from generators seeded per document, so the same seed and members
  give the same plan, however it is carried out.
* `seed_invoices()` carries it out through the services (activity_save,
  client_save, invoice_draft_save, invoice_issue, invoice_mark_sent,
  credit_note_issue, invoice_payment_register), the clock moved to each
  moment of the plan (time-machine), so each invoice is issued, numbered,
  credited and paid on its day, exactly as it would have been.

The benchmarks need a million invoices; bench/seed_bulk.py writes the same
plan with COPY, and tests/bench/test_seed_bulk.py holds the two to the same
numbers, totals and provenance.
"""

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from stdnum import luhn
from stdnum.eu import vat as eu_vat

from invoicing import services
from invoicing.models import (
    Activity,
    ActivityKind,
    ClientKind,
    ClientSector,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    NumberCounter,
    PaymentSource,
    Unit,
)
from invoicing.services import ClientData, LineData
from members.demo import DEMO_DOMAIN, PLACES
from members.models import Member, Status, StatusChange
from smartcoop.lib.belgium import belgian_enterprise_number, belgian_iban
from smartcoop.lib.ogm import ogm_format

MONTHS = 24
CREDIT_SHARE = 0.03
SOFIE_LARGE = 2000  # the demo login's invoices when n >= LARGE
SOFIE_SMALL = 40
LARGE = 100_000
DAY = datetime.timedelta(days=1)
LINE_COUNTS = [1] * 35 + [2] * 30 + [3] * 18 + [4] * 10 + [5] * 7  # lines per invoice

# --- What members do -------------------------------------------------------------------

# (names nl/fr/en, kind, lines: (descriptions nl/fr/en, unit, price range in cents,
#  quantity range in thousandths, VAT choices "category:rate" with weights))
_S21, _S6, _Z0, _E0 = "S:21", "S:6", "Z:0", "E:art44_2_8"
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


_EMAIL_TABLE = str.maketrans("éèêëàâäïîôöüûç'.", "eeeeaaaiioouuc--")


# --- The plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientPlan:
    """A client as its member enters it, with the payment term the member
    usually gives it and the account it pays from."""

    kind: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    language: str
    vat_number: str
    enterprise_number: str
    email: str
    term: int
    iban: str

    @property
    def person(self) -> bool:
        return self.kind == ClientKind.PERSON

    @property
    def eu_business(self) -> bool:
        return self.country != "BE" and self.kind == ClientKind.COMPANY

    @property
    def organiser(self) -> bool:
        """The demo's non-profits (no VAT number) organise shows."""
        return self.kind == ClientKind.COMPANY and self.country == "BE" and not self.vat_number

    def data(self) -> ClientData:
        return ClientData(
            kind=self.kind,
            name=self.name,
            street=self.street,
            postal_code=self.postal_code,
            city=self.city,
            country=self.country,
            vat_number=self.vat_number,
            enterprise_number=self.enterprise_number,
            email=self.email,
            language=self.language,
            sector=ClientSector.SHOW_ORGANISER if self.organiser else ClientSector.OTHER,
        )


@dataclass(frozen=True)
class ActivityPlan:
    name: str
    kind: str
    budget: Decimal | None
    theme: int  # index in THEMES: what its invoices' lines are about


@dataclass
class PartyPlan:
    """A demo member: what they work under, whom they invoice, and how many
    invoices they issue from `start` (the later of the window's first day and
    the day their membership started: only members may issue)."""

    member: int
    user: int
    number: int
    name: str
    language: str
    start: datetime.date
    count: int = 0
    activities: list[ActivityPlan] = field(default_factory=list)
    clients: list[ClientPlan] = field(default_factory=list)

    @property
    def created_at(self) -> datetime.datetime:
        """When the member set up their activities and clients: the day before
        they could first issue, at ten."""
        moment = datetime.datetime.combine(self.start - DAY, datetime.time(10))
        return timezone.make_aware(moment)


@dataclass(frozen=True)
class CreditPlan:
    """A credit note: of everything (`full`), or of `quantity` of one line."""

    at: datetime.datetime
    full: bool
    line: int  # the credited line's index (when not full)
    quantity: Decimal
    reason: str


@dataclass(frozen=True)
class PaymentPlan:
    """Money received on `on`: `percent` of what is payable (the invoice less
    what a credit note took), or with `percent` None all that is still due.
    Booked from a bank statement the next morning, or by hand."""

    on: datetime.date
    percent: int | None
    bank: bool
    recorded_at: datetime.datetime


@dataclass(frozen=True)
class InvoicePlan:
    key: int
    party: int
    activity: int
    client: int
    created_at: datetime.datetime  # the draft
    issued_at: datetime.datetime
    supply_date: datetime.date
    lines: tuple[LineData, ...]
    buyer_reference: str
    sent_at: datetime.datetime | None
    credit: CreditPlan | None
    payments: tuple[PaymentPlan, ...]


@dataclass(frozen=True)
class DraftPlan:
    party: int
    activity: int
    client: int
    created_at: datetime.datetime
    supply_date: datetime.date
    lines: tuple[LineData, ...]


@dataclass(frozen=True)
class _Skeleton:
    """What is decided for all invoices at once, before their details: the
    moment of issue (for the order of the numbers) and of a credit note."""

    key: int
    day: int  # ordinal
    second: int
    party: int
    activity: int
    client: int
    lines: int
    credit_day: int  # ordinal, 0: never credited
    credit_full: bool


@dataclass
class DemoPlan:
    seed: int
    today: datetime.date
    now: datetime.datetime
    parties: list[PartyPlan]
    skeletons: list[_Skeleton]  # in the order of issue
    drafts: list[DraftPlan]

    def invoices(self) -> Iterator[InvoicePlan]:
        """Every planned invoice, in the order of issue."""
        for skeleton in self.skeletons:
            yield self.invoice(skeleton)

    def invoice(self, skeleton: _Skeleton) -> InvoicePlan:
        """The details of one invoice, drawn from a generator of its own: the
        same whoever asks, and in whatever order."""
        rng = random.Random(self.seed * 1_000_003 + skeleton.key)
        day = datetime.date.fromordinal(skeleton.day)
        issued_at = _at(day, skeleton.second)
        party = self.parties[skeleton.party]
        activity = party.activities[skeleton.activity]
        client = party.clients[skeleton.client]
        if rng.random() < 0.03:  # invoiced late: the warning is recorded
            supply = day - datetime.timedelta(days=rng.randint(45, 110))
        else:
            supply = day - datetime.timedelta(days=rng.randint(0, 14))
        lines = _lines(rng, activity.theme, client, supply, skeleton.lines)
        buyer_reference = f"PO-{rng.randint(10_000, 99_998)}" if rng.random() < 0.15 else ""
        sent_at = None
        if rng.random() < 0.88:
            sent_at = min(issued_at + datetime.timedelta(seconds=rng.randint(60, 7200)), self.now)
        credit = None
        pay_from = day
        if skeleton.credit_day:
            credit_day = datetime.date.fromordinal(skeleton.credit_day)
            index, quantity = -1, Decimal(0)
            if not skeleton.credit_full:
                index = rng.randrange(len(lines))
                quantity = lines[index].quantity
                if len(lines) == 1 or rng.random() < 0.6:
                    share = Decimal(rng.randint(20, 80)) / 100
                    quantity = (quantity * share).quantize(Decimal("0.001"))
                    if not 0 < quantity < lines[index].quantity:
                        quantity = lines[index].quantity
            credited_all = skeleton.credit_full or (
                len(lines) == 1 and index == 0 and (quantity == lines[0].quantity)
            )
            credit = CreditPlan(
                at=min(_at(credit_day, rng.randint(8 * 3600, 20 * 3600 - 1)), self.now),
                full=skeleton.credit_full,
                line=index,
                quantity=quantity,
                reason=rng.choice(CREDIT_REASONS[credited_all]),
            )
            if credited_all:
                return _invoice_plan(
                    skeleton, issued_at, rng, supply, lines, buyer_reference, sent_at, credit, ()
                )
            pay_from = credit_day + DAY
        payments = self._payments(rng, client, pay_from, day + datetime.timedelta(client.term))
        return _invoice_plan(
            skeleton, issued_at, rng, supply, lines, buyer_reference, sent_at, credit, payments
        )

    def _payments(
        self,
        rng: random.Random,
        client: ClientPlan,
        pay_from: datetime.date,
        due: datetime.date,
    ) -> tuple[PaymentPlan, ...]:
        """Most pay in full around the due date, some late, some in two parts,
        some never (so far); only what was received by today."""
        days = datetime.timedelta
        term = client.term
        behaviour = rng.random()
        planned: list[tuple[datetime.date, int | None]] = []
        if behaviour < 0.06:
            pass
        elif behaviour < 0.11:
            on = pay_from + days(days=rng.randint(5, term + 15))
            planned.append((on, rng.randint(30, 70)))
            if rng.random() < 0.5:
                planned.append((on + days(days=rng.randint(15, 60)), None))
        elif behaviour < 0.23:
            planned.append((max(due, pay_from) + days(days=rng.randint(3, 75)), None))
        else:
            planned.append((pay_from + days(days=rng.randint(2, max(3, term + 5))), None))
        payments = []
        for on, percent in planned:
            if on > self.today:
                break
            recorded_at = min(_at(on + DAY, 9 * 3600 + 1800), self.now)
            payments.append(PaymentPlan(on, percent, rng.random() < 0.9, recorded_at))
        return tuple(payments)


def _invoice_plan(
    skeleton: _Skeleton,
    issued_at: datetime.datetime,
    rng: random.Random,
    supply: datetime.date,
    lines: tuple[LineData, ...],
    buyer_reference: str,
    sent_at: datetime.datetime | None,
    credit: CreditPlan | None,
    payments: tuple[PaymentPlan, ...],
) -> InvoicePlan:
    created_at = issued_at - datetime.timedelta(seconds=rng.randint(300, 3 * 86400))
    return InvoicePlan(
        key=skeleton.key,
        party=skeleton.party,
        activity=skeleton.activity,
        client=skeleton.client,
        created_at=created_at,
        issued_at=issued_at,
        supply_date=supply,
        lines=lines,
        buyer_reference=buyer_reference,
        sent_at=sent_at,
        credit=credit,
        payments=payments,
    )


def _at(day: datetime.date, second: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(second // 3600, second // 60 % 60))
    return timezone.make_aware(moment)


def _lines(
    rng: random.Random, theme: int, client: ClientPlan, supply: datetime.date, count: int
) -> tuple[LineData, ...]:
    _names, _kind, items = THEMES[theme]
    lang = _LANG_INDEX.get(client.language, 0)
    lines = []
    for _ in range(count):
        descriptions, unit, (low, high), (qlow, qhigh), vats = rng.choice(items)
        step = 500 if unit in (Unit.HOUR, Unit.DAY, Unit.HALF_DAY) else 1000
        quantity = Decimal(qlow + step * rng.randint(0, (qhigh - qlow) // step)).scaleb(-3)
        cents = rng.randint(low, high)
        cents = cents - cents % (500 if cents > 10_000 else 50 if cents > 1000 else 1)
        code = rng.choices([code for code, _w in vats], weights=[w for _c, w in vats])[0]
        if client.eu_business:
            code = "AE:eu_services"  # a service to a business of another EU state
        elif code == _E0 and not client.organiser:
            code = _S21  # art. 44, § 2, 8° covers services to organisers of shows only
        description = descriptions[lang]
        if rng.random() < 0.5:
            description = f"{description} {supply:%m/%Y}"
        lines.append(
            LineData(
                description=description,
                quantity=quantity.quantize(Decimal("0.001")),
                unit=unit,
                unit_price=Decimal(cents).scaleb(-2),
                vat=code,
            )
        )
    return tuple(lines)


def _client(rng: random.Random) -> ClientPlan:
    """Belgian companies (valid enterprise and VAT numbers), non-profits
    (enterprise number, no VAT), private persons, companies of other EU
    states (valid VAT numbers); some without email."""
    kind = rng.choices(["be", "npo", "person", "eu"], weights=[58, 10, 20, 12])[0]
    vat_number = enterprise_number = ""
    if kind == "eu":
        country, language, form, places = rng.choice(FOREIGN)
        postal_code, city, street = rng.choice(places)
        client_kind = ClientKind.COMPANY
        name = f"{rng.choice(COMPANY_NAMES)} {rng.choice(COMPANY_WORDS)} {form}"
        vat_number = _foreign_vat_number(rng, country)
        term = rng.choice([30, 30, 45, 60])
    else:
        postal_code, city, language, streets = rng.choice(PLACES)
        street = rng.choice(streets)
        country = "BE"
        if kind == "person":
            client_kind = ClientKind.PERSON
            name = f"{rng.choice(PERSON_FIRST)} {rng.choice(PERSON_LAST)}"
            term = rng.choice([14, 15, 30])
        else:
            client_kind = ClientKind.COMPANY
            forms = BE_FORMS[language]
            form = forms[3] if kind == "npo" else rng.choice(forms[:3])
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_NAMES)} {form}"
            enterprise_number = belgian_enterprise_number(rng)
            if kind == "be":
                vat_number = f"BE{enterprise_number}"
            term = rng.choice([30, 30, 30, 14, 45, 60])
    email = ""
    if rng.random() >= (0.4 if client_kind == ClientKind.PERSON else 0.1):
        words = name.lower().translate(_EMAIL_TABLE).split()
        domain = f"{'-'.join(words[:2])}-{rng.randrange(100, 1000)}.example"
        local = "info" if client_kind == ClientKind.COMPANY else words[0]
        email = f"{local}@{domain}"
    return ClientPlan(
        kind=client_kind,
        name=name,
        street=f"{street} {rng.randrange(1, 250)}",
        postal_code=postal_code,
        city=city,
        country=country,
        language=language,
        vat_number=vat_number,
        enterprise_number=enterprise_number,
        email=email,
        term=term,
        iban=belgian_iban(rng) if country == "BE" else "",
    )


def _parties(today: datetime.date, first_day: datetime.date) -> list[PartyPlan]:
    """The demo members with status member and no activity yet."""
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
    return [
        PartyPlan(
            pk,
            user,
            number,
            name,
            language,
            min(max(first_day, started.get(pk) or first_day), today),
        )
        for pk, user, number, name, language in rows
    ]


def _allocate(
    rng: random.Random, parties: list[PartyPlan], n: int, sofie: int | None, today: datetime.date
) -> None:
    """Spread n invoices: the demo login gets its fixed share, the others a
    skewed share (a few invoice a lot, most a little), in proportion to how
    long they have been able to invoice."""
    for p in parties:
        if p.member == sofie:
            p.count = min(n, SOFIE_LARGE if n >= LARGE else SOFIE_SMALL)
            if (today - p.start).days < 180:  # a recent member still shows two years of data
                p.start = today - datetime.timedelta(days=round(MONTHS * 30.44))
    rest = n - sum(p.count for p in parties)
    others = [p for p in parties if p.member != sofie and p.start < today]
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


def _set_up(rng: random.Random, parties: list[PartyPlan]) -> None:
    """Each member's activities (1 to 3, some artistic) and clients."""
    for p in parties:
        lang = _LANG_INDEX.get(p.language, 0)
        howmany = rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
        for theme in rng.sample(range(len(THEMES)), howmany):
            names, kind, _items = THEMES[theme]
            budget = Decimal(rng.randrange(5, 80) * 1000) if rng.random() < 0.3 else None
            p.activities.append(ActivityPlan(names[lang], kind, budget, theme))
        for _ in range(max(1, min(60, 1 + p.count // rng.randrange(5, 15)))):
            p.clients.append(_client(rng))


def demo_plan(n: int, *, seed: int = 2026) -> DemoPlan:
    """The plan for `n` invoices of the demo members that have no activity yet
    (so a second seed adds members without touching the first ones'); reads
    the database, writes nothing."""
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    first_day = today - datetime.timedelta(days=round(MONTHS * 30.44))
    parties = _parties(today, first_day)
    sofie = (
        Member.objects.filter(user__email=f"sofie@{DEMO_DOMAIN}", status=Status.MEMBER)
        .values_list("pk", flat=True)
        .first()
    )
    _allocate(rng, parties, n, sofie, today)
    _set_up(rng, parties)
    # After what a series already holds (a second seed): date order.
    held = NumberCounter.objects.values_list("series", "year", "last_issued_on")
    floors = {(series, year): last.toordinal() for series, year, last in held if last is not None}
    today_ord = today.toordinal()
    local_now = timezone.localtime(now)
    seconds_today = local_now.hour * 3600 + local_now.minute * 60

    def second(day: int) -> int:
        """A second of the working day (8:00 to 20:00), before now for today."""
        if day < today_ord:
            return rng.randint(8 * 3600, 20 * 3600 - 1)
        return rng.randint(0, max(seconds_today - 60, 0))

    skeletons: list[_Skeleton] = []
    for index, p in enumerate(parties):
        start = p.start.toordinal()
        for _ in range(p.count):
            day = rng.randint(start, today_ord)
            weekday = datetime.date.fromordinal(day).weekday()
            if weekday >= 5 and day + 7 - weekday <= today_ord:
                day += 7 - weekday  # weekend work is invoiced on the Monday
            year = datetime.date.fromordinal(day).year
            day = max(day, floors.get((DocumentKind.INVOICE, year), 0))
            credit_day, credit_full = 0, False
            if day < today_ord - 1 and rng.random() < CREDIT_SHARE:
                credit_day = min(today_ord, day + rng.randint(1, 45))
                credit_year = datetime.date.fromordinal(credit_day).year
                credit_day = max(credit_day, floors.get((DocumentKind.CREDIT_NOTE, credit_year), 0))
                credit_full = rng.random() < 0.55
            skeletons.append(
                _Skeleton(
                    key=len(skeletons),
                    day=day,
                    second=second(day),
                    party=index,
                    activity=rng.randrange(len(p.activities)),
                    client=rng.randrange(len(p.clients)),
                    lines=rng.choice(LINE_COUNTS),
                    credit_day=credit_day,
                    credit_full=credit_full,
                )
            )
    skeletons.sort(key=lambda s: (s.day, s.second, s.key))
    drafts = []
    for index, p in enumerate(parties):
        if not (p.member == sofie or (p.count and rng.random() < 1 / 70)):
            continue
        for _ in range(3 if p.member == sofie else 1):
            activity = rng.randrange(len(p.activities))
            client = rng.randrange(len(p.clients))
            supply = today - datetime.timedelta(days=rng.randint(0, 20))
            lines = _lines(
                rng, p.activities[activity].theme, p.clients[client], supply, rng.randint(1, 4)
            )
            created_at = now - datetime.timedelta(minutes=rng.randint(5, 20 * 24 * 60))
            drafts.append(DraftPlan(index, activity, client, created_at, supply, lines))
    return DemoPlan(seed, today, now, parties, skeletons, drafts)


# --- Carried out through the services ----------------------------------------------------


def recorder() -> User:
    """Who books the demo payments: the demo staff user, else the first staff
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


def payment_amount(payment: PaymentPlan, *, payable: Decimal, due: Decimal) -> Decimal:
    """What a planned payment pays: its share of what was payable, or all
    that is still due."""
    if payment.percent is None:
        return due
    return (payable * Decimal(payment.percent) / 100).quantize(Decimal("0.01"))


def transaction_id(party: PartyPlan, key: int, k: int, *, bank: bool) -> str:
    return f"demo-{'bank' if bank else 'manual'}-{party.number}-{key}-{k}"


# The order of events at the same moment.
_DRAFT, _ISSUE, _SENT, _CREDIT, _PAY = range(5)


def seed_invoices(
    n: int, *, seed: int = 2026, log: Callable[[str], None] = print
) -> dict[str, int]:
    """Carry out demo_plan(n) through the services, each action at its moment
    of the plan; returns how many of each were made. One transaction."""
    plan = demo_plan(n, seed=seed)
    log(f"  {len(plan.skeletons)} invoices planned for {len(plan.parties)} members")
    return carry_out(plan, log=log)


def carry_out(plan: DemoPlan, *, log: Callable[[str], None] = print) -> dict[str, int]:
    """Make what `plan` plans through the services, in one transaction."""
    with transaction.atomic(), time_machine.travel(plan.now, tick=False) as clock:
        return _carry_out(plan, clock, log)


def _carry_out(plan: DemoPlan, clock: Any, log: Callable[[str], None]) -> dict[str, int]:
    users = get_user_model().objects.in_bulk([p.user for p in plan.parties])
    members = Member.objects.in_bulk([p.member for p in plan.parties])
    activities: dict[tuple[int, int], Activity] = {}
    clients: dict[tuple[int, int], Any] = {}
    for index, p in enumerate(plan.parties):
        clock.move_to(p.created_at)
        user, member = users[p.user], members[p.member]
        for a, activity in enumerate(p.activities):
            activities[index, a] = services.activity_save(
                member=member,
                acting_user=user,
                name=activity.name,
                kind=activity.kind,
                budget=activity.budget,
            )
        for c, client in enumerate(p.clients):
            clients[index, c] = services.client_save(
                member=member, acting_user=user, data=client.data()
            )
    counts = dict.fromkeys(
        [
            "invoices",
            "credit_notes",
            "lines",
            "payments",
            "drafts",
            "late_issued",
            "paid",
            "partly_paid",
            "open",
            "overdue",
            "credited",
        ],
        0,
    )
    events: list[tuple[datetime.datetime, int, int, int, Any]] = []
    for invoice_plan in plan.invoices():
        key = invoice_plan.key
        events.append((invoice_plan.created_at, _DRAFT, key, 0, invoice_plan))
        events.append((invoice_plan.issued_at, _ISSUE, key, 0, invoice_plan))
        if invoice_plan.sent_at is not None:
            events.append((invoice_plan.sent_at, _SENT, key, 0, invoice_plan))
        if invoice_plan.credit is not None:
            events.append((invoice_plan.credit.at, _CREDIT, key, 0, invoice_plan))
        for k, payment in enumerate(invoice_plan.payments, 1):
            events.append((payment.recorded_at, _PAY, key, k, payment))
    events.sort(key=lambda event: event[:4])
    staff = recorder()
    invoices: dict[int, Invoice] = {}
    plans: dict[int, InvoicePlan] = {}
    for done, (moment, kind, key, k, item) in enumerate(events, 1):
        clock.move_to(moment)
        if kind == _DRAFT:
            plans[key] = item
            party = plan.parties[item.party]
            invoices[key] = services.invoice_draft_save(
                member=members[party.member],
                acting_user=users[party.user],
                client=clients[item.party, item.client],
                activity=activities[item.party, item.activity],
                supply_date=item.supply_date,
                payment_term_days=party.clients[item.client].term,
                lines=item.lines,
                buyer_reference=item.buyer_reference,
            )
        elif kind == _ISSUE:
            invoice = services.invoice_issue(
                invoice=invoices[key], acting_user=users[plan.parties[item.party].user]
            )
            invoices[key] = invoice
            counts["invoices"] += 1
            counts["lines"] += len(item.lines)
            counts["late_issued"] += bool(invoice.warnings)
        elif kind == _SENT:
            invoices[key] = services.invoice_mark_sent(
                invoice=invoices[key], acting_user=users[plan.parties[item.party].user]
            )
        elif kind == _CREDIT:
            note = _credit(invoices[key], item, users[plan.parties[item.party].user])
            counts["lines"] += len(item.lines) if item.credit.full else 1
            counts["credit_notes"] += 1
            invoices[key].amount_credited += note.total_gross  # as the service added it
        else:
            counts["payments"] += _pay(invoices[key], plans[key], item, k, plan, staff)
        if done % 5000 == 0:
            log(f"  {done:>8} / {len(events)} actions")
    issued = Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices.values()])
    for invoice in issued.only("kind", "status", "due_date", "total_gross", "amount_paid"):
        status = invoice.status
        if status in (InvoiceStatus.CREDITED, InvoiceStatus.PAID, InvoiceStatus.PARTLY_PAID):
            counts[status] += 1
        else:
            counts["open"] += 1
        counts["overdue"] += invoice.is_overdue(plan.today)
    clock.move_to(plan.now)
    for draft in plan.drafts:
        clock.move_to(draft.created_at)
        party = plan.parties[draft.party]
        services.invoice_draft_save(
            member=members[party.member],
            acting_user=users[party.user],
            client=clients[draft.party, draft.client],
            activity=activities[draft.party, draft.activity],
            supply_date=draft.supply_date,
            payment_term_days=party.clients[draft.client].term,
            lines=draft.lines,
        )
        counts["drafts"] += 1
    return {
        "members": len(plan.parties),
        "activities": len(activities),
        "clients": len(clients),
        **counts,
    }


def _credit(invoice: Invoice, plan: InvoicePlan, user: User) -> Invoice:
    credit = plan.credit
    assert credit is not None
    quantities = None
    if not credit.full:
        line = invoice.lines.get(position=credit.line + 1)
        quantities = {line.pk: credit.quantity}
    return services.credit_note_issue(
        invoice=invoice, acting_user=user, reason=credit.reason, quantities=quantities
    )


def _pay(
    invoice: Invoice,
    invoice_plan: InvoicePlan,
    payment: PaymentPlan,
    k: int,
    plan: DemoPlan,
    staff: User,
) -> int:
    # The invoice's figures as the services left them (followed here, not
    # read again): what was credited and paid so far.
    payable = invoice.total_gross - invoice.amount_credited
    amount = payment_amount(payment, payable=payable, due=invoice.amount_due)
    if amount <= 0:
        return 0
    party = plan.parties[invoice_plan.party]
    client = party.clients[invoice_plan.client]
    services.invoice_payment_register(
        invoice=invoice,
        amount=amount,
        value_date=payment.on,
        acting_user=staff,
        source=PaymentSource.BANK if payment.bank else PaymentSource.MANUAL,
        transaction_id=transaction_id(party, invoice_plan.key, k, bank=payment.bank),
        communication=ogm_format(invoice.structured_reference) if payment.bank else "",
        counterparty_name=client.name[:200] if payment.bank else "",
        counterparty_iban=client.iban if payment.bank else "",
        note="demo statement" if payment.bank else "",
    )
    invoice.amount_paid += amount
    return 1
