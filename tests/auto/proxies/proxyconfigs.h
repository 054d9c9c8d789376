// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

// The nginx and haproxy configurations the test runs, as docs/deployment.md shows them,
// with the test's ports, files and short timeouts filled in.
struct ProxyPorts
{
    quint16 plain = 0;        // ws:// at the proxy -> the host with heartbeats
    quint16 noHeartbeat = 0;  // ws:// at the proxy -> the host without heartbeats
    quint16 tls = 0;          // wss:// terminated at the proxy -> the host with heartbeats
    quint16 passthrough = 0;  // TCP passthrough -> the host that speaks TLS itself
};

struct ProxyUpstreams
{
    quint16 heartbeat = 0;
    quint16 noHeartbeat = 0;
    quint16 tlsHost = 0;
};

//! nginx.conf for `nginx -p DIR -c nginx.conf -e error.log`: one process in the foreground.
QByteArray nginxConfig(const QString &dir, const ProxyPorts &ports, const ProxyUpstreams &up,
                       const QString &certFile, const QString &keyFile, int idleTimeoutMs);

//! haproxy.cfg for `haproxy -db -f haproxy.cfg`; \a pemFile holds certificate and key.
QByteArray haproxyConfig(const ProxyPorts &ports, const ProxyUpstreams &up, const QString &pemFile, int idleTimeoutMs);
