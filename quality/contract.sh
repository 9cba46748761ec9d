#!/usr/bin/env bash
# Contract fuzzing: schemathesis (pinned, in build/venv-schemathesis) runs every operation of the
# served OpenAPI document with all checks, once per role (the demo users admin, authority,
# operator, council, organization, auditor, and anonymous), each against a release server on a
# fresh SQLite database with demo data; then again for CONTRACT_PG_ROLES (default admin,
# authority, anonymous) on a fresh PostgreSQL database (QUALITY_PG_URL, default the local
# cluster; empty CONTRACT_PG_ROLES skips them), where some inputs fail that SQLite takes. Zero
# failures passes.
#
# CONTRACT_MAX_EXAMPLES (default 25) bounds the test cases per operation and phase;
# CONTRACT_MAX_TIME (default 75 s) the time per role; CONTRACT_ROLES the roles to run;
# CONTRACT_WORKERS (default 1) the concurrent schemathesis workers. One, because hypothesis 6's
# lambda-source cache is not thread-safe ("AST constructor recursion depth mismatch" errors at
# random under --workers 2), and the server shares the same two cores anyway.
# Output: build/quality/contract/<role>/ (JUnit XML, NDJSON events) and contract-summary.txt.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-25}
MAX_TIME=${CONTRACT_MAX_TIME:-75}
read -r -a ROLES <<<"${CONTRACT_ROLES:-${DEMO_ROLES[*]} anonymous}"
read -r -a PG_ROLES <<<"${CONTRACT_PG_ROLES-admin authority anonymous}"
SEED=${CONTRACT_SEED:-20261101}
WORKERS=${CONTRACT_WORKERS:-1}

venv schemathesis schemathesis==4.32.5
release_binary
rm -rf "$OUT/contract"
mkdir -p "$OUT/contract"
summary=()
failed=0
runs=()
for role in "${ROLES[@]}"; do runs+=("sqlite:$role"); done
for role in "${PG_ROLES[@]}"; do runs+=("postgres:$role"); done
for run in "${runs[@]}"; do
    backend=${run%%:*}
    role=${run#*:}
    make_tmp
    # With a metrics token, as in production: /metrics then answers 401 to anyone without it
    # (unset, it is 404 to everyone, which no security scheme can describe).
    server_env=(NOK_METRICS_TOKEN=quality-harness-metrics-token)
    if [[ $backend == postgres ]]; then
        fresh_pg_database
        server_env+=(DATABASE_URL="$PG_DATABASE_URL")
    fi
    start_demo_server "${server_env[@]}"
    headers=()
    self_id=
    if [[ $role != anonymous ]]; then
        bearer=$(token "$role")
        headers=(--header "Authorization: Bearer $bearer")
        self_id=$(curl -sf -H "Authorization: Bearer $bearer" "$BASE/api/v1/auth/me" |
            python3 -c 'import json,sys; print(json.load(sys.stdin).get("user_id") or "")')
    fi
    dir=$OUT/contract/$role
    [[ $backend == sqlite ]] || dir=$OUT/contract/$backend-$role
    mkdir -p "$dir"
    log "schemathesis as $role on $backend (max $MAX_EXAMPLES examples per operation, $MAX_TIME s)"
    t0=$SECONDS
    rc=0
    # A fixed seed makes a run repeatable; --max-time bounds it.
    # From the role's output directory, where schemathesis keeps its .schemathesis cache.
    : >"$dir/dropped.tsv"
    (cd "$dir" && PYTHONPATH=$QDIR SCHEMATHESIS_HOOKS=schemathesis_hooks NOK_QUALITY_SELF_ID=$self_id \
        NOK_QUALITY_DROPPED="$dir/dropped.tsv" \
        "$VENV/bin/schemathesis" --config-file "$QDIR/schemathesis.toml" run "$BASE/api-docs/openapi.json" \
        --checks all "${headers[@]}" \
        --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed "$SEED" \
        --workers "$WORKERS" --request-timeout 10 --no-color \
        --suppress-health-check all \
        --report junit,ndjson --report-dir "$dir" \
        >"$dir/output.txt" 2>&1) || rc=$?
    took=$((SECONDS - t0))
    tail -n 25 "$dir/output.txt" | sed "s/^/  [$backend $role] /"
    # What the hooks excused (quality/schemathesis_hooks.py), by reason: never silently.
    if [[ -s $dir/dropped.tsv ]]; then
        cut -f1 "$dir/dropped.tsv" | sort | uniq -c | sed "s/^/  [$backend $role] dropped by filter_failure: /"
    fi
    line=$(grep -E '^ *[0-9]+ generated|^[0-9]+ (operations|passed|failed)|^=+ .*(passed|failed|error).* =+$' "$dir/output.txt" | tail -n 1 | sed 's/^ *//' || true)
    if [[ $rc -eq 0 ]]; then
        summary+=("$(printf 'PASS  %-8s %-13s %4ss  %s' "$backend" "$role" "$took" "$line")")
    else
        summary+=("$(printf 'FAIL  %-8s %-13s %4ss  %s (exit %s)' "$backend" "$role" "$took" "$line" "$rc")")
        failed=1
    fi
    cp "$TMP/server.err" "$dir/server.log"
    stop_server
done

echo
printf 'contract: %s\n' "${summary[@]}" | tee "$OUT/contract-summary.txt"
if [[ $failed -eq 0 ]]; then
    echo "contract: PASS (schemathesis, all checks, ${#ROLES[@]} roles on SQLite and ${#PG_ROLES[@]} on PostgreSQL, max $MAX_EXAMPLES examples per operation)"
else
    echo "contract: FAIL (details: build/quality/contract/<role>/output.txt)"
    exit 1
fi
