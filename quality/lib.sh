# Shared by the quality scripts: paths, logging, the npm and Python tools, the release build and
# a demo server on a fresh SQLite database. Source it from a script under quality/.
#
# Environment: CARGO_TARGET_DIR (default: target/ of the repository), NOK_API_BIN (a built
# binary to use instead of building one), QUALITY_DIR (outputs; default build/quality).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QDIR=$ROOT/quality
OUT=${QUALITY_DIR:-$ROOT/build/quality}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
# One fixed password for every demo user of the servers these scripts start (never a real one).
DEMO_PASSWORD=quality-harness-demo-password
DEMO_ROLES=(admin authority operator council organization auditor)
mkdir -p "$OUT"

log() { printf '[%s %s] %s\n' "$(basename "$0" .sh)" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# npm_tools: quality/node_modules from the committed package-lock.json (pinned versions).
npm_tools() {
    command -v npm >/dev/null || die "npm is missing (Node.js 20.19+ is needed)"
    local stamp=$QDIR/node_modules/.lock-stamp
    if [[ -f $stamp ]] && cmp -s "$stamp" "$QDIR/package-lock.json"; then
        return
    fi
    log "npm ci in quality/ (pinned by package-lock.json)"
    (cd "$QDIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$QDIR/package-lock.json" "$stamp"
}
npx_q() { (cd "$QDIR" && npx --no-install "$@"); }

# venv NAME REQUIREMENTS...: a virtual environment under build/ with those pip requirements;
# sets VENV. Reinstalled only when the requirements change.
venv() {
    local name=$1
    shift
    VENV=$ROOT/build/venv-$name
    local want="$*"
    if [[ -x $VENV/bin/python && -f $VENV/.requirements && $(cat "$VENV/.requirements") == "$want" ]]; then
        return
    fi
    log "creating the virtual environment build/venv-$name: $want"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
    printf '%s' "$want" >"$VENV/.requirements"
}

# release_binary: sets BIN to NOK_API_BIN, or builds the release binary.
release_binary() {
    if [[ -n ${NOK_API_BIN:-} ]]; then
        BIN=$NOK_API_BIN
    else
        log "cargo build --release (target dir: $TARGET_DIR)"
        (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --quiet --bin nok-api >&2)
        BIN=$TARGET_DIR/release/nok-api
    fi
    [[ -x $BIN ]] || die "no binary at $BIN"
}

# A PostgreSQL cluster for servers on PostgreSQL (QUALITY_PG_URL, without a database name).
QUALITY_PG_URL=${QUALITY_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DATABASE=
# fresh_pg_database: a new, empty database on QUALITY_PG_URL for the next server; sets
# PG_DATABASE_URL. stop_server drops it.
fresh_pg_database() {
    drop_pg_database
    PG_DATABASE=quality_$(basename "$0" .sh)_$$
    psql "$QUALITY_PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1
    psql "$QUALITY_PG_URL/postgres" -qc "CREATE DATABASE $PG_DATABASE" >/dev/null
    PG_DATABASE_URL=$QUALITY_PG_URL/$PG_DATABASE
}
drop_pg_database() {
    if [[ -n $PG_DATABASE ]]; then
        psql "$QUALITY_PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
        PG_DATABASE=
    fi
}

SERVER_PID=
TMP=
# stop_server [RC]: stops the server (SIGTERM, then SIGKILL after 10 s), shows its log's last
# lines when RC is not 0, removes TMP and the server's PostgreSQL database, if any.
stop_server() {
    local rc=${1:-0}
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        if [[ $rc -ne 0 && -s $TMP/server.err ]]; then
            log "last lines of the server's log:"
            tail -n 20 "$TMP/server.err" >&2
        fi
        SERVER_PID=
    fi
    [[ -z $TMP ]] || rm -rf "$TMP"
    TMP=
    drop_pg_database
}
cleanup() {
    local rc=$?
    stop_server "$rc"
    exit "$rc"
}
make_tmp() {
    TMP=$(mktemp -d -t nok-quality.XXXXXX)
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# start_demo_server [ENV=VALUE...]: `nok-api serve --demo` on a free loopback port with a fresh
# SQLite database and DEMO_PASSWORD for every demo user; sets BASE (http://127.0.0.1:PORT).
start_demo_server() {
    [[ -n $TMP ]] || make_tmp
    : >"$TMP/server.out" # before the server opens it, for the first look below
    (
        export DATABASE_URL=$TMP/nok.db NOK_DEMO_PASSWORD=$DEMO_PASSWORD NOK_LOG=${NOK_LOG:-warn}
        for assignment in "$@"; do export "${assignment?}"; done
        exec "$BIN" serve --demo --bind 127.0.0.1:0
    ) >"$TMP/server.out" 2>"$TMP/server.err" &
    SERVER_PID=$!
    local port=
    for _ in $(seq 1 600); do
        port=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TMP/server.out" | head -n1)
        [[ -n $port ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 5 "$TMP/server.err")"
        sleep 0.1
    done
    [[ -n $port ]] || die "the server did not start listening within 60 s"
    BASE=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready") == 200 ]] && break
        sleep 0.1
    done
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready") == 200 ]] || die "the server is not ready"
    local database=$TMP/nok.db assignment
    for assignment in "$@"; do
        [[ $assignment != DATABASE_URL=* ]] || database=${assignment#DATABASE_URL=}
    done
    log "demo server at $BASE (pid $SERVER_PID, database $database)"
}

# token USER: a bearer token of that demo user (password DEMO_PASSWORD) from POST /api/v1/auth/token.
token() {
    local body
    body=$(curl -sf -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$DEMO_PASSWORD\"}") || die "cannot log in as $1"
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$body"
}
