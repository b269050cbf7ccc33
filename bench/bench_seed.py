"""Times `manage.py seed_demo --members N` on PostgreSQL against a plain-INSERT
baseline, then the share register exports on the database it seeded.

Run by bench/run.sh, which starts a throwaway PostgreSQL and exports
DATABASE_URL (pointing at a database on it) and the production settings.

Each run gets a fresh, freshly migrated, empty database: the schema is migrated
once into a template database and every run is a new `CREATE DATABASE ...
TEMPLATE` copy of it. Only the seed command is timed (the whole process, as a
user would run it). After each seed, the rows it wrote are counted, and the
same number of rows is inserted into a plain table with one
`INSERT ... SELECT generate_series` in a scratch database: that time is the
baseline, so a result can be judged on a noisy or slow machine.

The last run's database is kept for bench/bench_register.py (run in a process
of its own, against it): the share register CSV and PDF exports, timed as
staff get them from the admin, against a PostgreSQL `COPY` baseline.

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DB = "bench_template"
BASELINE_DB = "bench_baseline"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def metric(name: str, value: object) -> None:
    print(f"{name} {value}", flush=True)


def database_url(base_url: str, name: str) -> str:
    return urlsplit(base_url)._replace(path=f"/{name}").geturl()


def connect(base_url: str, name: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(base_url, dbname=name), autocommit=True)


def recreate_database(base_url: str, name: str, template: str | None = None) -> None:
    with connect(base_url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(create)


def drop_database(base_url: str, name: str) -> None:
    with connect(base_url, "postgres") as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def count_rows(base_url: str, name: str) -> int:
    """Exact number of rows in every table of the public schema."""
    with connect(base_url, name) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        total = 0
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            total += row[0] if row else 0
        return total


def machine_metrics(prefix: str, base_url: str) -> None:
    """When and where a benchmark ran: the date (under `prefix`), the CPUs, the
    PostgreSQL version and the load average at the start (other work on a
    shared machine slows every figure; ratios much less)."""
    metric(f"{prefix}date", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    metric("machine.cpus", len(os.sched_getaffinity(0)))
    metric("machine.cpu", cpu_model())
    metric("postgresql.version", server_version(base_url))
    metric("machine.load_average.start", f"{os.getloadavg()[0]:.1f}")


def seed_bench(*, members: int, invoices: int, env: dict[str, str], bookings: int = 0) -> str:
    """`bench/seed.py`: seed_demo's members and shares (and `bookings`
    bookings) through the services, then `invoices` invoices of the plan in bulk
    (bench/seed_bulk.py). Returns its stdout (the counts and "Invoices done in
    N s")."""
    command = [sys.executable, "bench/seed.py", "--members", str(members)]
    command += ["--invoices", str(invoices), "--bookings", str(bookings)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log(result.stdout[-5000:])
        log(result.stderr[-5000:])
        raise SystemExit(f"bench/seed.py failed with exit code {result.returncode}")
    return result.stdout


def manage(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        log(result.stdout)
        log(result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed with exit code {result.returncode}")
    return result


def time_seed(base_url: str, name: str, members: int) -> tuple[float, float | None, float | None]:
    """Wall time of the whole command, and the times it reports for the
    members and for their shares."""
    started = time.perf_counter()
    # The members, their accounts and shares (issue 2's target); invoices and
    # bookings have their own benchmarks (bench_invoicing.py, bench_workspaces.py).
    result = manage(
        "seed_demo",
        "--members",
        str(members),
        "--invoices",
        "0",
        "--bookings",
        "0",
        url=database_url(base_url, name),
    )
    wall = time.perf_counter() - started
    found = re.search(r"Members done in ([0-9.]+) s", result.stdout)
    shares = re.search(r"Shares done in ([0-9.]+) s", result.stdout)
    return (
        wall,
        float(found.group(1)) if found else None,
        float(shares.group(1)) if shares else None,
    )


def bench_register(base_url: str, name: str, args: argparse.Namespace) -> None:
    """bench/bench_register.py on the seeded database; its metrics go to stdout."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_register.py"),
        "--runs",
        str(args.export_runs),
        "--target-seconds",
        f"{args.export_target_seconds:g}",
        "--pdf-budget-seconds",
        f"{args.pdf_budget_seconds:g}",
    ]
    if args.no_pdf:
        command.append("--no-pdf")
    env = {**os.environ, "DATABASE_URL": database_url(base_url, name)}
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"bench_register.py failed with exit code {result.returncode}")


def time_baseline(base_url: str, rows: int) -> float:
    """One committed INSERT of `rows` plain rows into a fresh table."""
    with connect(base_url, BASELINE_DB) as conn:
        conn.execute("DROP TABLE IF EXISTS baseline")
        conn.execute(
            "CREATE TABLE baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " label text NOT NULL, number integer NOT NULL, created timestamptz NOT NULL)"
        )
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(
                "INSERT INTO baseline (label, number, created)"
                " SELECT 'row ' || g, g, now() FROM generate_series(1, %s) AS g",
                (rows,),
            )
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE baseline")
    return elapsed


def server_version(base_url: str) -> str:
    with connect(base_url, "postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip().replace(" ", "_")
    except OSError:
        pass
    return platform.processor().replace(" ", "_") or "unknown"


def summary(name: str, values: list[float], digits: int = 2) -> None:
    metric(f"{name}.median", f"{statistics.median(values):.{digits}f}")
    metric(f"{name}.min", f"{min(values):.{digits}f}")
    metric(f"{name}.max", f"{max(values):.{digits}f}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time seed_demo against a plain-INSERT baseline.")
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target-seconds", type=float, default=60.0)
    parser.add_argument("--export-runs", type=int, default=5, help="register CSV repetitions")
    parser.add_argument("--export-target-seconds", type=float, default=10.0)
    parser.add_argument("--pdf-budget-seconds", type=float, default=300.0)
    parser.add_argument("--no-pdf", action="store_true", help="skip the register PDF")
    parser.add_argument("--no-exports", action="store_true", help="time the seed only")
    args = parser.parse_args()
    # SystemExit inside subprocess.run kills the running manage.py too.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]

    machine_metrics("", base_url)
    metric("seed.members", args.members)
    metric("seed.runs", args.runs)

    log(f"migrating the template database {TEMPLATE_DB}...")
    recreate_database(base_url, TEMPLATE_DB)
    manage("migrate", "--no-input", "-v0", url=database_url(base_url, TEMPLATE_DB))
    rows_before = count_rows(base_url, TEMPLATE_DB)
    recreate_database(base_url, BASELINE_DB)

    seed_times: list[float] = []
    member_times: list[float] = []
    share_times: list[float] = []
    baseline_times: list[float] = []
    kept = ""
    for run in range(1, args.runs + 1):
        name = f"bench_run_{run}"
        recreate_database(base_url, name, template=TEMPLATE_DB)
        log(f"run {run}: seed_demo --members {args.members}...")
        seconds, member_seconds, share_seconds = time_seed(base_url, name, args.members)
        rows = count_rows(base_url, name) - rows_before
        if run == args.runs and not args.no_exports:
            kept = name  # the exports are timed on it below
        else:
            drop_database(base_url, name)
        log(f"run {run}: baseline INSERT of {rows} rows...")
        baseline = time_baseline(base_url, rows)
        log(f"run {run}: seed {seconds:.2f} s, baseline {baseline:.2f} s")
        metric(f"run{run}.seed.seconds", f"{seconds:.2f}")
        if member_seconds is not None:
            metric(f"run{run}.seed.members_seconds", f"{member_seconds:.1f}")
            member_times.append(member_seconds)
        if share_seconds is not None:
            metric(f"run{run}.seed.shares_seconds", f"{share_seconds:.1f}")
            share_times.append(share_seconds)
        metric(f"run{run}.seed.rows_written", rows)
        metric(f"run{run}.baseline.seconds", f"{baseline:.3f}")
        seed_times.append(seconds)
        baseline_times.append(baseline)

    drop_database(base_url, BASELINE_DB)
    drop_database(base_url, TEMPLATE_DB)

    summary("seed.seconds", seed_times)
    if member_times:
        summary("seed.members_seconds", member_times, digits=1)
    if share_times:
        summary("seed.shares_seconds", share_times, digits=1)
    summary("baseline.seconds", baseline_times, digits=3)
    ratio = statistics.median(seed_times) / statistics.median(baseline_times)
    metric("ratio.seed_over_baseline", f"{ratio:.1f}")
    metric("target.seconds", f"{args.target_seconds:g}")
    met = statistics.median(seed_times) < args.target_seconds
    metric("target.met", "yes" if met else "no")

    if kept:
        log(f"share register exports on {kept} (the last run's {args.members} members)...")
        try:
            bench_register(base_url, kept, args)
        finally:
            drop_database(base_url, kept)


if __name__ == "__main__":
    main()
