#!/usr/bin/env bash
# Webhook deliveries with two instances on one fresh PostgreSQL database (issue 20): a fast
# receiver and a slow one (answers in 2 s, some 503s) subscribed to organization changes made
# through both instances; one instance gets SIGTERM and, ~0.7 s later, SIGKILL in the middle of
# the run. Prints,
# with numbers: the fast receiver's delay from change to receipt (p99 must stay under the poll
# interval plus 1 s), duplicates against the deliveries in flight at the kill (at most those), no
# delivery lost, and that every delivery's order key (X-Nok-Feed-Position, the event's `id`)
# holds: header and body agree, and ordering by it gives each resource's newest state.
# quality/deliveries_probe.py (Python standard library only) runs the receivers, the instances
# and the changes; psql reads the outbox. Output: build/quality/deliveries.txt.
#
# QUALITY_PG_URL (quality/lib.sh; default postgres://postgres@127.0.0.1:5432) is the server; the
# script makes its own database there (lib.sh fresh_pg_database) and drops it at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v psql >/dev/null || die "psql is missing (PostgreSQL client)"
release_binary
make_tmp
fresh_pg_database
log "two instances on $PG_DATABASE_URL"
rc=0
python3 "$QDIR/deliveries_probe.py" "$BIN" "$PG_DATABASE_URL" >"$OUT/deliveries.txt" 2>&1 || rc=$?
cat "$OUT/deliveries.txt"
echo
if [[ $rc -eq 0 ]]; then
    echo "deliveries: PASS (details: build/quality/deliveries.txt)"
else
    echo "deliveries: FAIL (exit $rc; details: build/quality/deliveries.txt)"
    exit 1
fi
