"""`python bench/seed.py --members N --invoices M`: the benchmarks' demo data.

`manage.py seed_demo` makes the demo's invoices through the services, the
clock moved to each day of the plan: right for `make run`, hours for the
million invoices of the benchmarks. This runs seed_demo without invoices,
then writes the same plan of invoices in bulk (bench/seed_bulk.py, held to
the services by tests/bench/test_seed_bulk.py).

Needs the environment of the benchmarks (bench/run.sh): DATABASE_URL and the
production settings. stdout carries the seed's progress.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=None, help="default: 20 per member")
    parser.add_argument("--bookings", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from bench.seed_bulk import seed_invoices_bulk

    options = ["--members", str(args.members), "--invoices", "0", "--seed", str(args.seed)]
    if args.bookings is not None:
        options += ["--bookings", str(args.bookings)]
    call_command("seed_demo", *options)
    invoices = args.invoices if args.invoices is not None else min(20 * args.members, 1_000_000)
    started = time.perf_counter()
    print(f"Writing {invoices} invoices in bulk...", flush=True)
    counts = seed_invoices_bulk(invoices, seed=args.seed, log=lambda m: print(m, flush=True))
    print("  " + ", ".join(f"{n} {name}" for name, n in counts.items()), flush=True)
    print(f"Invoices done in {time.perf_counter() - started:.1f} s.", flush=True)


if __name__ == "__main__":
    main()
