"""Every admin changelist at the cooperative's size (issue 15), on the
throwaway PostgreSQL and Redis of bench/run.sh (production settings).

1. Seed a fresh database with `bench/seed.py --members M --invoices N
   --bookings B` (members and shares through the services, the invoices of
   the demo plan in bulk, bookings through the services); then the nightly
   compliance run once, so findings and runs exist.
2. In this process, as a staff user of the Administrators group with
   two-factor on, through django.test.Client: each changelist of the admin
   site `--runs` times after one warm request (session, rules catalogue,
   content types), timed around the whole request and response. Against it,
   in the same run, the one-query view of bench/one_query.py (the floor of
   any page on this stack), requested the same number of times.
3. Per changelist: median and p95 in ms, and the ratio of its p95 to the
   one-query view's p95. Target: p95 < 150 ms for every changelist.

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import log, machine_metrics, manage, metric, seed_bench  # noqa: E402
from one_query import ms, percentile  # noqa: E402
from scratch import django_setup, scratch_database  # noqa: E402

DB_NAME = "bench_admin"
TARGET_P95 = 0.150


def administrator() -> Any:
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user = User.objects.create(username="bench-admin", email="bench-admin@example.invalid")
    user.is_staff = True
    user.save()
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    user.groups.add(Group.objects.get(name="Administrators"))
    client = Client(HTTP_HOST="localhost")  # a host of ALLOWED_HOSTS, over https
    client.force_login(user)
    return client


def timed(client: Any, url: str, runs: int) -> list[float]:
    response = client.get(url, secure=True)  # warm
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {response.status_code}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--bookings", type=int, default=9_600)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    base_url = os.environ["DATABASE_URL"]
    machine_metrics("admin.", base_url)
    with (
        tempfile.TemporaryDirectory(prefix="bench-static-", ignore_cleanup_errors=True) as static,
        scratch_database(base_url, DB_NAME) as url,
    ):
        # Admin pages render {% static %} through the manifest, as in production.
        os.environ["STATIC_ROOT"] = static
        manage("collectstatic", "--no-input", "-v0", url=url)
        env = {**os.environ, "DATABASE_URL": url}
        log(f"admin: bench/seed.py --members {args.members} --invoices {args.invoices}...")
        started = time.perf_counter()
        seed_bench(members=args.members, invoices=args.invoices, env=env, bookings=args.bookings)
        metric("admin.seed_seconds", f"{time.perf_counter() - started:.1f}")
        django_setup(url)
        from django.conf import settings
        from django.contrib import admin
        from django.urls import reverse

        from compliance.services import compliance_run

        compliance_run()
        settings.ROOT_URLCONF = "one_query"
        client = administrator()
        metric("admin.runs", args.runs)
        baseline = timed(client, "/bench/one-query/", args.runs)
        floor = percentile(baseline, 95)
        metric("admin.one_query.p95_ms", ms(floor))
        missed = []
        for model in sorted(admin.site._registry, key=lambda m: m._meta.label_lower):
            name = f"{model._meta.app_label}_{model._meta.model_name}"
            times = timed(client, reverse(f"admin:{name}_changelist"), args.runs)
            p95 = percentile(times, 95)
            metric(f"admin.{name}.rows", model._default_manager.count())
            metric(f"admin.{name}.p50_ms", ms(percentile(times, 50)))
            metric(f"admin.{name}.p95_ms", ms(p95))
            metric(f"admin.{name}.ratio_to_one_query", f"{p95 / floor:.1f}")
            if p95 >= TARGET_P95:
                missed.append(name)
        metric("admin.target_p95_ms", ms(TARGET_P95))
        metric("admin.target_missed", ",".join(missed) or "none")
        metric("machine.load_average.end", f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
