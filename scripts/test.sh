#!/usr/bin/env bash
# `make test`: install what is missing, start a throwaway PostgreSQL and Redis,
# run the quality gates and the whole suite against them, and stop them again,
# also when something fails.
#
# `make pytest` (SUITE=fast): the same services, no gates, and only the tests
# that need neither the browser (marker e2e) nor a real Celery worker (marker
# celery).
#
# Those tests run on both cores with pytest-xdist: each worker process has its
# own test database, Redis databases and documents folder (tests/settings.py).
# The browser and worker tests follow, one at a time: they wait on real
# processes, sockets and clocks, and are not made faster by sharing two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${SUITE:-all}
case "$suite" in all | fast) ;; *) echo "SUITE is all or fast, not $suite" >&2; exit 2 ;; esac

bash scripts/install-system-packages.sh
bash scripts/bootstrap.sh

export PATH="$PWD/.venv/bin:$PATH"
# manage.py uses smartcoop.settings, pytest tests.settings (pyproject.toml).
unset DJANGO_SETTINGS_MODULE
# The suite serves plain http on loopback: production security headers on,
# but no https redirect and no Secure-only cookies.
export SECRET_KEY="test-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
export FIELD_ENCRYPTION_KEYS="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver"
export SECURE_SSL_REDIRECT=false SECURE_COOKIES=false
export EMAIL_URL="smtp://127.0.0.1:1"  # never used: pytest-django switches to the locmem backend

services_dir=$(mktemp -d /tmp/smartcoop-test.XXXXXX)
trap 'bash scripts/services.sh stop "$services_dir"' EXIT INT TERM
FAST=1 bash scripts/services.sh start "$services_dir"
# shellcheck disable=SC1091
source "$services_dir/env"

if [ "$suite" = all ]; then
  bash scripts/lint.sh
fi
python manage.py compilemessages --ignore=.venv --ignore=.tools -v0
export STATIC_ROOT="$services_dir/static"
python manage.py collectstatic --noinput -v0
# Rendered documents of the run (workers started by tests write here too).
export DOCUMENTS_ROOT="$services_dir/documents"

# pytest exits 5 when it selects no test: fine for one part (`ARGS="-k
# profile"` may select only browser tests), not for the whole run.
ran=no
part() {
  local status=0
  pytest "$@" || status=$?
  case "$status" in
    0) ran=yes ;;
    5) ;;
    *) exit "$status" ;;
  esac
}
part -n 2 -m "not e2e and not celery" "$@"
if [ "$suite" = all ]; then
  part -m "e2e or celery" "$@"
fi
if [ "$ran" = no ]; then
  echo "No test was selected." >&2
  exit 5
fi
