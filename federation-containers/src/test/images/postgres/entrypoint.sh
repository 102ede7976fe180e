#!/bin/bash
# initdb on an empty data directory (superuser postgres, POSTGRES_PASSWORD, scram-sha-256 only), the
# database POSTGRES_DB, the scripts of /docker-entrypoint-initdb.d; then the server on every address.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  initdb -D "$PGDATA" -U postgres --auth=scram-sha-256 --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >/dev/null
  printf 'local all all scram-sha-256\nhost all all all scram-sha-256\n' >"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -w -l /tmp/postgres-init.log -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start >/dev/null
  export PGPASSWORD="$POSTGRES_PASSWORD"
  if [[ -n "${POSTGRES_DB:-}" && "$POSTGRES_DB" != postgres ]]; then
    psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh) bash "$script" ;;
      *.sql) psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U postgres -d "${POSTGRES_DB:-postgres}" -f "$script" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c password_encryption=scram-sha-256 "$@"
