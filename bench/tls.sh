#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# ws:// against wss:// on the same wsplug-host build, with the same Qt client
# (wsplug-tlsbench): echo 10 x 32 B, fan-out to 1,000 subscribers, and the server's RSS
# per idle connection; prints each figure for both and the ratio wss/ws. See
# docs/performance.md ("TLS").
#
#   bench/tls.sh [--build DIR] [--short]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build="$(dirname "$here")/build"
secs=3; rounds=200; idle=2000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=${2:?}; shift ;;
        --short) secs=1; rounds=50; idle=1000 ;;
        *) echo "tls.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
host="$build/bin/wsplug-host"; client="$build/bin/wsplug-tlsbench"
for b in "$host" "$client"; do [[ -x "$b" ]] || { echo "tls.sh: $b not built" >&2; exit 2; }; done

work=$(mktemp -d /tmp/wsplug-tlsbench.XXXXXX)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2> /dev/null; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
# A CA and a server certificate made now (the host checks the key belongs to it).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 1 -subj /CN=bench-ca 2> /dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.csr" -subj /CN=localhost 2> /dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 1 -days 1 \
    -extfile "$work/ext" -out "$work/server.pem" 2> /dev/null

pin_server=(); pin_client=()
if [[ $(nproc) -ge 2 ]] && command -v taskset > /dev/null; then pin_server=(taskset -c 0); pin_client=(taskset -c 1); fi

start_host() {   # start_host [extra flags...]: sets pid and port
    "${pin_server[@]}" "$host" --port 0 --log-level warning --max-connections 100000 --max-connections-per-ip 100000 \
        --ping-interval 0 --watch-plugins off "$@" > "$work/host.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        port=$(grep -oE 'listening on wss?://[^ ]+:[0-9]+' "$work/host.log" | grep -oE '[0-9]+$' || true)
        [[ -n "$port" ]] && return 0
        sleep 0.1
    done
    echo "tls.sh: host did not start: $(cat "$work/host.log")" >&2; exit 1
}
stop_host() { kill "$pid"; wait "$pid" 2> /dev/null || true; pid=""; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

declare -A val
for scheme in ws wss; do
    tls=(); [[ $scheme == wss ]] && tls=(--tls-cert "$work/server.pem" --tls-key "$work/server.key")
    start_host "${tls[@]}"
    url="$scheme://localhost:$port"
    r=$("${pin_client[@]}" "$client" --url "$url" --ca "$work/ca.pem" --mode echo --connections 10 --size 32 --duration "$secs")
    echo "  $r" >&2
    val[$scheme.echo]=$(grep -oE 'msgs_per_s=[0-9.]+' <<< "$r" | cut -d= -f2)
    val[$scheme.echop99]=$(grep -oE 'p99_us=[0-9.]+' <<< "$r" | cut -d= -f2)
    r=$("${pin_client[@]}" "$client" --url "$url" --ca "$work/ca.pem" --mode fanout --subscribers 1000 --rounds "$rounds")
    echo "  $r" >&2
    val[$scheme.fanout]=$(grep -oE 'deliveries_per_s=[0-9.]+' <<< "$r" | cut -d= -f2)
    val[$scheme.fanoutp50]=$(grep -oE 'p50_ms=[0-9.]+' <<< "$r" | cut -d= -f2)
    stop_host
    # Fresh host for the memory figure.
    start_host "${tls[@]}"
    url="$scheme://localhost:$port"
    before=$(rss_kib "$pid")
    "${pin_client[@]}" "$client" --url "$url" --ca "$work/ca.pem" --mode idle --connections "$idle" --hold 3 > "$work/idle.out" &
    cpid=$!
    for _ in $(seq 600); do
        grep -q HELD "$work/idle.out" 2> /dev/null && break
        kill -0 "$cpid" 2> /dev/null || { echo "tls.sh: idle client on $url failed: $(cat "$work/idle.out"); host: $(cat "$work/host.log")" >&2; exit 1; }
        sleep 0.1
    done
    sleep 1
    after=$(rss_kib "$pid")
    wait "$cpid" || true
    val[$scheme.rss]=$(awk -v a="$after" -v b="$before" -v n="$idle" 'BEGIN { printf "%.1f", (a - b) / n }')
    stop_host
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '%-34s %12s %12s %8s\n' "figure" "ws://" "wss://" "wss/ws"
printf '%-34s %12s %12s %8s\n' "echo 10 x 32 B, msgs/s" "${val[ws.echo]}" "${val[wss.echo]}" "$(ratio "${val[wss.echo]}" "${val[ws.echo]}")"
printf '%-34s %12s %12s %8s\n' "echo 10 x 32 B, p99 us" "${val[ws.echop99]}" "${val[wss.echop99]}" "$(ratio "${val[wss.echop99]}" "${val[ws.echop99]}")"
printf '%-34s %12s %12s %8s\n' "fan-out to 1,000, deliveries/s" "${val[ws.fanout]}" "${val[wss.fanout]}" "$(ratio "${val[wss.fanout]}" "${val[ws.fanout]}")"
printf '%-34s %12s %12s %8s\n' "fan-out to 1,000, p50 ms" "${val[ws.fanoutp50]}" "${val[wss.fanoutp50]}" "$(ratio "${val[wss.fanoutp50]}" "${val[ws.fanoutp50]}")"
printf '%-34s %12s %12s %8s\n' "server RSS KiB per idle connection" "${val[ws.rss]}" "${val[wss.rss]}" "$(ratio "${val[wss.rss]}" "${val[ws.rss]}")"
