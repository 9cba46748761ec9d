#!/usr/bin/env bash
# Security probes in the manner of the OWASP API Security Top 10 (2023): quality/security_probes.py
# (Python 3 standard library only) against a release server with demo data on a fresh SQLite
# database, then on a fresh PostgreSQL database (SECURITY_BACKENDS, default "sqlite postgres"),
# where some inputs fail that SQLite takes (a NUL byte in a string). It makes what it needs through the API as admin (a second region with its authority,
# council, operator and organization users; an unpublished cycle, plans and a report of the demo
# region), then probes object-level authorization across regions and organizations, broken
# authentication (forged, expired, revoked tokens; login answers and throttling), property-level
# authorization and data exposure, resource limits (page sizes, bodies, uploads, an XLSX bomb),
# function-level authorization per role, SSRF through webhook URLs and misconfiguration (server
# header, CORS, 405/415, caching), and finally checks every answer of the run: no 5xx, errors as
# problem+json, nothing internal or secret shown. One PASS/FAIL line per probe; any FAIL fails.
#
# The server runs with the documented defaults but for: a known NOK_JWT_SECRET (so that probes
# can sign tokens that are valid but for one claim), one NOK_CORS_ORIGINS origin, a small
# NOK_UPLOAD_LIMIT (2 MiB, so that exceeding it costs little) and no webhook delivery (nothing
# leaves the loopback address). Output: build/quality/security-<backend>.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

JWT_SECRET=quality-harness-security-probes-jwt-secret-0123456789
UPLOAD_LIMIT=2097152
CORS_ORIGIN=https://portal.example.ru

read -r -a BACKENDS <<<"${SECURITY_BACKENDS:-sqlite postgres}"
release_binary
failed=0
for backend in "${BACKENDS[@]}"; do
    make_tmp
    database=()
    if [[ $backend == postgres ]]; then
        fresh_pg_database
        database=(DATABASE_URL="$PG_DATABASE_URL")
    fi
    start_demo_server "${database[@]}" NOK_JWT_SECRET=$JWT_SECRET NOK_UPLOAD_LIMIT=$UPLOAD_LIMIT \
        NOK_CORS_ORIGINS=$CORS_ORIGIN NOK_WEBHOOK_DELIVERY=false
    log "probing $BASE on $backend"
    report=$OUT/security-$backend.txt
    rc=0
    NOK_BASE=$BASE NOK_DEMO_PASSWORD=$DEMO_PASSWORD NOK_JWT_SECRET=$JWT_SECRET \
        NOK_UPLOAD_LIMIT=$UPLOAD_LIMIT NOK_CORS_ORIGIN=$CORS_ORIGIN NOK_SERVER_PID=$SERVER_PID \
        python3 "$QDIR/security_probes.py" >"$report" 2>&1 || rc=$?
    sed "s/^/[$backend] /" "$report"
    echo
    if [[ $rc -eq 0 ]]; then
        echo "security on $backend: PASS (OWASP API Top 10 probes; details: build/quality/security-$backend.txt)"
    else
        echo "security on $backend: FAIL (exit $rc; details: build/quality/security-$backend.txt)"
        failed=1
    fi
    stop_server "$rc"
done
exit "$failed"
