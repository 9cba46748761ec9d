#!/usr/bin/env bash
# Every GET route of issue 17, anonymous and with a token, against GET /health of the same server
# in the same run, on `nok-api demo --organizations 5000 --region 71 --published-cycle 2019`:
# organizations by region (anonymous and an auditor's), q=центр, the published rating page 1
# (anonymous, auditor, authority), an auditor's evaluations list and one evaluation, the region
# summary (anonymous and auditor), audit events, /changes (anonymous and auditor). On PostgreSQL
# also pgbench of each route's own statements (captured from PostgreSQL's statement log into
# bench/sql/) on the same database. Verdicts: SQLite >= 0.30 of /health, PostgreSQL >= 0.50 of
# pgbench, p99 < 25 ms; the server's RSS at start (<= 64 MB) and after all routes (<= 128 MB).
# Prints a table per target, then the markdown table for the README.
# See bench/README.md. Usage: bash bench/routes.sh [--quick]   (BENCH_BACKENDS=sqlite for SQLite only)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QUICK=0
for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    *) echo "usage: bash bench/routes.sh [--quick]" >&2; exit 64 ;;
    esac
done
if [[ $QUICK == 1 ]]; then
    # A smoke run: every step once, figures too short to quote.
    : "${BENCH_DURATION:=2s}" "${BENCH_WARMUP:=1s}" "${BENCH_QUIET_WAIT:=0}" "${BENCH_ORGANIZATIONS:=1000}"
fi
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-20}
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-8s}
WARMUP=${BENCH_WARMUP:-2s}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-5000}
YEAR=${BENCH_YEAR:-2019}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
STRICT=${BENCH_STRICT:-0}
ONLY=${BENCH_ROUTES:-} # route keys to measure (space-separated); empty: all
PG_LOG=${BENCH_PG_LOG:-/var/log/postgresql/postgresql-$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)-main.log}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_routes_$$
REGION=71
PASSWORD="bench password of the route users"
SQLITE_TARGET=0.30 PG_TARGET=0.50 P99_LIMIT=25 RSS_START_LIMIT=64 RSS_AFTER_LIMIT=128

DURATION_S=$(seconds_of "$DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
[[ $DURATION_S -ge 1 ]] || die "BENCH_DURATION must be at least 1s"
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need BENCH_CONNECTIONS >= BENCH_THREADS >= 1"
need_tools curl awk python3 sort
[[ $BACKENDS != *postgres* ]] || need_tools psql pg_isready pgbench
apt_install wrk
[[ $BACKENDS != *postgres* ]] || start_postgres
if [[ $BACKENDS == *postgres* && ! -r $PG_LOG ]]; then
    die "cannot read PostgreSQL's log $PG_LOG (BENCH_PG_LOG): the routes' statements are taken from it"
fi
server_binary
make_tmp
drop_database_on_exit TERM
mkdir -p "$BENCH_DIR/sql"
# One token secret for every server of the run: the users' tokens work on all of them.
export NOK_JWT_SECRET=bench-routes-secret-of-at-least-32-bytes
STARTED=$SECONDS

# The routes: KEY|LABEL|CALLER (anonymous, auditor, authority)|PATH with @REGION@, @CYCLE@, @ORG@,
# @YEAR@ filled in per backend.
ROUTES=(
    "org_region|GET /organizations?region_id=&limit=50|anonymous|/api/v1/organizations?region_id=@REGION@&limit=50"
    "org_region_auditor|the same, auditor|auditor|/api/v1/organizations?region_id=@REGION@&limit=50"
    "org_q|GET /organizations?q=центр&limit=50|anonymous|/api/v1/organizations?q=%D1%86%D0%B5%D0%BD%D1%82%D1%80&limit=50"
    "rating|published rating page 1|anonymous|/api/v1/cycles/@CYCLE@/ratings"
    "rating_auditor|the same, auditor|auditor|/api/v1/cycles/@CYCLE@/ratings"
    "rating_authority|the same, authority|authority|/api/v1/cycles/@CYCLE@/ratings"
    "evaluations|auditor GET /cycles/{id}/evaluations?limit=50|auditor|/api/v1/cycles/@CYCLE@/evaluations?limit=50"
    "evaluation|auditor one evaluation|auditor|/api/v1/cycles/@CYCLE@/evaluations/@ORG@"
    "summary|GET /regions/{id}/summary?year=|anonymous|/api/v1/regions/@REGION@/summary?year=@YEAR@"
    "summary_auditor|the same, auditor|auditor|/api/v1/regions/@REGION@/summary?year=@YEAR@"
    "audit|auditor GET /audit-events?limit=50|auditor|/api/v1/audit-events?limit=50"
    "changes|GET /changes first page|anonymous|/api/v1/changes"
    "changes_auditor|the same, auditor|auditor|/api/v1/changes"
)
selected() { [[ -z $ONLY || " $ONLY " == *" $1 "* ]]; }

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
threads_of() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
token_of() { # token_of BASE USERNAME
    curl -sf -H 'content-type: application/json' -d "{\"username\":\"$2\",\"password\":\"$PASSWORD\"}" \
        "$1/api/v1/auth/token" | json 'd["access_token"]' || die "cannot log in as $2"
}

# discover BASE: REGION_ID, CYCLE, ORG (an organization of the cycle) and the callers' tokens.
discover() {
    local base=$1
    TOKEN_auditor=$(token_of "$base" bench_auditor)
    # shellcheck disable=SC2034 # read as TOKEN_$caller by auth_args
    TOKEN_authority=$(token_of "$base" bench_authority)
    REGION_ID=$(curl -sf "$base/api/v1/regions?limit=500" | json "[r['id'] for r in d['items'] if r['code'] == '$REGION'][0]") ||
        die "no region $REGION"
    CYCLE=$(curl -sf "$base/api/v1/cycles?year=$YEAR&region_id=$REGION_ID" | json "d['items'][0]['id']") ||
        die "no published $YEAR cycle of region $REGION"
    ORG=$(curl -sf -H "Authorization: Bearer $TOKEN_auditor" "$base/api/v1/cycles/$CYCLE/evaluations?limit=1" |
        json "d['items'][0]['organization_id']") || die "no evaluation in cycle $CYCLE"
}
path_of() { # path_of TEMPLATE
    local p=${1//@REGION@/$REGION_ID}
    p=${p//@CYCLE@/$CYCLE}
    p=${p//@ORG@/$ORG}
    echo "${p//@YEAR@/$YEAR}"
}
auth_args() { # auth_args CALLER: curl/wrk header arguments
    AUTH=()
    [[ $1 == anonymous ]] || {
        local v="TOKEN_$1"
        AUTH=(-H "Authorization: Bearer ${!v}")
    }
}

# capture_statements URL: with log_statement = all for this database (set before, so only the
# capture servers' sessions log), per route a server of its own, started for it: its first request
# (every cache cold) gives bench/sql/<key>.cold.sql, the next one, 1.1 s later (caches warm,
# PUBLISHED_FRESH over), bench/sql/<key>.sql: what the route asks of the database per request
# in steady state, which pgbench runs. A route answered from memory alone gets the cold file.
capture_one() { # capture_one URL FILE TITLE: sets CAPTURED (statements) and STATUS
    local offset
    offset=$(stat -c %s "$PG_LOG")
    STATUS=$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$1")
    sleep 0.3 # the log is written by the backend after the statement; let it land
    CAPTURED=$(python3 "$BENCH_DIR/pg_capture.py" "$PG_LOG" "$offset" "$PG_DB" "$2" "$3")
}
capture_statements() {
    local url=$1 entry key label caller template path pid cold
    for entry in "${ROUTES[@]}"; do
        IFS='|' read -r key label caller template <<<"$entry"
        selected "$key" || continue
        NOK_WEBHOOK_DELIVERY=false start_server "capture_$key" "$url"
        pid=$PID
        path=$(path_of "$template")
        auth_args "$caller"
        sleep 0.5 # whatever the server does once started is done before the capture
        capture_one "http://127.0.0.1:$PORT$path" "$BENCH_DIR/sql/$key.cold.sql" \
            "GET $template ($caller): $label; the first request, every cache cold"
        cold=$CAPTURED
        sleep 1.1
        capture_one "http://127.0.0.1:$PORT$path" "$BENCH_DIR/sql/$key.sql" \
            "GET $template ($caller): $label; a request in steady state (caches warm, 1.1 s after the first)"
        if [[ $CAPTURED -eq 0 ]]; then
            cp "$BENCH_DIR/sql/$key.cold.sql" "$BENCH_DIR/sql/$key.sql"
            CAPTURED=$cold
            WARNINGS+=("$key: a warm request sends no statement (answered from memory); pgbench runs its cold statements")
        fi
        log "captured $key (answers $STATUS): $cold statements cold, $CAPTURED warm, into bench/sql/$key{.cold,}.sql"
        printf -v "STATEMENTS_$key" '%s' "$CAPTURED"
        printf -v "COLD_$key" '%s' "$cold"
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    done
}

# run_pgbench KEY LABEL FILE
run_pgbench() {
    local key=$1 label=$2 file=$3
    LABEL=$label
    local common=(-h "$PG_HOST" -p "$PG_PORT" -U postgres -n -M prepared -c "$CONNECTIONS" -j "$THREADS" -f "$file")
    # Once, to know that the statements run as captured (a literal pgbench cannot take shows here).
    if ! pgbench -h "$PG_HOST" -p "$PG_PORT" -U postgres -n -M prepared -c 1 -t 1 -f "$file" "$PG_DB" >"$TMP/$key.try" 2>&1; then
        WARNINGS+=("pgbench cannot run bench/sql/${file##*/}: $(grep -m1 -i 'error' "$TMP/$key.try" | cut -c1-200)")
        return 1
    fi
    wait_for_quiet "$label"
    [[ $WARMUP_S -le 0 ]] || pgbench "${common[@]}" -T "$WARMUP_S" "$PG_DB" >/dev/null 2>&1
    rm -rf "$TMP/pglog" && mkdir -p "$TMP/pglog"
    log "$label: pgbench -n -M prepared -c$CONNECTIONS -j$THREADS -T$DURATION_S -f ${file#"$ROOT"/} -l"
    measure "$key" - pgbench "${common[@]}" -T "$DURATION_S" -l --log-prefix="$TMP/pglog/tx" "$PG_DB"
    local tps failed p99
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$TMP/$key.out" | head -n1)
    [[ -n $tps ]] || die "$label: no tps in pgbench output: $(cat "$TMP/$key.out")"
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$TMP/$key.out")
    p99=$(cat "$TMP"/pglog/tx.* | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i = int(NR * 0.99 + 0.999999); if (i > NR) i = NR; printf "%.2f", v[i] / 1000 }')
    record "$key" "$label" "$tps" "$p99" "${failed:-0}" 0
    RAW+=("===== $label: pgbench ${common[*]} -T$DURATION_S" "$(cat "$TMP/$key.out")")
}

INFO=()
bench() { # bench BACKEND URL
    local backend=$1 url=$2 name=SQLite
    [[ $backend != postgres ]] || name=PostgreSQL
    log "$name: demo data, $ORGANIZATIONS organizations in region $REGION, published $YEAR cycle"
    local t0=$SECONDS
    DATABASE_URL=$url "$BIN" demo --organizations "$ORGANIZATIONS" --region "$REGION" --published-cycle "$YEAR" >&2
    DATABASE_URL=$url NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench_auditor --role auditor >/dev/null
    DATABASE_URL=$url NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench_authority --role authority \
        --region "$REGION" >/dev/null
    [[ $backend != postgres ]] || psql -q -X "$url" -c "VACUUM ANALYZE" >&2
    INFO+=("$name: demo data loaded in $((SECONDS - t0)) s")
    if [[ $backend == postgres ]]; then
        # Servers of their own for the capture: only sessions opened after the setting log.
        NOK_WEBHOOK_DELIVERY=false start_server capture "$url"
        discover "http://127.0.0.1:$PORT" # the ids and tokens (NOK_JWT_SECRET: valid on every server)
        kill -TERM "$PID"
        wait "$PID" 2>/dev/null || true
        psql -q -X "$url" -c "ALTER DATABASE $PG_DB SET log_statement = 'all'" >&2
        capture_statements "$url"
        psql -q -X "$url" -c "ALTER DATABASE $PG_DB RESET log_statement" >&2
    fi
    start_server "$backend" "$url"
    local spid=$PID base=http://127.0.0.1:$PORT
    sleep 1 # RSS once the start has settled
    printf -v "RSS_START_$backend" '%s' "$(rss_mb "$spid")"
    printf -v "THREADS_START_$backend" '%s' "$(threads_of "$spid")"
    discover "$base"
    INFO+=("$name: region $REGION = id $REGION_ID, cycle $CYCLE ($YEAR), evaluation of organization $ORG")

    run_wrk "${backend}_health" "GET /health, $name" "$spid" "$base/health"
    local entry key label caller template path status
    for entry in "${ROUTES[@]}"; do
        IFS='|' read -r key label caller template <<<"$entry"
        selected "$key" || continue
        path=$(path_of "$template")
        auth_args "$caller"
        status=$(curl -s -o "$TMP/check.json" -w '%{http_code}' "${AUTH[@]}" "$base$path")
        if [[ $status != 200 ]]; then
            WARNINGS+=("$name: GET $path ($caller) answered $status, not measured: $(head -c 200 "$TMP/check.json")")
            continue
        fi
        INFO+=("$name: $key: GET $path ($caller): 200, $(wc -c <"$TMP/check.json") bytes")
        WRK_SCRIPT=$BENCH_DIR/wrk-status.lua run_wrk "${backend}_$key" "$key ($caller), $name" "$spid" "$base$path" "${AUTH[@]}"
        if [[ $backend == postgres ]]; then
            local n="STATEMENTS_$key"
            if [[ ${!n:-0} -gt 0 ]]; then
                local c="COLD_$key"
                run_pgbench "pgbench_$key" "pgbench $key.sql (${!n} statements; cold ${!c})" "$BENCH_DIR/sql/$key.sql" || true
            else
                WARNINGS+=("$name: no statement captured for $key: no pgbench ceiling")
            fi
        fi
    done
    printf -v "RSS_AFTER_$backend" '%s' "$(rss_mb "$spid")"
    printf -v "THREADS_AFTER_$backend" '%s' "$(threads_of "$spid")"
    kill -0 "$spid" 2>/dev/null || die "the $name server exited"
}
RAW=()
for_each_backend bench

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
result_file routes
has() { local v="R_$1"; [[ -n ${!v:-} ]]; }
num() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
ok_p99() { awk -v p="$1" -v l="$P99_LIMIT" 'BEGIN { print (p != "n/a" && p < l) ? 1 : 0 }'; }
MISSED=0 FAILURES=0 ROWS=() MD=()
for key in "${TARGETS[@]}"; do
    IFS='|' read -r label rps p99 bad errors ccpu scpu dcpu ocpu <<<"$(value "$key" 1-9)"
    FAILURES=$((FAILURES + bad + errors))
    ROWS+=("$(printf '%-58s %9.0f %8s %7s %6s %8s %8s %6s %7s' "$label" "$rps" "$p99" "$bad" "$errors" "$ccpu" "$scpu" "$dcpu" "$ocpu")")
done
# The issue's table: one line per route, the backends side by side.
md_header="| route |" md_rule="|---|"
for backend in $BACKENDS; do
    case $backend in
    sqlite) md_header+=" SQLite req/s | p99 ms | / \`/health\` | verdict |" md_rule+="---:|---:|---:|---|" ;;
    postgres) md_header+=" PostgreSQL req/s | p99 ms | / \`/health\` | pgbench tps | / pgbench | verdict |" md_rule+="---:|---:|---:|---:|---:|---|" ;;
    esac
done
for entry in "${ROUTES[@]}"; do
    IFS='|' read -r key label caller _ <<<"$entry"
    selected "$key" || continue
    row="| $label |"
    for backend in $BACKENDS; do
        if ! has "${backend}_$key"; then
            row+=" — | — | — | not measured |"
            [[ $backend != postgres ]] || row+=" — | — |"
            MISSED=$((MISSED + 1))
            continue
        fi
        rps=$(value "${backend}_$key" 2) p99=$(value "${backend}_$key" 3)
        to_health=$(ratio "$rps" "$(value "${backend}_health" 2)")
        if [[ $backend == sqlite ]]; then
            v=$(verdict "$to_health" "$SQLITE_TARGET")
            row+=" $(num "$rps") | $p99 | $to_health |"
        else
            if has "pgbench_$key"; then
                tps=$(value "pgbench_$key" 2)
                to_pg=$(ratio "$rps" "$tps")
                v=$(verdict "$to_pg" "$PG_TARGET")
                pgcols=" $(num "$tps") | $to_pg |"
            else
                v="NO PGBENCH" pgcols=" — | — |"
            fi
            row+=" $(num "$rps") | $p99 | $to_health |$pgcols"
        fi
        if [[ $(ok_p99 "$p99") != 1 ]]; then
            if [[ $v == PASS ]]; then v="p99 ≥ $P99_LIMIT ms"; else v="$v; p99 ≥ $P99_LIMIT ms"; fi
        fi
        [[ $v == PASS ]] || MISSED=$((MISSED + 1))
        row+=" $v |"
    done
    MD+=("$row")
done
RSS_LINES=()
for backend in $BACKENDS; do
    s="RSS_START_$backend" a="RSS_AFTER_$backend" ts="THREADS_START_$backend" ta="THREADS_AFTER_$backend"
    [[ -n ${!s:-} ]] || continue
    vs=$(awk -v r="${!s}" -v l="$RSS_START_LIMIT" 'BEGIN { print (r <= l) ? "PASS" : "ABOVE TARGET" }')
    va=$(awk -v r="${!a:-0}" -v l="$RSS_AFTER_LIMIT" 'BEGIN { print (r <= l) ? "PASS" : "ABOVE TARGET" }')
    [[ $vs == PASS ]] || MISSED=$((MISSED + 1))
    [[ $va == PASS ]] || MISSED=$((MISSED + 1))
    RSS_LINES+=("| $backend | ${!s} MB (${!ts} threads) | $vs | ${!a:-—} MB (${!ta:-—} threads) | $va |")
done
{
    echo "nok-api route benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
    echo "load: wrk -t$THREADS -c$CONNECTIONS, ${DURATION_S}s per target after ${WARMUP_S}s warm-up (pgbench -c$CONNECTIONS -j$THREADS -M prepared," \
        "the same); $ORGANIZATIONS generated organizations in region $REGION, published $YEAR cycle; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)$([[ $QUICK == 0 ]] || echo '; --quick')"
    printf '%s\n' "${INFO[@]}"
    echo
    printf '%-58s %9s %8s %7s %6s %8s %8s %6s %7s\n' target "req/s" "p99 ms" "bad st." errors "client%" "server%" "db%" "other%"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "bad st. = answers other than 200 (pgbench: failed transactions); errors = socket errors. CPU in % of one core"
    echo "over the run ($(nproc) cores = $(($(nproc) * 100))%): client = wrk/pgbench, server = nok-api, db = PostgreSQL, other = the rest."
    echo
    echo "Targets: SQLite >= $SQLITE_TARGET of /health; PostgreSQL >= $PG_TARGET of pgbench of the route's statements (bench/sql/<route>.sql);"
    echo "p99 < $P99_LIMIT ms on both; RSS <= $RSS_START_LIMIT MB at start and <= $RSS_AFTER_LIMIT MB after all routes."
    echo
    echo "$md_header"
    echo "$md_rule"
    printf '%s\n' "${MD[@]}"
    echo
    for backend in $BACKENDS; do
        has "${backend}_health" && echo "\`GET /health\` ($backend server): $(num "$(value "${backend}_health" 2)") req/s, p99 $(value "${backend}_health" 3) ms."
    done
    echo
    echo "| backend | RSS at start | ≤ $RSS_START_LIMIT MB | RSS after all routes | ≤ $RSS_AFTER_LIMIT MB |"
    echo "|---|---:|---|---:|---|"
    printf '%s\n' "${RSS_LINES[@]}"
    echo
    echo "total run time $((SECONDS - STARTED)) s"
    [[ $FAILURES -eq 0 ]] || echo "WARNING: $FAILURES unexpected statuses, socket errors or failed transactions (see above)"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
    if [[ $MISSED -eq 0 && $FAILURES -eq 0 ]]; then echo "ALL TARGETS MET"; else echo "$MISSED targets missed"; fi
} | tee "$RESULT"
{
    printf '\nRaw output\n'
    printf '%s\n' "${RAW[@]}"
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $STRICT != 1 ]] || [[ $MISSED -eq 0 && $FAILURES -eq 0 ]] || exit 2
