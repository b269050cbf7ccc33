"""The nightly compliance run at the cooperative's size (issue 9), on a
throwaway PostgreSQL started by bench/run.sh.

1. Seed: `bench/seed.py --members 30000 --invoices 1000000` (bookings
   included) into a fresh, freshly migrated database.
2. Shape what seed_demo leaves out but production always has, so that the
   checks examine a platform in order rather than report a million findings:
   every issued invoice and credit note gets its PDF and UBL rows (pointing at
   `--files` real files per format written to a scratch DOCUMENTS_ROOT, with
   their true SHA-256, so the integrity check really hashes bytes), and every
   one routed over Peppol a delivered transmission. The problems seed_demo
   does make (overdue invoices, members short of shares, invalid numbers...)
   stay, and become findings.
3. Baseline: after a VACUUM ANALYZE (what autovacuum keeps true in
   production), `SELECT count(*) FROM invoicing_invoice`, 5 times, warm: the
   median (an index-only scan); and for scale the same count forced through
   a sequential scan.
4. The run: `compliance.services.compliance_run()` in this process, `--runs`
   times (the first one opens the findings, the next ones find them again,
   as every night does): each run's wall time, and each check's time from
   its recorded result. Targets: the run under 60 s, and at most 10 times
   the baseline.

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import hashlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import (  # noqa: E402  (bench scripts import each other by path)
    cpu_model,
    database_url,
    log,
    manage,
    metric,
    recreate_database,
    seed_bench,
    server_version,
)

DB_NAME = "bench_compliance"
FILE_SIZES = {"pdf": 40_000, "ubl": 60_000}  # about what the renderers produce


def seed(base_url: str, args: argparse.Namespace) -> None:
    url = database_url(base_url, DB_NAME)
    recreate_database(base_url, DB_NAME)
    log("compliance: migrating...")
    manage("migrate", "--no-input", "-v0", url=url)
    log(f"compliance: bench/seed.py --members {args.members} --invoices {args.invoices}...")
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url}
    seed_bench(members=args.members, invoices=args.invoices, env=env)
    metric("compliance.seed_seconds", f"{time.perf_counter() - started:.1f}")


def shape(files: int) -> None:
    """Stored documents and Peppol transmissions for every issued invoice."""
    from django.db import connection, transaction

    from documents.models import InvoiceDocument
    from einvoicing.models import PeppolTransmission
    from einvoicing.selectors import peppol_routed_invoices

    storage = InvoiceDocument._meta.get_field("file").storage
    rows = []
    for format, size in FILE_SIZES.items():
        for k in range(files):
            content = os.urandom(size)
            name = f"bench/{format}-{k}.{'pdf' if format == 'pdf' else 'xml'}"
            path = Path(storage.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            rows.append((format, k, name, hashlib.sha256(content).hexdigest(), size))
    documents = InvoiceDocument._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PeppolTransmission._meta.db_table}")
        cursor.execute(
            "CREATE TEMP TABLE bench_files (format text, k int, name text, sha text, size int)"
        )
        cursor.executemany("INSERT INTO bench_files VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.execute(
            f"""
            INSERT INTO {documents} (invoice_id, format, file, filename, mimetype, size, sha256,
                                     created_at)
            SELECT i.id, f.format, f.name, i.number || CASE f.format WHEN 'pdf' THEN '.pdf'
                   ELSE '.xml' END, CASE f.format WHEN 'pdf' THEN 'application/pdf'
                   ELSE 'application/xml' END, f.size, f.sha, i.issued_at
            FROM invoicing_invoice i JOIN bench_files f ON f.k = i.id %% %s
            WHERE i.status <> 'draft'
            ON CONFLICT DO NOTHING
            """,
            [files],
        )
        log(f"compliance: {cursor.rowcount} document rows")
        routed_sql, routed_params = peppol_routed_invoices().values("pk").query.sql_with_params()
        cursor.execute(
            f"""
            INSERT INTO {PeppolTransmission._meta.db_table} (invoice_id, receiver, status,
                attempts, provider_id, provider_message, created_at, sent_at, delivered_at)
            SELECT i.id, '0208:0000000097', 'delivered', 1, 'bench-' || i.id, '', i.issued_at,
                   i.issued_at, i.issued_at
            FROM invoicing_invoice i WHERE i.id IN ({routed_sql})
            """,
            routed_params,
        )
        log(f"compliance: {cursor.rowcount} delivered Peppol transmissions")
    # What autovacuum has long done on a production database: the visibility
    # map (so count(*) can read the index alone) and fresh statistics.
    log("compliance: VACUUM ANALYZE...")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def count_baseline(repeat: int = 5) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM invoicing_invoice")
            (rows,) = cursor.fetchone()
            times.append(time.perf_counter() - started)
    metric("compliance.invoices", rows)
    median = statistics.median(times[1:])  # the first one warms the cache
    metric("compliance.count_star_ms", f"{median * 1000:.1f}")
    # For scale: the same count forced through a sequential scan of the table.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexonlyscan = off")
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        seq = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM invoicing_invoice")
            cursor.fetchone()
            seq.append(time.perf_counter() - started)
        cursor.execute("RESET enable_indexonlyscan")
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET enable_bitmapscan")
    metric("compliance.count_star_seqscan_ms", f"{statistics.median(seq) * 1000:.1f}")
    return median


def nightly(runs: int, baseline: float, target: float) -> None:
    from compliance.models import CheckResult
    from compliance.services import compliance_run

    walls = []
    for index in range(runs):
        started = time.perf_counter()
        run = compliance_run()
        wall = time.perf_counter() - started
        walls.append(wall)
        metric(f"compliance.run{index + 1}.seconds", f"{wall:.2f}")
        metric(f"compliance.run{index + 1}.found", run.found)
        metric(f"compliance.run{index + 1}.new", run.new)
        metric(f"compliance.run{index + 1}.failed_checks", run.failed_checks)
        for result in CheckResult.objects.filter(run=run).order_by("check_key"):
            metric(f"compliance.run{index + 1}.{result.check_key}.ms", result.milliseconds)
            metric(f"compliance.run{index + 1}.{result.check_key}.found", result.found)
            if not result.ok:
                log(f"{result.check_key} failed:\n{result.error}")
    # Every night but the first finds what it found before: the steady state.
    steady = statistics.median(walls[1:]) if len(walls) > 1 else walls[0]
    metric("compliance.run_seconds_median", f"{steady:.2f}")
    metric("compliance.run_target_seconds", f"{target:g}")
    metric("compliance.run_target_met", "yes" if steady < target else "no")
    ratio = steady / baseline
    metric("compliance.ratio_to_count_star", f"{ratio:.0f}")
    metric("compliance.ratio_target_met", "yes" if ratio <= 10 else "no")


def main() -> None:
    parser = argparse.ArgumentParser(description="Nightly compliance benchmark (issue 9).")
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=500, help="distinct files per format")
    parser.add_argument("--target-seconds", type=float, default=60.0)
    parser.add_argument("--no-seed", action="store_true", help="reuse a seeded database")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]
    metric("compliance.date", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    metric("compliance.machine.cpus", len(os.sched_getaffinity(0)))
    metric("compliance.machine.cpu", cpu_model())
    metric("compliance.postgresql", server_version(base_url))
    if not args.no_seed:
        seed(base_url, args)
    os.environ["DATABASE_URL"] = database_url(base_url, DB_NAME)
    documents_root = tempfile.mkdtemp(prefix="bench-compliance-documents-")
    os.environ["DOCUMENTS_ROOT"] = documents_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")
    import django

    django.setup()
    try:
        log("compliance: documents and transmissions...")
        shape(args.files)
        baseline = count_baseline()
        nightly(args.runs, baseline, args.target_seconds)
    finally:
        shutil.rmtree(documents_root, ignore_errors=True)
    metric("compliance.loadavg_after", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
