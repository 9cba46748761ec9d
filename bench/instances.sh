#!/usr/bin/env bash
# Two instances of nok-api on one fresh PostgreSQL database under the mixed read/write load of
# bench/wrk-mixed.lua, split between them (one wrk per instance) for 60 s. Then checks, with a
# PASS/FAIL table: no socket error, no 5xx (wrk and each instance's /metrics), no other
# unexpected status, no lost update; the change feed read from either instance identical in
# order; each webhook delivery (organization changes, to a local receiver) made exactly once;
# an Idempotency-Key used on one instance replayed by the other; a publication on one instance
# seen by anonymous readers of the other within PUBLISHED_FRESH (1 s: NOK_FRESHNESS_MS, 0.2 s,
# and the versions' query, with room for a loaded machine; src/db/versions.rs).
# The last two run during the load. See bench/README.md.
# Usage: bash bench/instances.sh [--quick]
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QUICK=0
for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    *) echo "usage: bash bench/instances.sh [--quick]" >&2; exit 64 ;;
    esac
done
if [[ $QUICK == 1 ]]; then
    : "${BENCH_DURATION:=12s}" "${BENCH_QUIET_WAIT:=0}" "${BENCH_ORGANIZATIONS:=400}" "${BENCH_WRITE_SET:=100}"
fi
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-1}         # per instance
CONNECTIONS=${BENCH_CONNECTIONS:-32} # per instance
DURATION=${BENCH_DURATION:-60s}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-1000}
WRITE_SET=${BENCH_WRITE_SET:-200}
DRAIN_WAIT=${BENCH_DRAIN_WAIT:-300}
PROBE_AT=${BENCH_PROBE_AT:-} # seconds into the load when the replay and publication probes start
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_instances_$$
REGION=71 LOAD_YEAR=2018 PUBLISH_YEAR=2019
PASSWORD="bench password of the administrator"
PUBLISHED_FRESH=1 # s: NOK_FRESHNESS_MS (0.2 s) and the versions' query, with room

DURATION_S=$(seconds_of "$DURATION")
[[ $DURATION_S -ge 5 ]] || die "BENCH_DURATION must be at least 5s"
[[ -n $PROBE_AT ]] || PROBE_AT=$((DURATION_S / 4))
[[ $THREADS -ge 1 && $CONNECTIONS -ge $THREADS ]] || die "need BENCH_CONNECTIONS >= BENCH_THREADS >= 1"
[[ $WRITE_SET -ge 1 && $WRITE_SET -lt $ORGANIZATIONS ]] || die "need 1 <= BENCH_WRITE_SET < BENCH_ORGANIZATIONS"
need_tools curl awk python3 psql pg_isready
apt_install wrk
start_postgres
server_binary
make_tmp
drop_database_on_exit TERM
STARTED=$SECONDS
URL=postgres://postgres@$PG_HOST:$PG_PORT/$PG_DB
sql() { psql -X -At "$URL" -c "$1"; }
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

CHECKS=() FAILED=0
check() { # check PASS|FAIL NAME DETAIL
    [[ $1 == PASS ]] || FAILED=$((FAILED + 1))
    CHECKS+=("$(printf '%-4s  %s: %s' "$1" "$2" "$3")")
}
verdict_of() { if [[ $1 == 0 ]]; then echo PASS; else echo FAIL; fi; }

fresh_postgres_database
log "demo data: $ORGANIZATIONS organizations in region $REGION, published $LOAD_YEAR and $PUBLISH_YEAR cycles"
DATABASE_URL=$URL "$BIN" demo --organizations "$ORGANIZATIONS" --region "$REGION" \
    --published-cycle "$LOAD_YEAR" --published-cycle "$PUBLISH_YEAR" >&2
DATABASE_URL=$URL NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench --role admin >/dev/null
psql -q -X "$URL" -c "VACUUM ANALYZE" >&2

# The webhook receiver (logs every delivery; answers 200 at once).
python3 "$BENCH_DIR/instances.py" receiver "$TMP/deliveries.log" "$TMP/receiver.port" &
HELPER_PIDS+=("$!")
for _ in $(seq 1 50); do [[ -s $TMP/receiver.port ]] && break; sleep 0.1; done
[[ -s $TMP/receiver.port ]] || die "the webhook receiver did not start"
RECEIVER=http://127.0.0.1:$(cat "$TMP/receiver.port")/hook

# Both instances alike: one token secret (tokens and idempotency fingerprints work on both).
export NOK_JWT_SECRET=bench-instances-secret-of-at-least-32-bytes NOK_WEBHOOK_INTERNAL_TARGETS=true
start_server a "$URL"
PID_A=$PID A=http://127.0.0.1:$PORT
start_server b "$URL"
PID_B=$PID B=http://127.0.0.1:$PORT
RSS_START="A $(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID_A/status") MB, B $(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID_B/status") MB"

TOKEN=$(curl -sf -H 'content-type: application/json' -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" \
    "$A/api/v1/auth/token" | json 'd["access_token"]') || die "cannot log in"
status=$(curl -s -o "$TMP/webhook.json" -w '%{http_code}' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"url\":\"$RECEIVER\",\"event_types\":[\"organization.*\"]}" "$B/api/v1/webhooks")
[[ $status == 201 ]] || die "POST /api/v1/webhooks answered $status: $(head -c 300 "$TMP/webhook.json")"
REGION_ID=$(curl -sf "$A/api/v1/regions?limit=500" | json "[r['id'] for r in d['items'] if r['code'] == '$REGION'][0]")
CYCLE=$(curl -sf "$A/api/v1/cycles?year=$LOAD_YEAR&region_id=$REGION_ID" | json "d['items'][0]['id']")
PUBLISH_CYCLE=$(curl -sf "$A/api/v1/cycles?year=$PUBLISH_YEAR&region_id=$REGION_ID" | json "d['items'][0]['id']")
read -r -a IDS <<<"$(sql "SELECT id FROM organizations WHERE region_id = $REGION_ID AND active ORDER BY id" | tr '\n' ' ')"
[[ ${#IDS[@]} -gt $WRITE_SET ]] || die "only ${#IDS[@]} organizations in region $REGION"
WRITE_IDS=$(printf '%s,' "${IDS[@]:0:$WRITE_SET}") READ_IDS=$(printf '%s,' "${IDS[@]:$WRITE_SET}")
status=$(curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/cycles/$CYCLE/ratings")
[[ $status == 200 ]] || die "GET /api/v1/cycles/$CYCLE/ratings on B answered $status"

VERSIONS_BEFORE=$(sql "SELECT sum(version) FROM organizations WHERE id IN (${WRITE_IDS%,})")
UPDATES_BEFORE=$(sql "SELECT count(*) FROM audit_events WHERE action = 'organization.updated'")

# Both wrk at once, one per instance; the probes start PROBE_AT s into the load.
two_wrk() {
    local name base pids=()
    for name in a b; do
        base=$A
        [[ $name == a ]] || base=$B
        # shellcheck disable=SC2097,SC2098 # CYCLE is the same value in both places
        SEED_OFFSET=$([[ $name == a ]] && echo 0 || echo 1000) READ_IDS=$READ_IDS WRITE_IDS=$WRITE_IDS TOKEN=$TOKEN RATING=/api/v1/cycles/$CYCLE/ratings CYCLE=$CYCLE \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION_S}s" --latency -s "$BENCH_DIR/wrk-mixed.lua" "$base" \
            >"$TMP/wrk_$name.out" 2>&1 &
        pids+=("$!")
    done
    (
        sleep "$PROBE_AT"
        python3 "$BENCH_DIR/instances.py" replay "$A" "$B" "$TOKEN" "$CYCLE"
        python3 "$BENCH_DIR/instances.py" publication "$A" "$B" "$TOKEN" "$PUBLISH_CYCLE" "$PUBLISHED_FRESH"
    ) >"$TMP/probes.out" 2>&1 &
    pids+=("$!")
    local rc=0 pid
    for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
    return $rc
}
wait_for_quiet "two instances"
log "load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s with wrk-mixed.lua on each of A ($A) and B ($B)"
A0=$(proc_ticks "$PID_A") B0=$(proc_ticks "$PID_B") T0=$(now_ns)
LABEL="two instances" measure mixed - two_wrk
A1=$(proc_ticks "$PID_A") B1=$(proc_ticks "$PID_B") T1=$(now_ns)
cpu_of() { awk -v t=$(($2 - $1)) -v w=$(((T1 - T0) / 1000)) -v tck="$CLK_TCK" 'BEGIN { printf "%.0f", 100 * t / tck * 1e6 / w }'; }
CPU_A=$(cpu_of "$A0" "$A1") CPU_B=$(cpu_of "$B0" "$B1")
kill -0 "$PID_A" 2>/dev/null && kill -0 "$PID_B" 2>/dev/null || die "an instance exited during the load"

# wrk's answers, per instance.
ROWS=()
declare -A F
for name in a b; do
    line=$(grep '^BENCH ' "$TMP/wrk_$name.out") || die "no report line from wrk on $name: $(tail -n 5 "$TMP/wrk_$name.out")"
    for k in requests rps p99_us max_us connect read write timeout st_read_200 st_patch_200 st_201 st_304 st_412 st_4xx \
        st_5xx st_other sent_patch; do
        F[$name.$k]=$(sed -n "s/.* $k=\([0-9.]*\).*/\1/p" <<<"$line")
    done
    ROWS+=("$(printf '%-9s %9.0f %8.2f %8.1f %9s %9s %8s %6s %6s %6s %7s %5s' "${name^^}" "${F[$name.rps]}" \
        "$(awk -v u="${F[$name.p99_us]}" 'BEGIN { print u / 1000 }')" "$(awk -v u="${F[$name.max_us]}" 'BEGIN { print u / 1000 }')" \
        "${F[$name.requests]}" "${F[$name.st_read_200]}" "${F[$name.st_patch_200]}" "${F[$name.st_201]}" "${F[$name.st_412]}" \
        "$((${F[$name.st_4xx]} + ${F[$name.st_other]}))" "${F[$name.st_5xx]}" \
        "$((${F[$name.connect]} + ${F[$name.read]} + ${F[$name.write]} + ${F[$name.timeout]}))")")
done
sum() { echo $((${F[a.$1]} + ${F[b.$1]})); }
ERRORS=$(($(sum connect) + $(sum read) + $(sum write) + $(sum timeout)))
check "$(verdict_of "$ERRORS")" "socket errors, both wrk" \
    "$ERRORS (connect $(sum connect), read $(sum read), write $(sum write), timeout $(sum timeout): wrk's timeout is 2 s)"
check "$(verdict_of "$(sum st_5xx)")" "5xx seen by wrk" "A ${F[a.st_5xx]}, B ${F[b.st_5xx]}"
OTHER=$(($(sum st_4xx) + $(sum st_other)))
check "$(verdict_of "$OTHER")" "other unexpected statuses (not 2xx/304/412)" \
    "$OTHER$(cat "$TMP"/wrk_*.out | grep -m1 '^UNEXPECTED' | cut -c1-200 | sed 's/^/ /')"

# Let what wrk left in flight land, then the database and the instances' own counters.
sleep 2
VERSIONS_AFTER=$(sql "SELECT sum(version) FROM organizations WHERE id IN (${WRITE_IDS%,})")
UPDATES_AFTER=$(sql "SELECT count(*) FROM audit_events WHERE action = 'organization.updated'")
MOVED=$((VERSIONS_AFTER - VERSIONS_BEFORE)) AUDITED=$((UPDATES_AFTER - UPDATES_BEFORE))
check "$([[ $MOVED -eq $AUDITED ]] && echo PASS || echo FAIL)" "no lost update across instances: version increments = audit events" \
    "versions +$MOVED, audit events +$AUDITED; 200 PATCHes seen A ${F[a.st_patch_200]} + B ${F[b.st_patch_200]} (+ in flight at the end)"
for name in a b; do
    base=$A
    [[ $name == a ]] || base=$B
    metrics=$(curl -sf -H "Authorization: Bearer $METRICS_TOKEN" "$base/metrics") || die "no /metrics from $name"
    s5=$(awk '/^nok_http_requests_total\{/ && /status="5/ { s += $NF } END { print s + 0 }' <<<"$metrics")
    total=$(awk '/^nok_http_requests_total\{/ { s += $NF } END { print s + 0 }' <<<"$metrics")
    check "$(verdict_of "$s5")" "5xx counted by instance ${name^^} (/metrics, whole run)" "$s5 of $total answers"
done

# The probes run during the load.
while read -r _ v rest; do check "$v" "${rest%%: *}" "${rest#*: }"; done < <(grep '^CHECK ' "$TMP/probes.out")
grep -q '^CHECK .* Idempotency-Key' "$TMP/probes.out" || check FAIL "an Idempotency-Key used on A replays on B" "the probe did not run: $(tail -n 3 "$TMP/probes.out")"
grep -q '^CHECK .* publication' "$TMP/probes.out" || check FAIL "a publication on A reaches anonymous readers of B" "the probe did not run: $(tail -n 3 "$TMP/probes.out")"

# Webhook deliveries: wait for the outbox to drain, then count what the receiver got.
log "waiting for the webhook outbox to drain (at most ${DRAIN_WAIT}s)"
D0=$SECONDS
while [[ $(sql "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'") -gt 0 && $((SECONDS - D0)) -lt $DRAIN_WAIT ]]; do
    sleep 1
done
DRAIN_S=$((SECONDS - D0))
sleep 1
sql "SELECT id, change_id, status FROM webhook_outbox ORDER BY id" >"$TMP/outbox.txt"
while read -r _ v rest; do check "$v" "${rest%%: *}" "${rest#*: } (outbox drained ${DRAIN_S} s after the load)"; done < <(
    python3 "$BENCH_DIR/instances.py" deliveries "$TMP/deliveries.log" "$TMP/outbox.txt" | grep '^CHECK '
)

# The feed, read through both once everything is written.
while read -r _ v rest; do check "$v" "${rest%%: *}" "${rest#*: }"; done < <(
    python3 "$BENCH_DIR/instances.py" feed "$A" "$B" "$TOKEN" | grep '^CHECK '
)
errors=$(cat "$TMP/a.err" "$TMP/b.err" | grep -c '"level":"ERROR"' || true)
check "$(verdict_of "$errors")" "no ERROR line in either instance's log" "$errors"
RSS_AFTER="A $(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID_A/status") MB, B $(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PID_B/status") MB"

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
result_file instances
{
    echo "nok-api two instances on one PostgreSQL  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))"
    echo "load: bench/wrk-mixed.lua, wrk -t$THREADS -c$CONNECTIONS -d${DURATION_S}s on each instance at once;" \
        "$ORGANIZATIONS organizations (PATCHes to $WRITE_SET), webhook organization.* to a local receiver;" \
        "probes from ${PROBE_AT}s$([[ $QUICK == 0 ]] || echo '; --quick')"
    echo "CPU over the load (% of one core): wrk $CPU_CLIENT, instance A $CPU_A, instance B $CPU_B, PostgreSQL $CPU_DB, other $CPU_OTHER"
    echo "RSS at start: $RSS_START; at the end: $RSS_AFTER"
    echo
    printf '%-9s %9s %8s %8s %9s %9s %8s %6s %6s %6s %7s %5s\n' instance "req/s" "p99 ms" "max ms" answers "200 read" \
        "200 PATCH" "201" "412" "other" "5xx" "sock."
    printf '%s\n' "${ROWS[@]}"
    echo
    printf '%s\n' "${CHECKS[@]}"
    echo
    echo "total run time $((SECONDS - STARTED)) s"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
    if [[ $FAILED -eq 0 ]]; then echo "PASS"; else echo "FAIL: $FAILED checks failed"; fi
} | tee "$RESULT"
{
    printf '\nRaw output\n'
    cat "$TMP/wrk_a.out" "$TMP/wrk_b.out" "$TMP/probes.out"
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $FAILED -eq 0 ]]
