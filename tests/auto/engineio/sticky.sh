#!/bin/sh
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# The sticky-session settings of docs/fallback.md, checked: two wsplug-host processes behind
# haproxy (balance source) and nginx (ip_hash), and, as the control, haproxy round-robin
# without stickiness, which must break polling. Needs haproxy, nginx and node with
# tests/browser's packages (tests/run-all.sh installs them); CTest runs it as
# "engineio_sticky", on free loopback ports, stopping what it started by PID.
#   tests/auto/engineio/sticky.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# Free loopback ports: the hosts take one each (--port 0, read back from their first
# line); the front's is one the kernel just handed out and took back.
freeport() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hostport() {   # log file: the port of its "listening on ws://ADDR:PORT" line, waiting for it
    for _ in $(seq 50); do
        p=$(sed -n 's|.*listening on ws://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$1" | head -n 1)
        [ -n "$p" ] && { echo "$p"; return; }
        sleep 0.1
    done
    echo "no listening line in $1" >&2; cat "$1" >&2; exit 1
}
for name in a b; do
    "$build/bin/wsplug-host" --address 127.0.0.1 --port 0 --plugin-dir "$build/plugins" >"$work/host-$name.log" 2>&1 &
    pids="$pids $!"
done
a=$(hostport "$work/host-a.log")
b=$(hostport "$work/host-b.log")
front=$(freeport)

run() {   # name, expected (PASSED or FAILED)
    out=$(node "$here/eioclient.mjs" "${SCENARIO:-upgrade}" $front 2>&1)
    got=FAILED
    echo "$out" | grep -qx PASSED && got=PASSED
    echo "$1: $got (expected $2)"
    [ "$got" = "$2" ] || { status=1; echo "$out" | sed 's/^/    /'; }
}
status=0

cat >"$work/haproxy-source.cfg" <<CFG
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend f
    bind 127.0.0.1:$front
    default_backend wsplug
backend wsplug
    balance source
    hash-type consistent
    server a 127.0.0.1:$a
    server b 127.0.0.1:$b
CFG
sed -e 's/balance source/balance roundrobin/' -e '/hash-type/d' "$work/haproxy-source.cfg" >"$work/haproxy-rr.cfg"

for cfg in source rr; do
    haproxy -f "$work/haproxy-$cfg.cfg" -db >"$work/haproxy-$cfg.log" 2>&1 &
    hp=$!
    pids="$pids $hp"
    sleep 1
    if [ $cfg = source ]; then
        run "haproxy balance source" PASSED
        SCENARIO=polling run "haproxy balance source, polling only" PASSED
    else
        SCENARIO=polling run "haproxy round-robin (no stickiness)" FAILED
    fi
    kill $hp; wait $hp 2>/dev/null
done

mkdir -p "$work/nginx/logs"
# nginx's workers (not root) buffer request bodies there.
chmod 755 "$work" && chmod 1777 "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CFG
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx;
    proxy_temp_path $work/nginx;
    upstream wsplug { ip_hash; server 127.0.0.1:$a; server 127.0.0.1:$b; }
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen 127.0.0.1:$front;
        client_max_body_size 32m;
        location / {
            proxy_pass http://wsplug;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_read_timeout 60s;
            proxy_buffering off;
        }
    }
}
CFG
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
[ -n "${KEEP_LOGS:-}" ] && trap 'for p in $pids; do kill "$p" 2>/dev/null; done; echo "logs in $work"' EXIT
np=$!
pids="$pids $np"
sleep 1
run "nginx ip_hash" PASSED
SCENARIO=polling run "nginx ip_hash, polling only" PASSED
kill $np; wait $np 2>/dev/null
exit $status
