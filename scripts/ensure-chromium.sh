#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core (Playwright's own browser download does not
# work offline). Installs it when missing; fails loudly when it cannot, so no browser test is ever skipped.
set -euo pipefail
need=""
if [ ! -x /usr/bin/chromium ]; then need="chromium"; fi
# CJK glyphs, so the operator console's zh-CN screenshots show text rather than empty boxes
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then need="$need fonts-wqy-microhei"; fi
if [ -z "$need" ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: missing ($need) and apt-get is not available; install them by hand" >&2
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
# shellcheck disable=SC2086 # $need is a list of package names
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $need >/dev/null
test -x /usr/bin/chromium || { echo "ensure-chromium: chromium did not install" >&2; exit 1; }
