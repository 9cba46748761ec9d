#!/usr/bin/env bash
# Memory of the server under the route mix of issue 17, per backend: RSS and threads at start
# (ready, before any request), after the whole mix (wrk -t1 -c32 on each route in turn, and the
# server done with what was queued), the peak (VmHWM) and after a few more idle seconds. Targets: ≤ 64 MB at start, ≤ 128 MB after the mix.
# The data: `nok-api demo --organizations 5000 --region 71 --published-cycle 2019`, on SQLite
# and on a fresh PostgreSQL database (dropped at the end). See bench/README.md.
# Usage: bash bench/memory.sh   (BENCH_BACKENDS=sqlite for SQLite only)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

CONNECTIONS=${BENCH_CONNECTIONS:-32}
DURATION=${BENCH_DURATION:-5s}
IDLE=${BENCH_IDLE:-5}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-5000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
STRICT=${BENCH_STRICT:-0}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_memory_$$
REGION=71 YEAR=2019
START_TARGET_KB=$((64 * 1024)) MIX_TARGET_KB=$((128 * 1024))
PASSWORD="bench password of the users"

DURATION_S=$(seconds_of "$DURATION")
[[ $DURATION_S -ge 1 ]] || die "BENCH_DURATION must be at least 1s"
need_tools curl awk python3
[[ $BACKENDS != *postgres* ]] || need_tools psql pg_isready
apt_install wrk
[[ $BACKENDS != *postgres* ]] || start_postgres
server_binary
make_tmp
drop_database_on_exit TERM

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # status_kb PID FIELD
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

ROWS=() MIX=() FAILED=0
# wrk_route LABEL PATH [wrk args...]: one route of the mix; its answers must be 2xx.
wrk_route() {
    local label=$1 path=$2 line
    shift 2
    line=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION_S}s" --timeout 60s -s "$BENCH_DIR/wrk-memory.lua" "$@" "$BASE$path" |
        grep '^BENCH ') || die "$label: no report line from wrk"
    kill -0 "$PID" 2>/dev/null || die "$label: the server exited"
    local field rss
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    rss=$(status_kb "$PID" VmRSS)
    [[ $(field bad) == 0 && $(field errors) == 0 ]] || FAILED=$((FAILED + 1))
    MIX+=("$(printf '%-10s %-44s %9.0f %8s %7s %7s %9s %8s' "$BACKEND" "$label" "$(field rps)" \
        "$(field ok)" "$(field bad)" "$(field errors)" "$(mb "$rss")" "$(status_kb "$PID" Threads)")")
    log "$BACKEND $label: $(field rps) req/s, RSS $(mb "$rss") MB"
}

bench() { # bench BACKEND URL
    BACKEND=$1
    local url=$2 role
    log "$BACKEND: demo data, $ORGANIZATIONS organizations in region $REGION, published $YEAR cycle"
    DATABASE_URL=$url "$BIN" demo --organizations "$ORGANIZATIONS" --region "$REGION" --published-cycle "$YEAR" >&2
    [[ $BACKEND != postgres ]] || psql -q -X "$url" -c "VACUUM ANALYZE" >&2
    for role in admin auditor; do
        DATABASE_URL=$url NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username "bench_$role" --role "$role" >/dev/null
    done
    DATABASE_URL=$url NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench_authority --role authority \
        --region "$REGION" >/dev/null
    # The login route is part of the mix: its limits must not turn it into 429s.
    NOK_LOGIN_LIMIT_PER_ADDRESS=1000000 NOK_LOGIN_LIMIT_PER_USERNAME=1000000 start_server "$BACKEND" "$url"
    BASE=http://127.0.0.1:$PORT
    local start_rss start_threads
    start_rss=$(status_kb "$PID" VmRSS) start_threads=$(status_kb "$PID" Threads)

    token() { curl -sf -H 'content-type: application/json' -d "{\"username\":\"bench_$1\",\"password\":\"$PASSWORD\"}" \
        "$BASE/api/v1/auth/token" | json 'd["access_token"]'; }
    local auditor authority region cycle organization
    auditor=$(token auditor) authority=$(token authority)
    region=$(curl -sf "$BASE/api/v1/regions?limit=500" | json "[r['id'] for r in d['items'] if r['code'] == '$REGION'][0]")
    cycle=$(curl -sf "$BASE/api/v1/cycles?year=$YEAR&region_id=$region" | json "d['items'][0]['id']")
    organization=$(curl -sf -H "authorization: Bearer $auditor" "$BASE/api/v1/cycles/$cycle/evaluations?limit=1" |
        json "d['items'][0]['organization_id']")
    [[ -n $cycle && -n $organization ]] || die "$BACKEND: no published $YEAR cycle or evaluation in region $REGION"
    local as_auditor=(-H "authorization: Bearer $auditor") as_authority=(-H "authorization: Bearer $authority")

    wrk_route "organizations of the region" "/api/v1/organizations?limit=50&region_id=$region"
    wrk_route "organizations ?q=центр" "/api/v1/organizations?q=%D1%86%D0%B5%D0%BD%D1%82%D1%80&limit=50"
    wrk_route "published rating" "/api/v1/cycles/$cycle/ratings"
    wrk_route "rating, auditor" "/api/v1/cycles/$cycle/ratings" "${as_auditor[@]}"
    wrk_route "rating, authority" "/api/v1/cycles/$cycle/ratings" "${as_authority[@]}"
    wrk_route "evaluations, auditor" "/api/v1/cycles/$cycle/evaluations?limit=50" "${as_auditor[@]}"
    wrk_route "one evaluation, auditor" "/api/v1/cycles/$cycle/evaluations/$organization" "${as_auditor[@]}"
    wrk_route "region summary" "/api/v1/regions/$region/summary?year=$YEAR"
    wrk_route "audit events, auditor" "/api/v1/audit-events?limit=50" "${as_auditor[@]}"
    wrk_route "changes" "/api/v1/changes"
    wrk_route "ratings export XLSX, auditor" "/api/v1/cycles/$cycle/ratings/export" "${as_auditor[@]}"
    wrk_route "results export XLSX, auditor" "/api/v1/cycles/$cycle/results/export" "${as_auditor[@]}"
    WRK_BODY="{\"username\":\"bench_auditor\",\"password\":\"$PASSWORD\"}" wrk_route "login (argon2)" "/api/v1/auth/token"

    # The mix is over when the server has finished what wrk left queued (exports, logins): it
    # goes on with requests whose clients are gone. Wait for its CPU to settle, 60 s at most.
    local before after
    for _ in $(seq 1 60); do
        before=$(proc_ticks "$PID")
        sleep 1
        after=$(proc_ticks "$PID")
        [[ $((after - before)) -gt $((CLK_TCK / 20)) ]] || break
    done
    local mix_rss mix_threads peak idle_rss
    mix_rss=$(status_kb "$PID" VmRSS) mix_threads=$(status_kb "$PID" Threads) peak=$(status_kb "$PID" VmHWM)
    sleep "$IDLE"
    idle_rss=$(status_kb "$PID" VmRSS)
    local verdict=PASS
    [[ $start_rss -le $START_TARGET_KB && $mix_rss -le $MIX_TARGET_KB ]] || { verdict="ABOVE TARGET"; FAILED=$((FAILED + 1)); }
    ROWS+=("$(printf '%-10s %9s %8s %9s %8s %9s %9s  %s' "$BACKEND" "$(mb "$start_rss")" "$start_threads" \
        "$(mb "$mix_rss")" "$mix_threads" "$(mb "$peak")" "$(mb "$idle_rss")" "$verdict")")
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null || true
}
for_each_backend bench

result_file memory
{
    echo "nok-api memory benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores; $ORGANIZATIONS organizations in region $REGION, published $YEAR cycle;" \
        "each route: wrk -t1 -c$CONNECTIONS -d${DURATION_S}s; NOK_* settings: $(env | grep -c '^NOK_') set in the environment"
    echo
    printf '%-10s %-44s %9s %8s %7s %7s %9s %8s\n' backend route "req/s" "2xx" other errors "RSS MB" threads
    printf '%s\n' "${MIX[@]}"
    echo
    printf '%-10s %9s %8s %9s %8s %9s %9s  %s\n' backend "start MB" threads "mix MB" threads "peak MB" "idle MB" \
        "verdict (start ≤ 64 MB, mix ≤ 128 MB)"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "RSS = VmRSS of the server, after the route named; mix = once the server's CPU settled after the last route"
    echo "(it finishes requests wrk left queued); peak = VmHWM; idle = ${IDLE}s later."
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews req/s, not memory)"
    [[ $FAILED -eq 0 ]] || echo "WARNING: $FAILED routes or backends with non-2xx answers, socket errors or memory above target"
} | tee "$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $STRICT != 1 || $FAILED -eq 0 ]] || exit 2
