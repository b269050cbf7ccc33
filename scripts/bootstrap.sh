#!/usr/bin/env bash
# Creates .venv with the locked dependencies. Brings its own uv (pinned) into
# .tools/ when the machine has none, so a fresh clone needs only python3.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
if command -v uv >/dev/null 2>&1; then
  uv=uv
else
  if [ ! -x .tools/bin/uv ]; then
    python3 -m venv .tools
    .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  uv=.tools/bin/uv
fi
"$uv" sync --frozen --quiet ${UV_SYNC_ARGS:-}
