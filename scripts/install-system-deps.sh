#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages: Chromium (Debian) and axe-core (npm).
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium: page tests in a real browser; caddy: the docker-compose web server, run for real.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) for the browser and web-server tests" >&2
  fi
fi
if [[ ! -f node_modules/axe-core/axe.min.js ]]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --no-audit --no-fund --silent
  else
    echo "npm is missing: install Node.js to run the accessibility tests" >&2
  fi
fi
