#!/usr/bin/env bash
# Make sure the headless browser the docs-site tests (tests/docs_site.rs) drive is installed:
# Chromium and its WebDriver server from Debian's packages (`chromium`, `chromium-driver`).
# Installs them with apt-get when missing (needs root or sudo, and the Debian mirror); prints
# the paths of the two programs. Exits non-zero when they cannot be installed: the tests then
# fail loudly rather than skip.
#
#   scripts/browser.sh        # install if missing, print "CHROME=... CHROMEDRIVER=..."
set -euo pipefail

find_chrome() { command -v chromium || command -v chromium-browser || true; }
find_driver() { command -v chromedriver || command -v chromium-driver || true; }

if [[ -z "$(find_chrome)" || -z "$(find_driver)" ]]; then
    echo "browser: installing chromium and chromium-driver with apt-get" >&2
    sudo=""
    if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >&2
    $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >&2
fi

chrome="$(find_chrome)"
driver="$(find_driver)"
if [[ -z "$chrome" || -z "$driver" ]]; then
    echo "browser: chromium or chromedriver is still missing after apt-get" >&2
    exit 1
fi
echo "CHROME=$chrome CHROMEDRIVER=$driver"
