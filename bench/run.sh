#!/usr/bin/env bash
# `make bench`: time `manage.py seed_demo --members 30000` (members and their
# shares) on a throwaway PostgreSQL (and Redis), in production settings,
# against a plain-INSERT baseline; then, on the database the last run seeded,
# the share register exports staff get from the admin (CSV, 5 times, against
# a PostgreSQL COPY baseline; PDF once). Prints one `name value` line per
# metric on stdout; record the results in bench/README.md. The servers listen
# on 127.0.0.1 only and are stopped on every exit, also when the benchmark
# fails or is interrupted. Then the workspace booking benchmarks
# (bench/bench_workspaces.py; BENCH_ONLY=workspaces for them alone), the
# invoicing benchmarks (bench/bench_invoicing.py; BENCH_ONLY=invoicing), and
# the invoice documents benchmarks (bench/bench_documents.py: PDF rendering in
# process, and two real Celery worker processes rendering 2,000 invoices;
# BENCH_ONLY=documents), and the nightly compliance run (bench/bench_compliance.py;
# BENCH_ONLY=compliance).
#
#   bash bench/run.sh [--members N] [--runs N] [--target-seconds S]
#                     [--export-runs N] [--export-target-seconds S]
#                     [--pdf-budget-seconds S] [--no-pdf] [--no-exports]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found: run 'bash scripts/install-system-packages.sh' (as root) first" >&2
    exit 1
  }
done

export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=smartcoop.settings
unset DEBUG  # DEBUG would keep every query in memory
# Production settings need these once DATABASE_URL is set; throwaway values.
SECRET_KEY="bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
FIELD_ENCRYPTION_KEYS="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
export SECRET_KEY FIELD_ENCRYPTION_KEYS
export ALLOWED_HOSTS="127.0.0.1,localhost"

services_dir=$(mktemp -d /tmp/smartcoop-bench.XXXXXX)
bench_pid=""
cleanup() {
  if [ -n "$bench_pid" ]; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  bash scripts/services.sh stop "$services_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bash scripts/services.sh start "$services_dir" >&2
# shellcheck disable=SC1091
source "$services_dir/env"

# In the background so that a signal reaches the traps at once, not after the run.
if [ -z "${BENCH_ONLY:-}" ]; then
  python bench/bench_seed.py "$@" &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Workspace booking (issue 8): 32 clients on one slot, 100,000 random bookings
# with and without the exclusion constraint, the week grid of 50 resources.
# `BENCH_ONLY=workspaces bash bench/run.sh` runs only this part;
# BENCH_WORKSPACES_ARGS passes options (e.g. "--bookings 20000").
if [ "${BENCH_SKIP_WORKSPACES:-0}" != "1" ] && [ "${BENCH_ONLY:-workspaces}" = "workspaces" ]; then
  # shellcheck disable=SC2086
  python bench/bench_workspaces.py ${BENCH_WORKSPACES_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Invoicing (issue 5): seed_demo --members 30000 --invoices 1000000, the
# member's invoice list and dashboard under gunicorn against a one-query view,
# 8 concurrent issuers against a bare counter UPDATE. `BENCH_ONLY=invoicing
# bash bench/run.sh` runs only this part; BENCH_INVOICING_ARGS passes options
# (e.g. "--invoices 100000 --members 5000"); BENCH_SKIP_INVOICING=1 skips it.
if [ "${BENCH_SKIP_INVOICING:-0}" != "1" ] && [ "${BENCH_ONLY:-invoicing}" = "invoicing" ]; then
  # shellcheck disable=SC2086
  python bench/bench_invoicing.py ${BENCH_INVOICING_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Invoice documents (issue 6): PdfRenderer of a 1-page and a 150-line invoice
# against a bare WeasyPrint table, in process; then a real `celery worker -Q
# documents --concurrency 2` (started and stopped by the script) rendering
# 2,000 seeded invoices, with the settings' recycling and without: PDFs/s and
# the RSS growth of its pool processes. `BENCH_ONLY=documents bash
# bench/run.sh` runs only this part; BENCH_DOCUMENTS_ARGS passes options (e.g.
# "--invoices 500 --variants default"); BENCH_SKIP_DOCUMENTS=1 skips it.
if [ "${BENCH_SKIP_DOCUMENTS:-0}" != "1" ] && [ "${BENCH_ONLY:-documents}" = "documents" ]; then
  # shellcheck disable=SC2086
  python bench/bench_documents.py ${BENCH_DOCUMENTS_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Nightly compliance (issue 9): seed_demo --members 30000 --invoices 1000000,
# documents and Peppol transmissions for every issued invoice, then every
# check, 3 runs, against a `SELECT count(*)` of the invoices in the same run.
# `BENCH_ONLY=compliance bash bench/run.sh` runs only this part;
# BENCH_COMPLIANCE_ARGS passes options (e.g. "--invoices 100000 --members 5000").
if [ "${BENCH_SKIP_COMPLIANCE:-0}" != "1" ] && [ "${BENCH_ONLY:-compliance}" = "compliance" ]; then
  # shellcheck disable=SC2086
  python bench/bench_compliance.py ${BENCH_COMPLIANCE_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Back office (issue 15): every admin changelist at the 30,000-member seed,
# as an Administrators user, against the one-query view in the same run.
# `BENCH_ONLY=admin bash bench/run.sh` runs only this part; BENCH_ADMIN_ARGS
# passes options (e.g. "--members 3000 --invoices 20000").
if [ "${BENCH_SKIP_ADMIN:-0}" != "1" ] && [ "${BENCH_ONLY:-admin}" = "admin" ]; then
  # shellcheck disable=SC2086
  python bench/bench_admin.py ${BENCH_ADMIN_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# General assembly (issue 18): the tally of 16,000 voters x 10 resolutions,
# then 32 concurrent voters against a one-query view. `BENCH_ONLY=governance
# bash bench/run.sh` runs only this part; BENCH_GOVERNANCE_ARGS passes options.
if [ "${BENCH_SKIP_GOVERNANCE:-0}" != "1" ] && [ "${BENCH_ONLY:-governance}" = "governance" ]; then
  # shellcheck disable=SC2086
  python bench/bench_governance.py ${BENCH_GOVERNANCE_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi

# Activity accounts (issue 17): 30,000 activities with their income entries
# and one of 10,000 entries: the balance read, the ledger page, the nightly
# balance check against a count(*) of the entries. `BENCH_ONLY=pay bash
# bench/run.sh` runs only this part; BENCH_PAY_ARGS passes options.
if [ "${BENCH_SKIP_PAY:-0}" != "1" ] && [ "${BENCH_ONLY:-pay}" = "pay" ]; then
  python manage.py collectstatic --noinput -v0
  # shellcheck disable=SC2086
  python bench/bench_pay.py ${BENCH_PAY_ARGS:-} &
  bench_pid=$!
  wait "$bench_pid"
  bench_pid=""
fi
