"""General assembly benchmarks (issue 18), on a throwaway PostgreSQL.

Run by bench/run.sh (BENCH_ONLY=governance for this part alone; production
settings, DATABASE_URL pointing at its server). It makes a fresh database
`bench_governance`, migrates it, and:

(a) tally: an assembly with 10 resolutions and `--voters` (16,000) members
    who voted on every one (160,000 ballots, written straight into the
    ballot tables); governance.selectors.tally (the one-query count)
    `--tally-runs` times, median against the target of 1 s; then the whole
    count once (services.assembly_count: reshuffle of every ballot, tally,
    decisions, VACUUM).

(b) voting: `--clients` (32) threads, each with its own django.test.Client
    (logged in as its own members) and database connection, POST ballots to
    /assemblies/<pk>/vote/ in process (middleware, view, service, template),
    each member voting on the 10 resolutions, `--voters-per-client` members
    per thread; then the same threads GET a one-query view as the baseline.
    Reports p50 and p95 of both and the ratio of the p95s (target p95 of a
    vote < 100 ms).

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import log, machine_metrics, manage, metric  # noqa: E402
from one_query import ms, percentile  # noqa: E402
from scratch import django_setup, scratch_database  # noqa: E402

DB_NAME = "bench_governance"
RESOLUTIONS = 10


def make_members(count: int, offset: int) -> list[Any]:
    from django.contrib.auth.models import User

    from members.models import Member

    users = User.objects.bulk_create(
        (
            User(username=f"ga{offset + n}", email=f"ga{offset + n}@example.be")
            for n in range(count)
        ),
        batch_size=2000,
    )
    return Member.objects.bulk_create(
        (
            Member(
                user=u,
                member_number=700000 + offset + n,
                legal_name=f"Member {offset + n}",
                status="member",
                language="en",
            )
            for n, u in enumerate(users)
        ),
        batch_size=2000,
    )


def make_assembly(*, voting_open: bool) -> tuple[Any, Any]:
    """An assembly convened 20 days ahead with 10 ordinary resolutions; its
    voting window is moved (in the database) to now when `voting_open`, or to
    the past for the count."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from governance import services
    from governance.models import Assembly
    from workspaces.models import Location, Resource

    staff = User.objects.create(username=f"staff{time.monotonic_ns()}", is_staff=True)
    location = Location.objects.create(
        name=f"Hall {time.monotonic_ns()}", slug=f"hall-{time.monotonic_ns()}", city="Brussels"
    )
    room = Resource.objects.create(location=location, name="Main hall", kind="meeting_room")
    start = timezone.now() + datetime.timedelta(days=20)
    assembly = services.assembly_create(
        title="Bench GA",
        resource=room,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        remote_allowed=True,
        voting_opens_at=start - datetime.timedelta(days=1),
        voting_closes_at=start + datetime.timedelta(hours=3),
        record_date=timezone.localdate(),
        acting_user=staff,
    )
    for n in range(RESOLUTIONS):
        item = services.agenda_item_add(
            assembly=assembly, title=f"Item {n + 1}", description="", acting_user=staff
        )
        services.resolution_add(
            item=item, kind="ordinary", text="Approve.", seats=1, candidates=[], acting_user=staff
        )
    services.assembly_convene(assembly=assembly, acting_user=staff)
    now = timezone.now()
    if voting_open:
        window = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))
    else:
        window = (now - datetime.timedelta(days=2), now - datetime.timedelta(minutes=1))
    Assembly.objects.filter(pk=assembly.pk).update(
        voting_opens_at=window[0], voting_closes_at=window[1]
    )
    assembly.refresh_from_db()
    return assembly, staff


def bench_tally(voters: int, runs: int) -> None:
    import hashlib
    import random

    from governance import selectors, services
    from governance.models import Ballot, BallotMark, Option, VoteCast

    assembly, staff = make_assembly(voting_open=False)
    members = make_members(voters, 0)
    options = list(Option.objects.filter(resolution__item__assembly=assembly))
    by_resolution: dict[int, list[Any]] = {}
    for option in options:
        by_resolution.setdefault(option.resolution_id, []).append(option)
    rng = random.Random(18)
    log(f"    writing {voters * RESOLUTIONS} ballots...")
    for resolution_id, choices in by_resolution.items():
        VoteCast.objects.bulk_create(
            (VoteCast(resolution_id=resolution_id, member=m, cast_by=m) for m in members),
            batch_size=5000,
        )
        ballots = [
            Ballot(
                resolution_id=resolution_id,
                receipt_hash=hashlib.sha256(f"{resolution_id}-{m.pk}".encode()).hexdigest(),
            )
            for m in members
        ]
        Ballot.objects.bulk_create(ballots, batch_size=5000)
        BallotMark.objects.bulk_create(
            (BallotMark(ballot=b, option=rng.choice(choices)) for b in ballots), batch_size=5000
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE governance_ballot")
        cursor.execute("VACUUM ANALYZE governance_ballotmark")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        counts = selectors.tally(assembly=assembly)
        timings.append(time.perf_counter() - started)
    assert sum(c.marks for c in counts) == voters * RESOLUTIONS
    median = statistics.median(timings)
    metric("governance.tally.ballots", voters * RESOLUTIONS)
    metric("governance.tally.median_s", f"{median:.3f}")
    metric("governance.tally.min_s", f"{min(timings):.3f}")
    metric("governance.tally.max_s", f"{max(timings):.3f}")
    metric("governance.tally.target_met", median < 1.0)
    started = time.perf_counter()
    services.assembly_count(assembly=assembly, acting_user=staff)
    metric("governance.count_with_reshuffle_s", f"{time.perf_counter() - started:.2f}")


def bench_voting(clients: int, per_client: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    from governance.models import Ballot, Option

    settings.ROOT_URLCONF = "one_query"
    clear_url_caches()
    assembly, _staff = make_assembly(voting_open=True)
    members = make_members(clients * per_client, 100_000)
    yes = {
        o.resolution_id: o.pk
        for o in Option.objects.filter(resolution__item__assembly=assembly, kind="yes")
    }
    url = reverse("governance:vote", args=[assembly.pk])
    latencies: list[float] = []
    baseline: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def run(chunk: list[Any]) -> None:
        mine: list[float] = []
        base: list[float] = []
        try:
            barrier.wait(timeout=120)
            for member in chunk:
                client = Client()
                client.force_login(member.user)
                for resolution_id, option_id in yes.items():
                    started = time.perf_counter()
                    response = client.post(url, {"resolution": resolution_id, "option": option_id})
                    mine.append(time.perf_counter() - started)
                    if response.status_code != 200 or b"data-receipt>" not in response.content:
                        errors.append(f"{response.status_code}")
            barrier.wait(timeout=600)
            client = Client()
            for _ in range(len(mine)):
                started = time.perf_counter()
                client.get("/bench/one-query/")
                base.append(time.perf_counter() - started)
        except BaseException as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                baseline.extend(base)

    chunks = [members[i * per_client : (i + 1) * per_client] for i in range(clients)]
    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        log(f"    errors: {errors[:5]}")
    metric("governance.vote.requests", len(latencies))
    metric("governance.vote.errors", len(errors))
    metric(
        "governance.vote.ballots_stored",
        Ballot.objects.filter(resolution__item__assembly=assembly).count(),
    )
    metric("governance.vote.p50_ms", ms(percentile(latencies, 50)))
    metric("governance.vote.p95_ms", ms(percentile(latencies, 95)))
    metric("governance.one_query.p50_ms", ms(percentile(baseline, 50)))
    metric("governance.one_query.p95_ms", ms(percentile(baseline, 95)))
    metric(
        "governance.vote.p95_ratio_to_one_query",
        f"{percentile(latencies, 95) / percentile(baseline, 95):.1f}",
    )
    metric("governance.vote.target_met", percentile(latencies, 95) < 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description="General assembly benchmarks.")
    parser.add_argument("--voters", type=int, default=16_000)
    parser.add_argument("--tally-runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--voters-per-client", type=int, default=5)
    parser.add_argument("--parts", default="a,b", help="a (tally), b (voting)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    base_url = os.environ["DATABASE_URL"]
    machine_metrics("governance.", base_url)
    with (
        tempfile.TemporaryDirectory(prefix="bench-static-", ignore_cleanup_errors=True) as static,
        scratch_database(base_url, DB_NAME) as url,
    ):
        os.environ["STATIC_ROOT"] = static
        manage("collectstatic", "--no-input", "-v0", url=url)
        django_setup(url)
        from django.conf import settings

        settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
        if "a" in parts:
            log(f"(a) tally of {args.voters} voters x {RESOLUTIONS} resolutions...")
            bench_tally(args.voters, args.tally_runs)
        if "b" in parts:
            log(f"(b) {args.clients} concurrent voters...")
            bench_voting(args.clients, args.voters_per_client)
        metric("machine.load_average.end", f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
