#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# What wsplug-monitor itself costs: a Release wsplug-host under wsplug-loadgen, the monitor
# attached to it with --remote on one tab, and the CPU of both read from /proc/PID/stat
# (utime + stime) over the same window. One row per load and tab. See docs/performance.md.
# late p50/p99/max: how late the monitor's event loop answered (--latency-probe, ms) over
# its whole run, start-up included; max at: seconds after start (the load starts at about
# 3 s); msgs/s: the generator's echo rate.
#
#   bench/monitor.sh [--build DIR] [--monitor BIN] [--loads LIST] [--tabs LIST]
#                    [--window S] [--offscreen]
#
#   --build DIR    build tree with bin/ and plugins/ (default: ./build of the source tree)
#   --monitor BIN  the wsplug-monitor to measure (default DIR/bin/wsplug-monitor)
#   --loads LIST   comma-separated: busy (20 echo clients flat out), idle (2,000 held),
#                  burst (2,000 opened and dropped, three times), loaded (10,000 held and
#                  20 echo clients); default busy,idle,burst
#   --tabs LIST    default dashboard,clients,handshakes,closes,frames,plugins
#   --window S     measured seconds for the steady loads (default 8)
#   --offscreen    QT_QPA_PLATFORM=offscreen instead of a private Xvfb display
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build="$root/build"
monitor=""
loads="busy,idle,burst"
tabs="dashboard,clients,handshakes,closes,frames,plugins"
window=8
offscreen=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=${2:?--build needs a directory}; shift ;;
        --monitor) monitor=${2:?--monitor needs a program}; shift ;;
        --loads) loads=${2:?--loads needs a list}; shift ;;
        --tabs) tabs=${2:?--tabs needs a list}; shift ;;
        --window) window=${2:?--window needs seconds}; shift ;;
        --offscreen) offscreen=1 ;;
        -h|--help) sed -n '5,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "monitor.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

host_bin="$build/bin/wsplug-host"
loadgen="$build/bin/wsplug-loadgen"
monitor=${monitor:-$build/bin/wsplug-monitor}
for b in "$host_bin" "$loadgen" "$monitor"; do
    [[ -x "$b" ]] || { echo "monitor.sh: $b not found; build first" >&2; exit 2; }
done
probe=()
"$monitor" --help 2>&1 | grep -q -- '--latency-probe' && probe=(--latency-probe)

# Thousands of connections a row leave as many ports in TIME_WAIT: the generator spreads
# them over 127.0.0.1-8 (--source-ips), so that later rows still find free ports.
# The host on CPU 0, the generator on CPU 1; the monitor goes where the scheduler puts it,
# as it would beside a server.
server_pin=()
gen_pin=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then
    server_pin=(taskset -c 0)
    gen_pin=(--cpu 1)
fi

work=$(mktemp -d /tmp/wsplug-monitor-bench.XXXXXX)
token="bench-$$-$RANDOM"
host_pid="" mon_pid="" gen_pid="" xvfb_pid=""

stop_pid() {   # stop_pid PID: TERM, then KILL after 5 s
    local pid=$1
    [[ -z "$pid" ]] && return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

cleanup() {
    stop_pid "$gen_pid"
    stop_pid "$mon_pid"
    stop_pid "$host_pid"
    stop_pid "$xvfb_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $offscreen == 1 ]]; then
    export QT_QPA_PLATFORM=offscreen
    display_kind=offscreen
else
    command -v Xvfb > /dev/null || { echo "monitor.sh: no Xvfb; use --offscreen" >&2; exit 2; }
    for n in $(seq 91 140); do
        [[ -e /tmp/.X$n-lock || -e /tmp/.X11-unix/X$n ]] && continue
        Xvfb ":$n" -screen 0 1920x1080x24 -nolisten tcp > "$work/xvfb.log" 2>&1 &
        xvfb_pid=$!
        sleep 1
        if kill -0 "$xvfb_pid" 2> /dev/null; then
            export DISPLAY=":$n"
            break
        fi
        xvfb_pid=""
    done
    [[ -n "$xvfb_pid" ]] || { echo "monitor.sh: could not start Xvfb" >&2; exit 2; }
    unset QT_QPA_PLATFORM
    display_kind="Xvfb $DISPLAY"
fi

ticks() {   # ticks PID: utime + stime in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0
}
hz=$(getconf CLK_TCK)

fds() { ls "/proc/$1/fd" 2> /dev/null | wc -l; }

start_host() {
    "${server_pin[@]}" "$host_bin" --port 0 --log-level warning --admin-token "$token" \
        --max-connections 100000 --max-connections-per-ip 100000 --max-connects-per-ip-per-s 100000 \
        --shutdown-grace 500 > "$work/host.log" 2>&1 &
    host_pid=$!
    port=""
    for _ in $(seq 100); do
        port=$(grep -oE 'listening on ws://[^ ]+:[0-9]+' "$work/host.log" | grep -oE '[0-9]+$' || true)
        [[ -n "$port" ]] && break
        sleep 0.05
    done
    [[ -n "$port" ]] || { echo "monitor.sh: the host did not start:" >&2; cat "$work/host.log" >&2; exit 1; }
}

start_monitor() {   # start_monitor TAB
    "$monitor" --remote "ws://127.0.0.1:$port" --token "$token" --tab "$1" "${probe[@]}" \
        > "$work/monitor.log" 2>&1 &
    mon_pid=$!
    sleep 3   # attached, first snapshot drawn
}

wait_fds() {   # wait_fds PID N: until PID holds at least N descriptors (30 s at most)
    for _ in $(seq 300); do
        (( $(fds "$1") >= $2 )) && return 0
        sleep 0.1
    done
    echo "monitor.sh: the host never held $2 connections" >&2
}

printf '%-8s %-11s %9s %9s %9s %9s %9s %7s %8s\n' load tab "monitor%" "host%" "late p50" "late p99" "late max" "max at" "msgs/s"
measure() {   # measure LOAD TAB
    local load=$1 tab=$2 m0 h0 t0 m1 h1 t1 late at rate
    start_host
    start_monitor "$tab"
    case "$load" in
        busy)
            "$loadgen" "${gen_pin[@]}" --mode echo --port "$port" --connections 20 --warmup 0 \
                --duration $((window + 2)) > "$work/gen.log" 2>&1 &
            gen_pid=$!
            sleep 1 ;;
        idle|loaded)
            local n=2000 extra=()
            [[ $load == loaded ]] && n=10000 && extra=(--mode echo-under-idle --connections 20 --duration $((window + 6)))
            [[ $load == idle ]] && extra=(--mode idle --hold $((window + 30)))
            "$loadgen" "${gen_pin[@]}" "${extra[@]}" --port "$port" --idle "$n" --warmup 0 --source-ips 8 \
                > "$work/gen.log" 2>&1 &
            gen_pid=$!
            wait_fds "$host_pid" "$n"
            sleep 2 ;;
        burst)
            "$loadgen" "${gen_pin[@]}" --mode openclose --port "$port" --idle 2000 --repeat 3 --gap 1 --source-ips 8 \
                > "$work/gen.log" 2>&1 &
            gen_pid=$! ;;
    esac
    m0=$(ticks "$mon_pid") h0=$(ticks "$host_pid") t0=$(date +%s.%N)
    if [[ $load == burst ]]; then
        wait "$gen_pid" || true
        sleep 1   # the monitor catches up with the last closes
    else
        sleep "$window"
    fi
    m1=$(ticks "$mon_pid") h1=$(ticks "$host_pid") t1=$(date +%s.%N)
    if [[ $load == busy || $load == loaded ]]; then
        wait "$gen_pid" || true   # its echo ends on its own, then it prints msgs_per_s
    fi
    stop_pid "$gen_pid"; gen_pid=""
    rate=$(grep -oE 'msgs_per_s=[0-9]+' "$work/gen.log" | sed 's/.*=//' || true)
    stop_pid "$mon_pid"; mon_pid=""
    stop_pid "$host_pid"; host_pid=""
    late=$(grep -oE 'latency_p50_ms=[0-9.]+ latency_p99_ms=[0-9.]+ latency_max_ms=[0-9.]+' "$work/monitor.log" \
           | sed -E 's/[a-z0-9_]+=//g' || true)
    [[ -z "$late" ]] && late="- - -"
    at=$(grep -oE 'latency_max_at_s=[0-9.]+' "$work/monitor.log" | sed 's/.*=//' || true)
    # shellcheck disable=SC2086
    printf '%-8s %-11s %9.1f %9.1f %9s %9s %9s %7s %8s\n' "$load" "$tab" \
        "$(echo "100 * ($m1 - $m0) / $hz / ($t1 - $t0)" | bc -l)" \
        "$(echo "100 * ($h1 - $h0) / $hz / ($t1 - $t0)" | bc -l)" $late "${at:--}" "${rate:--}"
}

echo "# $(date -u '+%F %H:%M UTC'), $display_kind, monitor $monitor, window ${window} s" >&2
IFS=, read -r -a load_list <<< "$loads"
IFS=, read -r -a tab_list <<< "$tabs"
for load in "${load_list[@]}"; do
    for tab in "${tab_list[@]}"; do
        measure "$load" "$tab"
    done
done
