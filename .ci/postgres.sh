# Sourced by .ci/run: start a throw-away PostgreSQL server for the store, import and concurrency
# tests, and export LIKVARD_TEST_POSTGRES_URL for them. Installs Debian's postgresql package when
# no server binaries are found. PostgreSQL refuses to run as root, so under root the server runs
# as the 'postgres' user (or 'nobody'). Data directory in a temp folder, TCP on 127.0.0.1 at a
# free port, password authentication over TCP (the tests check that the password never shows).
# If no server can be started the PostgreSQL tests are skipped with a message saying why.

likvard_pg_bin() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then best="$d"; break; fi
  done
  if [ -z "$best" ]; then
    best="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$best" ] && [ -x "$best/initdb" ] || best=""
  fi
  echo "$best"
}

likvard_start_postgres() {
  local bin user run port pw
  bin="$(likvard_pg_bin)"
  if [ -z "$bin" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== Installerar PostgreSQL (Debians paket postgresql) för databastesterna"
    local sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null) \
      || echo "PostgreSQL kunde inte installeras."
    bin="$(likvard_pg_bin)"
  fi
  if [ -z "$bin" ]; then
    echo "PostgreSQL saknas: testerna mot PostgreSQL hoppas över (bara SQLite testas)."
    return 0
  fi
  run=""
  if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
    if command -v runuser >/dev/null 2>&1; then run="runuser -u $user --"; else run="su -s /bin/sh $user -c"; fi
  fi
  LIKVARD_PG_DIR="$(mktemp -d /tmp/likvard-pg.XXXXXX)"
  chmod 700 "$LIKVARD_PG_DIR"
  [ -n "$run" ] && chown "$user" "$LIKVARD_PG_DIR"
  pw="ci-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$pw" > "$LIKVARD_PG_DIR/pwfile"
  [ -n "$run" ] && chown "$user" "$LIKVARD_PG_DIR/pwfile"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  likvard_pg() { if [ -z "$run" ]; then "$@"; elif [ "${run#su }" != "$run" ]; then $run "$*"; else $run "$@"; fi; }
  if ! likvard_pg "$bin/initdb" -D "$LIKVARD_PG_DIR/data" -U likvard --pwfile="$LIKVARD_PG_DIR/pwfile" \
       --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$LIKVARD_PG_DIR/initdb.log" 2>&1; then
    echo "PostgreSQL: initdb misslyckades (se nedan); testerna mot PostgreSQL hoppas över."; tail -n 5 "$LIKVARD_PG_DIR/initdb.log"
    return 0
  fi
  if ! likvard_pg "$bin/pg_ctl" -D "$LIKVARD_PG_DIR/data" -l "$LIKVARD_PG_DIR/server.log" -w -t 60 \
       -o "-p $port -k $LIKVARD_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null; then
    echo "PostgreSQL kunde inte startas; testerna mot PostgreSQL hoppas över."; tail -n 5 "$LIKVARD_PG_DIR/server.log"
    return 0
  fi
  LIKVARD_PG_STOP="$bin/pg_ctl -D $LIKVARD_PG_DIR/data -m fast -w stop"
  LIKVARD_PG_RUN="$run"
  export LIKVARD_TEST_POSTGRES_URL="postgresql://likvard:${pw}@127.0.0.1:${port}/postgres"
  echo "== PostgreSQL $("$bin/postgres" --version | awk '{print $3}') kör på 127.0.0.1:$port (användare $(whoami | sed "s/^root$/${user:-root}/"))"
}

likvard_stop_postgres() {
  if [ -n "${LIKVARD_PG_STOP:-}" ]; then
    if [ -z "$LIKVARD_PG_RUN" ]; then $LIKVARD_PG_STOP >/dev/null 2>&1
    elif [ "${LIKVARD_PG_RUN#su }" != "$LIKVARD_PG_RUN" ]; then $LIKVARD_PG_RUN "$LIKVARD_PG_STOP" >/dev/null 2>&1
    else $LIKVARD_PG_RUN $LIKVARD_PG_STOP >/dev/null 2>&1; fi
  fi
  [ -n "${LIKVARD_PG_DIR:-}" ] && rm -rf "$LIKVARD_PG_DIR"
  return 0
}
