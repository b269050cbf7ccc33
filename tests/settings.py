"""The settings the suite runs with: smartcoop.settings as scripts/test.sh
configures it (PostgreSQL, Redis, production security), read once per
process, with WhiteNoise finding static files on request (below).

Under pytest-xdist each worker process (gw0, gw1, ...) already gets a test
database of its own (test_smartcoop_gw0, ...); here it also gets Redis
databases and a documents folder of its own, so that one worker's
cache.clear(), cached rules, queued tasks or stored files are never seen by
another. Without xdist nothing changes. The environment is rewritten before
smartcoop.settings reads it because Celery, too, reads CELERY_BROKER_URL
from the environment."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# scripts/services.sh: Redis has 16 databases; 0 to 2 are the run's own
# (REDIS_URL, REDIS_CACHE_URL, CELERY_BROKER_URL); each worker takes two more.
REDIS_DATABASES = 16
FIRST_WORKER_DATABASE = 3


def _on_database(url: str, database: int) -> str:
    return urlsplit(url)._replace(path=f"/{database}").geturl()


def _separate_worker(worker: str) -> None:
    slot = int(worker.removeprefix("gw"))
    cache_db = FIRST_WORKER_DATABASE + 2 * slot
    if cache_db + 1 >= REDIS_DATABASES:
        raise ImproperlyConfigured(f"no Redis databases left for xdist worker {worker}")
    for name, database in (("REDIS_CACHE_URL", cache_db), ("CELERY_BROKER_URL", cache_db + 1)):
        if os.environ.get(name, "").startswith("redis://"):
            os.environ[name] = _on_database(os.environ[name], database)
    if os.environ.get("DOCUMENTS_ROOT"):
        os.environ["DOCUMENTS_ROOT"] = os.path.join(os.environ["DOCUMENTS_ROOT"], worker)


if os.environ.get("PYTEST_XDIST_WORKER"):
    _separate_worker(os.environ["PYTEST_XDIST_WORKER"])

from smartcoop.settings import *  # noqa: E402, F403

# Every test client builds the middleware chain anew, and WhiteNoise's
# middleware would then walk and stat all ~1,600 collected static files each
# time (half a second a client on this machine, most of the suite's time).
# Looking a file up when it is asked for, as WhiteNoise does in development,
# serves the same files with the same headers.
WHITENOISE_AUTOREFRESH = True
