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


# wrk takes 15s / 2m / 1h; pgbench -T wants whole seconds.
seconds_of() {
    local d=$1
    case $d in
    *[!0-9smh]* | '') die "duration '$d' is not N, Ns, Nm or Nh" ;;
    *s) echo "${d%s}" ;;
    *m) echo $((${d%m} * 60)) ;;
    *h) echo $((${d%h} * 3600)) ;;
    *) echo "$d" ;;
    esac
}
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
if ! command -v wrk >/dev/null; then
    log "installing wrk from Debian"
    SUDO=
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y wrk >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y wrk >&2; } ||
        die "cannot install wrk"
fi

if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start >&2 ||
        die "cannot start PostgreSQL"
    for _ in $(seq 1 30); do
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
        sleep 1
    done
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT"
fi

log "building the release binary (target dir: $TARGET_DIR)"
CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin nok-api >&2
BIN=$TARGET_DIR/release/nok-api
[[ $BIN == /* ]] || BIN=$ROOT/$BIN
[[ -x $BIN ]] || die "no binary at $BIN"

# ---------------------------------------------------------------------------------------------
# Temp dir, servers and their cleanup
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d -t nok-bench.XXXXXX)
SERVER_PIDS=()
SERVER_LOGS=()
HELPER_PIDS=()

cleanup() {
    local rc=$?
    local pid
    for pid in "${HELPER_PIDS[@]}" "${SERVER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${SERVER_PIDS[@]}"; do
        # actix stops gracefully; give it 10 s, then force.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $rc -ne 0 ]]; then
        local f
        for f in "${SERVER_LOGS[@]}"; do
            [[ -s $f ]] && { log "last lines of $(basename "$f"):"; tail -n 20 "$f" >&2; }
        done
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
# CPU accounting: to see whether the load generator, the server or the database is the limit.
# Figures are % of one core over the measured run (the machine has $(nproc) cores).
# ---------------------------------------------------------------------------------------------
pg_snapshot() { # "pid ticks" of every PostgreSQL server process
    local stats
    stats=$(pgrep -u postgres 2>/dev/null | sed 's|.*|/proc/&/stat|') || true
    [[ -z $stats ]] ||
        awk '{ pid = FILENAME; gsub(/[^0-9]/, "", pid); sub(/^.*\) /, ""); print pid, $12 + $13 }' $stats 2>/dev/null || true
}


# ---------------------------------------------------------------------------------------------
# 3. Servers
# ---------------------------------------------------------------------------------------------
# start_server NAME URL: starts `nok-api serve` on a free port; sets PORT and PID.
start_server() {
    local name=$1 url=$2 out=$TMP/$1.out err=$TMP/$1.err
    (
        export DATABASE_URL=$url
        exec "$BIN" serve --bind 127.0.0.1:0
    ) >"$out" 2>"$err" &
    PID=$!
    SERVER_PIDS+=("$PID")
    SERVER_LOGS+=("$err")
    PORT=
    for _ in $(seq 1 300); do
        PORT=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\) .*|\1|p' "$out" | head -n1)
        [[ -n $PORT ]] && break
        kill -0 "$PID" 2>/dev/null || die "the $name server exited: $(tail -n 5 "$err")"
        sleep 0.1
    done
    [[ -n $PORT ]] || die "the $name server did not start listening within 30 s"
    local status=
    for _ in $(seq 1 300); do
        status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ready" || true)
        [[ $status == 200 ]] && break
        sleep 0.1
    done
    [[ $status == 200 ]] || die "the $name server is not ready (/ready answered ${status:-nothing})"
    log "$name server: pid $PID, port $PORT, ready"
}

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

# Fills RESULT_<KEY> for a target from the measured run; the summary prints them in order.
TARGETS=()
record() { # record KEY LABEL RPS P99_MS FAILED ERRORS (CPU_* from measure)
    TARGETS+=("$1")
    printf -v "R_${1}" '%s|%s|%s|%s|%s|%s|%s|%s|%s' "$2" "$3" "$4" "$5" "$6" \
        "$CPU_CLIENT" "$CPU_SERVER" "$CPU_DB" "$CPU_OTHER"
}

# measure KEY SERVER_PID COMMAND...: runs COMMAND (stdout to $TMP/KEY.out) and computes CPU shares.
measure() {
    local key=$1 spid=$2
    shift 2
    local t0 b0 s0=0 t1 b1 s1=0
    # PostgreSQL backends may come and go within the run (pgbench's do): sample them meanwhile.
    pg_snapshot >"$TMP/$key.pg0"
    (while :; do
        pg_snapshot
        sleep 0.2
    done) >"$TMP/$key.pgs" &
    local sampler=$!
    HELPER_PIDS+=("$sampler")
    t0=$(now_ns) b0=$(machine_busy_ticks)
    [[ $spid == - ]] || s0=$(proc_ticks "$spid")
    local TIMEFORMAT='%U %S'
    { time "$@" >"$TMP/$key.out" 2>"$TMP/$key.err"; } 2>"$TMP/$key.time" ||
        die "$key: $1 failed: $(tail -n 5 "$TMP/$key.err")"
    t1=$(now_ns) b1=$(machine_busy_ticks)
    [[ $spid == - ]] || s1=$(proc_ticks "$spid")
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    pg_snapshot >>"$TMP/$key.pgs"
    # Ticks of PostgreSQL processes: the last seen of each, less what it had at the start.
    local d
    d=$(awk 'NR == FNR { before[$1] = $2; next } $2 > last[$1] { last[$1] = $2 }
        END { for (p in last) d += last[p] - ((p in before) ? before[p] : 0); print d + 0 }' \
        "$TMP/$key.pg0" "$TMP/$key.pgs")
    read -r CPU_CLIENT CPU_SERVER CPU_DB CPU_OTHER < <(awk -v w=$(((t1 - t0) / 1000)) -v tck="$CLK_TCK" \
        -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v d="$d" -v spid="$spid" '
        { client = ($1 + $2) * 1e6 }  # seconds -> us
        END {
            server = s / tck * 1e6; db = d / tck * 1e6; busy = b / tck * 1e6
            other = busy - client - server - db; if (other < 0) other = 0
            printf "%.0f %s %.0f %.0f\n", 100 * client / w,
                (spid == "-" ? "-" : sprintf("%.0f", 100 * server / w)), 100 * db / w, 100 * other / w
        }' "$TMP/$key.time")
    if [[ $CPU_OTHER -gt $QUIET_LIMIT ]]; then
        WARNINGS+=("other work took $CPU_OTHER% of a core during '${LABEL:-$key}'; its figures are skewed, rerun on a quiet machine")
    fi
}

# run_wrk KEY LABEL SERVER_PID URL [HEADER ARGS...]
run_wrk() {
    local key=$1 label=$2 spid=$3 url=$4
    shift 4
    LABEL=$label
    wait_for_quiet "$label"
    if [[ $WARMUP_S -gt 0 ]]; then
        log "$label: warming up for ${WARMUP_S}s"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP_S}s" "$@" "$url" >/dev/null
    fi
    log "$label: wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s --latency $url"
    measure "$key" "$spid" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION_S}s" --latency \
        -s "$BENCH_DIR/wrk-report.lua" "$@" "$url"
    kill -0 "$spid" 2>/dev/null || die "$label: the server exited during the run"
    local line
    line=$(grep '^BENCH ' "$TMP/$key.out") || die "$label: no report line from wrk: $(cat "$TMP/$key.out")"
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    local rps p99 non2xx errors
    rps=$(field rps)
    p99=$(awk -v us="$(field p99_us)" 'BEGIN { printf "%.2f", us / 1000 }')
    non2xx=$(field non2xx)
    errors=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    record "$key" "$label" "$rps" "$p99" "$non2xx" "$errors"
    RAW+=("===== $label: wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s --latency $url" "$(cat "$TMP/$key.out")")
}

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
value() { # value KEY FIELD(1-based)
    local v="R_$1"
    cut -d'|' -f"$2" <<<"${!v}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "PASS" : "BELOW TARGET") }'; }

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
