#!/usr/bin/env bash
# Install Debian's Chromium for the review page's browser tests (tests/test_review_browser.py), when it
# is missing. Idempotent: does nothing when `chromium` is on PATH or EXTRACTOR_CHROMIUM names a browser.
# Playwright (the dev extra) drives this browser by its path; Playwright's own browser download is not
# used. Without root (or password-less sudo) it only warns: the browser tests then fail saying so.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || [ -n "${EXTRACTOR_CHROMIUM:-}" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "warning: chromium is not installed and this user cannot install it; run as root:" \
        "apt-get install chromium (the browser tests fail until then)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: no apt-get here; install Chromium yourself and set EXTRACTOR_CHROMIUM to its path" >&2
    exit 0
fi
echo "Installing Chromium for the browser tests (apt-get; about a minute)..."
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run to finish rather than failing on its lock.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium
command -v chromium >/dev/null 2>&1
