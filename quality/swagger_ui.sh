#!/usr/bin/env bash
# Swagger UI and Redoc in a real browser: Debian's Chromium (installed if missing) driven by
# playwright-core, offline, against a release server with demo data. Authorize logs in as the
# demo admin with username and password (the OAuth2 password flow), "Try it out" on
# GET /api/v1/audit-events answers 200 with the token, again after a reload; /redoc renders the
# operations with no request off the server.
# Output: build/quality/swagger-ui.png, build/quality/redoc.png, build/quality/swagger-ui.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
    log "installing Debian's chromium"
    SUDO=
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends chromium >&2 ||
        { $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq --no-install-recommends chromium >&2; }
fi
log "$("$CHROMIUM" --version 2>/dev/null)"
npm_tools
release_binary
start_demo_server

rm -f "$OUT/swagger-ui.png" "$OUT/redoc.png"
rc=0
(cd "$QDIR" && CHROMIUM=$CHROMIUM node swagger_ui.mjs "$BASE" admin "$DEMO_PASSWORD" "$OUT") |
    tee "$OUT/swagger-ui.txt" || rc=$?
echo
if [[ $rc -eq 0 && -s $OUT/swagger-ui.png && -s $OUT/redoc.png ]]; then
    echo "swagger-ui: PASS (Authorize with username and password, Execute → 200, kept after reload; Redoc offline; screenshots build/quality/swagger-ui.png, redoc.png)"
else
    echo "swagger-ui: FAIL (see above; screenshot: $OUT/swagger-ui.png)"
    exit 1
fi
