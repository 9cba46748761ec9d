# Shared by the benchmarks: logging, CPU accounting from /proc, the wait for a quiet machine, and
# (for list.sh and ratings.sh) tools, build, servers and wrk runs; for the fault scripts also the
# binary, a fresh PostgreSQL database, the backend loop and the result file. Source it after setting
# BENCH_QUIET_WAIT (optional); the functions below use the caller's BENCH_DIR, ROOT, TARGET_DIR,
# PG_HOST, PG_PORT, PG_DB, BACKENDS, THREADS, CONNECTIONS, DURATION_S and WARMUP_S. (ingest.sh
# defines its own cleanup and measure, which replace these.)

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

CLK_TCK=$(getconf CLK_TCK)
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime + stime
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
now_ns() { date +%s%N; }

# Other work on the machine (a build, a test suite) skews every figure: before each step, wait
# up to BENCH_QUIET_WAIT seconds for the machine to be nearly idle, and flag it when it is not.
QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
QUIET_LIMIT=25 # % of one core
WARNINGS=()
busy_pct() { # busy_pct SECONDS: % of one core the whole machine used meanwhile
    local b0 t0 b1 t1
    b0=$(machine_busy_ticks) t0=$(now_ns)
    sleep "$1"
    b1=$(machine_busy_ticks) t1=$(now_ns)
    awk -v b=$((b1 - b0)) -v tck="$CLK_TCK" -v w=$(((t1 - t0) / 1000)) 'BEGIN { printf "%.0f", 100 * b / tck * 1e6 / w }'
}
wait_for_quiet() { # wait_for_quiet LABEL
    local deadline=$((SECONDS + QUIET_WAIT)) busy
    while :; do
        busy=$(busy_pct 2)
        [[ $busy -le $QUIET_LIMIT ]] && return
        if [[ $SECONDS -ge $deadline ]]; then
            WARNINGS+=("machine was busy ($busy% of a core) before '$1'; its figures are skewed")
            log "WARNING: machine still busy ($busy% of a core), measuring anyway"
            return
        fi
        log "machine busy ($busy% of a core, e.g. a build), waiting for it to settle"
    done
}

# ---------------------------------------------------------------------------------------------
# Tools, build, servers
# ---------------------------------------------------------------------------------------------
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

apt_install() { # apt_install TOOL: the Debian package of that name, unless TOOL is there
    command -v "$1" >/dev/null && return
    log "installing $1 from Debian"
    SUDO=
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y "$1" >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y "$1" >&2; } ||
        die "cannot install $1"
}

start_postgres() { # unless it answers at $PG_HOST:$PG_PORT
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
}

build_release() { # sets BIN
    log "building the release binary (target dir: $TARGET_DIR)"
    CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin nok-api >&2
    BIN=$TARGET_DIR/release/nok-api
    [[ $BIN == /* ]] || BIN=$ROOT/$BIN
    [[ -x $BIN ]] || die "no binary at $BIN"
}

need_tools() { # need_tools TOOL...: dies naming the first one missing
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is not installed"
    done
}

server_binary() { # sets BIN: NOK_API_BIN if given (another build, or no cargo here), else build_release
    if [[ -n ${NOK_API_BIN:-} ]]; then
        BIN=$NOK_API_BIN
        [[ -x $BIN ]] || die "NOK_API_BIN=$BIN is not executable"
    else
        build_release
    fi
}

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

# make_tmp: the temp dir (TMP) that cleanup removes on exit, with the servers and helpers.
make_tmp() {
    TMP=$(mktemp -d -t nok-bench.XXXXXX)
    SERVER_PIDS=()
    SERVER_LOGS=()
    HELPER_PIDS=()
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# A fresh database PG_DB on the shared cluster, so a run never sees another's data; dropped on
# exit. drop_database_on_exit SIGNAL (after make_tmp, whose EXIT trap it replaces): SIGNAL goes to
# the servers before the drop, so they are not still writing to it (0: none, kill -0 sends nothing).
PG_CREATED=0
DROP_SIGNAL=0
drop_database_on_exit() {
    DROP_SIGNAL=$1
    trap finish_dropping_database EXIT
}
finish_dropping_database() { # the database, then lib.sh's cleanup (servers, temp dir), which exits with this status
    local rc=$?
    set +e
    if [[ $PG_CREATED == 1 ]]; then
        local pid
        for pid in "${SERVER_PIDS[@]}"; do kill "-$DROP_SIGNAL" "$pid" 2>/dev/null; done
        psql -q -X "postgres://postgres@$PG_HOST:$PG_PORT/postgres" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >&2
    fi
    (exit "$rc")
    cleanup
}
fresh_postgres_database() { # creates PG_DB (once per run: it is dropped only on exit)
    log "PostgreSQL: creating database $PG_DB"
    psql -q -X -v ON_ERROR_STOP=1 "postgres://postgres@$PG_HOST:$PG_PORT/postgres" -c "CREATE DATABASE $PG_DB" >&2
    PG_CREATED=1
}

# for_each_backend FUNC: FUNC BACKEND DATABASE_URL for each of BACKENDS, in order; SQLite in the
# temp dir, PostgreSQL in a fresh PG_DB.
for_each_backend() {
    local backend
    for backend in $BACKENDS; do
        case $backend in
        sqlite) "$1" sqlite "$TMP/nok.db" ;;
        postgres)
            fresh_postgres_database
            "$1" postgres "postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB"
            ;;
        *) die "BENCH_BACKENDS: unknown backend '$backend' (sqlite, postgres)" ;;
        esac
    done
}

# /metrics answers only with this bearer token (NOK_METRICS_TOKEN), which start_server sets.
METRICS_TOKEN=bench-metrics-token

# start_server NAME URL: starts `nok-api serve` on a free port; sets PORT and PID.
start_server() {
    local name=$1 url=$2 out=$TMP/$1.out err=$TMP/$1.err
    : >"$out" # exists before the first look at it below, whenever the server gets to open it
    (
        export DATABASE_URL=$url NOK_METRICS_TOKEN=$METRICS_TOKEN
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

# ---------------------------------------------------------------------------------------------
# Measuring: CPU shares (% of one core over the measured run) of the load generator, the server,
# PostgreSQL and the rest, to see which is the limit; results kept per target for the summary.
# ---------------------------------------------------------------------------------------------
pg_snapshot() { # "pid ticks" of every PostgreSQL server process
    local stats
    stats=$(pgrep -u postgres 2>/dev/null | sed 's|.*|/proc/&/stat|') || true
    [[ -z $stats ]] ||
        awk '{ pid = FILENAME; gsub(/[^0-9]/, "", pid); sub(/^.*\) /, ""); print pid, $12 + $13 }' $stats 2>/dev/null || true
}

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
        -s "${WRK_SCRIPT:-$BENCH_DIR/wrk-report.lua}" "$@" "$url"
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


RAW=()
value() { # value KEY FIELD(1-based)
    local v="R_$1"
    cut -d'|' -f"$2" <<<"${!v}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "PASS" : "BELOW TARGET") }'; }

# result_file NAME: sets RESULT (results/NAME-<UTC time>.txt) and COMMIT for the summary's header;
# +dirty when the code differs from the commit, and the binary when it was not built from the tree.
result_file() {
    mkdir -p "$BENCH_DIR/results"
    # shellcheck disable=SC2034 # the caller's summary is written to it
    RESULT=$BENCH_DIR/results/$1-$(date -u +%Y%m%dT%H%M%SZ).txt
    COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -z $(git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null) ]] || COMMIT="$COMMIT+dirty"
    [[ -z ${NOK_API_BIN:-} ]] || COMMIT="$COMMIT, binary NOK_API_BIN=$NOK_API_BIN"
}
