#!/usr/bin/env bash
# Two instances on one fresh PostgreSQL database (issue 20), started at the same moment with
# `serve --demo` each: both must start (migrations and the demo load take turns under the
# database-wide lock, the data loaded once); then, through both (quality/instances_probe.py): a
# token of one works on the other, a same-ETag PATCH race split across both has one winner per
# round, the change feed read from either is identical, and wrong passwords for one username
# split across both reach 429 at NOK_LOGIN_LIMIT_PER_USERNAME, in turn and all at once. Bounded
# to about a minute.
#
# Environment: QUALITY_PG_URL (default postgres://postgres@127.0.0.1:5432, a server where this
# user may create databases; the script's own database (lib.sh fresh_pg_database) is dropped at
# the end),
# QUALITY_RACE_ROUNDS (10), QUALITY_RACERS (8), NOK_API_BIN (see lib.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROUNDS=${QUALITY_RACE_ROUNDS:-10}
RACERS=${QUALITY_RACERS:-8}
LOGIN_LIMIT=10
command -v psql >/dev/null || die "psql is missing"
command -v python3 >/dev/null || die "python3 is missing"
release_binary
make_tmp

PIDS=()
stop_instances() {
    local rc=$?
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $rc -ne 0 ]]; then
        for name in a b; do
            [[ -s $TMP/$name.err ]] || continue
            log "last lines of instance $name's log:"
            tail -n 10 "$TMP/$name.err" >&2
        done
    fi
    (exit "$rc")
    cleanup
}
trap stop_instances EXIT
trap 'exit 124' ALRM

fresh_pg_database
log "database $PG_DATABASE created; starting two instances at once"

# The whole script stays within ~60 s whatever hangs.
# (Its sleep is stopped with it, and holds no output open.)
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep 90 &
    sleeper=$!
    wait "$sleeper" && kill -ALRM $$
) >/dev/null 2>&1 &
WATCHDOG=$!
PIDS+=("$WATCHDOG")

started=$(date +%s.%N)
for name in a b; do
    : >"$TMP/$name.out"
    (
        export DATABASE_URL=$PG_DATABASE_URL NOK_DEMO_PASSWORD=$DEMO_PASSWORD NOK_LOG=warn
        export NOK_JWT_SECRET=quality-instances-secret-of-at-least-32-bytes
        # Every probe comes from 127.0.0.1: the per-address limit must not be what stops them.
        export NOK_LOGIN_LIMIT_PER_USERNAME=$LOGIN_LIMIT NOK_LOGIN_LIMIT_PER_ADDRESS=1000
        export NOK_WEBHOOK_DELIVERY=false
        exec "$BIN" serve --demo --bind 127.0.0.1:0
    ) >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PIDS+=("$!")
done

declare -A BASE SECS
for _ in $(seq 1 600); do
    for i in 0 1; do
        name=$([[ $i -eq 0 ]] && echo a || echo b)
        [[ -n ${BASE[$name]:-} ]] && continue
        port=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$TMP/$name.out" | head -n1)
        if [[ -n $port ]]; then
            BASE[$name]=http://127.0.0.1:$port
            SECS[$name]=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
        elif ! kill -0 "${PIDS[$((i + 1))]}" 2>/dev/null; then
            echo "FAIL  both instances start: instance $name exited: $(tail -n 3 "$TMP/$name.err")"
            exit 1
        fi
    done
    [[ -n ${BASE[a]:-} && -n ${BASE[b]:-} ]] && break
    sleep 0.1
done
[[ -n ${BASE[a]:-} && -n ${BASE[b]:-} ]] || { echo "FAIL  both instances start: not listening within 60 s"; exit 1; }
added() { sed -n 's/^demo data: [0-9]* regions and \([0-9]*\) organizations added/\1/p' "$TMP/$1.out"; }
ready_a=$(curl -s -o /dev/null -w '%{http_code}' "${BASE[a]}/ready")
ready_b=$(curl -s -o /dev/null -w '%{http_code}' "${BASE[b]}/ready")
orgs=$(psql "$PG_DATABASE_URL" -tAX -c "SELECT count(*) FROM organizations")
verdict=FAIL
[[ $ready_a == 200 && $ready_b == 200 && $(( $(added a) + $(added b) )) -eq $orgs && $orgs -gt 0 ]] && verdict=PASS
echo "$verdict  both instances start on one fresh database at once: A listening after ${SECS[a]} s, B after ${SECS[b]} s; /ready $ready_a and $ready_b; demo organizations added by A $(added a), by B $(added b), in the database $orgs"
[[ $verdict == PASS ]] || exit 1

python3 "$QDIR/instances_probe.py" "${BASE[a]}" "${BASE[b]}" "$DEMO_PASSWORD" "$ROUNDS" "$RACERS" "$LOGIN_LIMIT" | tee "$OUT/instances.txt"
errors=$(cat "$TMP/a.err" "$TMP/b.err" | grep -c '"level":"ERROR"' || true)
echo "server logs: $errors ERROR lines"
[[ $errors -eq 0 ]]
