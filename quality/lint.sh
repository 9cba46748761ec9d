#!/usr/bin/env bash
# OpenAPI lint: Redocly CLI (pinned in quality/package-lock.json) lints openapi/openapi.json with
# the recommended ruleset (quality/redocly.yaml). Zero errors passes; warnings are printed.
# Output: build/quality/lint.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

npm_tools
log "redocly lint openapi/openapi.json"
rc=0
npx_q redocly lint "$ROOT/openapi/openapi.json" --config "$QDIR/redocly.yaml" --format=stylish \
    >"$OUT/lint.txt" 2>&1 || rc=$?
cat "$OUT/lint.txt"
errors=$(grep -cE '^\s+[0-9]+:[0-9]+\s+error\s' "$OUT/lint.txt" || true)
warnings=$(grep -cE '^\s+[0-9]+:[0-9]+\s+warning\s' "$OUT/lint.txt" || true)
echo
if [[ $rc -eq 0 && $errors -eq 0 ]]; then
    echo "lint: PASS: openapi/openapi.json has 0 errors, $warnings warnings (redocly recommended)"
else
    echo "lint: FAIL: openapi/openapi.json has $errors errors, $warnings warnings (redocly exit $rc)"
    exit 1
fi
