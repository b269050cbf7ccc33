"""Invoice document benchmarks (issue 6), on the throwaway PostgreSQL and Redis
started by bench/run.sh (production settings, fsync on).

It makes a fresh database `bench_documents`, migrates it, seeds it with
`bench/seed.py --members M --invoices N` (issued invoices written by COPY, with
their lines and the seller, buyer and mentions they print), keeps the stored
PDFs in a temporary DOCUMENTS_ROOT, and then:

1. Rendering, in this process: `PdfRenderer().render(invoice)` of a 1-page
   invoice (3 lines) and of a long one (`--long-lines`, 150, descriptions
   wrapping over two lines), both made and issued with the real services
   (`invoice_draft_save`, `invoice_issue`) and loaded as the store task loads
   them, against `weasyprint.HTML(string=...).write_pdf()` of a bare 20-row
   HTML table. One warm-up render of each, then `--render-runs` rounds, the
   jobs interleaved (their order rotates each round): the three renders and
   the two invoices' templates alone (`PdfRenderer.html`). Medians of wall
   and of CPU time (time.process_time), and the ratios of the invoices'
   medians to the bare table's. The page counts come from `pdfinfo`
   (poppler-utils). Targets: 1 page < 150 ms, 10 pages < 2 s.

2. Workers: for each variant (`--variants`: `default`, the settings'
   recycling, CELERY_WORKER_MAX_TASKS_PER_CHILD and
   CELERY_WORKER_MAX_MEMORY_PER_CHILD; `norecycle`, `--max-tasks-per-child
   100000 --max-memory-per-child 100000000`), a real worker `celery -A
   smartcoop worker -Q documents --concurrency 2 --pool prefork` in a
   subprocess on the Redis of run.sh; once it answers a ping, `--invoices`
   (2,000) `invoicing.document_render` tasks are enqueued for seeded issued
   invoices (each variant its own invoices: the seeded invoices split by
   alternate ids, since a stored document is never deleted), and the wall
   time runs from the first enqueue until that many InvoiceDocument rows
   exist: PDFs/s (target >= 20/s on 2 cores). Meanwhile the RSS (VmRSS) of the
   pool's child processes (the worker's children in /proc) is sampled every
   `--sample-every` seconds. Per child process, "after 50" is its largest
   sample while the pool rendered its 50th to 100th PDF since the child
   started, "end" its largest sample during the last 50 PDFs it saw; the
   growth is end / after 50 - 1 (target < 10%), and `rss_mb_at_pdfs.N` is
   the curve. With recycling, children are replaced every N tasks, so the
   growth is per child lifetime; the `norecycle` variant shows the raw
   growth over the whole run. The CPU time of the pool's processes (ended
   ones included, through the main process's reaped-children times) per
   PDF gives the rate the CPUs allow, whatever else the machine runs. The worker
   is stopped on every exit path (SIGTERM, then SIGKILL of it and its
   children by pid).

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import datetime
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_seed import (  # noqa: E402  (bench scripts import each other by path)
    cpu_model,
    log,
    metric,
    server_version,
)
from scratch import django_setup, process_stop, scratch_database, seed_demo  # noqa: E402

DB_NAME = "bench_documents"
QUEUE = "documents"
WINDOW = 50  # PDFs: "after the first ~50" and "the last ~50"
VARIANTS: dict[str, list[str]] = {
    "default": [],  # the settings: CELERY_WORKER_MAX_TASKS_PER_CHILD, ..._MAX_MEMORY_PER_CHILD
    "norecycle": ["--max-tasks-per-child", "100000", "--max-memory-per-child", "100000000"],
}
BARE_ROWS = 20
MILESTONES = (1, 50, 100, 200, 300, 500, 1000, 1500, 2000)


def loadavg() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# --- 1. Rendering in process ----------------------------------------------------------------


def bare_table_html(rows: int = BARE_ROWS) -> str:
    body = "".join(
        f"<tr><td>{i}</td><td>Item number {i}</td><td>{i * 3}</td><td>{i * 12.5:.2f}</td></tr>"
        for i in range(1, rows + 1)
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Table</title></head><body>"
        "<table><thead><tr><th>#</th><th>Item</th><th>Quantity</th><th>Amount</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def short_lines() -> list[Any]:
    from invoicing.services import LineData

    return [
        LineData("Consulting: workshop facilitation", Decimal(6), "HUR", Decimal("85.00"), "S:21"),
        LineData("Travel Brussels - Ghent and back", Decimal(1), "C62", Decimal("42.60"), "S:21"),
        LineData("Book: 'Cooperatives in Belgium'", Decimal(2), "C62", Decimal("24.50"), "S:6"),
    ]


def long_lines(count: int) -> list[Any]:
    """Lines as a translator or a consultant writes them on a detailed
    invoice: a description that wraps over two or three lines."""
    from invoicing.services import LineData

    tasks = [
        "Translation NL>FR of the general terms and conditions, chapter {n}, "
        "including terminology research and a second reading by a colleague",
        "Consulting day {n}: preparation, facilitation of the workshop with the board "
        "and the written report with recommendations sent afterwards",
        "Photography session {n}: set-up, shooting on location in Saint-Gilles, "
        "selection and colour correction of the delivered pictures",
    ]
    return [
        LineData(
            description=tasks[n % 3].format(n=n),
            quantity=Decimal(1 + n % 7),
            unit=["HUR", "DAY", "C62"][n % 3],
            unit_price=Decimal(f"{40 + (n * 7) % 90}.{n % 100:02d}"),
            vat="S:6" if n % 5 == 0 else "S:21",
        )
        for n in range(1, count + 1)
    ]


def issue_invoice(lines: list[Any]) -> Any:
    """An invoice made and issued by the services, for a seeded member with an
    issued invoice (so a paid share, an activity and a client)."""
    from django.utils import timezone

    from invoicing.models import ClientKind, DocumentKind, Invoice, InvoiceStatus
    from invoicing.services import invoice_draft_save, invoice_issue

    model = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(series=DocumentKind.INVOICE, client__kind=ClientKind.COMPANY)
        .select_related("member__user", "client", "activity")
        .order_by("pk")
        .first()
    ) or (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(series=DocumentKind.INVOICE)
        .select_related("member__user", "client", "activity")
        .order_by("pk")
        .first()
    )
    if model is None:
        raise SystemExit("no seeded issued invoice to take a member, client and activity from")
    member = model.member
    today = timezone.localdate()
    draft = invoice_draft_save(
        member=member,
        acting_user=member.user,
        client=model.client,
        activity=model.activity,
        supply_date=today - datetime.timedelta(days=2),
        payment_term_days=30,
        lines=lines,
    )
    issued = invoice_issue(invoice=draft, acting_user=member.user)
    # Loaded as the store task loads it (invoice_document_store).
    return (
        Invoice.objects.select_related("member", "client", "activity", "credited_invoice")
        .prefetch_related("lines")
        .get(pk=issued.pk)
    )


def pdf_pages(content: bytes) -> int:
    """The number of pages, by pdfinfo (poppler-utils); -1 if it is missing."""
    if shutil.which("pdfinfo") is None:
        return -1
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        out = subprocess.run(
            ["pdfinfo", handle.name], capture_output=True, text=True, check=True
        ).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1])
    return -1


def bench_render(args: argparse.Namespace) -> None:
    from weasyprint import HTML

    from documents.rendering import PdfRenderer

    log("render: issuing a short and a long invoice with the services...")
    short = issue_invoice(short_lines())
    long = issue_invoice(long_lines(args.long_lines))
    renderer = PdfRenderer()
    bare = bare_table_html()
    jobs: dict[str, Callable[[], object]] = {
        "bare_table": lambda: HTML(string=bare).write_pdf(),
        "short": lambda: renderer.render(short).content,
        "long": lambda: renderer.render(long).content,
        # The template alone (Django), part of the render above.
        "short_html": lambda: renderer.html(short),
        "long_html": lambda: renderer.html(long),
    }
    log("render: warm-up...")
    for name, job in jobs.items():
        content = job()  # the warm-up render: fonts, templates, rules, imports
        if isinstance(content, bytes):
            metric(f"render.{name}.pages", pdf_pages(content))
            metric(f"render.{name}.bytes", len(content))
    metric("render.short.lines", len(short.lines.all()))
    metric("render.long.lines", len(long.lines.all()))
    times: dict[str, list[float]] = {name: [] for name in jobs}
    cpu: dict[str, list[float]] = {name: [] for name in jobs}
    names = list(jobs)
    log(f"render: {args.render_runs} interleaved rounds...")
    for run in range(args.render_runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            started, cpu_started = time.perf_counter(), time.process_time()
            jobs[name]()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    metric("render.runs", args.render_runs)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        metric(f"render.{name}.median_ms", f"{medians[name] * 1000:.1f}")
        metric(f"render.{name}.min_ms", f"{min(values) * 1000:.1f}")
        metric(f"render.{name}.max_ms", f"{max(values) * 1000:.1f}")
        # CPU time of this process: what the render costs whatever else runs.
        metric(f"render.{name}.cpu_median_ms", f"{statistics.median(cpu[name]) * 1000:.1f}")
    for name in ("short", "long"):
        metric(
            f"render.ratio.{name}_over_bare_table", f"{medians[name] / medians['bare_table']:.2f}"
        )
    metric("render.short.target_ms", args.short_target_ms)
    metric(
        "render.short.target_met", "yes" if medians["short"] * 1000 < args.short_target_ms else "no"
    )
    metric("render.long.target_ms", args.long_target_ms)
    metric(
        "render.long.target_met", "yes" if medians["long"] * 1000 < args.long_target_ms else "no"
    )


# --- 2. Celery workers ----------------------------------------------------------------------


def purge_queue() -> int:
    """Empty the documents queue (invoice_issue enqueued renders for the
    invoices of part 1); returns how many messages it held."""
    from smartcoop.celery import app

    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        return int(channel.queue_purge(QUEUE) or 0)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(its own user + system CPU time, that of its children it has reaped), s."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def rss_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in kB, or None once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0])
    if "VmRSS" not in values:
        return None
    return values["VmRSS"], values.get("VmHWM", 0)


@dataclass
class Child:
    pid: int
    started_at: int  # PDFs stored when it was first seen
    samples: list[tuple[int, int, int]] = field(default_factory=list)  # (PDFs, RSS, HWM) kB

    @property
    def last_count(self) -> int:
        return self.samples[-1][0]

    def after(self) -> int | None:
        """Largest RSS while the pool stored its 50th to 100th PDF since this child began."""
        window = [
            rss
            for count, rss, _hwm in self.samples
            if WINDOW <= count - self.started_at < 2 * WINDOW
        ]
        return max(window) if window else None

    def end(self) -> int:
        """Largest RSS during the last 50 PDFs this child saw."""
        return max(rss for count, rss, _hwm in self.samples if count >= self.last_count - WINDOW)

    def hwm(self) -> int:
        return max(hwm for _count, _rss, hwm in self.samples)

    def at(self, pdfs: int) -> int | None:
        """The last RSS sampled before the pool stored `pdfs` PDFs since this child began."""
        before = [rss for count, rss, _hwm in self.samples if count - self.started_at <= pdfs]
        return before[-1] if before and self.last_count - self.started_at >= pdfs else None


class Worker:
    """A `celery worker` subprocess, stopped by `stop()` whatever happens."""

    def __init__(
        self, name: str, extra: list[str], concurrency: int, env: dict[str, str], log_path: Path
    ) -> None:
        self.hostname = f"bench-documents-{name}@{socket.gethostname()}"
        self.log_path = log_path
        self.children: dict[int, Child] = {}
        self.seen: set[int] = set()
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smartcoop",
            "worker",
            "-Q",
            QUEUE,
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--hostname",
            self.hostname,
            "--loglevel",
            "INFO",
            *extra,
        ]
        log(f"workers: {' '.join(command[2:])}")
        self.log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 120) -> None:
        from smartcoop.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"the worker exited with code {self.process.returncode}")
            if app.control.ping(destination=[self.hostname], timeout=1.0):
                return
        self.fail("the worker did not answer a ping")

    def sample(self, count: int) -> None:
        for pid in children_of(self.process.pid):
            memory = rss_kb(pid)
            if memory is None:
                continue
            child = self.children.get(pid)
            if child is None:
                child = self.children[pid] = Child(pid, count)
            child.samples.append((count, *memory))

    def cpu(self) -> tuple[float, float]:
        """CPU seconds of (the pool's processes, ended ones included; the main process)."""
        own, reaped = cpu_seconds(self.process.pid)
        return reaped + sum(cpu_seconds(pid)[0] for pid in children_of(self.process.pid)), own

    def fail(self, message: str) -> None:
        log(self.log_path.read_text(errors="replace")[-5000:])
        raise SystemExit(f"workers: {message}")

    def stop(self) -> None:
        pool = children_of(self.process.pid) if self.process.poll() is None else []
        process_stop(self.process, timeout=60, leftovers=pool, name=b"celery")
        self.log_file.close()


def bench_workers(
    variant: str, ids: list[int], args: argparse.Namespace, env: dict[str, str]
) -> None:
    from django.conf import settings
    from django.db.models import Avg, Count, Sum

    from documents import tasks
    from documents.models import DocumentFailure, InvoiceDocument
    from invoicing.models import Invoice

    prefix = f"workers.{variant}"
    extra = VARIANTS[variant]
    max_tasks = int(extra[1]) if extra else settings.CELERY_WORKER_MAX_TASKS_PER_CHILD
    max_memory = int(extra[3]) if extra else settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
    metric(f"{prefix}.max_tasks_per_child", max_tasks)
    metric(f"{prefix}.max_memory_per_child_kb", max_memory)
    metric(f"{prefix}.concurrency", args.concurrency)
    stats = Invoice.objects.filter(pk__in=ids).annotate(n=Count("lines")).aggregate(Avg("n"))
    metric(f"{prefix}.invoices", len(ids))
    metric(f"{prefix}.lines_per_invoice", f"{stats['n__avg']:.2f}")
    before = InvoiceDocument.objects.count()
    failures_before = DocumentFailure.objects.count()
    log_path = Path(env["DOCUMENTS_ROOT"]).parent / f"worker-{variant}.log"
    worker = Worker(variant, extra, args.concurrency, env, log_path)
    try:
        worker.wait_ready()
        log(f"workers ({variant}): ready; enqueueing {len(ids)} renders...")
        pool_cpu, main_cpu = worker.cpu()
        started = time.perf_counter()
        for invoice_id in ids:
            tasks.render.apply_async(args=(invoice_id, "pdf"))
        enqueued = time.perf_counter() - started
        deadline = time.monotonic() + args.timeout
        done, next_log = 0, 0.0
        while True:
            done = InvoiceDocument.objects.count() - before
            worker.sample(done)
            if done >= len(ids):
                break
            now = time.monotonic()
            if now > next_log:
                log(
                    f"workers ({variant}): {done}/{len(ids)} PDFs, "
                    f"{len(worker.children)} pool processes so far"
                )
                next_log = now + 10
            if DocumentFailure.objects.count() > failures_before:
                worker.fail("a render failed (DocumentFailure)")
            if worker.process.poll() is not None:
                worker.fail(f"the worker exited with code {worker.process.returncode}")
            if now > deadline:
                worker.fail(f"only {done} of {len(ids)} PDFs after {args.timeout:g} s")
            time.sleep(args.sample_every)
        seconds = time.perf_counter() - started
        time.sleep(1)
        worker.sample(done)  # the pool idle, at the end
        pool_cpu_end, main_cpu_end = worker.cpu()
    finally:
        worker.stop()
    stored = InvoiceDocument.objects.filter(invoice_id__in=ids)
    agg = stored.aggregate(n=Count("pk"), size=Sum("size"))
    metric(f"{prefix}.enqueue_seconds", f"{enqueued:.2f}")
    metric(f"{prefix}.seconds", f"{seconds:.1f}")
    metric(f"{prefix}.pdfs", agg["n"])
    metric(f"{prefix}.pdf_mean_kb", f"{(agg['size'] or 0) / max(agg['n'], 1) / 1024:.1f}")
    rate = len(ids) / seconds
    metric(f"{prefix}.pdfs_per_second", f"{rate:.1f}")
    metric(f"{prefix}.rate_target_met", "yes" if rate >= args.rate_target else "no")
    # CPU time per PDF, whatever else the machine runs: the pool's processes
    # (the task: load, render, store; and each new child's start-up), and the
    # worker's main process (receiving and acknowledging the messages).
    metric(f"{prefix}.pool_cpu_ms_per_pdf", f"{(pool_cpu_end - pool_cpu) / len(ids) * 1000:.0f}")
    metric(f"{prefix}.main_cpu_ms_per_pdf", f"{(main_cpu_end - main_cpu) / len(ids) * 1000:.1f}")
    metric(
        f"{prefix}.cpu_bound_pdfs_per_second",
        f"{args.concurrency * len(ids) / (pool_cpu_end - pool_cpu):.1f}",
    )
    metric(f"{prefix}.check.all_stored", "yes" if agg["n"] == len(ids) else "no")
    metric(f"{prefix}.pool_processes_seen", len(worker.children))
    # Memory: per child process lifetime.
    growths = []
    for number, child in enumerate(sorted(worker.children.values(), key=lambda c: c.pid), 1):
        after = child.after()
        lived = child.last_count - child.started_at
        line = (
            f"child {child.pid}: PDFs {child.started_at}..{child.last_count}, "
            f"RSS after 50 {after and after // 1024} MB, end {child.end() // 1024} MB, "
            f"peak {child.hwm() // 1024} MB"
        )
        log(f"workers ({variant}): {line}")
        # A child that lived through fewer than 150 PDFs of the pool has no
        # "end" distinct from its "after 50" (the last one of a recycled run).
        if after is None or lived < 3 * WINDOW:
            continue
        growth = (child.end() / after - 1) * 100
        growths.append((growth, after, child.end(), child.hwm(), lived))
        if variant == "norecycle" or len(worker.children) <= 4:
            metric(f"{prefix}.child{number}.pdfs_lived", lived)
            metric(f"{prefix}.child{number}.rss_after50_mb", f"{after / 1024:.1f}")
            metric(f"{prefix}.child{number}.rss_end_mb", f"{child.end() / 1024:.1f}")
            metric(f"{prefix}.child{number}.rss_peak_mb", f"{child.hwm() / 1024:.1f}")
            metric(f"{prefix}.child{number}.rss_growth_pct", f"{growth:.1f}")
    if growths:
        metric(f"{prefix}.children_measured", len(growths))
        metric(f"{prefix}.pdfs_lived.median", int(statistics.median(g[4] for g in growths)))
        metric(
            f"{prefix}.rss_after50_mb.median",
            f"{statistics.median(g[1] for g in growths) / 1024:.1f}",
        )
        metric(
            f"{prefix}.rss_end_mb.median", f"{statistics.median(g[2] for g in growths) / 1024:.1f}"
        )
        metric(f"{prefix}.rss_peak_mb.max", f"{max(g[3] for g in growths) / 1024:.1f}")
        metric(f"{prefix}.rss_growth_pct.median", f"{statistics.median(g[0] for g in growths):.1f}")
        worst = max(g[0] for g in growths)
        metric(f"{prefix}.rss_growth_pct.max", f"{worst:.1f}")
        metric(f"{prefix}.growth_target_met", "yes" if worst < args.growth_target else "no")
    # The curve: RSS (median over the children that got that far) by PDFs of the pool.
    for pdfs in MILESTONES:
        points = [rss for c in worker.children.values() if (rss := c.at(pdfs)) is not None]
        if points:
            metric(f"{prefix}.rss_mb_at_pdfs.{pdfs}", f"{statistics.median(points) / 1024:.1f}")
    metric(f"{prefix}.loadavg_after", loadavg())


def split_invoices(count: int, parts: int) -> list[list[int]]:
    """`parts` sets of `count` seeded issued invoices, by alternate ids (so each
    spreads over the same dates, members and line counts)."""
    from invoicing.models import DocumentKind, Invoice, InvoiceStatus

    ids = list(
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(series=DocumentKind.INVOICE)
        .order_by("pk")
        .values_list("pk", flat=True)[: count * parts]
    )
    if len(ids) < count * parts:
        raise SystemExit(f"only {len(ids)} issued invoices seeded, {count * parts} needed")
    return [ids[i::parts] for i in range(parts)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Invoice document benchmarks (issue 6).")
    parser.add_argument("--members", type=int, default=1000, help="demo members to seed")
    parser.add_argument("--invoices", type=int, default=2000, help="PDFs per worker variant")
    parser.add_argument("--render-runs", type=int, default=15)
    parser.add_argument("--long-lines", type=int, default=150)
    parser.add_argument("--short-target-ms", type=float, default=150)
    parser.add_argument("--long-target-ms", type=float, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--variants",
        default="default,norecycle",
        help=f"worker variants, of: {', '.join(VARIANTS)}",
    )
    parser.add_argument("--rate-target", type=float, default=20.0, help="PDFs/s")
    parser.add_argument("--growth-target", type=float, default=10.0, help="RSS growth, %%")
    parser.add_argument("--sample-every", type=float, default=0.2, help="seconds")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per variant")
    parser.add_argument("--skip", action="append", default=[], choices=["render", "workers"])
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
    if not broker.startswith("redis://"):
        raise SystemExit("CELERY_BROKER_URL (or REDIS_URL) must name the Redis of bench/run.sh")

    metric("documents.date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    metric("documents.machine.cpus", len(os.sched_getaffinity(0)))
    metric("documents.machine.cpu", cpu_model())
    metric("documents.postgresql.version", server_version(base_url))
    metric("documents.loadavg_start", loadavg())
    with (
        tempfile.TemporaryDirectory(
            prefix="bench-documents-", ignore_cleanup_errors=True
        ) as scratch,
        scratch_database(base_url, DB_NAME) as url,
    ):
        env = {**os.environ, "DATABASE_URL": url, "DOCUMENTS_ROOT": f"{scratch}/documents"}
        os.environ.update(env)
        seeded = args.invoices * len(variants) if "workers" not in args.skip else 10
        started = time.perf_counter()
        seed_demo(url, members=args.members, invoices=seeded)
        metric("documents.seed_seconds", f"{time.perf_counter() - started:.1f}")
        django_setup(url)
        from weasyprint import __version__ as weasyprint_version

        metric("documents.weasyprint.version", weasyprint_version)
        sets = split_invoices(args.invoices, len(variants)) if "workers" not in args.skip else []
        if "render" not in args.skip:
            bench_render(args)
            metric("render.loadavg_after", loadavg())
        if "workers" not in args.skip:
            purged = purge_queue()
            log(f"workers: {purged} renders of part 1 dropped from the queue")
            for variant, ids in zip(variants, sets, strict=True):
                bench_workers(variant, ids, args, env)
        metric("documents.loadavg_end", loadavg())


if __name__ == "__main__":
    main()
