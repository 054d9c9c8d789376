// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "httpendpoints_p.h"

#include "requesthead_p.h"

#include <QFile>

#include <QDateTime>

namespace WsPlug::Internal {

namespace {

// Label values are escaped as the exposition format requires: \ " and newline.
QByteArray label(const QString &value)
{
    QByteArray v = value.toUtf8();
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return '"' + v + '"';
}

class Writer
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    }
    void sample(const char *name, const QByteArray &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty())
            m_out += '{' + labels + '}';
        m_out += ' ' + QByteArray::number(value, 'g', 15) + '\n';
    }
    void sample(const char *name, const QByteArray &labels, quint64 value)
    {
        m_out += name;
        if (!labels.isEmpty())
            m_out += '{' + labels + '}';
        m_out += ' ' + QByteArray::number(value) + '\n';
    }
    QByteArray result() const { return m_out; }

private:
    QByteArray m_out;
};

} // namespace

QByteArray renderPrometheus(const HostStats &st)
{
    Writer w;
    w.family("wsplug_up", "gauge", "1 while the host is serving.");
    w.sample("wsplug_up", {}, quint64(1));
    w.family("wsplug_uptime_seconds", "gauge", "Seconds since the host started.");
    w.sample("wsplug_uptime_seconds", {}, double(st.startedAt.msecsTo(QDateTime::currentDateTimeUtc())) / 1000.0);

    w.family("wsplug_connections", "gauge", "Open WebSocket sessions by route.");
    for (const RouteStats &r : st.routes)
        w.sample("wsplug_connections", "route=" + label(r.route) + ",plugin=" + label(r.pluginId), quint64(std::max(0, r.current)));
    w.family("wsplug_pending_handshakes", "gauge", "Connections whose request head is not answered yet.");
    w.sample("wsplug_pending_handshakes", {}, quint64(std::max(0, st.pendingHandshakes)));
    w.family("wsplug_admin_clients", "gauge", "Attached admin channel clients.");
    w.sample("wsplug_admin_clients", {}, quint64(std::max(0, st.adminClients)));

    w.family("wsplug_connections_opened_total", "counter", "Sessions opened, by route.");
    for (const RouteStats &r : st.routes)
        w.sample("wsplug_connections_opened_total", "route=" + label(r.route), r.opened);
    w.family("wsplug_connections_closed_total", "counter", "Sessions closed, by route.");
    for (const RouteStats &r : st.routes)
        w.sample("wsplug_connections_closed_total", "route=" + label(r.route), r.closed);

    w.family("wsplug_messages_total", "counter", "Data messages by route, direction and kind.");
    for (const RouteStats &r : st.routes) {
        for (const auto &[dir, totals] : {std::pair{"in", &r.in}, std::pair{"out", &r.out}}) {
            const QByteArray base = "route=" + label(r.route) + ",direction=\"" + dir + "\",kind=";
            w.sample("wsplug_messages_total", base + "\"text\"", totals->textMessages);
            w.sample("wsplug_messages_total", base + "\"binary\"", totals->binaryMessages);
        }
    }
    w.family("wsplug_frames_total", "counter", "Data frames by route and direction (Qt does not expose control frames).");
    for (const RouteStats &r : st.routes) {
        w.sample("wsplug_frames_total", "route=" + label(r.route) + ",direction=\"in\"", r.in.frames);
        w.sample("wsplug_frames_total", "route=" + label(r.route) + ",direction=\"out\"", r.out.frames);
    }
    w.family("wsplug_bytes_total", "counter", "Message payload bytes by route and direction.");
    for (const RouteStats &r : st.routes) {
        w.sample("wsplug_bytes_total", "route=" + label(r.route) + ",direction=\"in\"", r.in.bytes);
        w.sample("wsplug_bytes_total", "route=" + label(r.route) + ",direction=\"out\"", r.out.bytes);
    }
    w.family("wsplug_control_frames_total", "counter", "Control frames the host can see: its pings, their pongs, closes.");
    w.sample("wsplug_control_frames_total", "kind=\"ping\",direction=\"out\"", st.pingsSent);
    w.sample("wsplug_control_frames_total", "kind=\"pong\",direction=\"in\"", st.pongsReceived);
    w.sample("wsplug_control_frames_total", "kind=\"close\",direction=\"out\"", st.closeFramesSent);
    w.sample("wsplug_control_frames_total", "kind=\"close\",direction=\"in\"", st.closeFramesReceived);

    w.family("wsplug_handshakes_total", "counter", "Upgrade attempts by HTTP status sent (0 = dropped without a response).");
    for (auto it = st.handshakesByStatus.cbegin(); it != st.handshakesByStatus.cend(); ++it)
        w.sample("wsplug_handshakes_total", "status=\"" + QByteArray::number(it.key()) + '"', it.value());
    w.family("wsplug_tls_handshake_failures_total", "counter",
             "Connections to the TLS port that never became a TLS session (failed or timed-out handshakes, plain text).");
    w.sample("wsplug_tls_handshake_failures_total", {}, st.tlsHandshakeFailures);
    w.family("wsplug_closes_total", "counter", "Session ends by close code and cause.");
    for (auto it = st.closesByCodeAndCause.cbegin(); it != st.closesByCodeAndCause.cend(); ++it) {
        const qsizetype slash = it.key().indexOf(QLatin1Char('/'));
        w.sample("wsplug_closes_total", "code=" + label(it.key().left(slash)) + ",cause=" + label(it.key().mid(slash + 1)), it.value());
    }

    w.family("wsplug_ping_rtt_seconds", "histogram", "Round-trip time of the host's heartbeat pings.");
    quint64 cumulative = 0;
    for (int i = 0; i < PingRttBucketCount; ++i) {
        cumulative += st.pingRttBuckets[i];
        const QByteArray le = i < PingRttBucketCount - 1 ? QByteArray::number(PingRttBucketsMs[i] / 1000.0, 'g', 6) : QByteArray("+Inf");
        w.sample("wsplug_ping_rtt_seconds_bucket", "le=\"" + le + '"', cumulative);
    }
    w.sample("wsplug_ping_rtt_seconds_sum", {}, st.pingRttSumMs / 1000.0);
    w.sample("wsplug_ping_rtt_seconds_count", {}, st.pingRttCount);
    return w.result();
}

namespace {
QByteArray withoutBodyIf(bool headOnly, const QByteArray &response)
{
    return headOnly ? withoutBody(response) : response;
}
} // namespace

//! The client page, compiled into the library (qt_add_resources in CMakeLists.txt).
const QByteArray &clientPage()
{
    static const QByteArray page = [] {
        QFile file(QStringLiteral(":/page/index.html"));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    return page;
}

QByteArray renderClusterMetrics(const ClusterMetrics &m)
{
    QByteArray out;
    auto metric = [&out](const char *name, const char *type, const char *help, quint64 value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' + name + ' '
             + QByteArray::number(value) + '\n';
    };
    metric("wsplug_cluster_enabled", "gauge", "1 if this host is part of a cluster (--redis).", m.clustered ? 1 : 0);
    metric("wsplug_cluster_up", "gauge", "1 if this host reaches the cluster's Redis (always 1 without a cluster).",
           m.up ? 1 : 0);
    metric("wsplug_cluster_queue_length", "gauge", "Publishes waiting for Redis to come back.", quint64(m.queued));
    metric("wsplug_cluster_published_total", "counter", "Bus publishes accepted.", m.published);
    metric("wsplug_cluster_delivered_total", "counter", "Bus messages handed to subscriptions on this host.",
           m.delivered);
    metric("wsplug_cluster_queued_total", "counter", "Publishes queued while Redis was away.", m.queuedTotal);
    metric("wsplug_cluster_dropped_total", "counter",
           "Publishes refused (queue full) or lost on their way to Redis.", m.dropped);
    metric("wsplug_cluster_reconnects_total", "counter", "Reconnect attempts to Redis.", m.reconnects);
    metric("wsplug_cluster_epoch_losses_total", "counter", "Times Redis came back empty (a new epoch).",
           m.epochLosses);
    metric("wsplug_cluster_unrecovered_total", "counter",
           "Channels whose messages missed while Redis was away were no longer in history.", m.notRecovered);
    return out;
}

bool isHttpEndpoint(const RequestHead &head, const EndpointState &state)
{
    if (head.isWebSocketUpgrade())
        return false;
    const QByteArray path = head.path();
    return (state.metrics && (path == "/metrics" || path == "/healthz" || path == "/readyz"))
        || (state.page && path == "/");
}

QByteArray httpEndpointResponse(const RequestHead &head, const EndpointState &state)
{
    const bool headOnly = head.method() == "HEAD";
    if (head.method() != "GET" && !headOnly) {
        return refusalResponse(405, head.method() + " is not served here; use GET or HEAD", "GET, HEAD");
    }
    QByteArray body;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray headers = "Cache-Control: no-store\r\n";
    int status = 200;
    if (head.path() == "/") {
        body = clientPage();
        contentType = "text/html; charset=utf-8";
        // The page runs its own inline script and talks to WebSockets, and to this host
        // itself for its "polling only" switch (Engine.IO, docs/fallback.md).
        headers += "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; connect-src ws: wss: 'self'; base-uri 'none'; form-action 'none'\r\n"
                   "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n";
    } else if (head.path() == "/metrics") {
        body = renderPrometheus(state.stats()) + state.extraMetrics;
        contentType = "text/plain; version=0.0.4; charset=utf-8";
    } else if (head.path() == "/healthz") {
        body = "ok\n";
    } else {
        status = state.ready ? 200 : 503;
        body = state.ready ? QByteArray("ready\n") : state.notReadyReason + '\n';
    }
    const QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' '
         + (status == 200 ? QByteArray("OK") : httpReasonPhrase(status))
         + "\r\nContent-Type: " + contentType
         + "\r\nContent-Length: " + QByteArray::number(body.size())
         + "\r\n" + headers + "Connection: close\r\n\r\n" + body;
    return withoutBodyIf(headOnly, response);
}

} // namespace WsPlug::Internal
