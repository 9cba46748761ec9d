#!/usr/bin/env bash
# PostgreSQL stopped and started again under load. The service runs on a private, throwaway
# PostgreSQL cluster (initdb into a temp dir, its own port; the machine's shared cluster at
# 127.0.0.1:5432 is never touched) under a steady wrk read load (bench/wrk-timeline.lua counts
# every answer by status in 100 ms slots) and a probe (one request every 0.1 s on a new
# connection, its latency recorded). After BENCH_BEFORE seconds the cluster is stopped
# (pg_ctl stop -m fast), BENCH_DOWN seconds later started again. While it is down every answer
# must be 2xx or 503 application/problem+json (never another 5xx, never a hang: no wrk timeout,
# no probe slower than BENCH_HANG_LIMIT); within BENCH_RECOVERY_TARGET seconds of the cluster
# accepting connections again every answer must be 2xx. See bench/README.md.
# Usage: bash bench/pg_outage.sh   (BENCH_BEFORE, BENCH_DOWN, BENCH_AFTER, BENCH_PG_STOP_MODE)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
BEFORE=${BENCH_BEFORE:-10}
DOWN=${BENCH_DOWN:-10}
AFTER=${BENCH_AFTER:-15}
STOP_MODE=${BENCH_PG_STOP_MODE:-fast}
RECOVERY_TARGET=${BENCH_RECOVERY_TARGET:-5}
HANG_LIMIT=${BENCH_HANG_LIMIT:-10}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-200}
PG_PORT=${BENCH_PG_PORT:-55432}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
export NOK_LOG=${NOK_LOG:-warn}
PATHS="/api/v1/organizations?limit=50 /api/v1/regions /ready"

for v in BEFORE DOWN AFTER RECOVERY_TARGET HANG_LIMIT; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "BENCH_$v must be a whole number of seconds >= 1"
done
[[ $(id -u) -eq 0 ]] || die "run as root: the private cluster is run as the postgres OS user (runuser)"
PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
[[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || die "no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
need_tools curl awk python3 psql runuser
apt_install wrk
server_binary
make_tmp

# ---------------------------------------------------------------------------------------------
# The private cluster
# ---------------------------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
while ! port_free "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
PGDIR=$(mktemp -d -t nok-pg-outage.XXXXXX)
chown postgres: "$PGDIR"
pg() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDIR/data" "$@"; }
finish() { # the servers first (lib.sh's cleanup exits with this status), then the private cluster
    local rc=$?
    set +e
    for pid in "${HELPER_PIDS[@]}" "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    [[ ! -f $PGDIR/data/postmaster.pid ]] || pg stop -m immediate -w >/dev/null 2>&1
    rm -rf "$PGDIR"
    (exit "$rc")
    cleanup
}
trap finish EXIT
log "private PostgreSQL cluster: initdb into $PGDIR, port $PG_PORT"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$PGDIR/initdb.log" ||
    die "initdb failed: $(tail -n 5 "$PGDIR/initdb.log")"
PG_OPTS="-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGDIR"
pg start -w -l "$PGDIR/server.log" -o "$PG_OPTS" >&2 || die "the private cluster did not start: $(tail -n 5 "$PGDIR/server.log")"
DB_URL=postgres://postgres@127.0.0.1:$PG_PORT/nok
psql -q -X -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -c "CREATE DATABASE nok" >&2
log "demo data: $ORGANIZATIONS organizations"
DATABASE_URL=$DB_URL "$BIN" demo --organizations "$ORGANIZATIONS" >&2
start_server postgres "$DB_URL"
SPID=$PID BASE=http://127.0.0.1:$PORT
for path in $PATHS; do
    status=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")
    [[ $status == 200 ]] || die "GET $path answered $status before the outage"
done

# ---------------------------------------------------------------------------------------------
# Load, outage, recovery
# ---------------------------------------------------------------------------------------------
TOTAL=$((BEFORE + DOWN + AFTER + 5)) # + the time stop and start take
wait_for_quiet "outage run"
log "load: wrk -t$THREADS -c$CONNECTIONS -d${TOTAL}s --timeout 30s over: $PATHS; probe every 0.1 s"
TIMELINE=$TMP/timeline PATHS=$PATHS wrk -t"$THREADS" -c"$CONNECTIONS" -d"${TOTAL}s" --timeout 30s \
    -s "$BENCH_DIR/wrk-timeline.lua" "$BASE" >"$TMP/wrk.out" 2>&1 &
WRK_PID=$!
HELPER_PIDS+=("$WRK_PID")
python3 "$BENCH_DIR/faults.py" probe "$BASE" "/api/v1/organizations?limit=5" "$TMP/probe.jsonl" "$TOTAL" 2>"$TMP/probe.err" &
PROBE_PID=$!
HELPER_PIDS+=("$PROBE_PID")
stamp() { date +%s.%N; }
sleep "$BEFORE"
T_STOP=$(stamp)
log "stopping PostgreSQL (pg_ctl stop -m $STOP_MODE)"
pg stop -m "$STOP_MODE" -w >&2
T_STOPPED=$(stamp)
sleep "$DOWN"
T_START=$(stamp)
log "starting PostgreSQL"
pg start -w -l "$PGDIR/server.log" -o "$PG_OPTS" >&2 || die "the private cluster did not start again"
T_UP=$(stamp)
log "PostgreSQL accepts connections again"
wait "$WRK_PID" || die "wrk failed: $(tail -n 5 "$TMP/wrk.out")"
wait "$PROBE_PID" || die "the probe failed: $(tail -n 5 "$TMP/probe.err")"
kill -0 "$SPID" 2>/dev/null || die "the service exited during the outage"
READY_END=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready")
LINE=$(grep '^BENCH ' "$TMP/wrk.out") || die "no report from wrk: $(cat "$TMP/wrk.out")"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$LINE"; }
SOCKET_ERRORS=$(($(field connect) + $(field read) + $(field write)))
TIMEOUTS=$(field timeout)

# Phases of the timeline: before the stop, from the stop to PostgreSQL accepting connections
# again, after that; a 100 ms slot that straddles a boundary counts in the middle phase.
# Recovery = from PostgreSQL back to the end of the last slot with an answer other than 2xx.
read -r -a PHASE < <(awk -v stop="$T_STOP" -v up="$T_UP" '
    { t = $1 / 10; p = (t + 0.1 <= stop) ? 1 : (t < up ? 2 : 3)
      ok[p] += $2; u[p] += $3; o[p] += $4; bare[p] += $5
      if (p == 3 && ($3 + $4) > 0) lastbad = ($1 + 1) / 10
      if (p == 3 && $2 > 0 && !firstok) firstok = t }
    END { for (p = 1; p <= 3; p++) printf "%d %d %d %d ", ok[p], u[p], o[p], bare[p]
          printf "%.1f %.1f\n", (lastbad ? lastbad - up : 0), (firstok ? firstok - up : -1) }' "$TMP/timeline")
RECOVERY=${PHASE[12]} FIRST_OK=${PHASE[13]}
# The probe: statuses, slowest answer, recovery as it saw it.
read -r P_OK P_503 P_OTHER P_MAX P_MAX_DOWN P_RECOVERY < <(python3 - "$TMP/probe.jsonl" "$T_STOP" "$T_UP" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
stop, up = float(sys.argv[2]), float(sys.argv[3])
ok = sum(1 for r in rows if r["status"] == 200)
unavailable = sum(1 for r in rows if r["status"] == 503 and (r["content_type"] or "").startswith("application/problem+json"))
slowest = max(r["latency_s"] for r in rows)
slowest_down = max([r["latency_s"] for r in rows if stop <= r["t"] < up] or [0])
bad_after = [r["done"] for r in rows if r["done"] >= up and r["status"] != 200]
print(ok, unavailable, len(rows) - ok - unavailable, f"{slowest:.2f}", f"{slowest_down:.2f}",
      f"{(max(bad_after) - up) if bad_after else 0:.1f}")
PY
)

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------
CHECKS=() FAILED=0
check() { # check LABEL OK(0/1) DETAIL
    local verdict=PASS
    [[ $2 == 0 ]] || { verdict=FAIL; FAILED=$((FAILED + 1)); }
    CHECKS+=("$(printf '%-62s %-5s %s' "$1" "$verdict" "$3")")
}
ok() { if "$@"; then echo 0; else echo 1; fi; }
check "before: every answer 2xx" "$(ok test $((PHASE[1] + PHASE[2])) -eq 0)" "${PHASE[0]} 2xx, ${PHASE[1]} 503, ${PHASE[2]} other"
check "down: 503 answers seen (the outage reached the service)" "$(ok test "${PHASE[5]}" -gt 0)" "${PHASE[5]} 503"
check "down: no status other than 2xx and 503" "$(ok test "${PHASE[6]}" -eq 0)" "${PHASE[6]} other$(grep -m1 '^OTHER' "$TMP/wrk.out" | cut -c1-160 | sed 's/^/ /')"
check "every 503 is application/problem+json" "$(ok test $((PHASE[3] + PHASE[7] + PHASE[11])) -eq 0)" \
    "$((PHASE[3] + PHASE[7] + PHASE[11])) without it"
check "no hang: no wrk timeout (30 s), no socket error" "$(ok test $((SOCKET_ERRORS + TIMEOUTS)) -eq 0)" \
    "$TIMEOUTS timeouts, $SOCKET_ERRORS socket errors; wrk max latency $(awk -v us="$(field max_us)" 'BEGIN { printf "%.2f", us / 1e6 }') s"
check "no hang: slowest probe answer < ${HANG_LIMIT} s" "$(ok awk -v a="$P_MAX" -v l="$HANG_LIMIT" 'BEGIN { exit !(a < l) }')" \
    "${P_MAX} s (while down: ${P_MAX_DOWN} s; NOK_POOL_TIMEOUT_SECS ${NOK_POOL_TIMEOUT_SECS:-5})"
check "probe: every answer 200 or 503 problem+json" "$(ok test "$P_OTHER" -eq 0)" "$P_OK 200, $P_503 503, $P_OTHER other"
check "after: every answer 2xx within ${RECOVERY_TARGET} s of PostgreSQL back" \
    "$(ok awk -v r="$RECOVERY" -v p="$P_RECOVERY" -v t="$RECOVERY_TARGET" 'BEGIN { exit !(r <= t && p <= t) }')" \
    "last non-2xx ${RECOVERY} s after (probe: ${P_RECOVERY} s), first 2xx ${FIRST_OK} s after; ${PHASE[8]} 2xx, ${PHASE[9]} 503, ${PHASE[10]} other"
check "after: /ready 200 at the end" "$(ok test "$READY_END" == 200)" "$READY_END"

result_file pg_outage
span() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
{
    echo "nok-api PostgreSQL outage under load  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores; private cluster $("$PG_BIN/postgres" --version | cut -d' ' -f3) on port $PG_PORT," \
        "stopped with -m $STOP_MODE; wrk -t$THREADS -c$CONNECTIONS over $PATHS"
    echo "timeline: load ${BEFORE} s, stop took $(span "$T_STOP" "$T_STOPPED") s, down $(span "$T_STOP" "$T_UP") s" \
        "(start took $(span "$T_START" "$T_UP") s), then ${AFTER}+ s; $(field requests) answers, $(field rps | cut -d. -f1) req/s overall"
    echo
    printf '%-34s %9s %9s %9s %14s\n' phase 2xx 503 other "503 not pj"
    printf '%-34s %9s %9s %9s %14s\n' "before the stop" "${PHASE[0]}" "${PHASE[1]}" "${PHASE[2]}" "${PHASE[3]}"
    printf '%-34s %9s %9s %9s %14s\n' "stopped -> accepting again" "${PHASE[4]}" "${PHASE[5]}" "${PHASE[6]}" "${PHASE[7]}"
    printf '%-34s %9s %9s %9s %14s\n' "after" "${PHASE[8]}" "${PHASE[9]}" "${PHASE[10]}" "${PHASE[11]}"
    echo
    echo "recovery: last answer other than 2xx ${RECOVERY} s after PostgreSQL accepted connections again (probe: ${P_RECOVERY} s)"
    echo
    printf '%s\n' "${CHECKS[@]}"
    for warning in "${WARNINGS[@]}"; do echo "WARNING: $warning"; done
    if [[ $FAILED -eq 0 ]]; then echo "PASS"; else echo "FAIL: $FAILED checks failed"; fi
} | tee "$RESULT"
{
    printf '\nRaw output\n'
    cat "$TMP/wrk.out"
    echo "===== timeline (slot = unix time x 10, 2xx, 503, other, 503 not problem+json)"
    cat "$TMP/timeline"
} >>"$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $FAILED -eq 0 ]]
