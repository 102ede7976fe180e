#!/usr/bin/env bash
# Times `./allied up` from the command to "The federation is up": once from an empty data directory (the
# first start: realm import, databases created) and then twice on the same data (later starts), each
# stopped with Ctrl-C and checked to leave no process behind. Keycloak's one-time download and build
# are outside the figure: run `./allied up` once before, as the issue's "downloads aside" asks.
set -euo pipefail
# job control: a background job then takes Ctrl-C (SIGINT) as a terminal would give it, instead of ignoring it
set -m
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$(mktemp -d -t allied-start-XXXXXX)"
trap 'rm -rf "$data"' EXIT
"$root/allied" --help >/dev/null   # builds the command line first, outside the timing

run() {
  local label="$1"; shift
  local log="$data/up.log"
  local start end
  start=$(date +%s.%N)
  "$root/allied" up --data-dir "$data/federation" "$@" >"$log" 2>&1 &
  local pid=$!
  until grep -q "The federation is up" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "$label: allied up failed:"; tail -20 "$log"; exit 1; fi
    sleep 0.2
  done
  end=$(date +%s.%N)
  printf '%s: %.1f s to "The federation is up" (%s)\n' "$label" "$(echo "$end - $start" | bc)" "$(grep -o 'federation up in [0-9.]* s' "$log")"
  kill -INT "$pid"
  wait "$pid" || true
  sleep 2
  local left
  left=$(pgrep -f -- "$data/federation" | wc -l || true)
  echo "$label: processes left after Ctrl-C: $left"
}

run "first start (empty data)" --fresh
run "later start 1"
run "later start 2"
