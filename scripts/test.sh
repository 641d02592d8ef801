#!/usr/bin/env bash
# Install everything the test suite needs, then run it: bash scripts/test.sh [pytest args]
# Database: SQLite by default; set SIEVE_TEST_DATABASE_URL to run on PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: chromium for the browser tests (Playwright cannot download a browser here),
# a CJK font so screenshots show Chinese, poppler for looking at PDFs.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
exec python3 -m pytest "$@"
