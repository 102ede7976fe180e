#!/usr/bin/env bash
# Fuzzes for longer than `./mvnw verify` does (6 s a target): one target, or each in turn.
#   scripts/fuzz.sh [target|all] [duration]      e.g. scripts/fuzz.sh response-guard 1h
# A finding fails the run and is written, as the input that caused it, into the target's committed
# corpus (src/test/resources/<package>/<Class>Inputs/<method>/crash-...): commit it with the fix, and
# the unit tests replay it from then on. Inputs that reached new code stay in <module>/.cifuzz-corpus/
# (not committed) and seed the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# target = module:test class
declare -A TARGETS=(
  [label]=label:LabelCanonicalizerFuzzTest
  [frame-reader]=gateway:GrpcFrameReaderFuzzTest
  [response-guard]=gateway:ResponseGuardFuzzTest
  [export-verifier]=audit-chain:ExportVerifierFuzzTest
  [stream-entries]=audit-service:StreamEntryFuzzTest
  [conference-book]=hotline-service:ConferenceBookFuzzTest
  [relay-wire]=hotline-service:RelayWireFuzzTest
  [send-text]=hotline-service:SendCheckTextFuzzTest
  [signature-check]=label:SignatureCheckFuzzTest
)
ORDER=(label signature-check frame-reader response-guard export-verifier stream-entries conference-book relay-wire send-text)

target=${1:-all}
duration=${2:-10m}
if [[ "$target" == -h || "$target" == --help || ( "$target" != all && -z "${TARGETS[$target]:-}" ) ]]; then
  echo "usage: scripts/fuzz.sh [all|${ORDER[*]// /|}] [duration, e.g. 30s, 10m, 2h; default 10m]" >&2
  exit 2
fi
if [[ "$target" == all ]]; then selected=("${ORDER[@]}"); else selected=("$target"); fi

for name in "${selected[@]}"; do
  module=${TARGETS[$name]%%:*}
  class=${TARGETS[$name]#*:}
  echo "== fuzzing $name ($module, $class) for $duration"
  # the verify build's fuzzing execution, for this one class, for longer and with no JVM time limit
  # (libFuzzer's per-input -timeout still catches a hang)
  ./mvnw -B -ntp -pl "$module" -am test-compile surefire:test@fuzz \
    -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfuzz.skip=false -Dfuzz.duration="$duration" -Dfuzz.fork.timeout=0 "${@:3}"
done
