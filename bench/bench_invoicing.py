"""Invoicing benchmarks (issue 5), on a throwaway PostgreSQL started by bench/run.sh.

1. Seed: `bench/seed.py --members N --invoices M` into a fresh, freshly
   migrated database; the command's own "Invoices done in X s" is the time of
   the invoices (`seed.invoices_seconds`, target: 1,000,000 in < 300 s).
2. Pages, on that database: the real project under gunicorn on a free port of
   127.0.0.1, logged in as the demo member sofie (2,000 invoices when M >=
   100,000), requesting `invoicing:invoice_list` and `dashboard`, and a bare
   one-query view (bench/one_query.py is the ROOT_URLCONF of that gunicorn:
   the project's urls plus `bench/one-query/`). Latency: one
   client, sequential requests, measured by the client on loopback (p50,
   p95). Throughput: `--clients` concurrent clients for `--seconds` each.
3. Issuing: `--issuers` processes (own connections) issue drafts with the real
   `invoicing.services.invoice_issue` for `--seconds`; invoices/s, and the time
   the counter row stays locked: from the return of `_counter_locked` (its
   UPDATE ... RETURNING has the row) to the return of `invoice_issue` (its
   transaction committed), per issue, measured in the issuing process. Then the
   same number of processes run a bare `UPDATE counter SET n = n + 1` (each
   its own transaction) on the same database for the same time: the physical
   limit of a single-row counter. Then a check: no gap, no duplicate, date
   order in the invoice series of this year.

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_seed import seed_bench
from one_query import ms, percentile
from scratch import process_stop  # bench/ is on the path: this script's folder, or gunicorn's

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "bench_invoicing"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def metric(name: str, value: object) -> None:
    print(f"{name} {value}", flush=True)


def wsgi() -> Any:
    """gunicorn 'bench_invoicing:wsgi()': the project's WSGI app, with this URLconf."""
    from django.conf import settings

    settings.ROOT_URLCONF = "one_query"
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


# --- Helpers -------------------------------------------------------------------------


def database_url(base_url: str, name: str) -> str:
    return urlsplit(base_url)._replace(path=f"/{name}").geturl()


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log(result.stdout[-5000:])
        log(result.stderr[-5000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed ({result.returncode})")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- 1. Seed -------------------------------------------------------------------------


def seed(base_url: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(make_conninfo(base_url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB_NAME)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
        settings = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers')"
            )
        }
    for name, value in sorted(settings.items()):
        metric(f"postgresql.{name}", value)
    log("invoicing: migrating...")
    manage("migrate", "--no-input", "-v0", env=env)
    log(f"invoicing: bench/seed.py --members {args.members} --invoices {args.invoices}...")
    started = time.perf_counter()
    out = seed_bench(members=args.members, invoices=args.invoices, env=env)
    wall = time.perf_counter() - started
    found = re.search(r"Invoices done in ([0-9.]+) s", out)
    counts = re.search(r"\n  (\d+ [a-z_]+(?:, \d+ [a-z_]+)*)\n", out)  # bench/seed.py's counts
    metric("seed.seconds", f"{wall:.1f}")
    if counts:
        for part in counts.group(1).split(", "):
            value, name = part.split(" ", 1)
            metric(f"seed.{name}", value)
    if found:
        seconds = float(found.group(1))
        metric("seed.invoices_seconds", f"{seconds:.1f}")
        metric("seed.invoices_target_seconds", f"{args.seed_target:g}")
        metric("seed.invoices_target_met", "yes" if seconds < args.seed_target else "no")


# --- 2. Pages ------------------------------------------------------------------------


def login_cookie() -> tuple[str, int]:
    """A session of the demo member sofie (as a login makes it), and her invoices."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from invoicing.models import Invoice
    from members.demo import DEMO_DOMAIN
    from members.models import Member

    member = Member.objects.select_related("user").get(user__email=f"sofie@{DEMO_DOMAIN}")
    session = SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", Invoice.objects.filter(
        member=member
    ).count()


def get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, int]:
    conn.request(
        "GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https", "Cookie": cookie}
    )
    response = conn.getresponse()
    body = response.read()
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, len(body)


def latency(port: int, path: str, cookie: str, count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(10):  # warm-up: imports, templates, caches of each worker
        get(conn, path, cookie)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _size = get(conn, path, cookie)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status}")
    return times


def throughput(port: int, path: str, cookie: str, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            status, _size = get(conn, path, cookie)
            if status == 200:
                done[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started)


def pages(args: argparse.Namespace, env: dict[str, str]) -> None:
    from django.urls import reverse

    cookie, invoices = login_cookie()
    metric("pages.member_invoices", invoices)
    static = tempfile.mkdtemp(prefix="bench-static-")
    server_env = {**env, "STATIC_ROOT": static}
    log("pages: collectstatic...")
    manage("collectstatic", "--no-input", "-v0", env=server_env)
    port = free_port()
    workers = args.workers or 2 * len(os.sched_getaffinity(0)) + 1
    metric("pages.gunicorn_workers", workers)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--pythonpath",
            f"{ROOT / 'bench'},{ROOT}",
            "--log-level",
            "warning",
            "bench_invoicing:wsgi()",
        ],
        cwd=ROOT,
        env=server_env,
    )
    try:
        for _ in range(300):
            try:
                get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/health/", "")
                break
            except OSError:
                time.sleep(0.1)
        urls = {"one_query": "/bench/one-query/"}
        for name, url_name in [
            ("invoice_list", "invoicing:invoice_list"),
            ("dashboard", "dashboard"),
        ]:
            try:
                urls[name] = reverse(url_name)
            except Exception as exc:  # the page does not exist (yet)
                log(f"pages: {url_name} missing ({exc}); skipped")
                metric(f"pages.{name}.missing", "yes")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for name, path in urls.items():
            status, size = get(conn, path, cookie)
            metric(f"pages.{name}.status", status)
            metric(f"pages.{name}.bytes", size)
        results: dict[str, tuple[float, float, float]] = {}
        for name, path in urls.items():
            log(f"pages: {name} ({path}): {args.requests} sequential requests...")
            times = latency(port, path, cookie, args.requests)
            log(f"pages: {name}: {args.clients} clients for {args.seconds:g} s...")
            rate = throughput(port, path, cookie, args.clients, args.seconds)
            results[name] = (statistics.median(times), percentile(times, 95), rate)
            metric(f"pages.{name}.p50_ms", ms(statistics.median(times)))
            metric(f"pages.{name}.p95_ms", ms(percentile(times, 95)))
            metric(f"pages.{name}.requests_per_second", f"{rate:.1f}")
        base = results["one_query"][2]
        for name in ("invoice_list", "dashboard"):
            if name in results:
                _p50, p95, rate = results[name]
                ratio = rate / base
                metric(f"pages.{name}.ratio_to_one_query", f"{ratio:.2f}")
                met = p95 < 0.050 and ratio >= 0.40
                metric(f"pages.{name}.target_met", "yes" if met else "no")
    finally:
        process_stop(server, timeout=30)
        shutil.rmtree(static, ignore_errors=True)


# --- 3. Issuing ----------------------------------------------------------------------


def prepare_drafts(issuers: int, per_issuer: int) -> list[tuple[int, list[int]]]:
    """(user id, draft ids) for `issuers` members: a draft made by the real
    service, cloned in bulk."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from invoicing.models import Activity, Client, Invoice, InvoiceLine
    from invoicing.services import LineData, invoice_draft_save
    from members.models import Member, Status

    today = timezone.localdate()
    members = list(
        Member.objects.filter(status=Status.MEMBER, activities__isnull=False)
        .exclude(user__email__startswith="sofie@")
        .select_related("user")
        .distinct()
        .order_by("member_number")[:issuers]
    )
    plan = []
    with transaction.atomic():
        for member in members:
            template = invoice_draft_save(
                member=member,
                acting_user=member.user,
                client=Client.objects.filter(member=member).order_by("pk")[0],
                activity=Activity.objects.filter(member=member).order_by("pk")[0],
                supply_date=today - datetime.timedelta(days=2),
                payment_term_days=30,
                lines=[
                    LineData("Consulting", Decimal(3), "HUR", Decimal("85.00"), "S:21"),
                    LineData("Book", Decimal(2), "C62", Decimal("24.50"), "S:6"),
                ],
            )
            lines = list(template.lines.all())
            clones = []
            for _ in range(per_issuer - 1):
                clone = Invoice.objects.get(pk=template.pk)
                clone.pk = None
                clone._state.adding = True
                clones.append(clone)
            created = Invoice.objects.bulk_create(clones)
            InvoiceLine.objects.bulk_create(
                InvoiceLine(
                    invoice=invoice,
                    position=line.position,
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    vat_category=line.vat_category,
                    vat_rate=line.vat_rate,
                    net_amount=line.net_amount,
                )
                for invoice in created
                for line in lines
            )
            plan.append((member.user.pk, [template.pk, *(c.pk for c in created)]))
    return plan


def issuer(job: tuple[int, list[int], float, float]) -> tuple[list[float], list[float], int]:
    """In a process of its own: issue drafts from `start` until `stop` (epoch
    seconds); returns the lock times, the issue times and how many failed."""
    user_id, drafts, start, stop = job
    from django.contrib.auth.models import User
    from django.db import connections

    from invoicing.models import Invoice
    from invoicing.services import invoice_issue, numbering

    connections.close_all()  # never the parent's connection
    user = User.objects.get(pk=user_id)
    locked_at = [0.0]
    counter_locked = numbering._counter_locked

    def timed_counter_locked(series: str, year: int, today: Any) -> Any:
        number = counter_locked(series, year, today)
        locked_at[0] = time.perf_counter()
        return number

    numbering._counter_locked = timed_counter_locked
    invoices = list(Invoice.objects.filter(pk__in=drafts).order_by("pk"))
    lock_times, issue_times, failed = [], [], 0
    while time.time() < start:
        time.sleep(0.001)
    for invoice in invoices:
        if time.time() >= stop:
            break
        began = time.perf_counter()
        try:
            invoice_issue(invoice=invoice, acting_user=user)
        except Exception as exc:
            failed += 1
            print(f"issue failed: {exc}", file=sys.stderr)
            continue
        ended = time.perf_counter()
        lock_times.append(ended - locked_at[0])
        issue_times.append(ended - began)
    else:
        print("issuer ran out of drafts", file=sys.stderr)
    connections.close_all()
    return lock_times, issue_times, failed


def counter_client(job: tuple[str, float, float]) -> list[float]:
    """In a process of its own: UPDATE one row, each its own transaction."""
    import psycopg

    url, start, stop = job
    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        while time.time() < start:
            time.sleep(0.001)
        while time.time() < stop:
            began = time.perf_counter()
            conn.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1")
            times.append(time.perf_counter() - began)
    return times


def issuing(args: argparse.Namespace, db_url: str) -> None:
    from django.db import connection, connections
    from django.utils import timezone

    from invoicing.models import DocumentKind, Invoice, InvoiceStatus, NumberCounter

    today = timezone.localdate()
    series = DocumentKind.INVOICE
    before = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).count()
    per_issuer = int(args.max_rate * args.seconds / args.issuers) + 50
    log(f"issuing: {args.issuers} x {per_issuer} drafts...")
    plan = prepare_drafts(args.issuers, per_issuer)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_counter")
        cursor.execute("CREATE TABLE bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)")
        cursor.execute("INSERT INTO bench_counter VALUES (1, 0)")
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(args.issuers) as pool:
        log(f"issuing: {args.issuers} issuers for {args.seconds:g} s...")
        start = time.time() + 2
        results = pool.map(issuer, [(u, d, start, start + args.seconds) for u, d in plan])
        log(f"issuing: bare counter increment, {args.issuers} clients for {args.seconds:g} s...")
        start = time.time() + 1
        bare = pool.map(counter_client, [(db_url, start, start + args.seconds)] * args.issuers)
    lock_times = [t for r in results for t in r[0]]
    issue_times = [t for r in results for t in r[1]]
    failed = sum(r[2] for r in results)
    bare_times = [t for r in bare for t in r]
    rate = len(issue_times) / args.seconds
    bare_rate = len(bare_times) / args.seconds
    metric("issue.issuers", args.issuers)
    metric("issue.seconds", f"{args.seconds:g}")
    metric("issue.issued", len(issue_times))
    metric("issue.failed", failed)
    metric("issue.invoices_per_second", f"{rate:.1f}")
    metric("issue.latency_p50_ms", ms(statistics.median(issue_times)))
    metric("issue.latency_p95_ms", ms(percentile(issue_times, 95)))
    metric("issue.lock_p50_ms", ms(statistics.median(lock_times)))
    metric("issue.lock_p95_ms", ms(percentile(lock_times, 95)))
    metric("issue.lock_max_ms", ms(max(lock_times)))
    metric("bare_counter.updates_per_second", f"{bare_rate:.1f}")
    metric("bare_counter.latency_p50_ms", ms(statistics.median(bare_times)))
    metric("bare_counter.latency_p95_ms", ms(percentile(bare_times, 95)))
    metric("ratio.issue_over_bare_counter", f"{rate / bare_rate:.3f}")
    metric("issue.target_rate_met", "yes" if rate >= 200 else "no")
    metric("issue.target_lock_met", "yes" if percentile(lock_times, 95) < 0.002 else "no")
    # The check: the series of this year has every number once, in date order.
    rows = list(
        Invoice.objects.filter(series=series, year=today.year)
        .order_by("sequence")
        .values_list("sequence", "issue_date")
    )
    sequences = [s for s, _d in rows]
    counter = NumberCounter.objects.get(series=series, year=today.year)
    gapless = sequences == list(range(1, counter.last_number + 1))
    dates = [d for _s, d in rows if d is not None]
    ordered = len(dates) == len(rows) and dates == sorted(dates)
    after = Invoice.objects.exclude(status=InvoiceStatus.DRAFT).count()
    metric("issue.check.numbers", len(sequences))
    metric("issue.check.gapless_unique", "yes" if gapless else "no")
    metric("issue.check.date_order", "yes" if ordered else "no")
    metric("issue.check.new_issued_rows", after - before)
    metric(
        "issue.check.ok",
        "yes" if gapless and ordered and after - before == len(issue_times) else "no",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Invoicing benchmarks (issue 5).")
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed-target", type=float, default=300.0)
    parser.add_argument("--no-seed", action="store_true", help="reuse a seeded database")
    parser.add_argument("--database", default=DB_NAME, help="its name (with --no-seed)")
    parser.add_argument("--issuers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-rate", type=float, default=1500.0, help="drafts to prepare")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (2 x CPUs + 1)")
    parser.add_argument("--skip", action="append", default=[], choices=["pages", "issuing"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]
    db_url = database_url(base_url, args.database if args.no_seed else DB_NAME)
    env = {**os.environ, "DATABASE_URL": db_url}
    metric("invoicing.date", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    metric("invoicing.machine.cpus", len(os.sched_getaffinity(0)))
    metric("invoicing.machine.loadavg", " ".join(os.getloadavg().__repr__()[1:-1].split(", ")))
    if not args.no_seed:
        seed(base_url, args, env)
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if "pages" not in args.skip:
        pages(args, env)
    if "issuing" not in args.skip:
        issuing(args, db_url)
    metric("invoicing.loadavg_after", " ".join(os.getloadavg().__repr__()[1:-1].split(", ")))


if __name__ == "__main__":
    main()
