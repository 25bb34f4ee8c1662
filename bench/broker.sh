#!/usr/bin/env bash
# End to end past one machine: simulator -> collector (capture --publish) -> RabbitMQ -> 1, 2, 3
# writers (consume) -> PostgreSQL, everything on this box. Prints events/s from the collector's start
# until the writers stored every event, CPU seconds per million events of each process, and at a
# steady 20k events/s the writers' p99 frame received -> committed.
# Needs the servers: `scripts/services start` (this script starts them when build/services/env is
# missing). Usage: bench/broker.sh [events]   (ODDSTAP_CLI=path/to/oddstap-cli to pick a build)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
B=${ODDSTAP_CLI:-build/release/app/oddstap-cli}
N=${1:-1000000}
[ -f build/services/env ] || scripts/services start >/dev/null
source build/services/env
AMQP=$ODDSTAP_TEST_AMQP_URL
PG_BASE=${ODDSTAP_TEST_PG_URL%/*}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT

cpu_of() { # utime+stime in seconds of the given pids (0 for those gone)
    local total=0 pid
    for pid in "$@"; do
        [ -r /proc/$pid/stat ] || continue
        total=$((total + $(awk '{print $14 + $15}' /proc/$pid/stat)))
    done
    echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}
broker_pids() { pgrep -f 'beam.smp.*oddstap@localhost' || pgrep -f beam.smp; }
postgres_pids() { pgrep -u postgres postgres || true; }
purge() {
    local dir port dist epmd q
    dir="$(rabbitmq_dir)"
    read -r port dist epmd <"$dir/ports"
    (
        rabbitmq_env "$port" "$dist" "$epmd"
        for q in $(seq -f "oddstap.partition.%02g" 0 11) oddstap.dead-letters; do
            "$(rabbitmq_bin rabbitmqctl)" -q purge_queue "$q" >/dev/null 2>&1 || true
        done
    )
}
stored() { # rows stored by the writers so far, from their /metrics
    local total=0 url
    for url in "$@"; do
        total=$((total + $(curl -s "$url" | awk '/^oddstap_writer_rows_total\{table="(odds|fixture_updates|bets)"\}/ {s+=$2} END {printf "%d", s}')))
    done
    echo $total
}

run() { # $1 = writers, $2 = simulator rate (0: as fast as the collector reads), $3 = events
    local writers=$1 rate=$2 n=$3 db="bench_broker_$1" i
    psql -q "$ODDSTAP_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
    purge
    local slices
    case $writers in 1) slices=(all) ;; 2) slices=(0-5 6-11) ;; 3) slices=(0-3 4-7 8-11) ;; esac
    local wpids=() urls=()
    for i in "${!slices[@]}"; do
        $B consume --amqp "$AMQP" --db "$PG_BASE/$db" --partitions "${slices[$i]}" --metrics 127.0.0.1:0 \
            --summary-json "$T/w$i.json" --quiet 2>"$T/w$i.err" &
        wpids+=($!)
    done
    for i in "${!slices[@]}"; do
        until grep -q "metrics on" "$T/w$i.err"; do sleep 0.1; done
        urls+=("$(grep -o 'http://[^ ]*' "$T/w$i.err")")
    done
    $B simulate --port 0 --rate "$rate" --count "$n" --fixtures 1000 --seed 5 >"$T/sim.out" 2>&1 &
    local spid=$!
    until grep -q "ws://" "$T/sim.out"; do sleep 0.1; done
    local url
    url=$(grep -o "ws://[0-9.:]*" "$T/sim.out")
    local b0 p0
    b0=$(cpu_of $(broker_pids))
    p0=$(cpu_of $(postgres_pids))
    local start end
    start=$(date +%s.%N)
    XDG_DATA_HOME="$T/data" $B capture --url "$url" --from-seq 0 --publish "$AMQP" --publish-state "$T/state-$writers-$rate" \
        --source-id bench --quiet --summary none &
    local cpid=$!
    until [ "$(stored "${urls[@]}")" -ge "$n" ]; do sleep 0.05; done
    end=$(date +%s.%N)
    local ccpu scpu wcpu bcpu pcpu
    ccpu=$(cpu_of $cpid)
    scpu=$(cpu_of $spid)
    wcpu=$(cpu_of "${wpids[@]}")
    bcpu=$(echo "$(cpu_of $(broker_pids)) - $b0" | bc)
    pcpu=$(echo "$(cpu_of $(postgres_pids)) - $p0" | bc)
    kill $cpid $spid "${wpids[@]}" 2>/dev/null || true
    wait $cpid $spid "${wpids[@]}" 2>/dev/null || true
    local secs per
    secs=$(echo "$end - $start" | bc)
    per=$(echo "scale=4; 1000000 / $n" | bc)
    printf '%d writer(s), rate %s: %d events in %.2f s = %.0f events/s; CPU s per million events: collector %.1f, broker %.1f, writers %.1f, PostgreSQL %.1f, simulator %.1f\n' \
        "$writers" "$([ "$rate" = 0 ] && echo max || echo "$rate/s")" "$n" "$secs" "$(echo "$n / $secs" | bc -l)" \
        "$(echo "$ccpu * $per" | bc)" "$(echo "$bcpu * $per" | bc)" "$(echo "$wcpu * $per" | bc)" \
        "$(echo "$pcpu * $per" | bc)" "$(echo "$scpu * $per" | bc)"
    if [ "$rate" != 0 ]; then
        for i in "${!slices[@]}"; do
            printf '  writer %s: p99 received -> committed %s ms\n' "${slices[$i]}" \
                "$(python3 -c "import json; print(round(json.load(open('$T/w$i.json'))['receive_to_committed_p99_ms'], 1))")"
        done
    fi
    psql -q "$ODDSTAP_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for w in 1 2 3; do
    run "$w" 0 "$N"
done
run 3 20000 400000
