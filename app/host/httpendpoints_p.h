// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/wsplug_export.h>

#include <functional>

namespace WsPlug::Internal {

class RequestHead;

//! The Prometheus text exposition (format 0.0.4) of \a stats. No I/O.
WSPLUG_EXPORT QByteArray renderPrometheus(const HostStats &stats);

//! Which of the host's own endpoints are served, and what they report (read only
//! when a request needs it).
struct EndpointState
{
    bool metrics = true;                // /metrics, /healthz, /readyz
    bool page = true;                   // / : the client page (resources/page/index.html)
    std::function<HostStats()> stats;   // for /metrics
    bool ready = false;                 // for /readyz
    QByteArray notReadyReason;
    QByteArray extraMetrics;            // appended to /metrics (the cluster's)
};

//! The cluster bus's state and counters for /metrics.
struct ClusterMetrics
{
    bool clustered = false;
    bool up = true;
    int queued = 0;          // publishes waiting for Redis now
    quint64 published = 0;
    quint64 delivered = 0;
    quint64 queuedTotal = 0;
    quint64 dropped = 0;
    quint64 reconnects = 0;
    quint64 epochLosses = 0;
    quint64 notRecovered = 0;
};
//! The Prometheus text of \a m (wsplug_cluster_*). No I/O.
QByteArray renderClusterMetrics(const ClusterMetrics &m);

//! True if \a head asks for one of the served endpoints, with any method, and is not
//! an upgrade.
bool isHttpEndpoint(const RequestHead &head, const EndpointState &state);

//! The whole HTTP response to \a head (an isHttpEndpoint() request): GET, HEAD (the
//! same head, no body), or 405 with "Allow: GET, HEAD". Always "Connection: close":
//! the host answers one request per connection. No I/O but reading the page from the
//! library's resources.
QByteArray httpEndpointResponse(const RequestHead &head, const EndpointState &state);

} // namespace WsPlug::Internal
