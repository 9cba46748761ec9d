#!/usr/bin/env bash
# Write-heavy benchmark: what the audit log, the change feed and the webhook outbox cost.
#   the same PATCH /api/v1/organizations/{id} (a new website each time, If-Match: *) against two
#   servers over identical SQLite databases, with one webhook subscription to every event:
#   one records everything (audit event + feed change + outbox delivery per write), the other
#   runs with NOK_BENCH_SKIP_RECORDS=1 (benchmarks only: none of the three).
# Deliveries are switched off on both (NOK_WEBHOOK_DELIVERY=false) so only the writes are timed.
# Usage: bash bench/writes.sh   (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_ORGANIZATIONS)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

DURATION=${BENCH_DURATION:-15s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
ORGANIZATIONS=${BENCH_ORGANIZATIONS:-200}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PASSWORD="bench password of the administrator"
SECRET="bench secret of at least thirty-two bytes long"

command -v wrk >/dev/null || { apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }; }
log "building the release binary (target dir: $TARGET_DIR)"
CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin nok-api >&2
BIN=$TARGET_DIR/release/nok-api
[[ $BIN == /* ]] || BIN=$ROOT/$BIN

TMP=$(mktemp -d -t nok-writes.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME [ENV=VALUE…]: a server over $TMP/NAME.db; sets PORT and TOKEN
start() {
    local name=$1 db=$TMP/$1.db
    shift
    DATABASE_URL=$db "$BIN" demo --organizations "$ORGANIZATIONS" --region 71 >/dev/null
    DATABASE_URL=$db NOK_USER_PASSWORD=$PASSWORD "$BIN" user add --username bench --role admin >/dev/null
    env "$@" DATABASE_URL="$db" NOK_JWT_SECRET="$SECRET" NOK_WEBHOOK_DELIVERY=false NOK_WEBHOOK_INTERNAL_TARGETS=true NOK_LOG=warn \
        "$BIN" serve --bind 127.0.0.1:0 >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PIDS+=($!)
    PORT=
    for _ in $(seq 1 300); do
        PORT=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\) .*|\1|p' "$TMP/$name.out" | head -n1)
        [[ -n $PORT ]] && break
        sleep 0.1
    done
    [[ -n $PORT ]] || die "$name did not start: $(tail -n 5 "$TMP/$name.err")"
    TOKEN=$(curl -sf -H 'content-type: application/json' \
        -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/auth/token" |
        sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    [[ -n $TOKEN ]] || die "$name: no token"
    curl -sf -o /dev/null -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
        -d '{"url":"http://127.0.0.1:9/events","event_types":["*"]}' "http://127.0.0.1:$PORT/api/v1/webhooks" ||
        die "$name: cannot subscribe"
}

cat >"$TMP/patch.lua" <<'LUA'
-- PATCH a rotating organization with a website no other request sends (thread id and counter),
-- so every write changes something; counts answers that are not 200.
local first, count = tonumber(os.getenv("FIRST_ID")), tonumber(os.getenv("COUNT"))
local threads, created = {}, 0
setup = function(t)
  created = created + 1
  t:set("tid", created)
  table.insert(threads, t)
end
n, bad = 0, 0
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/merge-patch+json"
wrk.headers["If-Match"] = "*"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  n = n + 1
  local id = first + ((n * 2 + tid) % count)
  return wrk.format(nil, "/api/v1/organizations/" .. id, nil,
    '{"website":"https://t' .. tid .. '-' .. n .. '.example.ru"}')
end
response = function(status) if status ~= 200 then bad = bad + 1 end end
done = function(summary, latency)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("BENCH rps=%.2f p99_us=%d not200=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99), b))
end
LUA

run() { # run NAME PORT TOKEN: writes/s
    local first
    first=$(curl -sf "http://127.0.0.1:$2/api/v1/organizations?limit=1" | sed -n 's/.*"items":\[{"id":\([0-9]*\).*/\1/p')
    wait_for_quiet "$1"
    FIRST_ID=$first COUNT=$ORGANIZATIONS TOKEN=$3 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$TMP/patch.lua" \
        "http://127.0.0.1:$2" >"$TMP/$1.wrk"
    sed -n 's/^BENCH //p' "$TMP/$1.wrk"
}

start recorded
RECORDED_PORT=$PORT RECORDED_TOKEN=$TOKEN
start skipped NOK_BENCH_SKIP_RECORDS=1
SKIPPED_PORT=$PORT SKIPPED_TOKEN=$TOKEN
log "measuring PATCH /api/v1/organizations/{id}, wrk -t2 -c$CONNECTIONS -d$DURATION"
WITH=$(run recorded "$RECORDED_PORT" "$RECORDED_TOKEN")
WITHOUT=$(run skipped "$SKIPPED_PORT" "$SKIPPED_TOKEN")
OUTBOX=$(sqlite3 "$TMP/recorded.db" "SELECT count(*) FROM webhook_outbox" 2>/dev/null || echo "?")
AUDITED=$(sqlite3 "$TMP/recorded.db" "SELECT count(*) FROM audit_events WHERE action = 'organization.updated'" 2>/dev/null || echo "?")
rps() { sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$1"; }
echo
echo "nok-api write benchmark (SQLite)  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '  %-44s %s\n' "with audit + feed + outbox:" "$WITH" "without (NOK_BENCH_SKIP_RECORDS=1):" "$WITHOUT"
awk -v a="$(rps "$WITH")" -v b="$(rps "$WITHOUT")" 'BEGIN {
    printf "  writes/s with / without: %.3f (the records cost %.1f%% of the throughput)\n", a / b, 100 * (1 - a / b) }'
echo "  rows written by the recorded run: $AUDITED audit events (updates), $OUTBOX outbox deliveries"
for w in "${WARNINGS[@]}"; do echo "  WARNING: $w"; done
