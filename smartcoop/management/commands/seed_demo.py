"""`manage.py seed_demo`: demo data for every app, at the cooperative's size."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app as celery_app
from django.core.management.base import BaseCommand, CommandParser

from invoicing import demo as invoicing_demo
from members import demo as members_demo
from members.models import Member
from shares import demo as shares_demo
from workspaces import demo as workspaces_demo


@contextmanager
def _documents_queued() -> Iterator[None]:
    """Issuing queues each invoice's PDF and e-invoice for a worker, after
    commit. The embedded demo (`make run`) has no worker: its tasks run at
    once, in the request, which for thousands of demo invoices would mean
    rendering them all here. So while seeding, tasks go to the embedded
    in-memory queue like any queue, and no worker takes them: the demo's
    documents are rendered when first opened (as a lost render is), and
    with a broker (REDIS_URL) the workers render them."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager


class Command(BaseCommand):
    help = (
        "Create realistic Belgian demo data: members, accounts, shares and bookings in bulk, "
        "invoices through the services."
    )

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
            if invoices:  # 0: none (the benchmarks write theirs in bulk: bench/seed.py)
                self.stdout.write(f"Creating {invoices} invoices through the services...")
                with _documents_queued():
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
            self.stdout.write(f"  {login.role:<8} {login.email}  password: {login.password}{note}")
