"""Times the share register exports on a seeded database, as staff get them.

Run by bench/bench_seed.py in a process of its own, on the database its last
run seeded (`seed_demo --members N`, which also seeds the shares), with
DATABASE_URL pointing at it and the production settings of bench/run.sh.

- CSV: the admin view `register.csv` requested through django.test.Client,
  in process, as a logged-in staff user with a TOTP authenticator and the
  shares.view_registerentry permission; the streamed body is read to the end.
  Timed `--runs` times (`register.csv.seconds`).
- Baseline: PostgreSQL alone producing the same CSV: the same grouped query
  in `COPY (SELECT ...) TO STDOUT (FORMAT csv)`, read through the same
  connection (`register.baseline.seconds`). The ratio of the medians says how
  much the application adds, whatever the machine.
- Selector: `shares.selectors.register_rows` consumed without HTTP or CSV,
  to show where the time goes (`register.selector.seconds`).
- PDF: the WeasyPrint export of the whole register once, through the admin
  view, when a two-sample estimate says it fits in `--pdf-budget-seconds`;
  otherwise the first holders only, as many as the budget allows, through
  the same `shares.documents.register_pdf` the view calls (`register.pdf.*`).
  The estimate fits t = a * n**k through PDFs of the first 1,000 and 2,000
  holders, after a first small document that pays WeasyPrint's start-up
  (font loading), which is reported apart.

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import math
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_USERNAME = "bench-staff"
PDF_SAMPLES = (1000, 2000)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def metric(name: str, value: object) -> None:
    print(f"{name} {value}", flush=True)


def summary(name: str, values: list[float], digits: int = 2) -> None:
    metric(f"{name}.median", f"{statistics.median(values):.{digits}f}")
    metric(f"{name}.min", f"{min(values):.{digits}f}")
    metric(f"{name}.max", f"{max(values):.{digits}f}")


def staff_client() -> Any:
    """A test Client logged in as a staff user with two-factor on and the
    permission to view the register (the admin refuses staff without TOTP)."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Permission, User
    from django.test import Client

    user, created = User.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"email": "bench-staff@example.invalid", "is_staff": True}
    )
    if created:
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="shares", codename="view_registerentry")
        )
    # A host of ALLOWED_HOSTS, over https as production redirects plain http.
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def get(client: Any, url: str) -> Any:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {response.status_code} {response.get('Location', '')}")
    return response


def time_csv(client: Any, url: str) -> tuple[float, int, int]:
    """Seconds to get and read the whole streamed CSV; its data rows and bytes."""
    started = time.perf_counter()
    response = get(client, url)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return time.perf_counter() - started, lines - 1, size


def time_baseline(as_of: Any) -> tuple[float, int]:
    """PostgreSQL alone: the register's grouped query as CSV via COPY TO STDOUT."""
    from django.db import connection
    from psycopg import sql

    from members.models import Member
    from shares.models import RegisterEntry

    query = sql.SQL(
        "COPY (SELECT m.member_number, m.legal_name,"
        " concat_ws(', ', nullif(m.street, ''), nullif(trim(m.postal_code || ' ' || m.city), ''),"
        " nullif(m.country, '')), m.enterprise_number, m.category, sum(e.quantity),"
        " coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0),"
        " -coalesce(sum(e.amount) FILTER (WHERE e.amount < 0), 0), count(*), min(e.effective_on)"
        " FROM {entries} e JOIN {members} m ON m.id = e.member_id"
        " WHERE e.effective_on <= {as_of} GROUP BY m.id ORDER BY m.member_number)"
        " TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)"
    ).format(
        entries=sql.Identifier(RegisterEntry._meta.db_table),
        members=sql.Identifier(Member._meta.db_table),
        as_of=sql.Literal(as_of),
    )
    started = time.perf_counter()
    lines = 0
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for data in copy:
            lines += bytes(data).count(b"\n")
    return time.perf_counter() - started, lines - 1


def time_selector(as_of: Any) -> tuple[float, int]:
    from shares import selectors

    started = time.perf_counter()
    rows = sum(1 for _row in selectors.register_rows(as_of=as_of))
    return time.perf_counter() - started, rows


def time_pdf_sample(rows: list[Any], as_of: Any, totals: dict[str, Any]) -> tuple[float, int]:
    from shares import documents

    started = time.perf_counter()
    pdf = documents.register_pdf(rows, as_of, totals)
    return time.perf_counter() - started, len(pdf)


def bench_pdf(client: Any, url: str, as_of: Any, budget: float) -> None:
    from shares import selectors

    rows = list(selectors.register_rows(as_of=as_of))
    totals = selectors.register_totals(as_of=as_of)
    holders = len(rows)
    # WeasyPrint's first document in a process also loads its fonts: timed
    # apart, so that it does not bend the estimate.
    warm_up, _size = time_pdf_sample(rows[:10], as_of, totals)
    metric("register.pdf.first_document_seconds", f"{warm_up:.1f}")
    samples = [n for n in PDF_SAMPLES if n < holders]
    seconds: dict[int, float] = {}
    sample_sizes: dict[int, int] = {}
    for n in samples:
        log(f"register: PDF of the first {n} holders...")
        seconds[n], sample_sizes[n] = time_pdf_sample(rows[:n], as_of, totals)
        metric(f"register.pdf.sample{n}.seconds", f"{seconds[n]:.1f}")
        metric(f"register.pdf.sample{n}.bytes", sample_sizes[n])
    # t = a * n**k through the two samples (k between 1 and 2: layout is at
    # least linear in the rows); the full register is estimated from it.
    estimate, k = 0.0, 1.0
    if len(samples) == 2:
        small, large = samples
        k = math.log(seconds[large] / seconds[small]) / math.log(large / small)
        k = min(max(k, 1.0), 2.0)
        estimate = seconds[large] * (holders / large) ** k
        metric("register.pdf.scaling_exponent", f"{k:.2f}")
        metric("register.pdf.full.estimated_seconds", f"{estimate:.0f}")
    if estimate <= budget:
        log(f"register: PDF of the whole register ({holders} holders) through the admin view...")
        started = time.perf_counter()
        response = get(client, url)
        elapsed = time.perf_counter() - started
        metric("register.pdf.holders", holders)
        metric("register.pdf.capped", "no")
        metric("register.pdf.seconds", f"{elapsed:.1f}")
        metric("register.pdf.bytes", len(response.content))
        metric("register.pdf.max_rss_mb", max_rss_mb())
        return
    large = samples[-1]
    capped = int(large * (budget / seconds[large]) ** (1 / k)) // 1000 * 1000
    capped = max(large, min(capped, holders))
    log(f"register: whole PDF estimated at {estimate:.0f} s; PDF of the first {capped} holders...")
    if capped == large:
        elapsed, size = seconds[large], sample_sizes[large]
    else:
        elapsed, size = time_pdf_sample(rows[:capped], as_of, totals)
    metric("register.pdf.holders", capped)
    metric("register.pdf.capped", "yes")
    metric("register.pdf.seconds", f"{elapsed:.1f}")
    metric("register.pdf.bytes", size)
    metric("register.pdf.max_rss_mb", max_rss_mb())


def max_rss_mb() -> int:
    """The most memory this process has held so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the share register exports.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target-seconds", type=float, default=10.0)
    parser.add_argument("--pdf-budget-seconds", type=float, default=300.0)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")
    import django

    django.setup()
    from django.urls import reverse
    from django.utils import timezone

    from shares import selectors

    as_of = timezone.localdate()
    totals = selectors.register_totals(as_of=as_of)
    metric("register.as_of", as_of.isoformat())
    metric("register.holders", totals["holders"])
    metric("register.shares", totals["shares"])
    client = staff_client()
    csv_url = reverse("admin:shares_register_csv") + f"?as_of={as_of.isoformat()}"

    csv_times: list[float] = []
    baseline_times: list[float] = []
    selector_times: list[float] = []
    for run in range(1, args.runs + 1):
        seconds, rows, size = time_csv(client, csv_url)
        baseline, baseline_rows = time_baseline(as_of)
        selector, selector_rows = time_selector(as_of)
        # The register lists every member who ever held shares; former
        # holders (exited, refunded) are rows but not counted as holders.
        if len({rows, baseline_rows, selector_rows}) != 1 or rows < totals["holders"]:
            raise SystemExit(
                f"row counts differ: CSV {rows}, COPY {baseline_rows}, selector {selector_rows},"
                f" holders {totals['holders']}"
            )
        log(
            f"register run {run}: CSV {seconds:.2f} s ({rows} rows, {size} bytes),"
            f" COPY {baseline:.3f} s, selector {selector:.2f} s"
        )
        metric(f"run{run}.register.csv.seconds", f"{seconds:.2f}")
        metric(f"run{run}.register.baseline.seconds", f"{baseline:.3f}")
        csv_times.append(seconds)
        baseline_times.append(baseline)
        selector_times.append(selector)
    metric("register.csv.rows", rows)
    metric("register.csv.bytes", size)
    summary("register.csv.seconds", csv_times)
    summary("register.baseline.seconds", baseline_times, digits=3)
    summary("register.selector.seconds", selector_times)
    ratio = statistics.median(csv_times) / statistics.median(baseline_times)
    metric("ratio.register_csv_over_baseline", f"{ratio:.1f}")
    metric("register.csv.target.seconds", f"{args.target_seconds:g}")
    met = statistics.median(csv_times) < args.target_seconds
    metric("register.csv.target.met", "yes" if met else "no")

    if not args.no_pdf:
        pdf_url = reverse("admin:shares_register_pdf") + f"?as_of={as_of.isoformat()}"
        bench_pdf(client, pdf_url, as_of, args.pdf_budget_seconds)


if __name__ == "__main__":
    main()
