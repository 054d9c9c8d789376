#!/usr/bin/env bash
# Instructions per churn cycle (connect, upgrade, one echo, close) of a server, counted
# by callgrind: repeatable on a busy machine, where wall-clock rates are not.
#
#   bench/callgrind-churn.sh [--build DIR] [--admin] [--floor]
#
# Starts wsplug-host (or with --floor the bare QWebSocketServer floor) under callgrind
# on a free loopback port, warms up, zeroes the counters, runs 8 s of churn at 200
# cycles/s (8 in flight; --admin: with an admin client attached, as a monitor would be),
# and prints cycles, instructions and instructions per cycle. Needs valgrind.
set -euo pipefail
build=build admin=0 floor=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        --admin) admin=1; shift ;;
        --floor) floor=1; shift ;;
        *) echo "callgrind-churn.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
command -v valgrind >/dev/null || { echo "callgrind-churn.sh: valgrind is not installed" >&2; exit 2; }
out=$(mktemp -d /tmp/wsplug-callgrind.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=callgrind-$RANDOM$RANDOM
if [[ $floor == 1 ]]; then
    server=("$build/bin/wsplug-floor" --mode echo --port "$port")
else
    server=("$build/bin/wsplug-host" --port "$port" --log-level warning --max-connections 1000000
            --max-connections-per-ip 1000000 --admin-token "$token")
fi
attach=()
[[ $admin == 1 && $floor == 0 ]] && attach=(--attach "/_admin?token=$token")
valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "${server[@]}" >"$out/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.3
done
churn=("$build/bin/wsplug-loadgen" --mode churn --port "$port" --concurrency 8 --rate 200 "${attach[@]}")
"${churn[@]}" --duration 3 --warmup 0.5 >/dev/null 2>&1 || true
callgrind_control -z "$pid" >/dev/null 2>&1
"${churn[@]}" --duration 8 --warmup 0 --json >"$out/churn.json"
callgrind_control -d "$pid" >/dev/null 2>&1
cycles=$(python3 -c "import json; print(json.load(open('$out/churn.json'))['cycles'])")
ir=$(callgrind_annotate "$(ls "$out"/cg.*.1)" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
echo "cycles $cycles instructions $ir per_cycle $((ir / cycles)) profile $(ls "$out"/cg.*.1)"
