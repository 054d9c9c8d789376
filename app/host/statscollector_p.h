// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>

#include "session_p.h"

#include <QHash>

#include <deque>
#include <map>

namespace WsPlug::Internal {

//! Wall clock for a session's last activity, in ms since the epoch: the kernel's coarse
//! clock (a few ms behind at most), read per message at a tenth of the precise one's cost.
qint64 activityClockMs();

/*
 * Everything the host counts: totals, per route and per session, and the rate
 * history. Counting is plain increments on the data path; rates are computed once
 * per stats tick. No I/O.
 */
class StatsCollector
{
public:
    //! Starts afresh: zero counters, one entry per declared route, at most
    //! \a historySamples rate samples kept.
    void reset(const QList<std::pair<QString, QString>> &routesAndPlugins, size_t historySamples);

    //! The aggregate of \a route (created if new); the pointer stays valid until reset().
    RouteStats *route(const QString &route, const QString &pluginId);

    void countOpened(Session *s);
    void countClosed(const Session *s);
    //! Frames and bytes the client sent, as on the wire.
    void countReceivedFrames(Session *s, const SessionTransport::Received &wire);
    //! A message, with the frames and bytes the client sent since the last count (\a wire).
    //! \a nowMs: activityClockMs(); a session's last activity never goes back.
    void countReceivedMessage(Session *s, const SessionTransport::Received &wire, bool text, qint64 nowMs);
    void countSent(Session *s, int frames, qint64 payloadBytes, bool text, qint64 nowMs);
    void countPingSent() { ++m_totals.pingsSent; }
    void countPong(qint64 roundTripMs);
    void countCloseFrameSent() { ++m_totals.closeFramesSent; }
    void countCloseFrameReceived() { ++m_totals.closeFramesReceived; }
    void countHandshake(int status) { ++m_totals.handshakesByStatus[status]; }
    void countHttpRequest() { ++m_totals.httpRequests; }
    void countTlsFailure() { ++m_totals.tlsHandshakeFailures; }

    //! Every counter now, with the gauges the host knows.
    HostStats current(int sessions, int pendingHandshakes, int adminClients) const;
    //! One rate sample at \a nowMs (ms since the epoch), averaged over the last second;
    //! kept in the history.
    RateSample sample(qint64 nowMs, int connections);
    const std::deque<RateSample> &history() const { return m_history; }
    QDateTime startedAt() const { return m_totals.startedAt; }

private:
    struct TotalsMark
    {
        qint64 timeMs = 0;
        DirectionTotals in;
        DirectionTotals out;
        QHash<QString, std::pair<quint64, quint64>> routeMessages;   // route -> messages in, out
    };

    HostStats m_totals;                          // .routes is filled by current()
    std::map<QString, RouteStats> m_routes;      // nodes are stable for Session::routeStats
    std::deque<RateSample> m_history;
    size_t m_historySamples = 1;
    std::deque<TotalsMark> m_recent;             // the last second of totals, for rates
};

} // namespace WsPlug::Internal
