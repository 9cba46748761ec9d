#!/usr/bin/env bash
# Load benchmark of a published rating over 5,000 organizations, in one run on one machine:
#   GET /health                                        -- the HTTP stack alone, the ceiling
#   GET /api/v1/cycles/{id}/ratings, anonymous         -- page one of the published rating
#   the same with If-None-Match: <its ETag>            -- answered 304
#   the same, page 20 (next_cursor followed)           -- a later page
# on SQLite and PostgreSQL, each against /health: targets 0.30 (200s) and 0.60 (304).
# See bench/README.md. Usage: bash bench/ratings.sh
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
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-5000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
STRICT=${BENCH_STRICT:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_bench_ratings
REGION=71 YEAR=2018 PAGE=20 PAGE_SIZE=50
RATING_TARGET=0.30 NOT_MODIFIED_TARGET=0.60
WRK_SCRIPT=$BENCH_DIR/wrk-status.lua # counts answers that are not 200 (304 with If-None-Match)

DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
[[ $DURATION_S -ge 1 ]] || die "BENCH_DURATION must be at least 1s"
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need BENCH_CONNECTIONS >= BENCH_THREADS >= 1"
for tool in cargo curl awk sort python3 $([[ $BACKENDS != *postgres* ]] || echo psql pg_isready); do
    command -v "$tool" >/dev/null || die "$tool is not installed (psql/pg_isready: apt-get install postgresql-client)"
done
apt_install wrk
[[ $BACKENDS != *postgres* ]] || start_postgres
build_release
make_tmp # the temp dir, removed with the servers on exit

# get NAME PATH [CURL ARGS...]: body to $TMP/NAME.json, headers to $TMP/NAME.head; sets STATUS.
get() {
    local name=$1 path=$2
    shift 2
    STATUS=$(curl -s -D "$TMP/$name.head" -o "$TMP/$name.json" -w '%{http_code}' "$@" "$BASE$path")
}
json() { # json NAME EXPR: EXPR (Python, over the document d) of $TMP/NAME.json; empty if it fails
    python3 -c "import json, sys
try: d = json.load(open(sys.argv[1])); print($2)
except Exception: pass" "$TMP/$1.json"
}
check_page() { # check_page NAME PATH: 200 with a full page of the whole rating
    get "$1" "$2"
    local items organizations
    items=$(json "$1" "len(d.get('items', []))") organizations=$(json "$1" "d.get('organizations', 0)")
    [[ $STATUS == 200 && $items -eq $PAGE_SIZE && $organizations -ge $ORGANIZATIONS ]] ||
        die "GET $2 answered $STATUS with $items items of $organizations: $(head -c 300 "$TMP/$1.json")"
    INFO+=("$BACKEND: GET $2: 200, $items items of $organizations organizations, $(wc -c <"$TMP/$1.json") bytes")
}

# bench BACKEND LABEL DATABASE_URL: demo data with the published cycle, a server, the checks, and
# the measured runs (/health on the first backend only: it does not touch the database).
INFO=()
bench() {
    BACKEND=$1
    local label=$2 url=$3
    if [[ $BACKEND == postgres ]]; then
        log "PostgreSQL: recreating database $PG_DB"
        psql -q -X -v ON_ERROR_STOP=1 "${url%/*}/postgres" \
            -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >&2
    fi
    log "$label: demo data, $ORGANIZATIONS organizations in region $REGION, published $YEAR cycle"
    DATABASE_URL=$url "$BIN" demo --organizations "$ORGANIZATIONS" --region "$REGION" --published-cycle "$YEAR" >&2
    [[ $BACKEND != postgres ]] || psql -q -X "$url" -c "VACUUM ANALYZE" >&2
    start_server "$BACKEND" "$url"
    BASE=http://127.0.0.1:$PORT
    get regions "/api/v1/regions?limit=500"
    local region cycle rating tag later
    region=$(json regions "[r['id'] for r in d['items'] if r['code'] == '$REGION'][0]")
    [[ -n $region ]] || die "no region $REGION in GET /api/v1/regions"
    get cycles "/api/v1/cycles?year=$YEAR&region_id=$region"
    cycle=$(json cycles "d['items'][0]['id']")
    [[ -n $cycle ]] || die "no $YEAR cycle of region $REGION visible anonymously"
    rating=/api/v1/cycles/$cycle/ratings
    check_page first "$rating"
    tag=$(sed -n 's/^etag: *\(.*\)\r$/\1/Ip' "$TMP/first.head")
    get conditional "$rating" -H "If-None-Match: $tag"
    [[ $STATUS == 304 && -n $tag ]] || die "GET $rating with If-None-Match: $tag answered $STATUS"
    INFO+=("$BACKEND: the same with If-None-Match: $tag: 304, $(wc -c <"$TMP/conditional.head") bytes of headers")
    later=$rating
    for _ in $(seq 2 "$PAGE"); do
        get later "$later"
        later="$rating?cursor=$(json later "d['next_cursor']")"
    done
    check_page later "$later"
    [[ $BACKEND != "${BACKENDS%% *}" ]] || run_wrk health "GET /health" "$PID" "$BASE/health"
    run_wrk "${BACKEND}_first" "rating page 1, $label" "$PID" "$BASE$rating"
    run_wrk "${BACKEND}_304" "rating page 1 -> 304, $label" "$PID" "$BASE$rating" -H "If-None-Match: $tag"
    run_wrk "${BACKEND}_later" "rating page $PAGE, $label" "$PID" "$BASE$later"
}
for backend in $BACKENDS; do
    case $backend in
    sqlite) bench sqlite SQLite "$TMP/nok.db" ;;
    postgres) bench postgres PostgreSQL "postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB" ;;
    *) die "BENCH_BACKENDS: unknown backend '$backend' (sqlite, postgres)" ;;
    esac
done

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
mkdir -p "$BENCH_DIR/results"
RESULT=$BENCH_DIR/results/ratings-$(date -u +%Y%m%dT%H%M%SZ).txt
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null) ]] || COMMIT="$COMMIT+dirty"
MISSED=0 FAILURES=0 ROWS=()
for key in "${TARGETS[@]}"; do
    IFS='|' read -r label rps p99 bad errors ccpu scpu dcpu ocpu <<<"$(value "$key" 1-9)"
    FAILURES=$((FAILURES + bad + errors))
    r=$(ratio "$rps" "$(value health 2)") target=- result=
    case $key in
    *_304) target=$NOT_MODIFIED_TARGET ;;
    *_first | *_later) target=$RATING_TARGET ;;
    esac
    if [[ $target != - ]]; then
        result=$(verdict "$r" "$target")
        [[ $result == PASS ]] || MISSED=$((MISSED + 1))
    fi
    ROWS+=("$(printf '%-32s %9.0f %8s %7s %7s %-12s %7s %6s %8s %8s %6s %7s' "$label" "$rps" "$p99" "$r" "$target" \
        "$result" "$bad" "$errors" "$ccpu" "$scpu" "$dcpu" "$ocpu")")
done
{
    echo "nok-api ratings benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
    echo "load: $THREADS threads, $CONNECTIONS connections, ${DURATION_S}s per target after ${WARMUP_S}s warm-up;" \
        "$ORGANIZATIONS generated organizations in region $REGION; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
    printf '%s\n' "${INFO[@]}"
    echo
    printf '%-32s %9s %8s %7s %7s %-12s %7s %6s %8s %8s %6s %7s\n' target "req/s" "p99 ms" ratio target verdict \
        "bad st." errors "client%" "server%" "db%" "other%"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "ratio = req/s / req/s of GET /health. bad st. = answers other than 200 (304 with If-None-Match),"
    echo "counted per response by bench/wrk-status.lua; errors = socket errors. CPU in % of one core over the run"
    echo "($(nproc) cores = $(($(nproc) * 100))%): client = wrk, server = nok-api, db = PostgreSQL, other = the rest (should be near 0)."
    [[ $FAILURES -eq 0 ]] || echo "WARNING: $FAILURES unexpected statuses or socket errors (see above)"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
} | tee "$RESULT"
printf '\nRaw output\n' >>"$RESULT"
printf '%s\n' "${RAW[@]}" >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $STRICT != 1 ]] || [[ $MISSED -eq 0 && $FAILURES -eq 0 ]] || exit 2
