#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core (Playwright's own browser download does not
# work offline). Installs it when missing; fails loudly when it cannot, so no browser test is ever skipped.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium || { echo "ensure-chromium: chromium did not install" >&2; exit 1; }
