#!/usr/bin/env bash
# Mixed read/write load: wrk -t2 -c64 for 60 s with bench/wrk-mixed.lua (list pages,
# organizations, regions, a published rating; PATCHes of organizations with If-Match; POSTs of
# council proposals), every answer counted by status, against GET /health measured in the same
# run. Fails on any socket error, any 5xx (counted by wrk and in the server's own /metrics), any
# other unexpected status, or a lost update (the organizations' versions moved on by exactly as
# many writes as the audit log recorded). 412 (a stale ETag) is expected and reported apart.
# On SQLite and PostgreSQL (a fresh database on the shared cluster, dropped at the end).
# See bench/README.md. Usage: bash bench/mixed.sh   (BENCH_BACKENDS=sqlite for SQLite only)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
DURATION=${BENCH_DURATION:-60s}
HEALTH_DURATION=${BENCH_HEALTH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-3s}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-1000}
WRITE_SET=${BENCH_WRITE_SET:-200}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_mixed_$$
REGION=71 YEAR=2018
PASSWORD="bench password of the administrator"

DURATION_S=$(seconds_of "$DURATION")
HEALTH_S=$(seconds_of "$HEALTH_DURATION")
WARMUP_S=$(seconds_of "$WARMUP")
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need BENCH_CONNECTIONS >= BENCH_THREADS >= 1"
[[ $WRITE_SET -ge 1 && $WRITE_SET -lt $ORGANIZATIONS ]] || die "need 1 <= BENCH_WRITE_SET < BENCH_ORGANIZATIONS"
need_tools curl awk python3 sqlite3
[[ $BACKENDS != *postgres* ]] || need_tools psql pg_isready
apt_install wrk
[[ $BACKENDS != *postgres* ]] || start_postgres
server_binary
make_tmp
drop_database_on_exit TERM

sql() { # sql QUERY: one value from the current backend's database
    case $BACKEND in
    sqlite) sqlite3 "$DB_URL" "$1" ;;
    postgres) psql -X -At "$DB_URL" -c "$1" ;;
    esac
}
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

INFO=() CHECKS=() FAILED=0
check() { # check LABEL CONDITION-RESULT(0/1) DETAIL
    local verdict=PASS
    [[ $2 == 0 ]] || { verdict=FAIL; FAILED=$((FAILED + 1)); }
    CHECKS+=("$(printf '%-10s %-58s %-5s %s' "$BACKEND" "$1" "$verdict" "$3")")
}

bench() { # bench BACKEND URL
    BACKEND=$1 DB_URL=$2
    local label=SQLite
    [[ $BACKEND != postgres ]] || label=PostgreSQL
    log "$label: demo data, $ORGANIZATIONS organizations in region $REGION, published $YEAR cycle"
    DATABASE_URL=$DB_URL "$BIN" demo --organizations "$ORGANIZATIONS" --region "$REGION" --published-cycle "$YEAR" >&2
    DATABASE_URL=$DB_URL NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench --role admin >/dev/null
    [[ $BACKEND != postgres ]] || psql -q -X "$DB_URL" -c "VACUUM ANALYZE" >&2
    start_server "$BACKEND" "$DB_URL"
    local spid=$PID base=http://127.0.0.1:$PORT
    local token region cycle rating ids read_ids write_ids
    token=$(curl -sf -H 'content-type: application/json' -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" \
        "$base/api/v1/auth/token" | json 'd["access_token"]') || die "cannot log in"
    region=$(curl -sf "$base/api/v1/regions?limit=500" | json "[r['id'] for r in d['items'] if r['code'] == '$REGION'][0]")
    cycle=$(curl -sf "$base/api/v1/cycles?year=$YEAR&region_id=$region" | json "d['items'][0]['id']")
    rating=/api/v1/cycles/$cycle/ratings
    ids=$(sql "SELECT id FROM organizations WHERE region_id = $region AND active ORDER BY id" | tr '\n' ' ')
    read -r -a ids <<<"$ids"
    [[ ${#ids[@]} -gt $WRITE_SET ]] || die "only ${#ids[@]} organizations in region $REGION"
    write_ids=$(printf '%s,' "${ids[@]:0:$WRITE_SET}") read_ids=$(printf '%s,' "${ids[@]:$WRITE_SET}")
    # Once by hand: each kind of request answers as the script expects.
    local status first=${ids[0]} tag
    tag=$(curl -s -D - -o /dev/null -H "authorization: Bearer $token" "$base/api/v1/organizations/$first" | sed -n 's/^etag: *\(.*\)\r$/\1/Ip')
    status=$(curl -s -o "$TMP/patch.json" -w '%{http_code}' -X PATCH -H "authorization: Bearer $token" -H "if-match: $tag" \
        -H 'content-type: application/merge-patch+json' -d '{"website":"https://mixed-check.example.ru"}' "$base/api/v1/organizations/$first")
    [[ $status == 200 ]] || die "PATCH with If-Match: $tag answered $status: $(head -c 300 "$TMP/patch.json")"
    status=$(curl -s -o "$TMP/post.json" -w '%{http_code}' -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d '{"criterion":"K1","text":"Проверка"}' "$base/api/v1/cycles/$cycle/proposals")
    [[ $status == 201 ]] || die "POST proposal answered $status: $(head -c 300 "$TMP/post.json")"
    status=$(curl -s -o /dev/null -w '%{http_code}' "$base$rating")
    [[ $status == 200 ]] || die "GET $rating answered $status"
    INFO+=("$label: $ORGANIZATIONS organizations (PATCHes go to $WRITE_SET of the region's ${#ids[@]}, GETs of items to the other $((${#ids[@]} - WRITE_SET))), rating $rating")

    if [[ $BACKEND == "${BACKENDS%% *}" ]]; then
        DURATION_S=$HEALTH_S WRK_SCRIPT=$BENCH_DIR/wrk-report.lua run_wrk health "GET /health" "$spid" "$base/health"
    fi
    local versions_before updates_before
    versions_before=$(sql "SELECT sum(version) FROM organizations WHERE id IN (${write_ids%,})")
    updates_before=$(sql "SELECT count(*) FROM audit_events WHERE action = 'organization.updated'")
    READ_IDS=$read_ids WRITE_IDS=$write_ids TOKEN=$token RATING=$rating CYCLE=$cycle \
        WRK_SCRIPT=$BENCH_DIR/wrk-mixed.lua run_wrk "${BACKEND}_mixed" "mixed, $label" "$spid" "$base" \
        -s "$BENCH_DIR/wrk-mixed.lua" # (also for the warm-up)
    local out=$TMP/${BACKEND}_mixed.out line
    line=$(grep '^BENCH ' "$out")
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    # The in-flight requests wrk abandons at the end are still answered: let them land.
    sleep 2
    local versions_after updates_after metrics
    versions_after=$(sql "SELECT sum(version) FROM organizations WHERE id IN (${write_ids%,})")
    updates_after=$(sql "SELECT count(*) FROM audit_events WHERE action = 'organization.updated'")
    metrics=$(curl -sf -H "Authorization: Bearer $METRICS_TOKEN" "$base/metrics")
    local server_5xx server_total
    server_5xx=$(awk '/^nok_http_requests_total\{/ && /status="5/ { s += $NF } END { print s + 0 }' <<<"$metrics")
    server_total=$(awk '/^nok_http_requests_total\{/ { s += $NF } END { print s + 0 }' <<<"$metrics")
    local errors=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    local moved=$((versions_after - versions_before)) audited=$((updates_after - updates_before))
    local patch_ok st412 sent_patch
    patch_ok=$(field st_patch_200) st412=$(field st_412) sent_patch=$(field sent_patch)
    eval "MIX_$BACKEND=\$line"
    check "socket errors (connect/read/write/timeout)" "$([[ $errors -eq 0 ]]; echo $?)" "$errors"
    check "5xx seen by wrk" "$([[ $(field st_5xx) -eq 0 ]]; echo $?)" "$(field st_5xx)"
    check "5xx counted by the server (/metrics, whole run)" "$([[ $server_5xx -eq 0 ]]; echo $?)" "$server_5xx of $server_total answers"
    check "other unexpected statuses (not 2xx/304/412)" "$([[ $(($(field st_4xx) + $(field st_other))) -eq 0 ]]; echo $?)" \
        "$(($(field st_4xx) + $(field st_other)))$(grep -m1 '^UNEXPECTED' "$out" | cut -c1-200 | sed 's/^/ /')"
    check "no lost update: version increments = audit events" "$([[ $moved -eq $audited ]]; echo $?)" \
        "versions +$moved, audit events +$audited, 200 PATCHes seen $patch_ok (+ warm-up, + in flight at the end)"
    check "412 only for stale ETags, each re-read" "$([[ $st412 -le $sent_patch ]]; echo $?)" \
        "$st412 of $sent_patch PATCHes ($(awk -v a="$st412" -v b="$sent_patch" 'BEGIN { printf "%.2f", (b ? 100 * a / b : 0) }') %)"
    kill -0 "$spid" 2>/dev/null || die "the $BACKEND server exited"
}

for_each_backend bench

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
result_file mixed
{
    echo "nok-api mixed read/write load  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
    echo "load: wrk -t$THREADS -c$CONNECTIONS, mixed ${DURATION_S}s, /health ${HEALTH_S}s, ${WARMUP_S}s warm-up each; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
    printf '%s\n' "${INFO[@]}"
    echo
    printf '%-22s %9s %8s %8s %7s %8s %8s %6s %7s\n' target "req/s" "p99 ms" "max ms" ratio "client%" "server%" "db%" "other%"
    for key in "${TARGETS[@]}"; do
        IFS='|' read -r label rps p99 _ _ ccpu scpu dcpu ocpu <<<"$(value "$key" 1-9)"
        max=$(awk -v us="$(sed -n 's/.* max_us=\([0-9]*\).*/\1/p' "$TMP/$key.out")" 'BEGIN { printf "%.1f", us / 1000 }')
        printf '%-22s %9.0f %8s %8s %7s %8s %8s %6s %7s\n' "$label" "$rps" "$p99" "$max" "$(ratio "$rps" "$(value health 2)")" \
            "$ccpu" "$scpu" "$dcpu" "$ocpu"
    done
    echo
    for backend in $BACKENDS; do
        v="MIX_$backend" line=${!v:-}
        [[ -n $line ]] || continue
        f() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
        echo "$backend: requests sent by kind: list $(f sent_list), organization $(f sent_item), regions $(f sent_regions)," \
            "rating $(f sent_rating), PATCH $(f sent_patch), GET before PATCH $(f sent_refresh), POST $(f sent_post)"
        echo "$backend: answers: 200 read $(f st_read_200), 200 PATCH $(f st_patch_200), 201 $(f st_201), 304 $(f st_304)," \
            "412 $(f st_412), other 4xx $(f st_4xx), 5xx $(f st_5xx), other $(f st_other); of $(f requests) completed"
    done
    echo
    printf '%s\n' "${CHECKS[@]}"
    echo
    echo "ratio = req/s / req/s of GET /health (same connections). CPU in % of one core over each run ($(nproc) cores ="
    echo "$(($(nproc) * 100))%): client = wrk, server = nok-api, db = PostgreSQL, other = the rest (should be near 0)."
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
    if [[ $FAILED -eq 0 ]]; then echo "PASS"; else echo "FAIL: $FAILED checks failed"; fi
} | tee "$RESULT"
{
    printf '\nRaw output\n'
    printf '%s\n' "${RAW[@]}"
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $FAILED -eq 0 ]]
