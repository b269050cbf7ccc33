"""E-invoice benchmarks (issue 7), on the throwaway PostgreSQL started by
bench/run.sh (production settings, fsync on).

It makes a fresh database `bench_ubl`, migrates it and seeds it with
`bench/seed.py --members M --invoices N` (members with a paid share, their
clients and activities), keeps documents in a temporary DOCUMENTS_ROOT, and
then, in this process:

1. Generation: documents made and issued with the real services
   (`invoice_draft_save`, `invoice_issue`, `credit_note_issue`): a short
   invoice (3 lines), a long one (`--long-lines`, 150) and a partial credit
   note of the short one. Each one's PDF is rendered and stored first
   (`invoice_document_store`), so the UBL embeds the stored PDF, read back and
   checked against its SHA-256, and the PDF rendering is not counted. One
   warm-up, then `--runs` rounds of `UblRenderer().render(invoice)`, the
   documents interleaved: `render` is the renderer alone on an invoice loaded
   once as the store task loads it (its queries: the stored PDF's row; the
   lines are prefetched); `load_render` also loads the invoice with its
   lines each time, as `invoice_document_store` does. Medians and p95 of the
   wall time, and the median CPU time of this process (steadier on a busy
   machine: it leaves out waiting for the database and for a core).
   Target: median under 5 ms per document.

2. Official validation (`invoicing.peppol`, when the rule files are found):
   compiling the CEN and Peppol stylesheets and the two UBL schemas once
   (`prepare`), then `--validate-runs` rounds of `peppol.validate(ubl)` of each
   document (XSD + CEN XSLT + Peppol XSLT with SaxonC); medians and p95, and
   the number of fatal findings (must be 0).

stdout carries one `name value` line per metric; progress goes to stderr.
"""

import argparse
import datetime
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_documents import issue_invoice, loadavg, long_lines, short_lines  # noqa: E402
from bench_seed import cpu_model, log, metric, server_version  # noqa: E402
from scratch import django_setup, scratch_database, seed_demo  # noqa: E402

DB_NAME = "bench_ubl"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def loaded(pk: int) -> Any:
    """The invoice as invoice_document_store loads it."""
    from invoicing.models import Invoice

    return (
        Invoice.objects.select_related("member", "client", "activity", "credited_invoice")
        .prefetch_related("lines")
        .get(pk=pk)
    )


def documents(args: argparse.Namespace) -> dict[str, int]:
    """{name: pk} of the documents to render, each with its PDF stored."""
    from documents.models import DocumentFormat
    from documents.services import invoice_document_store
    from invoicing.services import credit_note_issue

    log("generation: issuing a short and a long invoice and a credit note...")
    short = issue_invoice(short_lines())
    long = issue_invoice(long_lines(args.long_lines))
    first_line = short.lines.order_by("position").first()
    assert first_line is not None
    note = credit_note_issue(
        invoice=short,
        acting_user=short.member.user,
        reason="One hour too many",
        quantities={first_line.pk: Decimal(1)},
    )
    found = {"short": short.pk, "long": long.pk, "credit_note": note.pk}
    log("generation: storing their PDFs (not timed)...")
    for pk in found.values():
        invoice_document_store(invoice_id=pk, format=DocumentFormat.PDF)
    return found


def timed(
    jobs: dict[str, Callable[[], object]], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    """One warm-up each, then `runs` rounds, the jobs interleaved (their
    order rotates each round): {job: (wall times, CPU times of this
    process)}. On a busy machine the CPU time, which leaves out the waits
    for the database and for a core, is the steadier of the two."""
    for job in jobs.values():
        job()
    names = list(jobs)
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in names}
    for round_ in range(runs):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            cpu, started = time.process_time(), time.perf_counter()
            jobs[name]()
            times[name][0].append(time.perf_counter() - started)
            times[name][1].append(time.process_time() - cpu)
    return times


def report(prefix: str, times: dict[str, tuple[list[float], list[float]]]) -> None:
    for name, (wall, cpu) in times.items():
        metric(f"{prefix}.{name}.median_ms", ms(statistics.median(wall)))
        metric(f"{prefix}.{name}.p95_ms", ms(pct(wall, 95)))
        metric(f"{prefix}.{name}.cpu_median_ms", ms(statistics.median(cpu)))


def bench_generation(found: dict[str, int], args: argparse.Namespace) -> dict[str, bytes]:
    from einvoicing.ubl import UblRenderer

    renderer = UblRenderer()
    invoices = {name: loaded(pk) for name, pk in found.items()}
    contents = {name: renderer.render(invoice).content for name, invoice in invoices.items()}
    for name, invoice in invoices.items():
        metric(f"generation.{name}.lines", invoice.lines.count())
        metric(f"generation.{name}.ubl_bytes", len(contents[name]))
    log(f"generation: {args.runs} rounds of render...")
    render_jobs: dict[str, Callable[[], object]] = {
        name: partial(renderer.render, invoice) for name, invoice in invoices.items()
    }
    report("generation.render", timed(render_jobs, args.runs))
    log(f"generation: {args.runs} rounds of load + render...")
    load_jobs: dict[str, Callable[[], object]] = {
        name: partial(lambda pk: renderer.render(loaded(pk)), pk) for name, pk in found.items()
    }
    report("generation.load_render", timed(load_jobs, args.runs))
    metric("generation.target_ms", f"{args.target_ms:.2f}")
    return contents


def bench_validation(contents: dict[str, bytes], args: argparse.Namespace) -> None:
    from einvoicing import peppol

    folder = peppol.rules_dir()
    if folder is None:
        log(f"validation: skipped, {peppol.missing_reason()}")
        metric("validation.skipped", 1)
        return
    metric("validation.rules", folder)
    started = time.perf_counter()
    peppol.prepare()
    metric("validation.compile_seconds", f"{time.perf_counter() - started:.2f}")
    for name, content in contents.items():
        found = peppol.validate(content)
        metric(f"validation.{name}.fatal", len(found.fatal))
        metric(f"validation.{name}.warnings", len(found.warnings))
        for finding in found.fatal:
            log(f"validation: {name}: {finding}")
    log(f"validation: {args.validate_runs} rounds of validate...")
    jobs: dict[str, Callable[[], object]] = {
        name: partial(peppol.validate, content) for name, content in contents.items()
    }
    report("validation", timed(jobs, args.validate_runs))


def main() -> None:
    parser = argparse.ArgumentParser(description="E-invoice benchmarks (issue 7).")
    parser.add_argument("--members", type=int, default=50, help="demo members to seed")
    parser.add_argument("--invoices", type=int, default=200, help="demo invoices to seed")
    parser.add_argument("--long-lines", type=int, default=150)
    parser.add_argument("--runs", type=int, default=300, help="rounds of generation")
    parser.add_argument("--validate-runs", type=int, default=50, help="rounds of validation")
    parser.add_argument("--target-ms", type=float, default=5.0, help="generation, median")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    base_url = os.environ["DATABASE_URL"]

    metric("ubl.date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    metric("ubl.machine.cpus", len(os.sched_getaffinity(0)))
    metric("ubl.machine.cpu", cpu_model())
    metric("ubl.postgresql.version", server_version(base_url))
    metric("ubl.loadavg_start", loadavg())
    with (
        tempfile.TemporaryDirectory(prefix="bench-ubl-", ignore_cleanup_errors=True) as scratch,
        scratch_database(base_url, DB_NAME) as url,
    ):
        os.environ.update(DATABASE_URL=url, DOCUMENTS_ROOT=f"{scratch}/documents")
        seed_demo(url, members=args.members, invoices=args.invoices)
        django_setup(url)
        metric("ubl.lxml.version", package_version("lxml"))
        metric("ubl.saxonche.version", package_version("saxonche"))
        contents = bench_generation(documents(args), args)
        metric("generation.loadavg_after", loadavg())
        bench_validation(contents, args)
        metric("ubl.loadavg_end", loadavg())


if __name__ == "__main__":
    main()
