#!/usr/bin/env bash
# The quality harness: OpenAPI lint, Dockerfile lint, generated clients, security probes,
# crash-then-retry, two
# instances on one PostgreSQL database (start, tokens, races, feed, login limits), webhook
# deliveries on two instances, Swagger UI in Chromium, print-ready exports through LibreOffice,
# contract fuzzing, one after the other,
# with the time of each step. Builds the release binary once.
# QUALITY_STEPS (default "lint dockerfile clients security crash_retry instances deliveries
# swagger_ui print contract") chooses the steps.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

read -r -a STEPS <<<"${QUALITY_STEPS:-lint dockerfile clients security crash_retry instances deliveries swagger_ui print contract}"
started=$SECONDS
results=()
failed=0
# The lints read files only: no binary for them.
needs_binary=false
for name in "${STEPS[@]}"; do
    [[ $name == lint || $name == dockerfile ]] || needs_binary=true
done
if $needs_binary; then
    t0=$SECONDS
    release_binary
    export NOK_API_BIN=$BIN
    results+=("$(printf '%-6s %-12s %5ss' ok build $((SECONDS - t0)))")
fi
for name in "${STEPS[@]}"; do
    echo "==> quality/$name.sh"
    t0=$SECONDS
    rc=0
    bash "$QDIR/$name.sh" || rc=$?
    took=$((SECONDS - t0))
    if [[ $rc -eq 0 ]]; then
        results+=("$(printf '%-6s %-12s %5ss' PASS "$name" "$took")")
    else
        results+=("$(printf '%-6s %-12s %5ss' FAIL "$name" "$took")")
        failed=$((failed + 1))
    fi
    echo "<== quality/$name.sh: $took s, exit $rc"
done

echo
echo "Quality harness:"
printf '  %s\n' "${results[@]}"
echo "  total $((SECONDS - started)) s"
passed=$((${#STEPS[@]} - failed))
echo "quality: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
