"""`manage.py seed_demo`: demo data for every app, at the cooperative's size."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from invoicing import demo as invoicing_demo
from members import demo as members_demo
from members.models import Member
from shares import demo as shares_demo
from workspaces import demo as workspaces_demo


class Command(BaseCommand):
    help = "Create realistic Belgian demo data (members, accounts, shares, bookings) in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=300, help="how many members")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when members already exist"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--bookings",
            type=int,
            default=workspaces_demo.DEFAULT_BOOKINGS,
            help="about how many workspace bookings (past three months, next four weeks)",
        )
        parser.add_argument(
            "--invoices",
            type=int,
            default=None,
            help="how many issued invoices (default: 20 per member, at most 50,000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        if options["if_empty"] and Member.objects.exists():
            self.stdout.write("Demo data already present; nothing to do.")
        else:
            started = time.perf_counter()
            self.stdout.write(f"Creating {options['members']} demo members...")
            created = members_demo.seed_members(
                options["members"], seed=options["seed"], log=self.stdout.write
            )
            self.stdout.write(f"Members done in {time.perf_counter() - started:.1f} s.")
        # The logins first, so that the demo staff user books the demo payments
        # and the demo member gets shares too.
        logins = members_demo.seed_demo_logins()
        if created:
            started = time.perf_counter()
            self.stdout.write("Creating their shares...")
            counts = shares_demo.seed_shares(seed=options["seed"], log=self.stdout.write)
            self.stdout.write("  " + ", ".join(f"{n} {name}" for name, n in counts.items()))
            self.stdout.write(f"Shares done in {time.perf_counter() - started:.1f} s.")
            started = time.perf_counter()
            invoices = options["invoices"]
            if invoices is None:
                invoices = min(20 * created, 50_000)
            self.stdout.write(f"Creating {invoices} invoices...")
            counts = invoicing_demo.seed_invoices(
                invoices, seed=options["seed"], log=self.stdout.write
            )
            self.stdout.write("  " + ", ".join(f"{n} {name}" for name, n in counts.items()))
            self.stdout.write(f"Invoices done in {time.perf_counter() - started:.1f} s.")
            started = time.perf_counter()
            self.stdout.write("Creating workspaces and bookings...")
            counts = workspaces_demo.seed_workspaces(
                seed=options["seed"], bookings=options["bookings"], log=self.stdout.write
            )
            self.stdout.write("  " + ", ".join(f"{n} {name}" for name, n in counts.items()))
            self.stdout.write(f"Workspaces done in {time.perf_counter() - started:.1f} s.")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.role:<7} {login.email}  password: {login.password}{note}")
