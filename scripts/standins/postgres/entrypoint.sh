#!/bin/sh
# What the official postgres image's entrypoint does that compose.yaml relies on: on the first
# start, a cluster in $PGDATA whose superuser is POSTGRES_USER with POSTGRES_PASSWORD, the
# database POSTGRES_DB, and password (SCRAM) authentication from other hosts; then the server
# in the foreground, listening on every address of the container.
set -eu
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  database="${POSTGRES_DB:-$user}"
  : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
  password_file="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  initdb --username="$user" --pwfile="$password_file" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$database" != postgres ]; then
    pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >/dev/null
    createdb --username="$user" "$database"
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
  fi
  echo "docker-entrypoint.sh: database $database ready for $user"
fi
if [ "$1" = postgres ]; then
  shift
  set -- postgres -c listen_addresses='*' "$@"
fi
exec "$@"
