#!/usr/bin/env bash
# `make test`: install what is missing, start a throwaway PostgreSQL and Redis,
# run the quality gates and the whole suite against them, and stop them again,
# also when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh
bash scripts/bootstrap.sh

export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=smartcoop.settings
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

bash scripts/lint.sh
python manage.py compilemessages --ignore=.venv --ignore=.tools -v0
python manage.py makemigrations --check --dry-run
STATIC_ROOT="$services_dir/static" python manage.py collectstatic --noinput -v0
export STATIC_ROOT="$services_dir/static"
# Rendered documents of the run (workers started by tests write here too).
export DOCUMENTS_ROOT="$services_dir/documents"
pytest "$@"
