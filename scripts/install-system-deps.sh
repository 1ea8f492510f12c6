#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages: Chromium, Caddy, CJK fonts and the
# libraries OpenCV loads (Debian), and axe-core (npm).
set -euo pipefail
cd "$(dirname "$0")/.."
# chromium: page tests in a real browser; caddy: the docker-compose web server, run for real.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
# CJK fonts embedded in the generated print PDFs and drawn into the OCR test pages.
[[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || missing+=(fonts-wqy-zenhei)
[[ -f /usr/share/fonts/truetype/arphic/uming.ttc ]] || missing+=(fonts-arphic-uming)
# rapidocr-onnxruntime pulls opencv-python, which links libGL and GLib.
ldconfig -p 2>/dev/null | grep -q 'libGL.so.1 ' || missing+=(libgl1)
ldconfig -p 2>/dev/null | grep -q 'libglib-2.0.so.0 ' || missing+=(libglib2.0-0)
# postgresql: the store, pipeline, outbox and bot tests also run against a real server.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# ffmpeg: the independent loudness meter (ebur128) the audio tests hold every file to.
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# kamailio and baresip: the phone line's tests call it for real (baresip-core has the modules).
command -v kamailio >/dev/null 2>&1 || missing+=(kamailio)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core)
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
