#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (PostgreSQL server, Redis,
# Chromium and its driver, poppler-utils, WeasyPrint's libraries and fonts,
# gettext). Runs apt only as root and only for what is missing, so a second
# `make test` costs nothing.
set -euo pipefail

packages=(
  postgresql postgresql-contrib
  redis-server
  chromium chromium-driver
  poppler-utils
  gettext
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8
  fonts-dejavu-core fonts-liberation2 fonts-noto-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with your package manager (as root on Debian: make test does it)." >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
