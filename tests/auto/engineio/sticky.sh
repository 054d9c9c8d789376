#!/bin/sh
# SPDX-FileCopyrightText: 2026 The wsplug authors
# SPDX-License-Identifier: LGPL-3.0-or-later
#
# The sticky-session settings of docs/fallback.md, checked: two wsplug-host processes behind
# haproxy (balance source) and nginx (ip_hash), and, as the control, haproxy round-robin
# without stickiness, which must break polling. Needs haproxy and nginx (Debian 12 packages).
#   tests/auto/engineio/sticky.sh BUILD_DIR
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

a=18801 b=18802 front=18800
for port in $a $b; do
    "$build/bin/wsplug-host" --port $port --plugin-dir "$build/plugins" >"$work/host$port.log" 2>&1 &
    pids="$pids $!"
done
sleep 1

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
sleep 1
run "nginx ip_hash" PASSED
SCENARIO=polling run "nginx ip_hash, polling only" PASSED
kill $np; wait $np 2>/dev/null
exit $status
