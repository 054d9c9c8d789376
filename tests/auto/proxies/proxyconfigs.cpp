// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "proxyconfigs.h"

namespace {
QByteArray n(quint16 v)
{
    return QByteArray::number(v);
}
} // namespace

QByteArray nginxConfig(const QString &dir, const ProxyPorts &ports, const ProxyUpstreams &up,
                       const QString &certFile, const QString &keyFile, int idleTimeoutMs)
{
    const QByteArray d = dir.toUtf8();
    const QByteArray timeout = n(quint16(idleTimeoutMs)) + "ms";
    // The location every server shares: docs/deployment.md's, with the test's timeout.
    auto location = [&](quint16 upstream) -> QByteArray {
        return "    location / {\n"
               "        proxy_pass http://127.0.0.1:" + n(upstream) + ";\n"
               "        proxy_http_version 1.1;\n"
               "        proxy_set_header Upgrade $http_upgrade;\n"
               "        proxy_set_header Connection $connection_upgrade;\n"
               "        proxy_set_header Host $host;\n"
               "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
               "        proxy_set_header Forwarded \"\";\n"
               "        proxy_set_header X-Forwarded-Proto $scheme;\n"
               "        proxy_read_timeout " + timeout + ";\n"
               "        proxy_send_timeout " + timeout + ";\n"
               "        proxy_buffering off;\n"
               "    }\n";
    };
    // TLS passed through to the host needs the stream module (libnginx-mod-stream).
    return "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
           "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "pid " + d + "/nginx.pid;\nerror_log " + d + "/error.log info;\n"
           "events { worker_connections 128; }\n"
           "http {\n"
           "  access_log off;\n"
           "  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d + "/proxy;\n"
           "  fastcgi_temp_path " + d + "/fastcgi;\n  uwsgi_temp_path " + d + "/uwsgi;\n  scgi_temp_path " + d + "/scgi;\n"
           "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
           "  server {\n    listen 127.0.0.1:" + n(ports.plain) + ";\n" + location(up.heartbeat) + "  }\n"
           "  server {\n    listen 127.0.0.1:" + n(ports.noHeartbeat) + ";\n" + location(up.noHeartbeat) + "  }\n"
           "  server {\n    listen 127.0.0.1:" + n(ports.tls) + " ssl;\n"
           "    ssl_certificate " + certFile.toUtf8() + ";\n    ssl_certificate_key " + keyFile.toUtf8() + ";\n"
           "    ssl_protocols TLSv1.2 TLSv1.3;\n" + location(up.heartbeat) + "  }\n"
           "}\n"
           "stream {\n"
           "  server { listen 127.0.0.1:" + n(ports.passthrough) + "; proxy_pass 127.0.0.1:" + n(up.tlsHost)
           + "; proxy_timeout " + timeout + "; }\n"
           "}\n";
}

QByteArray haproxyConfig(const ProxyPorts &ports, const ProxyUpstreams &up, const QString &pemFile, int idleTimeoutMs)
{
    const QByteArray timeout = n(quint16(idleTimeoutMs)) + "ms";
    return "global\n  maxconn 256\n  ssl-default-bind-options ssl-min-ver TLSv1.2\n"
           "defaults\n  mode http\n  timeout connect 2s\n"
           "  timeout client " + timeout + "\n  timeout server " + timeout + "\n"
           // After the upgrade the connection is a tunnel: this idle timeout applies.
           "  timeout tunnel " + timeout + "\n"
           "frontend ws\n  option forwardfor\n  http-request del-header Forwarded\n  bind 127.0.0.1:" + n(ports.plain) + "\n"
           "  bind 127.0.0.1:" + n(ports.tls) + " ssl crt " + pemFile.toUtf8() + " alpn http/1.1\n"
           "  default_backend host\n"
           "frontend ws_no_heartbeat\n  option forwardfor\n  http-request del-header Forwarded\n  bind 127.0.0.1:" + n(ports.noHeartbeat) + "\n  default_backend host_no_heartbeat\n"
           "backend host\n  server host 127.0.0.1:" + n(up.heartbeat) + "\n"
           "backend host_no_heartbeat\n  server host 127.0.0.1:" + n(up.noHeartbeat) + "\n"
           "frontend tls_passthrough\n  mode tcp\n  bind 127.0.0.1:" + n(ports.passthrough) + "\n"
           "  default_backend host_tls\n"
           "backend host_tls\n  mode tcp\n  server host 127.0.0.1:" + n(up.tlsHost) + "\n";
}
