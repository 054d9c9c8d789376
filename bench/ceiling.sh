#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# Echo on 10 connections, 32 B and 16 KiB, text and binary, against wsplug-host and the
# ceiling (wsplug-echoceiling: a minimal epoll echo server that checks UTF-8) in one run:
# the servers on CPU 0, the generator on CPU 1, the two alternating on every repetition.
# Prints msgs/s of each (median) and the ratio wsplug/ceiling, marked "!" when the
# generator was saturated in a run (the rate is then a lower bound) and "~" when other
# processes took more than 15% of a core during one; then each server's CPU time per
# message (µs, median; from /proc) and the ratio ceiling/wsplug: what each message
# costs the server, which holds even when the rates are the generator's. See
# docs/performance.md.
#
#   bench/ceiling.sh [--build DIR] [--wsplug DIR] [--reps N] [--duration S]
#
#   --wsplug DIR   the build tree whose wsplug-host to measure (default: --build), e.g.
#                  an older build, against the same ceiling and generator
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$(dirname "$here")/build"
wsplug_build=""
reps=3
duration=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=${2:?}; shift ;;
        --wsplug) wsplug_build=${2:?}; shift ;;
        --reps) reps=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        -h|--help) sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "ceiling.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
loadgen="$build/bin/wsplug-loadgen"
pin=()
gen_pin=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then
    pin=(taskset -c 0)
    gen_pin=(--cpu 1)
fi
work=$(mktemp -d /tmp/wsplug-ceiling.XXXXXX)
declare -A pid=() port=()
cleanup() {
    for p in "${pid[@]}"; do kill -INT "$p" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

start() {   # start NAME COMMAND...
    local name=$1
    shift
    "${pin[@]}" "$@" > "$work/$name.log" 2>&1 &
    pid[$name]=$!
    for _ in $(seq 100); do
        port[$name]=$(grep -oE 'listening on ws://[^ ]+:[0-9]+' "$work/$name.log" 2> /dev/null | grep -oE '[0-9]+$' || true)
        [[ -n "${port[$name]}" ]] && return 0
        sleep 0.05
    done
    echo "ceiling.sh: $name did not start" >&2
    cat "$work/$name.log" >&2
    exit 1
}
start wsplug "${wsplug_build:-$build}/bin/wsplug-host" --port 0 --log-level warning --shutdown-grace 0
start ceiling "$build/bin/wsplug-echoceiling" --port 0

median() {
    printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

printf '%-22s %14s %14s %8s %10s %10s %8s\n' "echo x 10 connections" "wsplug msgs/s" "ceiling msgs/s" "ratio" \
    "wsplug us" "ceiling us" "ratio"
for size in 32 16384; do
    for kind in text binary; do
        args=(--mode echo --connections 10 --size "$size" --duration "$duration" --warmup 0.5)
        [[ $kind == binary ]] && args+=(--binary)
        declare -A got=([wsplug]="" [ceiling]="") cpu=([wsplug]="" [ceiling]="")
        marks=""
        for (( rep = 1; rep <= reps; rep++ )); do
            order=(wsplug ceiling)
            (( rep % 2 == 0 )) && order=(ceiling wsplug)
            for name in "${order[@]}"; do
                result=$("$loadgen" "${gen_pin[@]}" --port "${port[$name]}" --server-pid "${pid[$name]}" "${args[@]}" \
                         | grep '^RESULT ')
                rate=$(grep -oE ' msgs_per_s=[0-9.]+' <<< "$result" | cut -d= -f2)
                got[$name]+="$rate "
                # The server's CPU per message (µs): its capacity, even when the generator
                # is saturated and the rate is the generator's.
                cpu[$name]+="$(grep -oE ' server_cpu_pct=[0-9.]+' <<< "$result" | cut -d= -f2 \
                               | awk -v r="$rate" '{ printf "%.3f", $1 * 1e4 / r }') "
                [[ "$result" == *" gen_saturated=1"* && "$marks" != *'!'* ]] && marks+="!"
                foreign=$(grep -oE 'foreign_cpu_pct=[0-9.]+' <<< "$result" | cut -d= -f2 || true)
                if [[ -n "$foreign" && "$marks" != *'~'* ]] && awk -v f="$foreign" 'BEGIN { exit !(f > 15) }'; then
                    marks+="~"
                fi
            done
        done
        w=$(median ${got[wsplug]})
        c=$(median ${got[ceiling]})
        wc=$(median ${cpu[wsplug]})
        cc=$(median ${cpu[ceiling]})
        printf '%-22s %14.0f %14.0f %7.2fx %10.2f %10.2f %7.2fx %s\n' "$size B $kind" "$w" "$c" \
            "$(awk -v w="$w" -v c="$c" 'BEGIN { print w / c }')" "$wc" "$cc" \
            "$(awk -v w="$wc" -v c="$cc" 'BEGIN { print c / w }')" "$marks"
    done
done
