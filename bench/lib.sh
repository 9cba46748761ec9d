# Shared by the benchmarks: logging, CPU accounting from /proc, and the wait for a quiet machine.
# Source it after setting BENCH_QUIET_WAIT (optional).

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

CLK_TCK=$(getconf CLK_TCK)
proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime + stime
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
now_ns() { date +%s%N; }

# Other work on the machine (a build, a test suite) skews every figure: before each step, wait
# up to BENCH_QUIET_WAIT seconds for the machine to be nearly idle, and flag it when it is not.
QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
QUIET_LIMIT=25 # % of one core
WARNINGS=()
busy_pct() { # busy_pct SECONDS: % of one core the whole machine used meanwhile
    local b0 t0 b1 t1
    b0=$(machine_busy_ticks) t0=$(now_ns)
    sleep "$1"
    b1=$(machine_busy_ticks) t1=$(now_ns)
    awk -v b=$((b1 - b0)) -v tck="$CLK_TCK" -v w=$(((t1 - t0) / 1000)) 'BEGIN { printf "%.0f", 100 * b / tck * 1e6 / w }'
}
wait_for_quiet() { # wait_for_quiet LABEL
    local deadline=$((SECONDS + QUIET_WAIT)) busy
    while :; do
        busy=$(busy_pct 2)
        [[ $busy -le $QUIET_LIMIT ]] && return
        if [[ $SECONDS -ge $deadline ]]; then
            WARNINGS+=("machine was busy ($busy% of a core) before '$1'; its figures are skewed")
            log "WARNING: machine still busy ($busy% of a core), measuring anyway"
            return
        fi
        log "machine busy ($busy% of a core, e.g. a build), waiting for it to settle"
    done
}
