"""`manage.py seed_demo`: demo data for every app, at the cooperative's size."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from members import demo as members_demo
from members.models import Member
from shares import demo as shares_demo


class Command(BaseCommand):
    help = "Create realistic Belgian demo data (members, accounts, shares) in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=300, help="how many members")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when members already exist"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

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
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.role:<7} {login.email}  password: {login.password}{note}")
