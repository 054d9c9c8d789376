// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/session.h>
#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

#include <iterator>

namespace WsPlug {

//! One upgrade attempt, accepted or refused, exactly as exchanged.
struct HandshakeRecord
{
    enum class Outcome { Upgraded, Refused, Timeout, Dropped };

    quint64 id = 0;
    QDateTime time;               //!< when the TCP connection was accepted (UTC)
    QString peerAddress;
    quint16 peerPort = 0;
    QByteArray request;           //!< the raw request head, byte for byte (what arrived, if incomplete)
    QByteArray response;          //!< the raw response head sent (101 or the refusal), empty if none
    int status = 0;               //!< 101, a 4xx/5xx, or 0 when no response was sent
    Outcome outcome = Outcome::Dropped;
    QString reason;
    qint64 durationMs = 0;        //!< from accept to response (or drop)
    QString path;
    QString pluginId;
    SessionId sessionId = 0;      //!< the session it opened, if upgraded
    bool admin = false;           //!< an admin-channel handshake
};
WSPLUG_EXPORT QString outcomeName(HandshakeRecord::Outcome outcome);

//! Message, frame and byte counts of one direction, summed over sessions.
using DirectionTotals = TrafficCounters;

//! Counters of one route (one plugin route declaration, e.g. "/broadcast/*").
struct RouteStats
{
    QString route;
    QString pluginId;
    int current = 0;
    quint64 opened = 0;
    quint64 closed = 0;
    DirectionTotals in;
    DirectionTotals out;
};

//! Upper bounds (ms) of the ping round-trip histogram buckets; the last bucket is +Inf.
inline constexpr int PingRttBucketsMs[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
inline constexpr int PingRttBucketCount = int(std::size(PingRttBucketsMs)) + 1;

//! Everything the host counts, since it started.
struct HostStats
{
    QDateTime startedAt;
    int currentSessions = 0;
    int pendingHandshakes = 0;
    int adminClients = 0;
    quint64 opened = 0;
    quint64 closed = 0;
    DirectionTotals in;
    DirectionTotals out;
    quint64 pingsSent = 0;        //!< heartbeat pings the host sent
    quint64 pongsReceived = 0;    //!< answers to them (incoming pings are answered inside Qt, unseen)
    quint64 closeFramesSent = 0;  //!< closes the host started (close, shutdown)
    quint64 closeFramesReceived = 0; //!< closes the peer started
    QMap<int, quint64> handshakesByStatus;          //!< 101, 400, 404, ...; 0 = dropped without a response
    QMap<QString, quint64> closesByCodeAndCause;    //!< "1000/client", "1006/kick", ...
    quint64 pingRttBuckets[PingRttBucketCount] = {}; //!< non-cumulative counts per bucket
    quint64 pingRttCount = 0;
    double pingRttSumMs = 0;
    quint64 httpRequests = 0;     //!< /metrics, /healthz, /readyz
    QList<RouteStats> routes;
};

//! Rates over one stats tick, per second.
struct RateSample
{
    struct Route
    {
        int connections = 0;
        double messagesIn = 0;
        double messagesOut = 0;
    };

    qint64 timeMs = 0;            //!< ms since the epoch, end of the interval
    int connections = 0;
    double messagesIn = 0;
    double messagesOut = 0;
    double framesIn = 0;
    double framesOut = 0;
    double bytesIn = 0;
    double bytesOut = 0;
    QMap<QString, Route> routes;  //!< by route
};

} // namespace WsPlug

Q_DECLARE_METATYPE(WsPlug::HandshakeRecord)
Q_DECLARE_METATYPE(WsPlug::RateSample)
