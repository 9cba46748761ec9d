#!/usr/bin/env bash
# The national data set (`nok-api demo --national`: 85 regions, 100,000 generated organizations,
# published cycles 2017–2019 in every region), per backend in one run:
#   load time of the data set, database size (SQLite file; PostgreSQL pg_database_size),
#   start-to-ready of `serve` on it (spawn -> /ready 200) and RSS at ready,
#   wrk against GET /health of the same server: the region summary of the largest region
#   (г. Москва) and, where the server has one, the national summary GET /api/v1/summary.
# See bench/README.md. Usage: bash bench/national.sh  (BENCH_ORGANIZATIONS=10000 for a quick run)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-8s}
WARMUP=${BENCH_WARMUP:-2s}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-100000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
TARGET_DIR=${CARGO_TARGET_DIR:-target} # server_binary builds there
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_bench_national
LARGEST=77 YEAR=2019

DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
for tool in curl awk python3 $([[ $BACKENDS != *postgres* ]] || echo psql pg_isready); do
    command -v "$tool" >/dev/null || die "$tool is not installed (psql/pg_isready: apt-get install postgresql-client)"
done
apt_install wrk
[[ $BACKENDS != *postgres* ]] || start_postgres
server_binary
make_tmp

json() { # json FILE EXPR: EXPR (Python, over the document d) of FILE; empty if it fails
    python3 -c "import json, sys
try: d = json.load(open(sys.argv[1])); print($2)
except Exception: pass" "$1"
}
seconds_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

INFO=()
bench() {
    BACKEND=$1
    local label=$2 url=$3 t0 load size ready rss base region status
    if [[ $BACKEND == postgres ]]; then
        log "PostgreSQL: recreating database $PG_DB"
        psql -q -X -v ON_ERROR_STOP=1 "${url%/*}/postgres" \
            -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >&2
    fi
    log "$label: demo --national --organizations $ORGANIZATIONS (minutes: see bench/README.md)"
    t0=$(now_ns)
    DATABASE_URL=$url "$BIN" --log warn demo --national --organizations "$ORGANIZATIONS" >&2
    load=$(seconds_since "$t0")
    if [[ $BACKEND == postgres ]]; then
        psql -q -X "$url" -c "VACUUM ANALYZE" >&2
        size=$(psql -qAtX "$url" -c "SELECT pg_database_size(current_database())")
    else
        size=$(($(stat -c %s "$url") + $(stat -c %s "$url-wal" 2>/dev/null || echo 0)))
    fi
    t0=$(now_ns)
    start_server "$BACKEND" "$url"
    ready=$(seconds_since "$t0")
    rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$PID/status")
    base=http://127.0.0.1:$PORT
    curl -s -o "$TMP/regions.json" "$base/api/v1/regions?limit=500"
    region=$(json "$TMP/regions.json" "[r['id'] for r in d['items'] if r['code'] == '$LARGEST'][0]")
    [[ -n $region ]] || die "no region $LARGEST in GET /api/v1/regions"
    status=$(curl -s -o "$TMP/summary.json" -w '%{http_code}' "$base/api/v1/regions/$region/summary?year=$YEAR")
    [[ $status == 200 ]] || die "the region summary answered $status"
    INFO+=("$label: loaded in ${load} s; database $((size / 1048576)) MB; start-to-ready ${ready} s; RSS at ready ${rss} MB;" \
        "region $LARGEST: $(json "$TMP/summary.json" "d['organizations_active']") active, $(json "$TMP/summary.json" "d['assessed_in_year']") assessed in $YEAR")
    run_wrk "${BACKEND}_health" "GET /health, $label" "$PID" "$base/health"
    run_wrk "${BACKEND}_region" "region $LARGEST summary, $label" "$PID" "$base/api/v1/regions/$region/summary?year=$YEAR"
    status=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/summary?year=$YEAR")
    if [[ $status == 200 ]]; then
        run_wrk "${BACKEND}_national" "national summary, $label" "$PID" "$base/api/v1/summary?year=$YEAR"
    else
        INFO+=("$label: no national summary (GET /api/v1/summary answered $status)")
    fi
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}
for backend in $BACKENDS; do
    case $backend in
    sqlite) bench sqlite SQLite "$TMP/nok.db" ;;
    postgres) bench postgres PostgreSQL "postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB" ;;
    *) die "BENCH_BACKENDS: unknown backend '$backend' (sqlite, postgres)" ;;
    esac
done

result_file national
ROWS=()
for key in "${TARGETS[@]}"; do
    IFS='|' read -r label rps p99 bad errors _ <<<"$(value "$key" 1-9)"
    ROWS+=("$(printf '%-36s %9.0f %8s %7s %7s %6s' "$label" "$rps" "$p99" \
        "$(ratio "$rps" "$(value "${key%_*}_health" 2)")" "$bad" "$errors")")
done
{
    echo "nok-api national data set  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores; $ORGANIZATIONS generated organizations in 85 regions, published $YEAR and the two years before"
    echo "load: $THREADS threads, $CONNECTIONS connections, ${DURATION_S}s per target after ${WARMUP_S}s warm-up"
    printf '%s\n' "${INFO[@]}"
    echo
    printf '%-36s %9s %8s %7s %7s %6s\n' target "req/s" "p99 ms" ratio "bad st." errors
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "ratio = req/s / req/s of GET /health of the same server in the same run."
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
} | tee "$RESULT"
printf '\nRaw output\n' >>"$RESULT"
printf '%s\n' "${RAW[@]}" >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
