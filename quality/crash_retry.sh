#!/usr/bin/env bash
# Crash, then retry (quality/crash_retry.py): POSTs with an Idempotency-Key cut off by kill -9
# at random moments, the service restarted on the same SQLite database, each retried with its
# key; each must be done exactly once. Prints how many kills landed in each state of the key.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

release_binary
work=$(mktemp -d -t nok-crash-retry.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 "$QDIR/crash_retry.py" "$BIN" "$work"
