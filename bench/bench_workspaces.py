"""Workspace booking benchmarks (issue 8), on a throwaway PostgreSQL.

Run by bench/run.sh (production settings, DATABASE_URL pointing at its
server). It makes a fresh database `bench_workspaces`, migrates it, and:

(a) same slot: `--clients` (32) threads, each a logged-in member with its own
    django.test.Client and database connection, POST the same booking (same
    resource, day and hours) to /workspaces/book/ at the same moment (a
    barrier), `--rounds` times on different days. Each round must give
    exactly one booking, the friendly message to all the others, and no
    server error. Reports the rounds, the outcomes and request latencies.

(b) throughput: `--bookings` (100,000) random bookings (a random resource of
    `--resources`, a random day of the next year, a random start 08:00 to
    18:00, one to three hours) inserted by `--workers` threads, each with its
    own psycopg connection, one row per transaction as members book: into
    workspaces_booking (with the exclusion constraint: overlapping rows are
    refused and counted) and into a copy of it with the same columns,
    checks, foreign keys and indexes but no exclusion constraint. Both get
    the same rows; they alternate twice. Then a self-join counts
    overlapping active pairs (must be 0 in workspaces_booking). The ratio
    is constrained seconds / plain seconds (target < 1.5).

(c) grid: the week view of a location with 50 resources (about a third of
    its slots booked), GET /workspaces/locations/<slug>/?view=week through
    django.test.Client in process (server time: middleware, view, template),
    `--grid-runs` times; reports median and p95 (target p95 < 100 ms) and
    the number of queries for 1 and for 50 resources (must be equal).

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import (  # noqa: E402  (bench scripts import each other by path)
    log,
    machine_metrics,
    manage,
    metric,
)
from scratch import django_setup, scratch_database  # noqa: E402

DB_NAME = "bench_workspaces"
PLAIN_TABLE = "bench_booking_plain"
PASSWORD_HASH = "!"  # unusable: the bench logs clients in with force_login


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- Fixtures ------------------------------------------------------------------------------


def make_members(count: int, start: int) -> list[Any]:
    """Members whose share is paid (status "member"), in bulk."""
    from django.contrib.auth.models import User

    from members.models import Member

    users = User.objects.bulk_create(
        User(
            username=f"bench{start + n}",
            email=f"bench{start + n}@example.invalid",
            password=PASSWORD_HASH,
        )
        for n in range(count)
    )
    return Member.objects.bulk_create(
        Member(
            user=u,
            member_number=900_000 + start + n,
            legal_name=f"Bench Member {n}",
            language="en",
            status="member",
        )
        for n, u in enumerate(users)
    )


def make_location(slug: str, resources: int) -> Any:
    from workspaces.models import Location, OpeningHours, Resource

    location = Location.objects.create(
        name=slug.title(),
        slug=slug,
        city="Saint-Gilles",
        street="Rue Coenraets 72",
        postal_code="1060",
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=datetime.time(8), closes=datetime.time(20))
        for d in range(7)
    )
    kinds = ["desk", "meeting_room", "studio"]
    Resource.objects.bulk_create(
        Resource(location=location, name=f"Resource {n:03d}", kind=kinds[n % 3], capacity=1 + n % 8)
        for n in range(resources)
    )
    return location


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


# --- (a) 32 clients, one slot --------------------------------------------------------------


def bench_same_slot(clients: int, rounds: int) -> None:
    from django.db import connection
    from django.urls import reverse

    from workspaces.models import Booking

    location = make_location("same-slot", 1)
    resource = location.resources.get()
    members = make_members(clients, 0)
    http = [client_for(m.user) for m in members]
    today = datetime.date.today()
    outcomes_all: dict[str, int] = {}
    latencies: list[float] = []
    wall_times: list[float] = []
    for round_no in range(1, rounds + 1):
        day = today + datetime.timedelta(days=round_no)
        barrier = threading.Barrier(clients)
        outcomes: list[str] = []

        def click(
            client: Any,
            barrier: threading.Barrier = barrier,
            day: datetime.date = day,
            outcomes: list[str] = outcomes,
        ) -> None:
            try:
                barrier.wait(timeout=60)
                started = time.perf_counter()
                response = client.post(
                    reverse("workspaces:book"),
                    {
                        "resource": resource.pk,
                        "day": day.isoformat(),
                        "start": "10:00",
                        "end": "12:00",
                    },
                    HTTP_HX_REQUEST="true",
                    secure=True,
                )
                latencies.append(time.perf_counter() - started)
                body = response.content.decode()
                if response.status_code >= 500:
                    outcomes.append("server_error")
                elif response.get("HX-Trigger") == "bookingsChanged":
                    outcomes.append("booked")
                elif "already booked at that time" in body:
                    outcomes.append("friendly_message")
                else:
                    outcomes.append(f"other_{response.status_code}")
            except Exception as exc:  # reported, never hidden
                outcomes.append(f"exception_{type(exc).__name__}")
            finally:
                connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=click, args=(c,)) for c in http]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall_times.append(time.perf_counter() - started)
        for outcome in outcomes:
            outcomes_all[outcome] = outcomes_all.get(outcome, 0) + 1
        saved = Booking.objects.filter(resource=resource, starts_at__date=day).count()
        log(f"same slot round {round_no}: {sorted(outcomes)[:1]}... saved {saved}")
        if outcomes.count("booked") != 1 or saved != 1:
            metric("same_slot.ok", "no")
            raise SystemExit(f"round {round_no}: {outcomes}, {saved} saved")
    metric("same_slot.clients", clients)
    metric("same_slot.rounds", rounds)
    for outcome, count in sorted(outcomes_all.items()):
        metric(f"same_slot.{outcome}", count)
    metric("same_slot.ok", "yes")
    metric("same_slot.round_seconds.median", f"{statistics.median(wall_times):.3f}")
    metric("same_slot.request_ms.median", f"{statistics.median(latencies) * 1000:.0f}")
    metric("same_slot.request_ms.max", f"{max(latencies) * 1000:.0f}")


# --- (b) 100,000 random bookings, with and without the constraint ---------------------------


INSERT = (
    "INSERT INTO {table} (resource_id, kind, member_id, starts_at, ends_at, status, note,"
    " created_at, cancellation_reason, rules_used)"
    " VALUES (%s, 'member', %s, %s, %s, 'active', '', now(), '', '{{}}')"
)


Row = tuple[int, int, datetime.datetime, datetime.datetime]


def random_rows(count: int, resource_ids: list[int], member_ids: list[int], seed: int) -> list[Row]:
    from workspaces.models import TIME_ZONE

    rng = random.Random(seed)
    first = datetime.date.today() + datetime.timedelta(days=1)
    rows = []
    for _ in range(count):
        day = first + datetime.timedelta(days=rng.randrange(365))
        start = datetime.datetime.combine(
            day, datetime.time(rng.randrange(8, 18), rng.choice([0, 30])), tzinfo=TIME_ZONE
        )
        end = start + datetime.timedelta(minutes=30 * rng.randrange(2, 7))
        rows.append((rng.choice(resource_ids), rng.choice(member_ids), start, end))
    return rows


def insert_concurrently(
    conninfo: str, table: str, chunks: list[list[tuple]]
) -> tuple[float, int, int]:
    """Each worker inserts its chunk, one row per transaction (autocommit);
    returns seconds, rows accepted, rows refused as overlapping."""
    query = INSERT.format(table=table)
    accepted = [0] * len(chunks)
    refused = [0] * len(chunks)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(chunks) + 1)

    def work(index: int, rows: list[tuple]) -> None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("SET synchronous_commit TO on")
                barrier.wait()
                for row in rows:
                    try:
                        conn.execute(query, row)
                        accepted[index] += 1
                    except psycopg.errors.ExclusionViolation:
                        refused[index] += 1
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(chunks)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"insert workers failed: {errors[:3]}")
    return elapsed, sum(accepted), sum(refused)


def overlapping_pairs(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(
        f"SELECT count(*) FROM {table} a JOIN {table} b"
        " ON a.resource_id = b.resource_id AND a.id < b.id"
        " AND a.status = 'active' AND b.status = 'active'"
        " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
    ).fetchone()
    return int(row[0]) if row else -1


def create_plain_table(conn: psycopg.Connection) -> None:
    """Same columns, defaults, checks, keys and indexes as workspaces_booking,
    without the exclusion constraint."""
    conn.execute(f"DROP TABLE IF EXISTS {PLAIN_TABLE}")
    conn.execute(
        f"CREATE TABLE {PLAIN_TABLE} (LIKE workspaces_booking INCLUDING DEFAULTS"
        " INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING GENERATED)"
    )
    conn.execute(f"ALTER TABLE {PLAIN_TABLE} ADD PRIMARY KEY (id)")
    conn.execute(f"CREATE INDEX ON {PLAIN_TABLE} (resource_id, starts_at)")
    conn.execute(f"CREATE INDEX ON {PLAIN_TABLE} (member_id, starts_at)")
    keys = [
        ("resource_id", "workspaces_resource"),
        ("member_id", "members_member"),
        ("created_by_id", "auth_user"),
        ("cancelled_by_id", "auth_user"),
    ]
    for column, target in keys:
        conn.execute(
            f"ALTER TABLE {PLAIN_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {target} (id)"
            " DEFERRABLE INITIALLY DEFERRED"
        )
    exclusion = conn.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'x'",
        (PLAIN_TABLE,),
    ).fetchone()
    if exclusion and exclusion[0]:
        raise SystemExit("the plain copy has an exclusion constraint")


def bench_inserts(conninfo: str, bookings: int, workers: int, resources: int) -> None:
    from members.models import Member

    location = make_location("throughput", resources)
    resource_ids = list(location.resources.values_list("pk", flat=True))
    member_ids = list(Member.objects.values_list("pk", flat=True))
    rows = random_rows(bookings, resource_ids, member_ids, seed=2026)
    chunks = [rows[i::workers] for i in range(workers)]
    results: dict[str, list[float]] = {"constrained": [], "plain": []}
    counts: dict[str, tuple[int, int]] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for round_no in (1, 2):
            for kind, table in (("plain", PLAIN_TABLE), ("constrained", "workspaces_booking")):
                if kind == "plain":
                    create_plain_table(conn)
                else:
                    conn.execute(
                        "DELETE FROM workspaces_booking WHERE resource_id = ANY(%s)",
                        (resource_ids,),
                    )
                conn.execute(f"VACUUM ANALYZE {table}")
                log(f"inserts round {round_no}: {kind}, {bookings} rows by {workers} workers...")
                seconds, accepted, refused = insert_concurrently(conninfo, table, chunks)
                log(f"  {seconds:.1f} s, {accepted} accepted, {refused} refused")
                results[kind].append(seconds)
                counts[kind] = (accepted, refused)
        overlaps = overlapping_pairs(conn, "workspaces_booking")
        plain_overlaps = overlapping_pairs(conn, PLAIN_TABLE)
        conn.execute(f"DROP TABLE {PLAIN_TABLE}")
    metric("inserts.bookings", bookings)
    metric("inserts.workers", workers)
    metric("inserts.resources", resources)
    for kind in ("plain", "constrained"):
        for round_no, seconds in enumerate(results[kind], 1):
            metric(f"inserts.{kind}.run{round_no}.seconds", f"{seconds:.2f}")
        best = statistics.median(results[kind])
        metric(f"inserts.{kind}.seconds.median", f"{best:.2f}")
        metric(f"inserts.{kind}.rows_per_second", f"{bookings / best:.0f}")
        metric(f"inserts.{kind}.accepted", counts[kind][0])
        metric(f"inserts.{kind}.refused_overlapping", counts[kind][1])
    metric("inserts.overlapping_pairs.constrained", overlaps)
    metric("inserts.overlapping_pairs.plain_copy", plain_overlaps)
    ratio = statistics.median(results["constrained"]) / statistics.median(results["plain"])
    metric("inserts.ratio.constrained_over_plain", f"{ratio:.2f}")
    metric("inserts.ratio.target", "1.5")
    metric("inserts.ratio.met", "yes" if ratio < 1.5 else "no")
    if overlaps != 0:
        raise SystemExit(f"{overlaps} overlapping bookings in workspaces_booking")


# --- (c) the week grid of 50 resources ------------------------------------------------------


def bench_grid(runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from workspaces import services
    from workspaces.models import Booking, BookingKind, Resource

    viewer = make_members(1, 10_000)[0]
    client = client_for(viewer.user)
    small = make_location("grid-one", 1)
    big = make_location("grid-fifty", 50)
    today = datetime.date.today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    members = make_members(50, 20_000)
    rng = random.Random(7)
    rows = []
    for resource in Resource.objects.filter(location__in=[small, big]):
        for offset in range(7):
            day = monday + datetime.timedelta(days=offset)
            hour = 8
            while hour < 20:
                length = rng.choice([1, 2, 3])
                if hour + length <= 20 and rng.random() < 0.35:
                    rows.append(
                        Booking(
                            resource=resource,
                            kind=BookingKind.MEMBER,
                            member=members[rng.randrange(len(members))],
                            starts_at=services.local_datetime(day, datetime.time(hour)),
                            ends_at=services.local_datetime(day, datetime.time(hour + length)),
                        )
                    )
                hour += length
    Booking.objects.bulk_create(rows)
    metric("grid.bookings_in_week", len(rows))

    def url(slug: str) -> str:
        return reverse("workspaces:location", args=[slug]) + f"?view=week&date={monday}"

    queries = {}
    for name, location in (("one", small), ("fifty", big)):
        client.get(url(location.slug), secure=True)  # warm the caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(location.slug), secure=True)
        assert response.status_code == 200, response.status_code
        queries[name] = len(captured.captured_queries)
        metric(f"grid.queries.{name}_resource{'s' if name == 'fifty' else ''}", queries[name])
    metric("grid.queries.fixed", "yes" if queries["one"] == queries["fifty"] else "no")
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url(big.slug), secure=True)
        times.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
        if response.status_code != 200:
            raise SystemExit(f"grid: HTTP {response.status_code}")
    metric("grid.resources", 50)
    metric("grid.runs", runs)
    metric("grid.html_bytes", len(response.content))
    metric("grid.ms.median", f"{statistics.median(times) * 1000:.1f}")
    metric("grid.ms.p95", f"{percentile(times, 0.95) * 1000:.1f}")
    metric("grid.ms.max", f"{max(times) * 1000:.1f}")
    # The CPU time of the request's thread: what the server spends on it
    # (PostgreSQL's share excluded), whatever else the machine is running.
    metric("grid.cpu_ms.median", f"{statistics.median(cpu) * 1000:.1f}")
    metric("grid.cpu_ms.p95", f"{percentile(cpu, 0.95) * 1000:.1f}")
    metric("grid.target.p95_ms", 100)
    metric("grid.target.met", "yes" if percentile(times, 0.95) < 0.1 else "no")


def main() -> None:
    parser = argparse.ArgumentParser(description="Workspace booking benchmarks.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--grid-runs", type=int, default=200)
    parser.add_argument(
        "--parts", default="a,b,c", help="which benchmarks: a (same slot), b (inserts), c (grid)"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    base_url = os.environ["DATABASE_URL"]

    machine_metrics("workspaces.", base_url)
    with (
        tempfile.TemporaryDirectory(prefix="bench-static-", ignore_cleanup_errors=True) as static,
        scratch_database(base_url, DB_NAME) as url,
    ):
        # Pages render {% static %} through the manifest, as in production.
        os.environ["STATIC_ROOT"] = static
        manage("collectstatic", "--no-input", "-v0", url=url)
        django_setup(url)
        from django.conf import settings

        conninfo = make_conninfo(url)
        settings.DATABASES["default"]["CONN_MAX_AGE"] = 0  # threads close their own
        if "a" in parts:
            log(f"(a) {args.clients} clients on one slot, {args.rounds} rounds...")
            bench_same_slot(args.clients, args.rounds)
        if "c" in parts:
            log(f"(c) week grid of 50 resources, {args.grid_runs} requests...")
            bench_grid(args.grid_runs)
        if "b" in parts:
            if "a" not in parts:
                make_members(args.clients, 0)  # the bookings' members
            log(f"(b) {args.bookings} random bookings by {args.workers} workers...")
            bench_inserts(conninfo, args.bookings, args.workers, args.resources)
        metric("machine.load_average.end", f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
