#!/usr/bin/env bash
# Installs Debian's chromium (and a font with Japanese glyphs) when missing, and prints the browser's path
# for the browser tests (tests/web/test_browser.py). Needs root (or sudo) only for the install. The tests
# drive it with Playwright's Python package: never `playwright install`, which would download a browser.
set -euo pipefail
exec </dev/null
BROWSER=/usr/bin/chromium

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

if [ ! -x "$BROWSER" ]; then
    echo "setup-chromium: installing chromium (about a minute)" >&2
    as_root apt-get update -q >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        chromium fonts-droid-fallback >&2
fi
echo "$BROWSER"
