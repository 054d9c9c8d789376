// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "statscollector_p.h"

#include <algorithm>

#include <time.h>

namespace WsPlug::Internal {

qint64 activityClockMs()
{
    timespec now;
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

void StatsCollector::reset(const QList<std::pair<QString, QString>> &routesAndPlugins, size_t historySamples)
{
    m_totals = HostStats();
    m_totals.startedAt = QDateTime::currentDateTimeUtc();
    m_routes.clear();
    for (const auto &[routeName, pluginId] : routesAndPlugins)
        route(routeName, pluginId);
    m_history.clear();
    m_recent.clear();
    m_historySamples = std::max<size_t>(historySamples, 1);
}

RouteStats *StatsCollector::route(const QString &route, const QString &pluginId)
{
    RouteStats &rs = m_routes[route];
    rs.route = route;
    rs.pluginId = pluginId;
    return &rs;
}

void StatsCollector::countOpened(Session *s)
{
    ++s->routeStats->current;
    ++s->routeStats->opened;
    ++m_totals.opened;
}

void StatsCollector::countClosed(const Session *s)
{
    ++m_totals.closed;
    ++m_totals.closesByCodeAndCause[QString::number(s->closeCode) + QLatin1Char('/') + closeCauseName(s->closeCause)];
    --s->routeStats->current;
    ++s->routeStats->closed;
}

void StatsCollector::countReceivedFrames(Session *s, const SessionTransport::Received &wire)
{
    for (auto *c : {&s->routeStats->in, &m_totals.in, &s->in}) {
        c->frames += wire.frames;
        c->bytes += wire.bytes;
    }
}

void StatsCollector::countReceivedMessage(Session *s, const SessionTransport::Received &wire, bool text, qint64 nowMs)
{
    for (auto *c : {&s->routeStats->in, &m_totals.in, &s->in}) {
        c->frames += wire.frames;
        c->bytes += wire.bytes;
        ++c->messages;
        ++(text ? c->textMessages : c->binaryMessages);
    }
    s->dirty = true;
    s->lastActivityMs = std::max(s->lastActivityMs, nowMs);
}

void StatsCollector::countSent(Session *s, int frames, qint64 payloadBytes, bool text, qint64 nowMs)
{
    for (auto *c : {&s->routeStats->out, &m_totals.out, &s->out}) {
        ++c->messages;
        ++(text ? c->textMessages : c->binaryMessages);
        c->frames += quint64(frames);
        c->bytes += quint64(payloadBytes);
    }
    s->lastActivityMs = std::max(s->lastActivityMs, nowMs);
    s->dirty = true;
}

void StatsCollector::countPong(qint64 roundTripMs)
{
    ++m_totals.pongsReceived;
    ++m_totals.pingRttBuckets[Protocol::pingRttBucket(roundTripMs)];
    ++m_totals.pingRttCount;
    m_totals.pingRttSumMs += double(roundTripMs);
}

HostStats StatsCollector::current(int sessions, int pendingHandshakes, int adminClients) const
{
    HostStats st = m_totals;
    st.currentSessions = sessions;
    st.pendingHandshakes = pendingHandshakes;
    st.adminClients = adminClients;
    for (const auto &[route, rs] : m_routes)
        st.routes.append(rs);
    return st;
}

RateSample StatsCollector::sample(qint64 now, int connections)
{
    // Rates are averaged over the last second (RateWindowMs), not over one tick: a
    // client that sends every 400 ms would otherwise show as 0, 2.5/s, 0, 5/s...
    constexpr qint64 RateWindowMs = 1000;
    TotalsMark mark;
    mark.timeMs = now;
    mark.in = m_totals.in;
    mark.out = m_totals.out;
    for (const auto &[route, rs] : m_routes)
        mark.routeMessages.insert(route, {rs.in.messages, rs.out.messages});
    m_recent.push_back(mark);
    while (m_recent.size() > 2 && now - m_recent[1].timeMs >= RateWindowMs)
        m_recent.pop_front();
    const TotalsMark &from = m_recent.front();
    const double seconds = std::max<qint64>(1, now - from.timeMs) / 1000.0;
    const bool first = m_recent.size() < 2;

    RateSample sample;
    sample.timeMs = now;
    sample.connections = connections;
    if (!first) {
        sample.messagesIn = double(mark.in.messages - from.in.messages) / seconds;
        sample.messagesOut = double(mark.out.messages - from.out.messages) / seconds;
        sample.framesIn = double(mark.in.frames - from.in.frames) / seconds;
        sample.framesOut = double(mark.out.frames - from.out.frames) / seconds;
        sample.bytesIn = double(mark.in.bytes - from.in.bytes) / seconds;
        sample.bytesOut = double(mark.out.bytes - from.out.bytes) / seconds;
    }
    for (const auto &[route, rs] : m_routes) {
        const auto old = from.routeMessages.value(route, {rs.in.messages, rs.out.messages});
        sample.routes.insert(route, {rs.current, first ? 0.0 : double(rs.in.messages - old.first) / seconds,
                                     first ? 0.0 : double(rs.out.messages - old.second) / seconds});
    }
    m_history.push_back(sample);
    while (m_history.size() > m_historySamples)
        m_history.pop_front();
    return sample;
}

} // namespace WsPlug::Internal
