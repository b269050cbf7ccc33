"""`manage.py seed_demo`: demo data for every app, at the cooperative's size."""

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from io import StringIO
from typing import Any

from celery import current_app as celery_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from compliance.selectors import latest_run
from compliance.services import nightly_run
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
        if created or latest_run() is None:
            self._compliance()
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.role:<8} {login.email}  password: {login.password}{note}")

    def _compliance(self) -> None:
        """The nightly compliance run once, as the schedule does it (checks,
        then the teams' digests), so the dashboard has findings to show."""
        started = time.perf_counter()
        self.stdout.write("Running the nightly compliance checks...")
        # The development email backend prints each digest in full; its
        # copies would bury this output.
        console = settings.EMAIL_BACKEND.endswith("console.EmailBackend")
        with redirect_stdout(StringIO()) if console else nullcontext():
            run, digests = nightly_run()
        self.stdout.write(
            f"  {len(run.check_keys)} checks, {run.found} problems found, "
            f"{run.failed_checks} checks failed"
        )
        for digest in digests:
            self.stdout.write(
                f"  digest to {digest.get_team_display()}: {digest.findings} new findings, "
                f"{len(digest.recipients)} recipients"
            )
        if not digests:
            self.stdout.write("  no digest sent (no team member with an email to send it to)")
        self.stdout.write(f"Compliance done in {time.perf_counter() - started:.1f} s.")
