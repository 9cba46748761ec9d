#!/usr/bin/env bash
# Swagger UI in a real browser: Debian's Chromium (installed if missing) driven by playwright-core,
# offline, against a release server with demo data. Logs in as the demo admin (curl), authorizes
# in the UI with the token, runs "Try it out" on GET /api/v1/organizations and expects 200.
# Output: build/quality/swagger-ui.png (screenshot), build/quality/swagger-ui.txt.
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
admin_token=$(token admin)

rm -f "$OUT/swagger-ui.png"
rc=0
(cd "$QDIR" && CHROMIUM=$CHROMIUM node swagger_ui.mjs "$BASE" "$admin_token" "$OUT/swagger-ui.png") |
    tee "$OUT/swagger-ui.txt" || rc=$?
echo
if [[ $rc -eq 0 && -s $OUT/swagger-ui.png ]]; then
    echo "swagger-ui: PASS (Try it out on GET /api/v1/organizations → 200; screenshot build/quality/swagger-ui.png)"
else
    echo "swagger-ui: FAIL (see above; screenshot: $OUT/swagger-ui.png)"
    exit 1
fi
