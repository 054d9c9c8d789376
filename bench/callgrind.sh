#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# Instructions per echoed message, counted by callgrind: repeatable where wall-clock
# rates on a shared VM are not. wsplug-host (or the epoll ceiling, --ceiling) runs under
# valgrind --tool=callgrind twice, echoing N1 and then N2 messages on 10 connections
# (wsplug-loadgen --messages); the difference of the two totals divided by N2 - N1 is
# the cost of one message, with start-up, handshakes and shut-down taken out.
#
#   bench/callgrind.sh [--build DIR] [--size BYTES] [--binary] [--ceiling]
#                      [--messages N1,N2] [--keep DIR]
#   bench/callgrind.sh --churn [--admin | --floor | --ceiling] [--build DIR] [--keep DIR]
#
#   --keep DIR   keep the callgrind.out files (callgrind_annotate them to see each step)
#   --churn      instructions per churn cycle (connect, upgrade, one echo, close; 200 a
#                second, 8 in flight) instead, from runs of 2 s and 8 s: the difference
#                divided by the difference in cycles. --admin: with an admin client
#                attached, as a monitor is; --floor: the bare QWebSocketServer floor;
#                --ceiling: the minimal epoll server.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$(dirname "$here")/build"
size=32
binary=()
ceiling=0
messages="2000,12000"
keep=""
churn=0
admin=0
floor=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=${2:?}; shift ;;
        --size) size=${2:?}; shift ;;
        --binary) binary=(--binary) ;;
        --ceiling) ceiling=1 ;;
        --messages) messages=${2:?}; shift ;;
        --keep) keep=${2:?}; shift ;;
        --churn) churn=1 ;;
        --admin) admin=1 ;;
        --floor) floor=1 ;;
        -h|--help) sed -n '5,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
command -v valgrind > /dev/null || { echo "callgrind.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d /tmp/wsplug-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT

token=callgrind-$RANDOM$RANDOM

# total N: callgrind's instruction count for a server that echoed N messages (--churn:
# that churned for N seconds, followed by the cycles it served).
total() {
    local n=$1 out="$work/callgrind.out.$1" pid port=""
    local server=("$build/bin/wsplug-host" --port 0 --log-level warning --shutdown-grace 0
                  --max-connections-per-ip 1000000 --admin-token "$token")
    [[ $ceiling == 1 ]] && server=("$build/bin/wsplug-echoceiling" --port 0)
    [[ $floor == 1 ]] && server=("$build/bin/wsplug-floor" --mode echo --port 0)
    valgrind --tool=callgrind --callgrind-out-file="$out" "${server[@]}" > "$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        port=$(grep -oE 'listening on ws://[^ ]+:[0-9]+' "$work/server.log" 2> /dev/null | grep -oE '[0-9]+$' || true)
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || { cat "$work/server.log" >&2; kill -KILL "$pid"; return 1; }
    local cycles=""
    if [[ $churn == 1 ]]; then
        local attach=()
        [[ $admin == 1 ]] && attach=(--attach "/_admin?token=$token")
        cycles=$("$build/bin/wsplug-loadgen" --mode churn --port "$port" --concurrency 8 --rate 200 \
                     --warmup 0 --duration "$n" "${attach[@]}" --json | grep -oE '"cycles": [0-9]+' | grep -oE '[0-9]+')
    else
        "$build/bin/wsplug-loadgen" --mode echo --port "$port" --connections 10 --size "$size" "${binary[@]}" \
            --warmup 0 --duration 600 --messages "$n" > /dev/null
    fi
    # wsplug-floor ends on SIGTERM only (callgrind writes its file either way).
    if [[ $floor == 1 ]]; then kill -TERM "$pid"; else kill -INT "$pid"; fi
    wait "$pid" || true
    [[ -n "$keep" ]] && mkdir -p "$keep" && cp "$out" "$keep/"
    echo "$(grep -E '^summary:|^totals:' "$out" | head -1 | awk '{print $2}') $cycles"
}

if [[ $churn == 1 ]]; then
    read -r t1 c1 < <(total 2)
    read -r t2 c2 < <(total 8)
    name=wsplug
    [[ $admin == 1 ]] && name="wsplug + admin client"
    [[ $floor == 1 ]] && name=floor
    [[ $ceiling == 1 ]] && name=ceiling
    echo "$name churn: $(( (t2 - t1) / (c2 - c1) )) instructions per cycle ($t1 for $c1 cycles, $t2 for $c2)"
    exit 0
fi

n1=${messages%,*}
n2=${messages#*,}
read -r t1 _ < <(total "$n1")
read -r t2 _ < <(total "$n2")
kind=text
[[ ${#binary[@]} -gt 0 ]] && kind=binary
name=wsplug
[[ $ceiling == 1 ]] && name=ceiling
echo "$name echo $size B $kind x 10: $(( (t2 - t1) / (n2 - n1) )) instructions per message ($t1 for $n1, $t2 for $n2)"
