#!/usr/bin/env bash
# Optimistic concurrency under a race: 100 PATCH /api/v1/organizations/{id} sent at the same
# instant (threads meeting at a barrier, one connection each), all with the same If-Match, must
# give exactly one 200 and 99 412 (problem+json); afterwards the organization has one version
# more, the winner's change, and one audit event for it. On SQLite and on PostgreSQL (a fresh
# database on the shared cluster, dropped at the end). See bench/README.md.
# Usage: bash bench/etag_race.sh   (BENCH_BACKENDS, BENCH_RACE_REQUESTS, BENCH_RACE_ROUNDS)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
REQUESTS=${BENCH_RACE_REQUESTS:-100}
ROUNDS=${BENCH_RACE_ROUNDS:-5}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_race_$$
PASSWORD=bench-password-2026
export NOK_DEMO_PASSWORD=$PASSWORD NOK_LOG=${NOK_LOG:-warn}

[[ $REQUESTS =~ ^[0-9]+$ && $REQUESTS -ge 2 ]] || die "BENCH_RACE_REQUESTS must be >= 2"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "BENCH_RACE_ROUNDS must be >= 1"
need_tools curl python3
[[ $BACKENDS != *postgres* ]] || need_tools psql pg_isready
[[ $BACKENDS != *postgres* ]] || start_postgres
server_binary
make_tmp
drop_database_on_exit 0

login() { # login BASE: the admin's token
    curl -sf -H 'content-type: application/json' -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" \
        "$1/api/v1/auth/token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

ROWS=() FAILED=0
race() { # race BACKEND URL
    local backend=$1 url=$2
    : >"$TMP/$backend.out" # exists before the first look at it
    DATABASE_URL=$url "$BIN" serve --demo --bind 127.0.0.1:0 >"$TMP/$backend.out" 2>"$TMP/$backend.err" &
    local pid=$!
    SERVER_PIDS+=("$pid")
    SERVER_LOGS+=("$TMP/$backend.err")
    local port=
    for _ in $(seq 1 600); do
        port=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\) .*|\1|p' "$TMP/$backend.out" | head -n1)
        [[ -n $port ]] && break
        kill -0 "$pid" 2>/dev/null || die "the $backend server exited: $(tail -n 5 "$TMP/$backend.err")"
        sleep 0.1
    done
    [[ -n $port ]] || die "the $backend server did not start listening"
    local base=http://127.0.0.1:$port token org
    token=$(login "$base") || die "$backend: cannot log in as admin"
    org=$(curl -sf "$base/api/v1/organizations?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')
    log "$backend server: pid $pid, port $port; racing $REQUESTS PATCHes of organization $org, $ROUNDS rounds"
    local round line verdict
    for round in $(seq 1 "$ROUNDS"); do
        verdict=PASS
        python3 "$BENCH_DIR/faults.py" race "$base" "$token" "$org" "$REQUESTS" >"$TMP/race.out" 2>"$TMP/race.err" || verdict=FAIL
        line=$(sed -n 's/^BENCH //p' "$TMP/race.out")
        [[ -n $line ]] || { verdict=FAIL line="no result: $(tail -n 3 "$TMP/race.err")"; }
        [[ $verdict == PASS ]] || FAILED=$((FAILED + 1))
        field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$line"; }
        ROWS+=("$(printf '%-10s %5s %5s %5s %5s %5s %-12s %-12s %6s %9s %8s %-5s' "$backend" "$round" "$(field ok200)" \
            "$(field p412)" "$(field problem_json_412)" "$(field other)" "$(field etag_before)" "$(field etag_after)" \
            "$(field audit_updates)" "$(field in_flight)" "$(field slowest_s)" "$verdict")")
        log "$backend round $round: $line"
        [[ $verdict == PASS ]] || cat "$TMP/race.err" >&2
    done
    kill -0 "$pid" 2>/dev/null || die "the $backend server exited during the race"
    local errors
    errors=$(grep -c '"level":"ERROR"' "$TMP/$backend.err" || true)
    [[ $errors -eq 0 ]] || { log "$backend: $errors ERROR lines in the server log"; FAILED=$((FAILED + 1)); }
}

for_each_backend race

result_file etag_race
{
    echo "nok-api If-Match race  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores; $REQUESTS concurrent PATCHes with the same If-Match per round"
    echo
    printf '%-10s %5s %5s %5s %5s %5s %-12s %-12s %6s %9s %8s %-5s\n' backend round 200 412 "412pj" other \
        "etag before" "etag after" audit "in flight" "slowest" verdict
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "412pj = 412 answers with Content-Type application/problem+json; audit = organization.updated events of"
    echo "this round's writes (must be 1); in flight = most requests sent and not yet answered at one moment;"
    echo "slowest = seconds from send to answer of the slowest request."
    echo "Expected per round: one 200, $((REQUESTS - 1)) 412, the ETag moved on by one write."
    if [[ $FAILED -eq 0 ]]; then echo "PASS"; else echo "FAIL: $FAILED failed rounds or checks"; fi
} | tee "$RESULT"
[[ $FAILED -eq 0 ]]
