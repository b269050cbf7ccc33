"""Realistic Belgian demo members, created in bulk so that 30,000 take
seconds (issue 2: seed_demo). Every identifier passes its official check."""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from members import services
from members.models import (
    Category,
    Consent,
    ConsentKind,
    Language,
    Member,
    Status,
    StatusChange,
)
from rules.selectors import rules_on
from smartcoop.lib.belgium import (
    belgian_enterprise_number,
    belgian_iban,
    belgian_mobile,
    belgian_national_number,
)
from smartcoop.lib.crypto import encrypt_text

DEMO_PASSWORD = "demo-smartcoop-2026"
# Base32 secret of the demo staff users' authenticator (demo data only).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_DOMAIN = "demo.smartcoop.example"

FIRST_NAMES_NL = [
    "Sofie",
    "Lotte",
    "Emma",
    "Lien",
    "Anouk",
    "Jonas",
    "Pieter",
    "Wout",
    "Bram",
    "Joris",
    "Elke",
    "Hanne",
    "Tine",
    "Kobe",
    "Arne",
    "Noor",
    "Lars",
    "Fien",
]
FIRST_NAMES_FR = [
    "Julien",
    "Camille",
    "Manon",
    "Louise",
    "Hugo",
    "Thomas",
    "Léa",
    "Chloé",
    "Maxime",
    "Nathan",
    "Élodie",
    "Amélie",
    "Quentin",
    "Aurélie",
    "Romain",
]
FIRST_NAMES_EN = ["Amira", "Daniel", "Sarah", "Yasmina", "Karim", "Olivia", "Mateo", "Ines"]
LAST_NAMES_NL = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Vermeulen",
    "Van den Broeck",
    "Desmet",
    "Van Damme",
    "De Clercq",
    "Verstraete",
    "Pauwels",
    "Hermans",
]
LAST_NAMES_FR = [
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Simon",
    "Laurent",
    "Lejeune",
    "Renard",
    "Leclercq",
    "Collard",
    "Lemaire",
    "Denis",
    "François",
    "Piron",
]
LAST_NAMES_EN = ["El Amrani", "Benali", "Haddad", "Smith", "Rossi", "García", "Kowalski"]
# (postal code, city, language, streets)
PLACES = [
    ("9000", "Gent", "nl", ["Veldstraat", "Kortrijksesteenweg", "Sint-Pietersnieuwstraat"]),
    ("2000", "Antwerpen", "nl", ["Meir", "Nationalestraat", "Kammenstraat"]),
    ("3000", "Leuven", "nl", ["Bondgenotenlaan", "Naamsestraat", "Tiensestraat"]),
    ("8000", "Brugge", "nl", ["Steenstraat", "Langestraat", "Noordzandstraat"]),
    ("4000", "Liège", "fr", ["Rue Saint-Gilles", "Boulevard d'Avroy", "Rue Féronstrée"]),
    ("5000", "Namur", "fr", ["Rue de Fer", "Rue de l'Ange", "Avenue de la Gare"]),
    ("6000", "Charleroi", "fr", ["Boulevard Tirou", "Rue de la Montagne", "Rue du Collège"]),
    ("1000", "Bruxelles", "fr", ["Rue Haute", "Boulevard Anspach", "Rue Blaes"]),
    ("1060", "Saint-Gilles", "fr", ["Chaussée de Waterloo", "Rue de la Victoire"]),
    ("1050", "Ixelles", "en", ["Chaussée d'Ixelles", "Rue du Bailli", "Avenue Louise"]),
    ("1030", "Schaerbeek", "en", ["Chaussée de Haecht", "Rue Royale Sainte-Marie"]),
]


@dataclass
class Person:
    first: str
    last: str
    language: str
    postal_code: str
    city: str
    street: str


def _person(rng: random.Random) -> Person:
    postal_code, city, language, streets = rng.choice(PLACES)
    if language == "nl":
        first, last = rng.choice(FIRST_NAMES_NL), rng.choice(LAST_NAMES_NL)
    elif language == "fr":
        first, last = rng.choice(FIRST_NAMES_FR), rng.choice(LAST_NAMES_FR)
    else:
        first, last = rng.choice(FIRST_NAMES_EN), rng.choice(LAST_NAMES_EN)
    street = f"{rng.choice(streets)} {rng.randrange(1, 240)}"
    return Person(first, last, language, postal_code, city, street)


def _email_local(text: str) -> str:
    table = str.maketrans("éèêëàâäïîôöüûç' ", "eeeeaaaiioouuc--")
    return text.lower().translate(table)


def seed_members(count: int, *, seed: int = 2026, log: Callable[[str], None] = print) -> int:
    """Create `count` demo members with accounts, consents and history."""
    rng = random.Random(seed)
    User = get_user_model()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: 30,000 hashes would take minutes
    now = timezone.now()
    today = timezone.localdate()
    batch = 5000
    created = 0
    versions, provenance = _consent_versions()
    with transaction.atomic():
        numbers = services.member_numbers_reserve(count=count)
        for start in range(0, count, batch):
            chunk = list(numbers[start : start + batch])
            people = [_person(rng) for _ in chunk]
            users = User.objects.bulk_create(
                User(
                    username=f"m{number}",
                    email=f"{_email_local(p.first)}.{_email_local(p.last)}.{number}@{DEMO_DOMAIN}",
                    first_name=p.first,
                    last_name=p.last,
                    password=password_hash,
                    date_joined=now,
                )
                for number, p in zip(chunk, people, strict=True)
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
            members = []
            for number, p, user in zip(chunk, people, users, strict=True):
                birth = today - datetime.timedelta(days=rng.randrange(20 * 365, 70 * 365))
                members.append(
                    Member(
                        user=user,
                        member_number=number,
                        legal_name=f"{p.first} {p.last}",
                        street=p.street,
                        postal_code=p.postal_code,
                        city=p.city,
                        country="BE",
                        birth_date=birth,
                        language=p.language,
                        iban=belgian_iban(rng),
                        phone=belgian_mobile(rng),
                        enterprise_number=(
                            belgian_enterprise_number(rng) if rng.random() < 0.3 else ""
                        ),
                        category=rng.choices(
                            [Category.A, Category.B, Category.C], weights=[96, 3, 1]
                        )[0],
                        status=rng.choices(
                            [Status.MEMBER, Status.APPLICANT, Status.RESIGNED], weights=[90, 6, 4]
                        )[0],
                        national_number_encrypted=(
                            encrypt_text(belgian_national_number(rng, birth))
                            if rng.random() < 0.6
                            else ""
                        ),
                    )
                )
            Member.objects.bulk_create(members)
            _bulk_history(members, now)
            Consent.objects.bulk_create(
                Consent(
                    member=m,
                    kind=kind,
                    version=versions[kind],
                    accepted_at=now,
                    rules_used=provenance,
                )
                for m in members
                for kind in ConsentKind.values
            )
            StatusChange.objects.bulk_create(
                StatusChange(
                    member=m,
                    from_status=Status.APPLICANT,
                    to_status=m.status,
                    reason="demo data",
                )
                for m in members
                if m.status != Status.APPLICANT
            )
            created += len(members)
            log(f"  {created:>6} / {count} members")
    return created


def _consent_versions() -> tuple[dict[str, str], dict[str, int]]:
    rules = rules_on([services.CONSENT_VERSIONS_RULE], on=timezone.localdate())
    return rules.value(services.CONSENT_VERSIONS_RULE), rules.provenance()


def _bulk_history(members: list[Member], when: datetime.datetime) -> None:
    history_model = Member.history.model
    excluded = {"national_number_encrypted", "updated_at"}
    fields = [f.attname for f in Member._meta.concrete_fields if f.name not in excluded]
    history_model.objects.bulk_create(
        history_model(
            **{name: getattr(m, name) for name in fields},
            history_date=when,
            history_type="+",
            history_change_reason="demo data",
        )
        for m in members
    )


@dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    note: str = ""


def seed_demo_logins() -> list[DemoLogin]:
    """The accounts `make run` prints: a member, and one staff user per role
    (the groups and their permissions come from backoffice's migrations)."""
    from django.contrib.auth.models import Group

    User = get_user_model()
    logins = []
    for role, email, name, group in [
        ("member", f"sofie@{DEMO_DOMAIN}", "Sofie Peeters", None),
        ("finance", f"staff@{DEMO_DOMAIN}", "Marc Lambert", "Finance"),
        ("services", f"services@{DEMO_DOMAIN}", "Nadia Benali", "Member services"),
        ("legal", f"legal@{DEMO_DOMAIN}", "Hélène Dubois", "Legal"),
        # Rules are published by a second lawyer (four eyes).
        ("legal", f"legal2@{DEMO_DOMAIN}", "Pieter Maes", "Legal"),
        ("admin", f"admin@{DEMO_DOMAIN}", "Jan Claes", "Administrators"),
    ]:
        staff = group is not None
        user = User.objects.filter(email=email).first()
        if user is None:
            first, last = name.split(" ", 1)
            user = User.objects.create_user(
                username=email.split("@")[0],
                email=email,
                password=DEMO_PASSWORD,
                is_staff=staff,
                first_name=first,
                last_name=last,
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            if group is not None:
                TOTP.activate(user, DEMO_TOTP_SECRET)
                user.groups.add(Group.objects.get(name=group))
            if role == "member":
                member = services.member_create(
                    user=user,
                    legal_name=name,
                    language=Language.NL,
                    accepted=ConsentKind.values,
                    acting_user=user,
                )
                services.member_profile_update(
                    member=member,
                    acting_user=user,
                    values={
                        "street": "Veldstraat 12",
                        "postal_code": "9000",
                        "city": "Gent",
                        "iban": "BE68539007547034",
                        "phone": "+32 470 12 34 56",
                        "birth_date": datetime.date(1988, 4, 12),
                    },
                )
                services.member_status_set(
                    member=member, status=Status.MEMBER, acting_user=None, reason="demo data"
                )
        note = f"two-factor secret {DEMO_TOTP_SECRET}" if staff else ""
        logins.append(DemoLogin(role, email, DEMO_PASSWORD, note))
    return logins
