"""What the benchmarks set up alike, written once: a scratch database of
their own next to DATABASE_URL's (created afresh, migrated, and dropped on
every exit), Django set up on it in this process, and a child process (a
Celery worker, gunicorn) stopped on every exit path."""

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from bench_seed import database_url, drop_database, log, manage, recreate_database, seed_bench


@contextlib.contextmanager
def scratch_database(base_url: str, name: str) -> Iterator[str]:
    """The URL of database `name`, created afresh and migrated; on the way
    out (also on an error or SIGTERM) Django's connections to it are closed
    and it is dropped."""
    url = database_url(base_url, name)
    log(f"creating and migrating {name}...")
    recreate_database(base_url, name)
    try:
        manage("migrate", "--no-input", "-v0", url=url)
        yield url
    finally:
        close_django_connections()
        drop_database(base_url, name)


def seed_demo(url: str, *, members: int, invoices: int) -> None:
    """The benchmarks' demo (bench/seed.py): members with their shares and,
    in bulk, issued invoices (no bookings) into the database at `url`."""
    log(f"bench/seed.py --members {members} --invoices {invoices}...")
    seed_bench(members=members, invoices=invoices, env={**os.environ, "DATABASE_URL": url})


def django_setup(url: str) -> None:
    """Set Django up in this process on the database at `url` (production
    settings, as bench/run.sh exports them)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")
    import django

    django.setup()


def close_django_connections() -> None:
    """So that the database can be dropped: only if Django was set up."""
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()


def process_stop(
    process: subprocess.Popen[bytes],
    *,
    timeout: float,
    leftovers: Iterable[int] = (),
    name: bytes = b"",
) -> None:
    """SIGTERM (a warm shutdown: running work finishes), SIGKILL if it has not
    ended after `timeout` seconds; then SIGKILL each of `leftovers` (pids of
    its children, taken while it ran) that outlived it, if its command line
    still holds `name` (a pid reused by another program is left alone)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in leftovers:
        with contextlib.suppress(OSError):
            if name in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
