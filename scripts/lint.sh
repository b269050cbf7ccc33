#!/usr/bin/env bash
# The quality gates (style.md, Tooling): ruff, mypy, import-linter, and the
# deployment checks with production settings.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy .
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
