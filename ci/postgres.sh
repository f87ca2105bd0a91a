#!/bin/sh
# A throwaway PostgreSQL server on loopback for the collector's tests, from the
# distribution's packages: `. ci/postgres.sh start` exports PRIVAUDIT_TEST_POSTGRES (the URL)
# and PRIVAUDIT_TEST_POSTGRES_DATA (its data directory, which the tests read to check that
# no raw leak reached the disk); `sh ci/postgres.sh stop` stops it.
PG_DIR="${PG_DIR:-/tmp/privaudit-pg}"
PG_PORT="${PG_PORT:-55432}"

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

case "${1:-}" in
start)
    if [ -z "$(pg_bin)" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "ci/postgres.sh: PostgreSQL is not installed and installing it needs root" >&2
            return 1 2>/dev/null || exit 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    bin="$(pg_bin)"
    rm -rf "$PG_DIR" && mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    as_postgres "$bin/initdb -D $PG_DIR/data -A trust -U postgres >/dev/null"
    as_postgres "$bin/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o '-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=on' start >/dev/null"
    as_postgres "$bin/createdb -h 127.0.0.1 -p $PG_PORT -U postgres privaudit"
    export PRIVAUDIT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/privaudit"
    export PRIVAUDIT_TEST_POSTGRES_DATA="$PG_DIR/data"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
    ;;
stop)
    bin="$(pg_bin)"
    [ -n "$bin" ] && [ -d "$PG_DIR/data" ] && as_postgres "$bin/pg_ctl -D $PG_DIR/data -m fast -w stop >/dev/null" || true
    ;;
*)
    echo "usage: . ci/postgres.sh start | sh ci/postgres.sh stop" >&2
    ;;
esac
