#!/usr/bin/env bash
# Load benchmark of the organization list, in one run on one machine:
#   GET /health (SQLite server)                    -- the HTTP stack alone, the ceiling
#   GET /api/v1/organizations?limit=50 on SQLite      -- the whole request path
#   GET /api/v1/organizations?limit=50 on PostgreSQL  -- the whole request path
#   pgbench with the list's own SELECT                -- the database alone, the ceiling
# and reports list(SQLite)/health (target >= 0.30) and list(PostgreSQL)/pgbench (target >= 0.50).
# See bench/README.md. Usage: bash bench/list.sh
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-3s}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-1000}
STRICT=${BENCH_STRICT:-0}
# Optional Authorization header value for the list requests (e.g. "Bearer eyJ…"), should the
# list ever require a caller; /health and /ready never get it.
AUTHORIZATION=${BENCH_AUTHORIZATION:-}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_DB=nok_bench
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
LIST_PATH="/api/v1/organizations?limit=50"
PAGE_SIZE=50
SQLITE_TARGET=0.30
PG_TARGET=0.50

DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
[[ $DURATION_S -ge 1 ]] || die "BENCH_DURATION must be at least 1s"
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need BENCH_CONNECTIONS >= BENCH_THREADS >= 1"

# ---------------------------------------------------------------------------------------------
# 1. Tools, PostgreSQL, release binary
# ---------------------------------------------------------------------------------------------
for tool in cargo curl awk sort psql pgbench pg_isready; do
    command -v "$tool" >/dev/null || die "$tool is not installed (pgbench/psql/pg_isready: apt-get install postgresql-client)"
done
apt_install wrk
start_postgres
build_release
make_tmp # the temp dir, removed with the servers on exit

# ---------------------------------------------------------------------------------------------
# 2. Databases with the demo data plus generated organizations
# ---------------------------------------------------------------------------------------------
SQLITE_URL=$TMP/nok.db
log "SQLite: loading demo data + $ORGANIZATIONS organizations into $SQLITE_URL"
DATABASE_URL=$SQLITE_URL "$BIN" demo --organizations "$ORGANIZATIONS" >&2

log "PostgreSQL: recreating database $PG_DB"
psql -q -X -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres \
    -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >&2
log "PostgreSQL: loading demo data + $ORGANIZATIONS organizations"
DATABASE_URL=$PG_URL "$BIN" demo --organizations "$ORGANIZATIONS" >&2
PG_ROWS=$(psql -X -At -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -c "SELECT count(*) FROM organizations")
psql -q -X -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -c "VACUUM ANALYZE" >&2
log "PostgreSQL: $PG_ROWS organizations"

# ---------------------------------------------------------------------------------------------
# 3. Servers
# ---------------------------------------------------------------------------------------------
# check_list NAME PORT: one request, to fail early rather than benchmark error responses.
check_list() {
    local body=$TMP/$1.check status items
    status=$(curl -s -o "$body" -w '%{http_code}' "${AUTH_HEADER[@]}" "http://127.0.0.1:$2$LIST_PATH")
    items=$(grep -o '"id":' "$body" | wc -l)
    [[ $status == 200 && $items -eq $PAGE_SIZE ]] ||
        die "$1: GET $LIST_PATH answered $status with $items items: $(head -c 300 "$body")"
    LIST_BYTES=$(wc -c <"$body")
}

AUTH_HEADER=()
[[ -z $AUTHORIZATION ]] || AUTH_HEADER=(-H "Authorization: $AUTHORIZATION")
start_server sqlite "$SQLITE_URL"
SQLITE_PORT=$PORT SQLITE_PID=$PID
start_server postgres "$PG_URL"
PG_PORT_HTTP=$PORT PG_PID=$PID
check_list sqlite "$SQLITE_PORT"
check_list postgres "$PG_PORT_HTTP"
log "list page: $LIST_BYTES bytes of JSON"

# run_pgbench KEY LABEL
run_pgbench() {
    local key=$1 label=$2
    LABEL=$label
    local common=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -n -M prepared -c "$CONNECTIONS" -j "$THREADS"
        -f "$BENCH_DIR/organizations-list.sql")
    wait_for_quiet "$label"
    if [[ $WARMUP_S -gt 0 ]]; then
        log "$label: warming up for ${WARMUP_S}s"
        pgbench "${common[@]}" -T "$WARMUP_S" "$PG_DB" >/dev/null 2>&1
    fi
    mkdir -p "$TMP/pglog"
    log "$label: pgbench -n -M prepared -c$CONNECTIONS -j$THREADS -T$DURATION_S -f organizations-list.sql -l"
    measure "$key" - pgbench "${common[@]}" -T "$DURATION_S" -l --log-prefix="$TMP/pglog/tx" "$PG_DB"
    local tps failed p99
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/$key.out" | head -n1)
    [[ -n $tps ]] || die "$label: no tps in pgbench output: $(cat "$TMP/$key.out")"
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/$key.out")
    # Per-transaction log: client_id transaction_no latency_us script_no epoch epoch_us.
    p99=$(cat "$TMP"/pglog/tx.* | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR; printf "%.2f", v[i] / 1000 }')
    record "$key" "$label" "$tps" "$p99" "${failed:-0}" 0
    RAW+=("===== $label: pgbench -n -M prepared -c$CONNECTIONS -j$THREADS -T$DURATION_S -f bench/organizations-list.sql" "$(cat "$TMP/$key.out")")
}

RAW=()
BASE=http://127.0.0.1
run_wrk health "GET /health (SQLite server)" "$SQLITE_PID" "$BASE:$SQLITE_PORT/health"
run_wrk sqlite "GET list?limit=50, SQLite" "$SQLITE_PID" "$BASE:$SQLITE_PORT$LIST_PATH" "${AUTH_HEADER[@]}"
run_wrk postgres "GET list?limit=50, PostgreSQL" "$PG_PID" "$BASE:$PG_PORT_HTTP$LIST_PATH" "${AUTH_HEADER[@]}"
run_pgbench pgbench "pgbench list SELECT (PostgreSQL)"

# ---------------------------------------------------------------------------------------------
# 5. Summary
# ---------------------------------------------------------------------------------------------

SQLITE_RATIO=$(ratio "$(value sqlite 2)" "$(value health 2)")
PG_RATIO=$(ratio "$(value postgres 2)" "$(value pgbench 2)")
SQLITE_VERDICT=$(verdict "$SQLITE_RATIO" "$SQLITE_TARGET")
PG_VERDICT=$(verdict "$PG_RATIO" "$PG_TARGET")
FAILURES=0
for key in "${TARGETS[@]}"; do
    FAILURES=$((FAILURES + $(value "$key" 4) + $(value "$key" 5)))
done

mkdir -p "$BENCH_DIR/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULT=$BENCH_DIR/results/list-$STAMP.txt
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null) ]] || COMMIT="$COMMIT+dirty"

{
    echo "nok-api list benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
    echo "load: $THREADS threads, $CONNECTIONS connections, ${DURATION_S}s per target after ${WARMUP_S}s warm-up;" \
        "$ORGANIZATIONS generated + seed organizations ($PG_ROWS rows); page of $PAGE_SIZE = $LIST_BYTES bytes"
    echo "servers: NOK_WORKERS=${NOK_WORKERS:-default}, NOK_POOL_SIZE=${NOK_POOL_SIZE:-default}; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2); $(pgbench --version)"
    echo
    printf '%-34s %10s %9s %8s %7s %8s %8s %8s %8s\n' target "req/s" "p99 ms" non-2xx errors "client%" "server%" "db%" "other%"
    printf '%-34s %10s %9s %8s %7s %8s %8s %8s %8s\n' "----------------------------------" ---------- --------- -------- ------- -------- -------- -------- --------
    for key in "${TARGETS[@]}"; do
        IFS='|' read -r label rps p99 failed errors ccpu scpu dcpu ocpu <<<"$(value "$key" 1-9)"
        printf '%-34s %10.0f %9s %8s %7s %8s %8s %8s %8s\n' "$label" "$rps" "$p99" "$failed" "$errors" "$ccpu" "$scpu" "$dcpu" "$ocpu"
    done
    echo
    echo "pgbench: req/s = tps, non-2xx = failed transactions."
    echo "CPU in % of one core over the measured run ($(nproc) cores = $(($(nproc) * 100))%): client = wrk/pgbench,"
    echo "server = nok-api, db = PostgreSQL processes, other = the rest of the machine (should be near 0)."
    echo
    printf 'list(SQLite)/health        = %s  (target >= %s)  %s\n' "$SQLITE_RATIO" "$SQLITE_TARGET" "$SQLITE_VERDICT"
    printf 'list(PostgreSQL)/pgbench   = %s  (target >= %s)  %s\n' "$PG_RATIO" "$PG_TARGET" "$PG_VERDICT"
    [[ $FAILURES -eq 0 ]] || echo "WARNING: $FAILURES non-2xx responses, socket errors or failed transactions (see above)"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
} | tee "$RESULT"
{
    echo
    echo "Raw output"
    printf '%s\n' "${RAW[@]}"
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"

if [[ $STRICT == 1 ]] && [[ $FAILURES -ne 0 || $SQLITE_VERDICT != PASS || $PG_VERDICT != PASS ]]; then
    exit 2
fi
