"""Activity account benchmarks (issue 17), on a throwaway PostgreSQL.

Run by bench/run.sh (production settings, DATABASE_URL pointing at its
server; BENCH_ONLY=pay for this part alone). It makes a fresh database
`bench_pay`, migrates it, and writes with bulk inserts: `--members` (20:
the factories hash passwords with the production hasher, which is slow)
members, `--activities` (30,000) activities spread over them, each with
`--invoices-per` (4) issued invoices and their income entries; and one more
activity with `--big` (10,000) entries. Then:

(a) the balance of the big activity, read `--reads` (2,000) times with
    pay.selectors.account_balance: median and p95 (target < 2 ms);
(b) its ledger page (/activities/<id>/account/?page=N, random pages) through
    django.test.Client in process, `--page-runs` (200) times: median and p95
    (target p95 < 50 ms);
(c) the nightly balance check (pay.selectors.balance_mismatches over every
    account), `--runs` (3) times, against a `SELECT count(*)` of the ledger
    entries in the same run: median seconds (target < 20 s) and the ratio
    (target <= 10).

stdout carries one `name value` line per metric; progress goes to stderr.
Not done here (issue 17): the 16,000-request pay run and its SEPA file (no
pay run yet).
"""

import argparse
import datetime
import os
import random
import signal
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import cpu_model, log, metric, server_version  # noqa: E402
from scratch import django_setup, scratch_database  # noqa: E402

DB_NAME = "bench_pay"
DAY = datetime.date(2026, 11, 2)
NET, CONTRIBUTION = Decimal("540.00"), Decimal("35.10")
SHARE = NET - CONTRIBUTION


def seed(args: argparse.Namespace) -> int:
    """Write the data; return the big activity's id."""
    from invoicing.models import Activity, Invoice
    from pay.models import ActivityAccount, EntryKind, LedgerEntry
    from tests.factories import ClientFactory, MemberFactory

    log(f"seed: {args.members} members...")
    members = [MemberFactory(status="member") for _ in range(args.members)]
    clients = [ClientFactory(member=member) for member in members]
    per_member = -(-args.activities // args.members)
    log(f"seed: {args.activities} activities...")
    activities = Activity.objects.bulk_create(
        Activity(member=members[i // per_member], name=f"Activity {i}")
        for i in range(args.activities)
    )
    big = Activity.objects.create(member=members[0], name="Big activity")
    owner = {activity.pk: i // per_member for i, activity in enumerate(activities)}
    owner[big.pk] = 0
    plan = [(a, args.invoices_per) for a in activities] + [(big, args.big)]
    sequence = 0
    for start in range(0, len(plan), 2000):
        chunk = plan[start : start + 2000]
        invoices = []
        for activity, count in chunk:
            member_index = owner[activity.pk]
            for _ in range(count):
                sequence += 1
                invoices.append(
                    Invoice(
                        kind="invoice",
                        status="issued",
                        member=members[member_index],
                        activity=activity,
                        client=clients[member_index],
                        series="invoice",
                        year=2026,
                        sequence=sequence,
                        number=f"F2026-{sequence:07d}",
                        supply_date=DAY,
                        issue_date=DAY,
                        due_date=DAY + datetime.timedelta(days=30),
                        total_net=NET,
                        total_vat=Decimal("113.40"),
                        total_gross=Decimal("653.40"),
                        contribution_rate=Decimal("6.5"),
                        contribution=CONTRIBUTION,
                        created_by=members[member_index].user,
                        issued_by=members[member_index].user,
                    )
                )
        Invoice.objects.bulk_create(invoices, batch_size=5000)
        ActivityAccount.objects.bulk_create(
            ActivityAccount(activity=activity, balance=SHARE * count) for activity, count in chunk
        )
        entries = []
        running: dict[int, Decimal] = {}
        for invoice in invoices:
            balance = running.get(invoice.activity_id, Decimal(0)) + SHARE
            running[invoice.activity_id] = balance
            entries.append(
                LedgerEntry(
                    account_id=invoice.activity_id,
                    date=DAY,
                    kind=EntryKind.INCOME,
                    amount=SHARE,
                    balance_after=balance,
                    label=invoice.number,
                    invoice=invoice,
                    created_by_id=invoice.created_by_id,
                )
            )
        LedgerEntry.objects.bulk_create(entries, batch_size=5000)
        log(f"seed: {start + len(chunk)} / {len(plan)} activities written")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return big.pk


def timings(function: Callable[[], object], runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        found.append(time.perf_counter() - start)
    return found


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description="Activity account benchmarks (issue 17).")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--activities", type=int, default=30_000)
    parser.add_argument("--invoices-per", type=int, default=4)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=2_000)
    parser.add_argument("--page-runs", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]
    metric("pay.date", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    metric("pay.machine.cpus", len(os.sched_getaffinity(0)))
    metric("pay.machine.cpu", cpu_model())
    metric("pay.postgresql", server_version(base_url))
    with scratch_database(base_url, DB_NAME) as url:
        django_setup(url)
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from invoicing.models import Activity
        from pay.selectors import account_balance, balance_mismatches

        started = time.perf_counter()
        big_id = seed(args)
        metric("pay.seed_seconds", f"{time.perf_counter() - started:.1f}")
        big = Activity.objects.select_related("member__user").get(pk=big_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pay_ledgerentry")
            metric("pay.entries", cursor.fetchone()[0])

        reads = timings(lambda: account_balance(big), args.reads)
        metric("pay.balance_read_median_ms", f"{statistics.median(reads) * 1000:.3f}")
        metric("pay.balance_read_p95_ms", f"{p95(reads) * 1000:.3f}")

        client = Client()
        client.force_login(big.member.user)
        url_page = reverse("pay:activity_account", args=[big.pk])
        pages = -(-args.big // 25)
        rng = random.Random(17)

        def page() -> None:
            response = client.get(f"{url_page}?page={rng.randint(1, pages)}")
            assert response.status_code == 200, response.status_code

        page()  # warm the templates and the catalogue
        ledger = timings(page, args.page_runs)
        metric("pay.ledger_page_median_ms", f"{statistics.median(ledger) * 1000:.1f}")
        metric("pay.ledger_page_p95_ms", f"{p95(ledger) * 1000:.1f}")

        def count() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pay_ledgerentry")
                cursor.fetchone()

        def check() -> None:
            found = list(balance_mismatches())
            assert found == [], found[:3]

        baseline = statistics.median(timings(count, args.runs))
        nightly = statistics.median(timings(check, args.runs))
        metric("pay.nightly_check_median_s", f"{nightly:.2f}")
        metric("pay.count_baseline_median_s", f"{baseline:.3f}")
        metric("pay.nightly_ratio", f"{nightly / baseline:.1f}")
    metric("pay.loadavg_after", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
