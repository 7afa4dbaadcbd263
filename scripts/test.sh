#!/usr/bin/env bash
# ruff and mypy, then the whole suite on real PostgreSQL and Redis (see tests/support/servers.py
# for how they are found or started), a real SMTP server, and Debian's Chromium for the page tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=()
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
dpkg -s fonts-khmeros >/dev/null 2>&1 || need_packages+=(fonts-khmeros)
# docker-compose.yml is checked with `docker compose config` (or the Debian docker-compose).
{ docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; } || need_packages+=(docker-compose)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} from Debian for the browser and compose tests..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_packages[@]}" >/dev/null; }; then
    echo "Could not install ${need_packages[*]}: the tests that need them will fail. Install them with apt-get." >&2
  fi
fi

# Lint, format and types first: they take seconds, the suite takes minutes.
.venv/bin/ruff check .
.venv/bin/ruff format --check shop web storefront admin api tests
.venv/bin/mypy  # what it checks, and how strictly: [tool.mypy] in pyproject.toml

exec .venv/bin/pytest "$@"
