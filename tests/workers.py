"""Real moving parts for test_documents_worker.py: a Celery worker as a
separate process (so it can be SIGKILLed), an in-process worker on chosen
queues, a redis-server of the test's own (so it can be stopped and hung),
and pointing this process's Celery at another broker. Nothing is mocked:
every helper starts, stops or reads a real process, socket or database.

Every process started here is stopped by its id (or by the process group
of the process started here), also when a test fails."""

import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connection

from documents.models import InvoiceDocument

DEADLINE = 60.0  # seconds any one wait may take before the test fails
QUEUES = ("celery", "documents")  # settings.CELERY_TASK_ROUTES


def wait_for(predicate: Callable[[], Any], timeout: float = DEADLINE, every: float = 0.05) -> Any:
    """Poll `predicate` until it returns something true, and return that;
    None once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            return None
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def worker_database_url() -> str:
    """The URL of the database this test runs on: pytest-django's test
    database (test_<name>), not the one DATABASE_URL names."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc/<pid>/stat."""
    fields = _stat_fields(pid)
    assert fields is not None, f"process {pid} is gone"
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def documents_root() -> Path:
    """Where this process's document field stores files (DOCUMENTS_ROOT)."""
    storage: Any = InvoiceDocument._meta.get_field("file").storage
    return Path(storage.location)


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext (poppler-utils) extracts it, all runs of
    whitespace (line wraps included) made one space."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True
        ).stdout.decode()
    return " ".join(out.split())


@contextlib.contextmanager
def finished_tasks() -> Iterator[dict[str, object]]:
    """{task id: return value} of the tasks this process's worker finishes."""
    finished: dict[str, object] = {}

    def on_postrun(task_id: str, retval: object, **kwargs: object) -> None:
        finished[task_id] = retval

    task_postrun.connect(on_postrun, weak=False)
    try:
        yield finished
    finally:
        task_postrun.disconnect(on_postrun)


# --- The broker ----------------------------------------------------------------------------


def queue_size(app: Celery, queue: str) -> int:
    """Messages waiting in `queue` on the app's broker (not the ones a worker
    holds). The Redis transport's own count: a queue's list disappears from
    Redis when it is empty, which a passive queue_declare reports as missing."""
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel  # kombu.transport.redis.Channel
        return int(channel._size(queue))


def unacked_count(app: Celery) -> int:
    """Messages delivered to a worker and not acknowledged yet (kombu's Redis
    transport keeps them in a hash until acked or restored)."""
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        return int(channel.client.hlen(channel.unacked_key))


def unacked_ages(app: Celery) -> list[float]:
    """How many seconds ago each unacknowledged message was delivered."""
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        scores = channel.client.zrange(channel.unacked_index_key, 0, -1, withscores=True)
        return [time.time() - score for _tag, score in scores]


def purge_broker(app: Celery) -> None:
    """Empty the test broker's queues and its unacknowledged messages, so no
    task of one test is delivered in another (the tables are flushed between
    transactional tests, so their ids would no longer exist)."""
    with app.connection_for_write() as conn:
        channel: Any = conn.default_channel
        for queue in QUEUES:
            channel.queue_purge(queue)
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def _detach_pools(app: Any, *, close: bool) -> None:
    """Forget the app's broker connection and producer pools (celery/app/base.py
    `pool`, app/amqp.py `producer_pool`), so the next publish opens them anew
    on the broker configured now. `close` also closes their connections."""
    pools = [app.amqp._producer_pool, app._pool]
    app.amqp._producer_pool = None
    app._pool = None
    if close:
        for pool in pools:
            if pool is not None:
                pool.force_close_all()


@contextlib.contextmanager
def broker_switched(app: Celery, url: str) -> Iterator[None]:
    """Point this process's Celery (publishing and any in-process worker) at
    `url`, and back to the test broker afterwards.

    Setting `broker_url` alone is not enough: celery's Settings.broker_url
    prefers the CELERY_BROKER_URL environment variable (app/utils.py), which
    scripts/test.sh exports; the read and write URLs are looked up before it.
    """
    conf = app.conf
    names = ("broker_url", "broker_read_url", "broker_write_url")
    saved = {name: conf.get(name) for name in names}
    _detach_pools(app, close=False)  # the test broker's pools stay registered in kombu
    for name in names:
        conf[name] = url
    try:
        assert (conf.broker_read_url, conf.broker_write_url) == (url, url), (
            "CELERY_BROKER_READ_URL or CELERY_BROKER_WRITE_URL is set in the environment"
        )
        yield
    finally:
        _detach_pools(app, close=True)
        for name, value in saved.items():
            conf[name] = value


@contextlib.contextmanager
def in_process_worker(app: Celery, queues: Sequence[str]) -> Iterator[None]:
    """A real worker in a thread of this process (solo pool) consuming
    `queues`; it sees this process's settings and locmem mail outbox.

    The queue selection of a worker is kept on the app (app.amqp.queues,
    WorkController.setup_queues), so it is put back afterwards for the
    workers of other tests."""
    queues_of_app: Any = app.amqp.queues
    selection = queues_of_app._consume_from
    # Celery's logging setup sets the root logger's level and handlers for the
    # whole process; put them back for the tests that read logs after this one.
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    try:
        with start_worker(
            app, pool="solo", queues=list(queues), perform_ping_check=False, shutdown_timeout=60
        ):
            consumed = set(app.amqp.queues.consume_from)
            assert consumed == set(queues), consumed
            yield
    finally:
        queues_of_app._consume_from = selection
        root.setLevel(root_level)
        root.handlers = root_handlers


# --- A redis-server of the test's own -----------------------------------------------------


class RedisServer:
    """`redis-server` on a free loopback port, in the foreground (so this
    test holds its pid): started, stopped and started again on the same
    port, or hung with SIGSTOP."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        assert self.process is None
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        assert wait_for(self._answers, timeout=20), self.log.read_text()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait until it is gone."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)  # a hung server cannot act on SIGTERM
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def pause(self) -> None:
        """Hang the server: connections are still accepted by the kernel,
        nothing is ever answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


# --- A worker process ---------------------------------------------------------------------

RECEIVED = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[0-9a-f-]{36})\] received")


class WorkerProcess:
    """`celery -A smartcoop worker` as a separate process (prefork pool), on
    the test database and the test broker, its output in a log file.

    It is started in a session of its own, so stopping it also reaches pool
    processes orphaned when their parent was SIGKILLed."""

    def __init__(
        self,
        *,
        broker_url: str,
        log: Path,
        queues: Sequence[str] = ("documents",),
        environment: dict[str, str] | None = None,
    ) -> None:
        self.log = log
        self.broker_url = broker_url
        self.queues = queues
        self.environment = environment or {}
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="smartcoop.settings",
            DATABASE_URL=worker_database_url(),
            # The test's broker for everything Redis: tasks are not eager
            # (REDIS_URL set), and the cache is the process's own memory
            # (empty REDIS_CACHE_URL), so no other Redis database is read.
            CELERY_BROKER_URL=self.broker_url,
            REDIS_URL=self.broker_url,
            REDIS_CACHE_URL="",
            # Where this process reads documents from (the file field's storage).
            DOCUMENTS_ROOT=str(documents_root()),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.environment)
        return env

    def start(self) -> "WorkerProcess":
        assert self.process is None
        celery = Path(sys.executable).parent / "celery"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(celery),
                    "-A",
                    "smartcoop",
                    "worker",
                    "-Q",
                    ",".join(self.queues),
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "-l",
                    "info",
                    "-n",
                    f"test-{uuid.uuid4().hex[:12]}@%h",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                ],
                cwd=settings.BASE_DIR,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def received(self, name: str) -> list[str]:
        """The ids of the tasks `name` this worker received, in order (a
        redelivered task appears again)."""
        return [m["id"] for m in RECEIVED.finditer(self.output()) if m["name"] == name]

    def pool_children(self) -> list[int]:
        """The pids of the worker's pool processes (children of its main process)."""
        children: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(FileNotFoundError):
                children += [int(pid) for pid in (task / "children").read_text().split()]
        return [pid for pid in children if _alive(pid)]

    def busy_child(self, cpu_seconds: float, timeout: float = DEADLINE) -> int:
        """The pid of the (single) pool process once it has used `cpu_seconds`
        of CPU since this call: it is working on a task, not waiting."""
        child = wait_for(lambda: self.pool_children(), timeout=timeout)
        assert child, f"no pool process\n{self.output()}"
        pid = child[0]
        start = _cpu_seconds(pid)
        busy = wait_for(lambda: _cpu_seconds(pid) - start >= cpu_seconds, timeout=timeout)
        assert busy, f"pool process {pid} stayed idle\n{self.output()}"
        return int(pid)

    def wait_for_log(self, pattern: str, count: int = 1, timeout: float = DEADLINE) -> None:
        found = wait_for(lambda: len(re.findall(pattern, self.output())) >= count, timeout)
        assert found, f"{count} x {pattern!r} not in the worker's log\n{self.output()}"

    def sigkill(self, pid: int) -> None:
        """SIGKILL one process of this worker: its main process or a pool process."""
        assert _session_of(pid) == self.pid, f"{pid} is not a process of worker {self.pid}"
        os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL every process of the worker at once, main and pool (its
        process group: the worker was started as the leader of a new session,
        and pool processes inherit the group)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def alive(self, pid: int) -> bool:
        return _alive(pid)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL for whatever is left of its
        session; returns once the main process is reaped."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        self.kill_all()
        process.wait(timeout=15)
        # Pool processes left by a main process killed earlier are reaped by
        # init; wait until none of the session is running any more.
        wait_for(lambda: not _session_alive(self.pid), timeout=15)
        self.process = None


def _stat_fields(pid: int | str) -> list[str] | None:
    """/proc/<pid>/stat from the state on (index 0 is field 3), or None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()


def _session_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[3]) if fields else None  # session id: field 6


def _session_alive(sid: int) -> bool:
    """Whether any process of session `sid` is still running (not a zombie)."""
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(entry.name)
        if fields and int(fields[3]) == sid and fields[0] != "Z":
            return True
    return False
