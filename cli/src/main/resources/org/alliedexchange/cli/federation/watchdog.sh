# The federation's watchdog (POSIX sh, started by the launcher in a session of its own).
# Arguments: LAUNCHER_PID LAUNCHER_START RECORD GRACE_SECONDS.
# While the launcher runs it only watches; once the launcher is gone (kill -9, the OOM killer) it
# stops every process the launcher recorded in RECORD (read once, then), newest first: each line's signal (TERM, or
# INT, PostgreSQL's fast shutdown), then KILL after GRACE_SECONDS. A process is the recorded one only
# if its start time (field 22 of /proc/PID/stat) is the recorded one: a reused pid is never signalled.
launcher=$1 launcher_start=$2 record=$3 grace=$4

# the start time of a live process, or nothing (gone, or a zombie nobody reaped yet)
started() {
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # the command name, in parentheses, may hold spaces: the fields after it start at field 3
  set -- ${stat##*) }
  [ "$1" = Z ] || [ "$1" = X ] || echo "${20}"
}

# each process of the snapshot that still runs, newest first: "pid signal"
recorded_alive() {
  lines=
  while read -r pid start signal name; do
    [ "$name" = launcher ] && continue
    [ -n "$pid" ] && [ "$(started "$pid")" = "$start" ] && lines="$pid $signal
$lines"
  done <<RECORD
$snapshot
RECORD
  printf '%s' "$lines"
}

while [ "$(started "$launcher")" = "$launcher_start" ]; do
  sleep 1
done
# what this launcher recorded, read once: a next start rewrites the file with its own processes
snapshot=$(cat "$record" 2>/dev/null)
[ -n "$snapshot" ] || exit 0
alive=$(recorded_alive)
[ -n "$alive" ] || exit 0
echo "$(date -u +%FT%TZ) launcher $launcher is gone: stopping what it started" >&2
printf '%s\n' "$alive" | while read -r pid signal; do
  [ -n "$pid" ] && kill -s "$signal" "$pid" 2>/dev/null
done
waited=0
while [ "$waited" -lt "$grace" ]; do
  [ -n "$(recorded_alive)" ] || { echo "$(date -u +%FT%TZ) all stopped" >&2; exit 0; }
  sleep 1
  waited=$((waited + 1))
done
recorded_alive | while read -r pid signal; do
  echo "$(date -u +%FT%TZ) $pid did not stop within ${grace}s: KILL" >&2
  kill -s KILL "$pid" 2>/dev/null
done
exit 0
