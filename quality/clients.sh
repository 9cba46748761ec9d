#!/usr/bin/env bash
# Generated clients, as integrators would make them from openapi/openapi.json:
#  1. openapi-typescript → build/quality/api.d.ts, and `tsc --noEmit` type-checks quality/usage.ts
#     (organizations list, a Plan, problem+json) against it;
#  2. openapi-python-client → build/quality/python-client/nok_api_client (configured by
#     quality/python-client.yaml), and quality/use_client.py uses it against a release server with
#     demo data: logs in as admin, lists the organizations, downloads an XLSX export (bytes),
#     PATCHes an organization, uploads a plan file to the import.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

results=()
fail=0
check() { # check NAME COMMAND...: runs it, records PASS or FAIL
    local name=$1
    shift
    log "$name"
    if "$@"; then results+=("PASS  $name"); else results+=("FAIL  $name") fail=1; fi
}

npm_tools
typescript_types() {
    npx_q openapi-typescript "$ROOT/openapi/openapi.json" --output "$OUT/api.d.ts" --redocly "$QDIR/redocly.yaml" >&2 &&
        npx_q tsc --project "$QDIR/tsconfig.json" >&2
}
check "openapi-typescript types; tsc --noEmit quality/usage.ts" typescript_types

venv clients openapi-python-client==0.29.1 python-dateutil==2.9.0.post0
make_tmp
python_client() {
    rm -rf "$OUT/python-client"
    # The generator formats its output with ruff, from the same environment.
    PATH=$VENV/bin:$PATH "$VENV/bin/openapi-python-client" generate --path "$ROOT/openapi/openapi.json" \
        --config "$QDIR/python-client.yaml" --output-path "$OUT/python-client/nok_api_client" --meta none --overwrite >"$OUT/python-client.log" 2>&1 ||
        { cat "$OUT/python-client.log" >&2; return 1; }
    # Operations the generator skipped ("WARNING parsing METHOD PATH"): only the known gaps.
    sed -n 's/^WARNING parsing \([A-Z]*\) \([^ ]*\) within .*/\1 \2/p' "$OUT/python-client.log" |
        sort -u >"$OUT/python-client-gaps.txt"
    sed 's/#.*//; s/[[:space:]]*$//; /^$/d' "$QDIR/python-client-known-gaps.txt" | sort -u >"$TMP/known-gaps.txt"
    local new gone
    new=$(comm -23 "$OUT/python-client-gaps.txt" "$TMP/known-gaps.txt")
    gone=$(comm -13 "$OUT/python-client-gaps.txt" "$TMP/known-gaps.txt")
    log "operations left out of the Python client: $(wc -l <"$OUT/python-client-gaps.txt") (all known: quality/python-client-known-gaps.txt)"
    if [[ -n $new || -n $gone ]]; then
        cat "$OUT/python-client.log" >&2
        [[ -z $new ]] || log "new gaps (fix the document, or list them with a reason): $new"
        [[ -z $gone ]] || log "gaps that have gone (delete them from the list): $gone"
        return 1
    fi
    [[ -f $OUT/python-client/nok_api_client/__init__.py ]]
}
check "openapi-python-client generates nok_api_client" python_client

release_binary
start_demo_server
use_python_client() {
    PYTHONPATH=$OUT/python-client "$VENV/bin/python" "$QDIR/use_client.py" "$BASE" admin "$DEMO_PASSWORD" |
        tee "$OUT/use_client.txt" >&2
}
check "use_client.py: log in as admin, list organizations, export XLSX, PATCH, upload" use_python_client

echo
printf 'clients: %s\n' "${results[@]}"
if [[ $fail -eq 0 ]]; then
    echo "clients: PASS ($(grep -o 'organizations: [0-9]*' "$OUT/use_client.txt"))"
else
    echo "clients: FAIL"
    exit 1
fi
