#!/usr/bin/env bash
# Survey ingest and cycle recompute on SQLite, in one run on one machine:
#   POST .../survey-responses with a 1,000,000-row CSV in one request   -- the service
#   sqlite3 .import of the same file into a 14-column table             -- SQLite alone, the ceiling
#   PATCH /api/v1/cycles/{id} (settings) recomputing 5,000 evaluations  -- one transaction
# and reports ingest(service)/import(sqlite3) in rows/s (target >= 0.5) and the recompute time
# (target < 1 s). See bench/README.md. Usage: bash bench/ingest.sh
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

ROWS=${BENCH_ROWS:-1000000}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-5000}
RECOMPUTE_RUNS=${BENCH_RECOMPUTE_RUNS:-3}
# Smaller uploads first, to see whether the upload time grows linearly; empty skips them.
SCALING=${BENCH_SCALING-10000 100000}
STRICT=${BENCH_STRICT:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PASSWORD=bench-password-2026
UPLOAD_LIMIT=1073741824
INGEST_TARGET=0.5
RECOMPUTE_TARGET=1.0


[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 1 ]] || die "BENCH_ROWS must be a positive integer"
[[ $ORGANIZATIONS =~ ^[0-9]+$ && $ORGANIZATIONS -ge $((2 + $(wc -w <<<"$SCALING"))) ]] ||
    die "BENCH_ORGANIZATIONS must be at least 2 + the number of BENCH_SCALING sizes"
[[ $RECOMPUTE_RUNS =~ ^[0-9]+$ && $RECOMPUTE_RUNS -ge 1 ]] || die "BENCH_RECOMPUTE_RUNS must be >= 1"

# ---------------------------------------------------------------------------------------------
# 1. Tools and the release binary
# ---------------------------------------------------------------------------------------------
for tool in cargo curl awk sort python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
if ! command -v sqlite3 >/dev/null; then
    log "installing sqlite3 from Debian"
    SUDO=
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get install -y sqlite3 >&2 || { $SUDO apt-get update >&2 && $SUDO apt-get install -y sqlite3 >&2; } ||
        die "cannot install sqlite3"
fi
# .import --skip N arrived in sqlite3 3.32; older shells get a header-less copy of the file.
SQLITE_VERSION=$(sqlite3 --version | cut -d' ' -f1)
SKIP_SUPPORTED=0
[[ $(printf '%s\n3.32.0\n' "$SQLITE_VERSION" | sort -V | head -n1) == 3.32.0 ]] && SKIP_SUPPORTED=1

log "building the release binary (target dir: $TARGET_DIR)"
CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin nok-api >&2
BIN=$TARGET_DIR/release/nok-api
[[ $BIN == /* ]] || BIN=$ROOT/$BIN
[[ -x $BIN ]] || die "no binary at $BIN"

# ---------------------------------------------------------------------------------------------
# Temp dir, server and their cleanup
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d -t nok-bench-ingest.XXXXXX)
SERVER_PID=
SERVER_ERR=$TMP/server.err

cleanup() {
    local rc=$?
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        # actix stops gracefully; give it 10 s, then force.
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $rc -ne 0 && -s $SERVER_ERR ]]; then
        log "last lines of the server log:"
        tail -n 20 "$SERVER_ERR" >&2
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# CPU accounting and quiet-machine wait (as in list.sh): % of one core over a measured step.
# ---------------------------------------------------------------------------------------------

# measure KEY LABEL SERVER_PID COMMAND...: runs COMMAND (stdout to $TMP/KEY.out); sets
# CPU_CLIENT CPU_SERVER CPU_OTHER (% of one core) and WALL_S.
measure() {
    local key=$1 label=$2 spid=$3
    shift 3
    local t0 b0 s0=0 t1 b1 s1=0
    t0=$(now_ns) b0=$(machine_busy_ticks)
    [[ $spid == - ]] || s0=$(proc_ticks "$spid")
    local TIMEFORMAT='%U %S'
    { time "$@" >"$TMP/$key.out" 2>"$TMP/$key.err"; } 2>"$TMP/$key.time" || {
        cat "$TMP/$key.err" >&2
        die "$label: $1 failed"
    }
    t1=$(now_ns) b1=$(machine_busy_ticks)
    [[ $spid == - ]] || s1=$(proc_ticks "$spid")
    cat "$TMP/$key.err" >&2
    read -r CPU_CLIENT CPU_SERVER CPU_OTHER WALL_S < <(awk -v w=$(((t1 - t0) / 1000)) -v tck="$CLK_TCK" \
        -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v spid="$spid" '
        { client = ($1 + $2) * 1e6 }
        END {
            server = s / tck * 1e6; busy = b / tck * 1e6
            other = busy - client - server; if (other < 0) other = 0
            printf "%.0f %s %.0f %.3f\n", 100 * client / w,
                (spid == "-" ? "-" : sprintf("%.0f", 100 * server / w)), 100 * other / w, w / 1e6
        }' "$TMP/$key.time")
    if [[ $CPU_OTHER -gt $QUIET_LIMIT ]]; then
        WARNINGS+=("other work took $CPU_OTHER% of a core during '$label'; its figures are skewed, rerun on a quiet machine")
    fi
}
bench_field() { sed -n "s/^BENCH .*\b$2=\([^ ]*\).*/\1/p" "$1" | tail -n1; } # bench_field FILE KEY
server_rss_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

# ---------------------------------------------------------------------------------------------
# 2. Database, server, cycle with inputs
# ---------------------------------------------------------------------------------------------
DB=$TMP/nok.db
log "SQLite: demo data + $ORGANIZATIONS organizations in region 71 into $DB"
DATABASE_URL=$DB "$BIN" demo --organizations "$ORGANIZATIONS" --region 71 >&2

(
    export DATABASE_URL=$DB NOK_DEMO_PASSWORD=$PASSWORD NOK_UPLOAD_LIMIT=$UPLOAD_LIMIT
    exec "$BIN" serve --demo --bind 127.0.0.1:0
) >"$TMP/server.out" 2>"$SERVER_ERR" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 300); do
    PORT=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\) .*|\1|p' "$TMP/server.out" | head -n1)
    [[ -n $PORT ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(tail -n 5 "$SERVER_ERR")"
    sleep 0.1
done
[[ -n $PORT ]] || die "the server did not start listening within 30 s"
BASE=http://127.0.0.1:$PORT
status=
for _ in $(seq 1 300); do
    status=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready" || true)
    [[ $status == 200 ]] && break
    sleep 0.1
done
[[ $status == 200 ]] || die "the server is not ready (/ready answered ${status:-nothing})"
log "server: pid $SERVER_PID, port $PORT, ready"

export NOK_DEMO_PASSWORD=$PASSWORD
DRIVER=(python3 "$BENCH_DIR/ingest.py")
STATE=$TMP/state.json
log "creating a cycle of $ORGANIZATIONS organizations and PUTting their inputs"
measure setup "cycle + $ORGANIZATIONS inputs" "$SERVER_PID" "${DRIVER[@]}" setup "$BASE" "$STATE" "$ORGANIZATIONS"
CYCLE_ID=$(bench_field "$TMP/setup.out" cycle_id)
PUTS_S=$(bench_field "$TMP/setup.out" puts_s)
PUTS_RATE=$(bench_field "$TMP/setup.out" puts_per_s)
CREATE_S=$(bench_field "$TMP/setup.out" create_s)
PUT_SERVER_CPU=$CPU_SERVER

# ---------------------------------------------------------------------------------------------
# 3. The CSV files
# ---------------------------------------------------------------------------------------------
CSV=$TMP/survey.csv
log "generating $ROWS survey rows"
"${DRIVER[@]}" gencsv "$CSV" "$ROWS" >"$TMP/gencsv.out"
CSV_BYTES=$(bench_field "$TMP/gencsv.out" bytes)
for n in $SCALING; do
    [[ $n -lt $ROWS ]] || die "BENCH_SCALING size $n is not below BENCH_ROWS"
    head -n $((n + 1)) "$CSV" >"$TMP/survey-$n.csv"
done

# ---------------------------------------------------------------------------------------------
# 4. Uploads: the smaller ones first (other organizations), then the measured one
# ---------------------------------------------------------------------------------------------
UPLOADS=()
upload() { # upload KEY FILE ORG_INDEX
    local key=$1 file=$2 index=$3 rows
    rows=$(($(wc -l <"$file") - 1))
    wait_for_quiet "upload of $rows rows"
    log "uploading $rows rows ($(du -h "$file" | cut -f1)) in one request"
    measure "$key" "upload $rows rows" "$SERVER_PID" "${DRIVER[@]}" upload "$BASE" "$STATE" "$file" "$index"
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during the upload"
    local seconds rate
    seconds=$(bench_field "$TMP/$key.out" seconds)
    rate=$(bench_field "$TMP/$key.out" rows_per_s)
    UPLOADS+=("$rows|$seconds|$rate|$CPU_CLIENT|$CPU_SERVER|$CPU_OTHER|$(server_rss_mb)")
    UPLOAD_SECONDS=$seconds UPLOAD_RATE=$rate
}
index=2
for n in $SCALING; do
    upload "upload-$n" "$TMP/survey-$n.csv" "$index"
    index=$((index + 1))
done
upload upload "$CSV" 1
INGEST_SECONDS=$UPLOAD_SECONDS INGEST_RATE=$UPLOAD_RATE
STORED=$(bench_field "$TMP/upload.out" stored)
[[ $STORED == "$ROWS" ]] || die "the upload stored $STORED responses, not $ROWS"

# ---------------------------------------------------------------------------------------------
# 5. Baseline: sqlite3 .import of the same file into an equivalent table
# ---------------------------------------------------------------------------------------------
BASE_DB=$TMP/import.db
COLUMNS_SQL=$(head -n1 "$CSV" | tr -d '\r' | sed 's/,/ TEXT, /g; s/$/ TEXT/')
sqlite3 "$BASE_DB" "CREATE TABLE responses($COLUMNS_SQL);"
if [[ $SKIP_SUPPORTED == 1 ]]; then
    IMPORT_FILE=$CSV IMPORT_CMD=".import --csv --skip 1 $CSV responses"
else
    IMPORT_FILE=$TMP/survey-noheader.csv IMPORT_CMD=".import $IMPORT_FILE responses"
    tail -n +2 "$CSV" >"$IMPORT_FILE"
fi
wait_for_quiet "sqlite3 .import"
log "sqlite3 $SQLITE_VERSION: $IMPORT_CMD"
measure import "sqlite3 .import" - sqlite3 "$BASE_DB" ".mode csv" "$IMPORT_CMD"
IMPORT_SECONDS=$WALL_S IMPORT_CPU=$CPU_CLIENT IMPORT_OTHER=$CPU_OTHER
IMPORTED=$(sqlite3 "$BASE_DB" "SELECT count(*) FROM responses")
[[ $IMPORTED == "$ROWS" ]] || die "sqlite3 imported $IMPORTED rows, not $ROWS"
IMPORT_RATE=$(awk -v r="$ROWS" -v s="$IMPORT_SECONDS" 'BEGIN { printf "%.0f", r / s }')
log "sqlite3 .import: $ROWS rows in ${IMPORT_SECONDS}s ($IMPORT_RATE rows/s)"

# ---------------------------------------------------------------------------------------------
# 6. Recompute of the whole cycle, toggling waiting_time_applied
# ---------------------------------------------------------------------------------------------
wait_for_quiet "recompute"
log "recomputing cycle $CYCLE_ID ($ORGANIZATIONS evaluations) $RECOMPUTE_RUNS times"
measure recompute "recompute" "$SERVER_PID" "${DRIVER[@]}" recompute "$BASE" "$STATE" "$RECOMPUTE_RUNS"
RECOMPUTE_LINES=$(grep '^BENCH ' "$TMP/recompute.out")
mapfile -t RECOMPUTE_TIMES < <(sed -n 's/^BENCH .* seconds=\([0-9.]*\).*/\1/p' "$TMP/recompute.out")
[[ ${#RECOMPUTE_TIMES[@]} -eq $RECOMPUTE_RUNS ]] || die "recompute: expected $RECOMPUTE_RUNS timings"
RECOMPUTE_MEDIAN=$(printf '%s\n' "${RECOMPUTE_TIMES[@]}" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
RECOMPUTE_SERVER_CPU=$CPU_SERVER

DB_MB=$(du -cm "$DB"* | tail -n1 | cut -f1)
BASE_DB_MB=$(du -m "$BASE_DB" | cut -f1)

# ---------------------------------------------------------------------------------------------
# 7. Summary
# ---------------------------------------------------------------------------------------------
RATIO=$(awk -v a="$INGEST_RATE" -v b="$IMPORT_RATE" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
INGEST_VERDICT=$(awk -v r="$RATIO" -v t="$INGEST_TARGET" 'BEGIN { print (r >= t ? "PASS" : "BELOW TARGET") }')
RECOMPUTE_VERDICT=$(awk -v r="$RECOMPUTE_MEDIAN" -v t="$RECOMPUTE_TARGET" 'BEGIN { print (r < t ? "PASS" : "ABOVE TARGET") }')

mkdir -p "$BENCH_DIR/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULT=$BENCH_DIR/results/ingest-$STAMP.txt
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null) ]] || COMMIT="$COMMIT+dirty"

{
    echo "nok-api ingest/recompute benchmark (SQLite)  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)); sqlite3 $SQLITE_VERSION"
    echo "data: $ORGANIZATIONS organizations in region 71, cycle $CYCLE_ID; CSV $ROWS rows x 14 columns, $((CSV_BYTES / 1000000)) MB"
    echo "setup: cycle created in ${CREATE_S}s; $ORGANIZATIONS PUT inputs in ${PUTS_S}s ($PUTS_RATE/s, 4 connections, server ${PUT_SERVER_CPU}% of a core)"
    echo
    printf '%-30s %9s %9s %11s %8s %8s %8s %8s\n' upload rows seconds "rows/s" "client%" "server%" "other%" "rss MB"
    printf '%-30s %9s %9s %11s %8s %8s %8s %8s\n' ------------------------------ --------- --------- ----------- -------- -------- -------- --------
    for u in "${UPLOADS[@]}"; do
        IFS='|' read -r rows seconds rate ccpu scpu ocpu rss <<<"$u"
        printf '%-30s %9s %9s %11s %8s %8s %8s %8s\n' "POST survey-responses" "$rows" "$seconds" "$rate" "$ccpu" "$scpu" "$ocpu" "$rss"
    done
    printf '%-30s %9s %9s %11s %8s %8s %8s %8s\n' "sqlite3 .import" "$ROWS" "$IMPORT_SECONDS" "$IMPORT_RATE" "$IMPORT_CPU" - "$IMPORT_OTHER" -
    echo
    echo "recompute (PATCH settings, $ORGANIZATIONS evaluations, one transaction; server ${RECOMPUTE_SERVER_CPU}% of a core over all runs):"
    sed -n 's/^BENCH run=\([0-9]*\) waiting_time_applied=\([a-z]*\) seconds=\([0-9.]*\) sample_total=\([0-9.]*\).*/  run \1: waiting_time_applied=\2  \3 s  (sample total \4, as expected)/p' <<<"$RECOMPUTE_LINES"
    echo
    echo "CPU in % of one core over each step: client = ingest.py or sqlite3, server = nok-api,"
    echo "other = the rest of the machine (should be near 0); rss = nok-api peak resident memory so far."
    echo "database after the run: service $DB_MB MB (with WAL), sqlite3 baseline $BASE_DB_MB MB."
    echo
    printf '%-36s %14s\n' "" value
    printf '%-36s %14s\n' "ingest, service (rows/s)" "$INGEST_RATE"
    printf '%-36s %14s\n' "sqlite3 .import (rows/s)" "$IMPORT_RATE"
    printf '%-36s %14s  (target >= %s)  %s\n' "ratio service/sqlite3" "$RATIO" "$INGEST_TARGET" "$INGEST_VERDICT"
    printf '%-36s %14s  (target < %s s)  %s\n' "recompute $ORGANIZATIONS, median of $RECOMPUTE_RUNS (s)" "$RECOMPUTE_MEDIAN" "$RECOMPUTE_TARGET" "$RECOMPUTE_VERDICT"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
} | tee "$RESULT"
{
    echo
    echo "Raw output"
    for key in setup gencsv upload recompute; do
        echo "===== $key"
        cat "$TMP/$key.out"
    done
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"

if [[ $STRICT == 1 ]] && [[ $INGEST_VERDICT != PASS || $RECOMPUTE_VERDICT != PASS ]]; then
    exit 2
fi
