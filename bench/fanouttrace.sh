#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# Where a fan-out's tail comes from. Fan-out to K subscribers (wsplug-loadgen --mode
# fanout) against wsplug-host and the minimal epoll broadcaster (wsplug-sendfloor
# --serve), alternating on every repetition, servers on CPU 0 and the generator on CPU 1.
# Both servers log each fan-out (wsplug.fanout in the host, --trace in the floor), so
# beside the generator's round times (p50, p99) it prints how long each server's own
# loop of send()s took (p50, p99), and for wsplug, in its slowest 1% of fan-outs, the
# mean of each pass: finding the recipients, the send()s, the bookkeeping after. See
# docs/performance.md.
#
#   bench/fanouttrace.sh [--build DIR] [--reps N] [--rounds R] [--subscribers K] [--admin]
#
#   --admin   with an admin client attached to wsplug-host, as a monitor is
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$(dirname "$here")/build"
reps=5
rounds=1000
subscribers=1000
admin=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=${2:?}; shift ;;
        --reps) reps=${2:?}; shift ;;
        --rounds) rounds=${2:?}; shift ;;
        --subscribers) subscribers=${2:?}; shift ;;
        --admin) admin=1 ;;
        -h|--help) sed -n '5,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "fanouttrace.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
pin=()
gen_pin=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then
    pin=(taskset -c 0)
    gen_pin=(--cpu 1)
fi
work=$(mktemp -d /tmp/wsplug-fanouttrace.XXXXXX)
server=""
cleanup() {
    [[ -n "$server" ]] && kill -TERM "$server" 2> /dev/null || true
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

token="fanouttrace-$RANDOM$RANDOM"
host=("$build/bin/wsplug-host" --port 0 --log-level warning --shutdown-grace 0 --max-connections 100000
      --max-connections-per-ip 100000 --max-connects-per-ip-per-s 0 --admin-token "$token")
floor=("$build/bin/wsplug-sendfloor" --trace --serve)

median() {
    printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# run NAME REP: one server, one generator run; leaves NAME.REP.result and NAME.REP.log
run() {
    local name=$1 rep=$2 port=""
    local log="$work/$name.$rep.log"
    local extra=()
    if [[ $name == wsplug ]]; then
        QT_LOGGING_RULES="wsplug.fanout.debug=true" "${pin[@]}" "${host[@]}" > "$log" 2>&1 &
        [[ $admin == 1 ]] && extra=(--attach "/_admin?token=$token")
    else
        "${pin[@]}" "${floor[@]}" > "$log" 2>&1 &
    fi
    server=$!
    for _ in $(seq 100); do
        port=$(grep -oE 'listening on ws://[^ ]+:[0-9]+' "$log" 2> /dev/null | grep -oE '[0-9]+$' | head -1 || true)
        [[ -n "$port" ]] && break
        sleep 0.05
    done
    [[ -n "$port" ]] || { echo "fanouttrace.sh: $name did not start" >&2; cat "$log" >&2; exit 1; }
    "$build/bin/wsplug-loadgen" --mode fanout --port "$port" --subscribers "$subscribers" --rounds "$rounds" --duration 120 \
        --server-pid "$server" "${gen_pin[@]}" "${extra[@]}" > "$work/$name.$rep.result" 2>&1 || true
    kill -TERM "$server" 2> /dev/null || true
    wait "$server" 2> /dev/null || true
    server=""
    sleep 0.3
}

field() {   # field FILE NAME: a NAME=value of the generator's RESULT line
    grep -oE "(^| )$2=[0-9.]+" "$1" | head -1 | cut -d= -f2
}

for (( rep = 1; rep <= reps; rep++ )); do
    if (( rep % 2 )); then run wsplug "$rep"; run floor "$rep"; else run floor "$rep"; run wsplug "$rep"; fi
done

# Per server and repetition: round p50/p99 (generator), send-loop p50/p99 (server's own).
declare -A col=()
for name in wsplug floor; do
    r50=() r99=() s50=() s99=() gen=()
    for (( rep = 1; rep <= reps; rep++ )); do
        result="$work/$name.$rep.result"
        grep -q '^RESULT' "$result" || { echo "fanouttrace.sh: $name run $rep failed:" >&2; cat "$result" >&2; exit 1; }
        r50+=("$(field "$result" p50_us)")
        r99+=("$(field "$result" p99_us)")
        gen+=("$(field "$result" gen_cpu_pct)")
        read -r a b < <(grep -oE 'send [0-9]+ us' "$work/$name.$rep.log" | awk '{print $2}' | sort -g \
                        | awk '{a[NR] = $1} END { if (NR) print a[int(NR * 0.5) + 1], a[int(NR * 0.99) + 1]; else print "nan nan" }')
        s50+=("$a")
        s99+=("$b")
    done
    col[$name]="$(median "${r50[@]}") $(median "${r99[@]}") $(median "${s50[@]}") $(median "${s99[@]}") $(median "${gen[@]}")"
done

variant="wsplug"
[[ $admin == 1 ]] && variant="wsplug+admin"
echo "fan-out to $subscribers, 32 B, $rounds rounds, medians of $reps runs (us)"
printf '%-14s %12s %12s %12s %12s %10s\n' server "round p50" "round p99" "send p50" "send p99" "gen cpu%"
read -r w50 w99 ws50 ws99 wgen <<< "${col[wsplug]}"
read -r f50 f99 fs50 fs99 fgen <<< "${col[floor]}"
printf '%-14s %12.0f %12.0f %12.0f %12.0f %10.1f\n' "$variant" "$w50" "$w99" "$ws50" "$ws99" "$wgen"
printf '%-14s %12.0f %12.0f %12.0f %12.0f %10.1f\n' floor "$f50" "$f99" "$fs50" "$fs99" "$fgen"
awk -v a="$w99" -v b="$f99" 'BEGIN { printf "round p99 ratio %s/floor: %.2fx (target <= 1.15x)\n", "'"$variant"'", a / b }'

# wsplug's slowest 1% of fan-outs over all runs, by its own total: the mean of each pass.
cat "$work"/wsplug.*.log | grep -oE 'find [0-9]+ us, send [0-9]+ us, bookkeeping [0-9]+ us' \
    | awk '{print $2 + $5 + $8, $2, $5, $8}' | sort -g | awk '
    { t[NR] = $1; f[NR] = $2; s[NR] = $3; k[NR] = $4 }
    END {
        if (NR == 0) { print "no wsplug.fanout lines (is the host too old?)"; exit }
        from = int(NR * 0.99) + 1; n = NR - from + 1
        for (i = from; i <= NR; i++) { ft += f[i]; st += s[i]; kt += k[i]; tt += t[i] }
        m = int(NR / 2) + 1
        printf "wsplug fan-outs: %d; median %d us (find %d, send %d, bookkeeping %d)\n", NR, t[m], f[m], s[m], k[m]
        printf "slowest 1%% (%d): mean %d us = find %d + send %d + bookkeeping %d (send %.0f%%)\n",
               n, tt / n, ft / n, st / n, kt / n, 100 * st / tt
    }'
