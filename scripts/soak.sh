#!/usr/bin/env bash
# The soak of issue 17 (not part of `./mvnw verify`): 1,000 concurrent Subscribe streams through the
# guarded gateway for 10 minutes, each its own national system on its own client-library connection,
# while KOR publishes. Every minute it prints the heap in use after a full GC, direct memory, open
# file descriptors and sockets, threads, the streams the gateway and the exchange service hold, and
# products delivered against those expected; at the end a verdict (exit 0 PASS, 1 FAIL).
#   scripts/soak.sh [--minutes 10] [--streams 1000] [--rate 5]
# Everything (gateway, exchange service, clients) runs in one JVM; PostgreSQL and Redis beside it.
# On a shared machine, run it under the build lock: ALLIED_LOCK=/tmp/allied-build.lock scripts/soak.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=10 streams=1000 rate=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) echo "usage: scripts/soak.sh [--minutes N] [--streams N] [--rate publishes-per-second]" >&2; exit 2 ;;
  esac
done

lock=()
if [[ -n "${ALLIED_LOCK:-}" ]]; then lock=(flock "$ALLIED_LOCK"); fi
"${lock[@]}" ./mvnw -B -ntp -q -pl benchmarks -am -DskipTests -Dallied.image.skip=true -Dfuzz.skip=true \
  package dependency:build-classpath -Dmdep.outputFile=target/soak-classpath.txt
"${lock[@]}" java -Xmx2g -Dminutes="$minutes" -Dstreams="$streams" -Drate="$rate" \
  -cp "benchmarks/target/classes:$(cat benchmarks/target/soak-classpath.txt)" \
  org.alliedexchange.benchmarks.Soak
