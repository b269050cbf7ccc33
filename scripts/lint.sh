#!/usr/bin/env bash
# `make check`: the quality gates (style.md, Tooling) and nothing else: ruff,
# mypy, import-linter, the deployment checks with production settings, and no
# model change without its migration. No database server is needed, so it
# runs in well under a minute; scripts/test.sh runs this same script before
# the suite. mypy, the slowest gate, runs on the second core beside the others.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

mypy_log=$(mktemp)
mypy . >"$mypy_log" 2>&1 &
mypy_pid=$!
trap 'kill "$mypy_pid" 2>/dev/null || true; rm -f "$mypy_log"' EXIT

echo "== ruff"
ruff check .
ruff format --check .
echo "== import-linter"; lint-imports
echo "== check --deploy"
env -u DEBUG \
  DATABASE_URL="postgres://smartcoop@db.invalid/smartcoop" \
  REDIS_URL="redis://redis.invalid:6379/0" \
  EMAIL_URL="smtp://mail.invalid:587" \
  SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  FIELD_ENCRYPTION_KEYS="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
  ALLOWED_HOSTS="coop.example" SECURE_SSL_REDIRECT=true SECURE_COOKIES=true \
  python manage.py check --deploy --fail-level WARNING
# The migration autodetector reads the models, not the database: an empty
# in-memory SQLite is enough for its history check.
echo "== makemigrations --check"
env -u DATABASE_URL -u DEBUG SQLITE_PATH=":memory:" \
  python manage.py makemigrations --check --dry-run
echo "== mypy"
status=0
wait "$mypy_pid" || status=$?
cat "$mypy_log"
exit "$status"
