#!/usr/bin/env bash
# The alert rules in deploy/prometheus/ are checked by `promtool check rules` (tests/operations/). promtool
# ships in Debian's `prometheus` package; installed here when missing, like ensure-chromium.sh does for the
# browser. Only the tool is wanted: recommended extras are left out and the packaged server is not started.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-promtool: promtool is missing and apt-get is not available; install Prometheus by hand" >&2
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
# policy-rc.d answering 101 keeps the package's service from starting (a CI machine wants the tool, not a
# Prometheus server on :9090); it is removed again whatever happens.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
  $sudo_cmd chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then $sudo_cmd rm -f "$policy"; fi; }
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 || { echo "ensure-promtool: promtool did not install" >&2; exit 1; }
