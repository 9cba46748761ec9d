#!/usr/bin/env bash
# Crash safety of survey uploads: BENCH_ITERATIONS (20) times, a 1,000,000-row CSV upload
# (bench/ingest.py's file, sent as ingest.py sends it) is cut short by kill -9 of the service —
# during the body transfer (after a random share of the bytes), during the storing transaction
# (a random share of the calibrated time from the last byte to the answer), or around the commit
# — then the service is restarted on the same database. Each restart must answer /ready 200, and
# the database must hold all or nothing of the upload (0 or 1,000,000 rows, counted in the
# database itself), with an evaluation consistent with it: unchanged (same ETag, scores) when
# nothing was stored, the upload's aggregates when everything was; a 201 seen by the client must
# mean stored. SQLite, and PostgreSQL (a fresh database on the shared cluster, dropped at the end)
# when BENCH_BACKENDS includes postgres (the default: both). See bench/README.md.
# Usage: bash bench/kill_upload.sh   (BENCH_BACKENDS, BENCH_ITERATIONS, BENCH_ROWS, BENCH_SEED)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"

BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
ITERATIONS=${BENCH_ITERATIONS:-20}
ROWS=${BENCH_ROWS:-1000000}
SEED=${BENCH_SEED:-$(date +%s)}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=nok_kill_$$
REGION=71
export NOK_DEMO_PASSWORD=bench-password-2026
export NOK_JWT_SECRET="kill_upload bench secret, at least 32 bytes long" # tokens outlive restarts
export NOK_TOKEN_TTL_SECS=86400 NOK_UPLOAD_LIMIT=1073741824 NOK_LOG=${NOK_LOG:-warn}

[[ $ITERATIONS =~ ^[0-9]+$ && $ITERATIONS -ge 1 ]] || die "BENCH_ITERATIONS must be >= 1"
[[ $ROWS =~ ^[0-9]+$ && $ROWS -ge 1 ]] || die "BENCH_ROWS must be >= 1"
need_tools curl awk python3 sqlite3
[[ $BACKENDS != *postgres* ]] || need_tools psql pg_isready
[[ $BACKENDS != *postgres* ]] || start_postgres
server_binary
make_tmp
drop_database_on_exit KILL

DRIVER=(python3 "$BENCH_DIR/faults.py")
sql() { # sql QUERY: one value from the current backend's database
    case $BACKEND in
    sqlite) sqlite3 -cmd ".timeout 10000" "$DB_URL" "$1" ;;
    postgres) psql -X -At "$DB_URL" -c "$1" ;;
    esac
}

# serve [--demo]: starts the service on the current database; sets PID, BASE, READY_S (spawn to
# /ready 200) and START_ERRORS (ERROR lines it logged while starting).
START=0
serve() {
    START=$((START + 1))
    local out=$TMP/server-$START.out err=$TMP/server-$START.err t0 status='' port=''
    t0=$(now_ns)
    : >"$out" # exists before the first look at it
    DATABASE_URL=$DB_URL "$BIN" serve "$@" --bind 127.0.0.1:0 >"$out" 2>"$err" &
    PID=$!
    SERVER_PIDS+=("$PID")
    SERVER_LOGS=("$err")
    for _ in $(seq 1 1200); do
        [[ -n $port ]] || port=$(sed -n 's|^nok-api listening on http://[^ ]*:\([0-9][0-9]*\) .*|\1|p' "$out" | head -n1)
        if [[ -n $port ]]; then
            status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
            [[ $status == 200 ]] && break
        fi
        kill -0 "$PID" 2>/dev/null || die "the server did not start: $(tail -n 5 "$err")"
        sleep 0.05
    done
    [[ $status == 200 ]] || die "the server is not ready after 60 s (/ready answered ${status:-nothing})"
    READY_S=$(awk -v ns=$(($(now_ns) - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
    START_ERRORS=$(grep -c '"level":"ERROR"' "$err" || true)
    BASE=http://127.0.0.1:$port
}
rows_of() { # rows_of ORG_ID: survey rows of that organization's evaluation in the cycle
    sql "SELECT count(*) FROM survey_responses s JOIN evaluations e ON e.id = s.evaluation_id
         WHERE e.cycle_id = $CYCLE_ID AND e.organization_id = $1"
}
residue() { # what the killed transaction had written: SQLite, uncommitted WAL frames (read before
    # the restart); PostgreSQL, rows inserted and rolled back (its statistics, after the restart)
    case $BACKEND in
    sqlite) awk -v b="$("${DRIVER[@]}" walresidue "$DB_URL-wal")" 'BEGIN { printf "%.1fMB", b / 1e6 }' ;;
    postgres)
        local inserted
        inserted=$(sql "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'survey_responses'")
        echo "$((inserted - INSERTED_BEFORE - $1))r"
        ;;
    esac
}
bfield() { sed -n "s/.*\b$2=\([^ ]*\).*/\1/p" "$1"; }

CSV=$TMP/survey.csv
log "generating $ROWS survey rows"
python3 "$BENCH_DIR/ingest.py" gencsv "$CSV" "$ROWS" >"$TMP/gencsv.out"

LINES=() TOTALS=() FAILED=0
run_backend() { # run_backend BACKEND URL
    BACKEND=$1 DB_URL=$2
    log "$BACKEND: demo data, $((ITERATIONS + 1)) organizations in region $REGION"
    DATABASE_URL=$DB_URL "$BIN" demo --organizations $((ITERATIONS + 1)) --region "$REGION" >&2
    serve --demo
    local state=$TMP/$BACKEND.state
    python3 "$BENCH_DIR/ingest.py" setup "$BASE" "$state" $((ITERATIONS + 1)) >"$TMP/setup.out"
    CYCLE_ID=$(bfield "$TMP/setup.out" cycle_id)
    local org
    # Calibration: one upload that is not killed, for the timings and the expected aggregates.
    "${DRIVER[@]}" evaluation "$BASE" "$state" 0 >"$TMP/before-0.json"
    "${DRIVER[@]}" killupload "$BASE" "$state" "$CSV" 0 "$PID" none 0 >"$TMP/calibration.out"
    [[ $(bfield "$TMP/calibration.out" stored) == "$ROWS" ]] || die "the calibration upload did not store $ROWS rows: $(cat "$TMP/calibration.out")"
    local send_s post_s
    send_s=$(bfield "$TMP/calibration.out" send_s) post_s=$(bfield "$TMP/calibration.out" post_send_s)
    log "$BACKEND calibration: $ROWS rows, body sent in ${send_s}s, stored and answered ${post_s}s after the last byte"
    TOTALS+=("$BACKEND: calibration upload (not killed): body sent in ${send_s} s, answered ${post_s} s after its last byte")
    local i phase at line verdict held rows readys=() full=1 partial=0 nothing=0 killed_tx=0 killed_transfer=0
    for i in $(seq 1 "$ITERATIONS"); do
        org=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['organization_ids'][$i])" "$state")
        case $((i % 3)) in
        1) phase=transfer at=$(awk -v s="$SEED" -v i="$i" 'BEGIN { srand(s + i); printf "%.3f", 0.02 + 0.96 * rand() }') ;;
        2) phase=transaction at=$(awk -v s="$SEED" -v i="$i" 'BEGIN { srand(s + i); printf "%.3f", 0.05 + 0.85 * rand() }') ;;
        0) phase=transaction at=$(awk -v s="$SEED" -v i="$i" 'BEGIN { srand(s + i); printf "%.3f", 0.85 + 0.30 * rand() }') ;;
        esac
        [[ $BACKEND != postgres ]] || INSERTED_BEFORE=$(sql "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'survey_responses'")
        "${DRIVER[@]}" evaluation "$BASE" "$state" "$i" >"$TMP/before-$i.json"
        local driver=0
        { # (bash's "Killed" notice of the server goes nowhere)
            "${DRIVER[@]}" killupload "$BASE" "$state" "$CSV" "$i" "$PID" "$phase" "$at" "$post_s" \
                >"$TMP/kill-$i.out" 2>"$TMP/kill-$i.err" || driver=$?
            wait "$PID" || true
        } 2>/dev/null
        [[ $driver -eq 0 ]] || die "iteration $i: the upload driver failed: $(tail -n 3 "$TMP/kill-$i.err")"
        local left=
        [[ $BACKEND != sqlite ]] || left=$(residue)
        serve
        readys+=("$READY_S")
        rows=$(rows_of "$org")
        [[ $BACKEND != postgres ]] || left=$(residue "$rows")
        "${DRIVER[@]}" evaluation "$BASE" "$state" "$i" >"$TMP/after-$i.json"
        "${DRIVER[@]}" consistent "$TMP/before-$i.json" "$TMP/after-$i.json" "$rows" "$ROWS" "$state.survey-0" \
            "$(bfield "$TMP/kill-$i.out" status)" >"$TMP/check-$i.out"
        verdict=$(bfield "$TMP/check-$i.out" verdict) held=$(bfield "$TMP/check-$i.out" held)
        [[ $START_ERRORS -eq 0 ]] || verdict=FAIL
        [[ $verdict == PASS ]] || FAILED=$((FAILED + 1))
        case $held in all) full=$((full + 1)) ;; nothing) nothing=$((nothing + 1)) ;; *) partial=$((partial + 1)) ;; esac
        local killed_at outcome
        killed_at=$(bfield "$TMP/kill-$i.out" killed_at_s) outcome=$(bfield "$TMP/kill-$i.out" outcome)
        [[ $phase == transfer ]] && killed_transfer=$((killed_transfer + 1))
        [[ $phase == transaction && $outcome == connection-lost ]] && killed_tx=$((killed_tx + 1))
        line=$(printf '%-8s %3s %-11s %6s %6s %8s %-20s %8s %9s %7s %-7s %-5s %s' "$BACKEND" "$i" "$phase" "$at" \
            "$(bfield "$TMP/kill-$i.out" sent_pct)" "$killed_at" "$outcome" "$left" "$rows" "$READY_S" "$held" "$verdict" \
            "$(bfield "$TMP/check-$i.out" reason | sed 's/^-$//')$([[ $START_ERRORS -eq 0 ]] || echo " $START_ERRORS ERROR lines at start")")
        LINES+=("$line")
        log "$line"
    done
    # Once more at the end: nothing changed since (a commit in flight would show here), and the
    # table holds exactly the complete uploads.
    local final_bad=0 n all_rows expected_total
    for i in $(seq 0 "$ITERATIONS"); do
        org=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['organization_ids'][$i])" "$state")
        n=$(rows_of "$org")
        if [[ $i -gt 0 ]]; then
            [[ $n == 0 && $(bfield "$TMP/check-$i.out" held) == nothing ]] ||
                [[ $n == "$ROWS" && $(bfield "$TMP/check-$i.out" held) == all ]] || final_bad=$((final_bad + 1))
        fi
    done
    all_rows=$(sql "SELECT count(*) FROM survey_responses")
    expected_total=$((full * ROWS))
    [[ $final_bad -eq 0 && $all_rows == "$expected_total" ]] || FAILED=$((FAILED + 1))
    local integrity=-
    if [[ $BACKEND == sqlite ]]; then
        integrity=$(sql "PRAGMA quick_check")
        [[ $integrity == ok ]] || FAILED=$((FAILED + 1))
    fi
    local ready_stats
    ready_stats=$(printf '%s\n' "${readys[@]}" | sort -n | awk '{ v[NR] = $1; s += $1 } END {
        printf "min %.2f s, median %.2f s, max %.2f s", v[1], v[int((NR + 1) / 2)], v[NR] }')
    TOTALS+=("$BACKEND: $ITERATIONS kills ($killed_transfer during the body, $((ITERATIONS - killed_transfer)) after its last byte, $killed_tx of them with no answer yet);" \
        "held all: $((full - 1)), nothing: $nothing, partial: $partial; restarts to /ready 200: $ready_stats")
    TOTALS+=("$BACKEND: final recount: $final_bad evaluations changed since their check; survey_responses holds $all_rows rows" \
        "= $full complete uploads x $ROWS: $([[ $all_rows == "$expected_total" ]] && echo yes || echo NO)$([[ $BACKEND != sqlite ]] || echo "; PRAGMA quick_check: $integrity")")
    kill -TERM "$PID" 2>/dev/null || true
    { wait "$PID"; } 2>/dev/null || true
}

for_each_backend run_backend

result_file kill_upload
{
    echo "nok-api kill -9 during survey uploads  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $COMMIT; $(nproc) cores; $ROWS rows per upload ($(($(stat -c %s "$CSV") / 1000000)) MB CSV); seed $SEED (BENCH_SEED to repeat)"
    echo
    printf '%-8s %3s %-11s %6s %6s %8s %-20s %8s %9s %7s %-7s %-5s %s\n' backend it phase at "sent%" "kill s" \
        "client saw" "left" rows "ready s" held verdict problem
    printf '%s\n' "${LINES[@]}"
    echo
    printf '%s\n' "${TOTALS[@]}"
    echo
    echo "phase transfer: killed once 'at' of the body was sent; transaction: killed 'at' x the calibration's time from"
    echo "the last byte to the answer after the last byte (at > 1 may land after the commit or the answer). kill s ="
    echo "seconds from the first byte to kill -9; left = what the killed transaction had written (SQLite: MB of WAL"
    echo "frames after the last commit, read before the restart; PostgreSQL: rows it inserted that were rolled back,"
    echo "from pg_stat_user_tables); rows = rows of that evaluation in the database after the restart; ready s = from"
    echo "spawning the restarted service to /ready 200."
    if [[ $FAILED -eq 0 ]]; then echo "PASS"; else echo "FAIL: $FAILED iterations or checks failed"; fi
} | tee "$RESULT"
log "summary written to ${RESULT#"$ROOT"/}"
[[ $FAILED -eq 0 ]]
