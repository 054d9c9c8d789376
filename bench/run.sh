#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# Runs wsplug-host and the bare-Qt floor (bench/floor) side by side, alternating, under
# wsplug-loadgen, and prints one table: each figure for wsplug, wsplug on Qt's dispatcher,
# the floor, and the ratio wsplug/floor. See docs/performance.md.
#
#   bench/run.sh [--short | --full] [--json FILE] [--build DIR] [--only GROUPS]
#
#   --short       (default) about a minute and a half: one run per figure, short windows
#   --full        several minutes: 3 alternating runs per echo figure (median), 10,000 idle,
#                 fanout to 10,000, 19,900 connections held for a minute
#   --json FILE   also write the table as JSON
#   --build DIR   build tree with bin/ and plugins/ (default: ./build of the source tree)
#   --only LIST   comma-separated groups: echo,idle,fanout,churn,hold, and the ones run
#                 only by --full or when named: openclose (about 2 min), churnheld
#                 (about 1.5 min), memory (about 3 min)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build="$root/build"
profile=short
json=""
only=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --short) profile=short ;;
        --full) profile=full ;;
        --json) json=${2:?--json needs a file}; shift ;;
        --build) build=${2:?--build needs a directory}; shift ;;
        --only) only=${2:?--only needs a list}; shift ;;
        -h|--help) sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

host_bin="$build/bin/wsplug-host"
floor_bin="$build/bin/wsplug-floor"
loadgen="$build/bin/wsplug-loadgen"
sendfloor="$build/bin/wsplug-sendfloor"   # optional: the kernel's floor for fan-out
for b in "$host_bin" "$floor_bin" "$loadgen"; do
    if [[ ! -x "$b" ]]; then
        echo "run.sh: $b not found; build first, e.g." >&2
        echo "  cmake -S $root -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build $build -j2" >&2
        exit 2
    fi
done
"$loadgen" --self-test > /dev/null

# Server on CPU 0, load generator on CPU 1, so neither steals the other's core.
server_pin=()
gen_pin=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then
    server_pin=(taskset -c 0)
    gen_pin=(--cpu 1)
else
    echo "run.sh: fewer than 2 CPUs or no taskset: running unpinned, figures are less comparable" >&2
fi

host_help=$("$host_bin" --help 2>&1 || true)
has_dispatcher=0
grep -q -- '--dispatcher' <<< "$host_help" && has_dispatcher=1
has_admin_token=0
grep -q -- '--admin-token' <<< "$host_help" && has_admin_token=1
token="bench-$$-$RANDOM"

host_args=(--port 0 --log-level warning --max-connections 1000000 --max-connections-per-ip 1000000
           --shutdown-grace 500)
[[ $has_admin_token == 1 ]] && host_args+=(--admin-token "$token")

work=$(mktemp -d /tmp/wsplug-bench.XXXXXX)
declare -A srv_pid=() srv_port=()

stop_server() {
    local name=$1 pid=${srv_pid[$1]:-}
    [[ -z "$pid" ]] && return 0
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    unset "srv_pid[$name]" "srv_port[$name]"
}

stop_all() {
    local name
    for name in "${!srv_pid[@]}"; do
        stop_server "$name"
    done
}

cleanup() {
    stop_all
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME COMMAND...: starts it pinned, waits for "listening on ...:PORT".
start_server() {
    local name=$1
    shift
    "${server_pin[@]}" "$@" > "$work/$name.log" 2>&1 &
    local pid=$!
    local port=""
    for _ in $(seq 100); do
        port=$(grep -oE 'listening on ws://[^ ]+:[0-9]+' "$work/$name.log" 2> /dev/null | grep -oE '[0-9]+$' || true)
        [[ -n "$port" ]] && break
        if ! kill -0 "$pid" 2> /dev/null; then
            break
        fi
        sleep 0.05
    done
    if [[ -z "$port" ]]; then
        echo "run.sh: $name did not start:" >&2
        cat "$work/$name.log" >&2
        kill -KILL "$pid" 2> /dev/null || true
        return 1
    fi
    srv_pid[$name]=$pid
    srv_port[$name]=$port
}

# Waits until the server has used less than 10% CPU over 200 ms (max 30 s), so cleanup
# after one run does not bleed into the next.
quiesce() {
    local pid=$1 before after
    for _ in $(seq 150); do
        before=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null) || return 0
        sleep 0.2
        after=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2> /dev/null) || return 0
        (( after - before <= 2 )) && return 0
    done
}

# Groups of servers. Variants: wsplug (epoll dispatcher), wsplug+admin (same process, an
# admin client attached), wsplug-qt (--dispatcher qt), floor.
variants=(wsplug)
admin_ok=0
start_group() {   # start_group echo|broadcast
    local floor_mode=$1
    stop_all
    if [[ $has_dispatcher == 1 ]]; then
        start_server wsplug "$host_bin" "${host_args[@]}" --dispatcher epoll
        start_server wsplug-qt "$host_bin" "${host_args[@]}" --dispatcher qt
    else
        start_server wsplug "$host_bin" "${host_args[@]}"
    fi
    start_server floor "$floor_bin" --mode "$floor_mode"
    variants=(wsplug)
    [[ $has_dispatcher == 1 ]] && variants+=(wsplug-qt)
    variants+=(floor)
    admin_ok=0
    if [[ $has_admin_token == 1 ]] \
        && "$loadgen" --mode probe --port "${srv_port[wsplug]}" --path "/_admin?token=$token" > /dev/null 2>&1; then
        admin_ok=1
    fi
}

declare -A vals=() flags=()
notes=()   # lines printed under the table (and written to the JSON)

# run_case CASE "VARIANTS" REPS LOADGEN-ARGS...: runs the generator against each variant,
# alternating the order on every repetition, and stores every RESULT field.
run_case() {
    local case=$1 list=$2 reps=$3
    shift 3
    local forward=($list) order rep v server out rc field key value i
    for (( rep = 1; rep <= reps; rep++ )); do
        order=("${forward[@]}")
        if (( rep % 2 == 0 )); then
            order=()
            for (( i = ${#forward[@]} - 1; i >= 0; i-- )); do order+=("${forward[$i]}"); done
        fi
        for v in "${order[@]}"; do
            server=${v%+admin}
            [[ -z "${srv_pid[$server]:-}" ]] && continue
            local extra=()
            if [[ $v == *+admin ]]; then
                if [[ $admin_ok != 1 ]]; then
                    flags["$case|$v"]="n/a"
                    continue
                fi
                extra=(--attach "/_admin?token=$token")
            fi
            local attempt result foreign first_rss=""
            for attempt in 1 2 3; do
                quiesce "${srv_pid[$server]}"
                rc=0
                out=$("$loadgen" "${gen_pin[@]}" --port "${srv_port[$server]}" --server-pid "${srv_pid[$server]}" \
                      "${extra[@]}" "$@" 2> "$work/loadgen.err") || rc=$?
                result=$(grep '^RESULT ' <<< "$out" | tail -1 || true)
                # Only a fresh server's first run shows what connections cost in memory: a
                # retry reuses what the first attempt freed.
                if (( attempt == 1 )); then
                    first_rss=$(grep -oE ' rss_per_conn_kib=[-0-9.]+' <<< "$result" || true)
                elif [[ -n "$first_rss" ]]; then
                    result=$(sed -E "s/ rss_per_conn_kib=[-0-9.]+/$first_rss/" <<< "$result")
                fi
                # Other work on the machine (> 15% of a core besides server and generator)
                # spoils a run: try again, up to three times, then keep it marked "~".
                foreign=$(grep -oE 'foreign_cpu_pct=[0-9.]+' <<< "$result" | cut -d= -f2 || true)
                if [[ -z "$foreign" ]] || awk -v f="$foreign" 'BEGIN { exit !(f <= 15) }'; then
                    break
                fi
                printf '  %-28s %-12s disturbed (other processes used %s%% of a core)%s\n' "$case" "$v" "$foreign" \
                    "$( (( attempt < 3 )) && echo ", again" )" >&2
                if (( attempt == 3 )); then
                    flags["$case|$v"]+="~"
                    break
                fi
                # A server that held connections must drop them before the retry.
                quiesce "${srv_pid[$server]}"
            done
            if [[ $rc != 0 || -z "$result" ]]; then
                flags["$case|$v"]="FAIL"
                printf '  %-28s %-12s FAILED (exit %s): %s\n' "$case" "$v" "$rc" \
                    "$(tr '\n' ' ' < "$work/loadgen.err" | cut -c1-160)" >&2
            fi
            for field in ${result#RESULT }; do
                key=${field%%=*}
                value=${field#*=}
                vals["$case|$v|$key"]+="$value "
            done
            if [[ "$result" == *" gen_saturated=1"* ]]; then
                flags["$case|$v"]+="!"
            fi
            if [[ -n "$result" ]]; then
                printf '  %-28s %-12s %s\n' "$case" "$v" "${result#RESULT mode=* }" >&2
            fi
        done
    done
    return 0
}

median() {
    printf '%s\n' $1 | sort -g | awk '{a[NR] = $1} END {
        if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# The figure of one variant: median over repetitions, scaled, formatted.
figure() {   # figure CASE VARIANT KEY SCALE FORMAT
    local raw
    raw=$(median "${vals["$1|$2|$3"]:-}")
    [[ -z "$raw" ]] && return 0
    awk -v v="$raw" -v s="$4" -v f="$5" 'BEGIN { printf f, v * s }'
}

rows=()
# row MODE PARAMS METRIC CASE KEY SCALE FORMAT [WSPLUG-VARIANT]
row() {
    rows+=("$1|$2|$3|$4|$5|$6|$7|${8:-wsplug}")
}

cell() {   # cell CASE VARIANT KEY SCALE FORMAT -> figure plus flags, or n/a / FAIL / -
    local f
    f=$(figure "$1" "$2" "$3" "$4" "$5")
    local fl=${flags["$1|$2"]:-}
    if [[ -z "$f" ]]; then
        if [[ "$fl" == *n/a* ]]; then echo "n/a"; elif [[ "$fl" == *FAIL* ]]; then echo "FAIL"; else echo "-"; fi
        return
    fi
    [[ "$fl" == *FAIL* ]] && f+="?"
    [[ "$fl" == *'!'* ]] && f+="!"
    [[ "$fl" == *'~'* ]] && f+="~"
    echo "$f"
}

ratio() {   # ratio A B (numbers with optional markers)
    local a=${1%%[?!~]*} b=${2%%[?!~]*}
    [[ "$a" =~ ^[0-9.]+$ && "$b" =~ ^[0-9.]+$ ]] || { echo "n/a"; return; }
    awk -v a="$a" -v b="$b" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

want() { [[ -z "$only" || ",$only," == *",$1,"* ]]; }
# Long groups: with --full, or when --only names them.
want_long() { [[ ( -z "$only" && $profile == full ) || ",$only," == *",$1,"* ]]; }

if [[ $profile == short ]]; then
    echo_secs=0.8; echo_warm=0.2; echo_reps=1
    idle_list="5000"
    fan_list="1000"; fan_rounds=200
    churn_secs=1.5
else
    echo_secs=3; echo_warm=0.5; echo_reps=3
    idle_list="1000 5000 10000"
    fan_list="1000 10000"; fan_rounds=200
    churn_secs=5
fi

started=$(date +%s)
echo "wsplug bench ($profile): servers pinned to CPU 0, load generator to CPU 1" >&2
[[ $has_dispatcher == 1 ]] || echo "  wsplug-host has no --dispatcher flag: no wsplug-qt column" >&2
[[ $has_admin_token == 1 ]] || echo "  wsplug-host has no --admin-token flag: admin variant n/a" >&2

if want echo; then
    start_group echo
    [[ $admin_ok == 1 ]] || echo "  /_admin not available: admin variant n/a" >&2
    for spec in "10 32 text" "100 32 text" "10 16384 binary" "100 16384 binary"; do
        read -r conns size kind <<< "$spec"
        c="echo-c$conns-s$size"
        args=(--mode echo --connections "$conns" --size "$size" --duration "$echo_secs" --warmup "$echo_warm")
        [[ $kind == binary ]] && args+=(--binary)
        run_case "$c" "wsplug wsplug+admin ${variants[*]:1}" "$echo_reps" "${args[@]}"
        p="${conns} conns, $( (( size >= 1024 )) && echo "$(( size / 1024 )) KiB" || echo "$size B") $kind"
        row echo "$p" "msgs/s" "$c" msgs_per_s 1 "%.0f"
        row echo "$p" "p99 ms" "$c" p99_us 0.001 "%.2f"
        row "echo +admin" "$p" "msgs/s" "$c" msgs_per_s 1 "%.0f" wsplug+admin
    done
    stop_all
fi

if want idle; then
    for n in $idle_list; do
        # Fresh servers for each count: the idle phase reads each server's RSS growth, and
        # memory freed by an earlier run would be reused and hide the cost.
        start_group echo
        c="eui-$n"
        admin_variant=""
        [[ $n == "${idle_list##* }" ]] && admin_variant="wsplug+admin"
        run_case "$c" "${variants[*]} $admin_variant" 1 --mode echo-under-idle --idle "$n" --connections 10 \
            --size 32 --duration "$echo_secs" --warmup "$echo_warm"
        row echo-under-idle "10 busy, $n idle" "msgs/s" "$c" msgs_per_s 1 "%.0f"
        row echo-under-idle "10 busy, $n idle" "p99 ms" "$c" p99_us 0.001 "%.2f"
        if [[ -n "$admin_variant" ]]; then
            row "echo-under-idle +admin" "10 busy, $n idle" "msgs/s" "$c" msgs_per_s 1 "%.0f" wsplug+admin
        fi
        row idle "$n conns" "connects/s" "$c" connects_per_s 1 "%.0f"
        row idle "$n conns" "RSS KiB/conn" "$c" rss_per_conn_kib 1 "%.1f"
        row idle "$n conns" "alive after" "$c" idle_alive 1 "%.0f"
    done
    # Throughput kept with the most idle connections held, against none held (the echo
    # run with 10 connections, 32 B): the echo-under-idle target is >= 0.8.
    last="eui-${idle_list##* }"
    for v in wsplug wsplug-qt floor wsplug+admin; do
        a=$(median "${vals["$last|$v|msgs_per_s"]:-}")
        b=$(median "${vals["echo-c10-s32|$v|msgs_per_s"]:-}")
        if [[ -n "$a" && -n "$b" ]]; then
            vals["retention|$v|r"]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
        fi
    done
    row echo-under-idle "${idle_list##* } idle vs none" "throughput kept" retention r 1 "%.2f"
    row "echo-under-idle +admin" "${idle_list##* } idle vs none" "throughput kept" retention r 1 "%.2f" wsplug+admin
    stop_all
fi

if want fanout; then
    # References for the fan-out rows, both bench/sendfloor: "minimal", a WebSocket server
    # that is nothing but an epoll loop of send()s, measured through the same generator;
    # and, last, the kernel's bare send() loop with its own trivial reader.
    start_fanout_group() {
        start_group broadcast
        [[ -x "$sendfloor" ]] && start_server minimal "$sendfloor" --serve
        return 0
    }
    start_fanout_group
    for k in $fan_list; do
        c="fanout-$k"
        # 200 rounds: with fewer, the p99 is simply the slowest round.
        rounds=$fan_rounds
        run_case "$c" "wsplug wsplug+admin ${variants[*]:1} minimal" 1 --mode fanout --subscribers "$k" --rounds "$rounds" \
            --size 32 --duration 20 --warmup 0
        row fanout "to $k, 32 B" "p50 ms" "$c" p50_us 0.001 "%.2f"
        row fanout "to $k, 32 B" "p99 ms" "$c" p99_us 0.001 "%.2f"
        row fanout "to $k, 32 B" "deliveries/s" "$c" deliveries_per_s 1 "%.0f"
        row "fanout +admin" "to $k, 32 B" "p99 ms" "$c" p99_us 0.001 "%.2f" wsplug+admin
        if [[ -x "$sendfloor" ]]; then
            m50=$(figure "$c" minimal p50_us 0.001 "%.2f")
            m99=$(figure "$c" minimal p99_us 0.001 "%.2f")
            [[ -n "$m99" ]] && notes+=("fanout to $k, minimal epoll WebSocket server (wsplug-sendfloor --serve), same generator: p50_ms=$m50 p99_ms=$m99${flags["$c|minimal"]:+ (${flags["$c|minimal"]})}")
            stop_all
            r=$("$sendfloor" --recipients $(( k < 9990 ? k : 9990 )) --rounds "$rounds" 2> /dev/null | grep '^RESULT ' || true)
            fields=$(grep -oE '(recipients|p50_ms|p99_ms)=[0-9.]+' <<< "$r" | paste -sd ' ' || true)
            [[ -n "$fields" ]] && notes+=("fanout to $k, kernel floor (wsplug-sendfloor, a bare send() loop): $fields")
            (( k != ${fan_list##* } )) && start_fanout_group
        fi
    done
    stop_all
fi

if want churn; then
    start_group echo
    # The ceiling too: the minimal epoll echo server (bench/echoceiling), same generator.
    ceiling_bin="$build/bin/wsplug-echoceiling"
    churn_variants="wsplug wsplug+admin ${variants[*]:1}"
    [[ -x "$ceiling_bin" ]] && start_server ceiling "$ceiling_bin" --port 0 && churn_variants+=" ceiling"
    # A cycle: connect, upgrade, one echo, close.
    run_case churn "$churn_variants" "$echo_reps" --mode churn --concurrency 32 \
        --duration "$churn_secs" --warmup 0.3
    row churn "32 in flight" "cycles/s" churn cycles_per_s 1 "%.0f"
    row churn "32 in flight" "handshake p99 ms" churn handshake_p99_us 0.001 "%.2f"
    row churn "32 in flight" "server ms/1000" churn server_cpu_ms_per_1000 1 "%.1f"
    row "churn +admin" "32 in flight" "cycles/s" churn cycles_per_s 1 "%.0f" wsplug+admin
    row "churn +admin" "32 in flight" "handshake p99 ms" churn handshake_p99_us 0.001 "%.2f" wsplug+admin
    c99=$(figure churn ceiling handshake_p99_us 0.001 "%.2f")
    [[ -n "$c99" ]] && notes+=("churn, minimal epoll echo server (wsplug-echoceiling), same generator: cycles_per_s=$(figure churn ceiling cycles_per_s 1 "%.0f") handshake_p99_ms=$c99 server_ms_per_1000=$(figure churn ceiling server_cpu_ms_per_1000 1 "%.1f")${flags["churn|ceiling"]:+ (${flags["churn|ceiling"]})}")
    stop_all
fi

if [[ $profile == full ]] && want hold; then
    # 19,900 connections for a minute: each process may hold 20,000 descriptors.
    start_group echo
    run_case hold "wsplug floor" 1 --mode idle --idle 19900 --hold 60
    row hold "19900 conns, 60 s" "alive after" hold idle_alive 1 "%.0f"
    row hold "19900 conns, 60 s" "RSS KiB/conn" hold rss_per_conn_kib 1 "%.1f"
    row hold "19900 conns, 60 s" "server CPU % idle" hold hold_server_cpu_pct 1 "%.1f"
    stop_all
fi

# Opening N idle connections (32 handshakes in flight), then dropping them all at once:
# time and server CPU per connection, and the cost per connection with the most open
# against the fewest (the target: at most 1.3). With ~20,000 connections from one source
# address the generator's kernel spends longer and longer finding a free ephemeral port
# for each connect(): the connections come from 16 loopback addresses instead.
spread=(--source-ips 16)
oc_list="2000 5000 10000 19900"
if want_long openclose; then
    for n in $oc_list; do
        start_group echo
        c="openclose-$n"
        run_case "$c" "wsplug floor" 1 --mode openclose --idle "$n" --gap 1 "${spread[@]}"
        row openclose "$n conns" "open us/conn" "$c" open_us_per_conn 1 "%.1f"
        row openclose "$n conns" "close us/conn" "$c" close_us_per_conn 1 "%.1f"
        row openclose "$n conns" "open CPU us/conn" "$c" open_server_cpu_us_per_conn 1 "%.1f"
        row openclose "$n conns" "close CPU us/conn" "$c" close_server_cpu_us_per_conn 1 "%.1f"
    done
    stop_all
    lo="openclose-${oc_list%% *}"
    hi="openclose-${oc_list##* }"
    for v in wsplug floor; do
        for k in open_us_per_conn close_us_per_conn open_server_cpu_us_per_conn close_server_cpu_us_per_conn; do
            a=$(median "${vals["$hi|$v|$k"]:-}")
            b=$(median "${vals["$lo|$v|$k"]:-}")
            if [[ -n "$a" && -n "$b" ]]; then
                vals["ocgrowth|$v|$k"]=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
            fi
        done
    done
    p="${oc_list##* } vs ${oc_list%% *}"
    row openclose "$p" "open time x" ocgrowth open_us_per_conn 1 "%.2f"
    row openclose "$p" "close time x" ocgrowth close_us_per_conn 1 "%.2f"
    row openclose "$p" "open CPU x" ocgrowth open_server_cpu_us_per_conn 1 "%.2f"
    row openclose "$p" "close CPU x" ocgrowth close_server_cpu_us_per_conn 1 "%.2f"
fi

# Churn at a fixed rate (2,000 cycles/s, connect, upgrade, one echo, close) with none and
# with 19,000 connections held: the server's CPU per 1,000 cycles (target: at most 1.3x).
if want_long churnheld; then
    for held in 0 19000; do
        start_group echo
        c="churnheld-$held"
        args=(--mode churn --rate 2000 --concurrency 64 --duration 5 --warmup 0.5 "${spread[@]}")
        (( held > 0 )) && args+=(--idle "$held")
        run_case "$c" "wsplug floor" 1 "${args[@]}"
        row churnheld "2000/s, $held held" "cycles/s" "$c" cycles_per_s 1 "%.0f"
        row churnheld "2000/s, $held held" "server ms/1000" "$c" server_cpu_ms_per_1000 1 "%.1f"
        row churnheld "2000/s, $held held" "handshake p99 ms" "$c" handshake_p99_us 0.001 "%.2f"
    done
    stop_all
    for v in wsplug floor; do
        a=$(median "${vals["churnheld-19000|$v|server_cpu_ms_per_1000"]:-}")
        b=$(median "${vals["churnheld-0|$v|server_cpu_ms_per_1000"]:-}")
        if [[ -n "$a" && -n "$b" ]]; then
            vals["chgrowth|$v|r"]=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
        fi
    done
    row churnheld "19000 held vs none" "CPU/1000 x" chgrowth r 1 "%.2f"
fi

# Memory after load: twelve rounds of 5,000 connections opened and dropped, 5 s apart,
# on a fresh server: resident memory at the start, the highest peak, and at the end
# (target: the end within the start + 20 MiB).
if want_long memory; then
    start_group echo
    run_case memory "wsplug floor" 1 --mode openclose --idle 5000 --repeat 12 --gap 5 --timeout 900 "${spread[@]}"
    row memory "12 x 5000, 5 s apart" "RSS start MiB" memory rss_start_mib 1 "%.0f"
    row memory "12 x 5000, 5 s apart" "RSS peak MiB" memory rss_peak_mib 1 "%.0f"
    row memory "12 x 5000, 5 s apart" "RSS end MiB" memory rss_end_mib 1 "%.0f"
    for v in wsplug floor; do
        a=${vals["memory|$v|rss_afters_mib"]:-}
        [[ -n "$a" ]] && notes+=("memory, $v: RSS after each round (MiB): ${a% }")
    done
    stop_all
fi

# ---- the table ---------------------------------------------------------------------------

elapsed=$(( $(date +%s) - started ))
fmt='%-24s %-22s %-17s %12s %12s %12s %8s\n'
printf "\nwsplug benchmark, %s mode, %ss; ratio = wsplug / floor (for ms rows lower is better)\n" "$profile" "$elapsed"
printf "$fmt" mode parameters metric wsplug wsplug-qt floor ratio
printf "$fmt" "------------------------" "----------------------" "-----------------" "------------" "------------" "------------" "--------"
json_rows=()
jv() { local x=${1%%[?!~]*}; if [[ "$x" =~ ^[0-9.]+$ ]]; then echo "$x"; else echo null; fi; }
for r in "${rows[@]}"; do
    IFS='|' read -r mode params metric case key scale format wv <<< "$r"
    w=$(cell "$case" "$wv" "$key" "$scale" "$format")
    if [[ $wv == wsplug+admin ]]; then q="-"; else q=$(cell "$case" wsplug-qt "$key" "$scale" "$format"); fi
    f=$(cell "$case" floor "$key" "$scale" "$format")
    rt=$(ratio "$w" "$f")
    printf "$fmt" "$mode" "$params" "$metric" "$w" "$q" "$f" "$rt"
    json_rows+=("$(printf '{"mode": "%s", "parameters": "%s", "metric": "%s", "wsplug": %s, "wsplug_qt": %s, "floor": %s, "ratio": %s, "marks": "%s"}' \
        "$mode" "$params" "$metric" "$(jv "$w")" "$(jv "$q")" "$(jv "$f")" "$(jv "$rt")" \
        "$(tr -cd '?!~' <<< "$w$q$f")")")
done
echo "! = the load generator used > 90% of its core in that run (figure may be the generator's);"
echo "~ = other processes used > 15% of a core during that run, three times in a row (figure disturbed);"
echo "? = the run reported an error (see the lines above the table); n/a = variant not available"
for n in "${notes[@]}"; do echo "$n"; done

if [[ -n "$json" ]]; then
    {
        printf '{"profile": "%s", "seconds": %s, "date": "%s", "cpus": %s,\n "rows": [\n' \
            "$profile" "$elapsed" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)"
        for i in "${!json_rows[@]}"; do
            sep=","
            (( i == ${#json_rows[@]} - 1 )) && sep=""
            printf '  %s%s\n' "${json_rows[$i]}" "$sep"
        done
        printf ' ],\n "notes": ['
        for i in "${!notes[@]}"; do
            printf '%s"%s"' "$( (( i > 0 )) && echo ", " )" "${notes[$i]}"
        done
        printf ']}\n'
    } > "$json"
    echo "JSON written to $json"
fi
