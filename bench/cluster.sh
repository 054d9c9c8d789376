#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# The cluster bus's added latency (docs/scale-out.md): fanout to K subscribers, one
# message at a time, p50/p99 until every subscriber has it,
#   single: K subscribers and the publisher on one host, no Redis;
#   cluster: K subscribers spread over two hosts joined by Redis, the publisher on a
#            third connection (to the first host), every message through Redis.
# The two alternate, ROUNDS each, in the same run. Needs redis-server.
#
#   bench/cluster.sh [--build DIR] [--subscribers K] [--rounds N] [--repeat R]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$(dirname "$here")/build"
subscribers=1000
rounds=200
repeat=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=$2; shift ;;
        --subscribers) subscribers=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --repeat) repeat=$2; shift ;;
        *) echo "usage: $0 [--build DIR] [--subscribers K] [--rounds N] [--repeat R]" >&2; exit 2 ;;
    esac
    shift
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --loglevel warning &
pids+=($!)
for _ in $(seq 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.05
done

echo '{"plugins": {"broadcast": {"ticker": {"enabled": false}}, "chat": {"rateLimit": {"messagesPerSecond": 0}}}}' > "$work/config.json"
start_host() {   # name, extra args...; sets port (not run in a command substitution: its PID must reach pids)
    local name=$1; shift
    "$build/bin/wsplug-host" --port 0 --log-level warning --config "$work/config.json" \
        --plugin-dir "$build/plugins" --watch-plugins off --max-connections-per-ip 100000 \
        --max-connections 100000 "$@" > "$work/$name.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 200); do
        port=$(grep -o 'listening on ws://[^:]*:[0-9]*' "$work/$name.out" 2>/dev/null | grep -o '[0-9]*$' || true)
        [[ -n "$port" ]] && return
        sleep 0.05
    done
    echo "host $name did not start" >&2; cat "$work/$name.out" >&2; exit 1
}

start_host single; single=$port
start_host a --redis "redis://127.0.0.1:$redis_port" --node-id bench-a; a=$port
start_host b --redis "redis://127.0.0.1:$redis_port" --node-id bench-b; b=$port
sleep 1   # both cluster hosts connected to Redis

fanout() {   # label, loadgen args...
    local label=$1; shift
    local line
    line=$("$build/bin/wsplug-loadgen" --mode fanout --subscribers "$subscribers" --rounds "$rounds" \
        --duration 60 "$@" | grep '^RESULT' || true)
    echo "$label $line"
}

echo "fanout to $subscribers subscribers, $rounds rounds per run, $repeat runs each, alternating"
for r in $(seq "$repeat"); do
    fanout single --port "$single" --path "/broadcast/single$r"
    fanout cluster --port "$a" --publisher-port "$a" --subscriber-ports "$a,$b" --path "/broadcast/cluster$r"
done

# Chat: 10 members on one host say 500 messages each (16 in flight each) in one room;
# 10 members read them on the other host (cluster) or on the same host (single).
chat() {   # label, sender port, reader port
    local line
    line=$(node "$here/chatcluster.mjs" "$2" "$3" 10 10 500 16 | grep '^RESULT' || true)
    echo "chat $1 $line"
}
echo "chat: 10 senders x 500 messages, 10 readers, one room; every reader's copy counted"
for r in $(seq "$repeat"); do
    chat single "$single" "$single"
    chat cluster "$a" "$b"
done
