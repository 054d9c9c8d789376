// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clusternodes_p.h"

#include "redisconnection_p.h"

#include <algorithm>
#include <cmath>

namespace WsPlug::Internal {

namespace {
// KEYS: the set, the hash of stamps. ARGV: this node, the time to live in ms, its
// stamp. Returns the nodes and their stamps, alternating.
const QByteArray StampScript = R"(
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('hset', KEYS[2], ARGV[1], ARGV[3])
for _, gone in ipairs(redis.call('zrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))) do
  redis.call('hdel', KEYS[2], gone)
end
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local out = {}
for _, node in ipairs(redis.call('zrange', KEYS[1], 0, -1)) do
  table.insert(out, node)
  table.insert(out, redis.call('hget', KEYS[2], node) or '0')
end
return out
)";
// Listed, not trusted: a set someone filled with junk shows no more than this.
constexpr int MaxNodes = 1000;
} // namespace

void ClusterNodes::refresh(RedisConnection *commands, const Figures &mine)
{
    if (m_busy)
        return;
    // `this` outlives the connection's handlers: both belong to the engine, which closes
    // its connections (dropping their handlers) before its members go.
    m_busy = commands->command({"EVAL", StampScript, "2", "wsplug:nodes", "wsplug:nodestats", m_nodeId,
                                QByteArray::number(m_ttlMs), encode(mine)},
                               [this](const RedisReply &reply) {
        m_busy = false;
        if (reply.type != RedisReply::Type::Array)
            return;
        QStringList nodes;
        Figures total;
        for (qsizetype i = 0; i + 1 < reply.elements.size() && nodes.size() < MaxNodes; i += 2) {
            nodes.append(QString::fromUtf8(reply.elements.at(i).string));
            add(&total, decode(reply.elements.at(i + 1).string));
        }
        std::sort(nodes.begin(), nodes.end());
        m_nodes = nodes;
        m_total = total;
    });
}

QByteArray ClusterNodes::encode(const Figures &f)
{
    const Protocol::ClusterTraffic &t = f.traffic;
    return QByteArray::number(f.sessions) + ' ' + QByteArray::number(t.messagesIn) + ' '
            + QByteArray::number(t.messagesOut) + ' ' + QByteArray::number(t.bytesIn) + ' '
            + QByteArray::number(t.bytesOut) + ' ' + QByteArray::number(t.messagesInPerSecond) + ' '
            + QByteArray::number(t.messagesOutPerSecond) + ' ' + QByteArray::number(t.bytesInPerSecond) + ' '
            + QByteArray::number(t.bytesOutPerSecond);
}

ClusterNodes::Figures ClusterNodes::decode(const QByteArray &stamp)
{
    const QList<QByteArray> parts = stamp.split(' ');
    const auto count = [&parts](qsizetype i) -> quint64 {
        bool ok = false;
        const qlonglong v = i < parts.size() ? parts.at(i).toLongLong(&ok) : 0;
        return ok && v > 0 ? quint64(v) : 0;
    };
    const auto rate = [&parts](qsizetype i) {
        bool ok = false;
        const double v = i < parts.size() ? parts.at(i).toDouble(&ok) : 0;
        return ok && std::isfinite(v) && v > 0 ? v : 0.0;
    };
    Figures f;
    f.sessions = qint64(count(0));
    f.traffic = {count(1), count(2), count(3), count(4), rate(5), rate(6), rate(7), rate(8)};
    return f;
}

void ClusterNodes::add(Figures *total, const Figures &f)
{
    Protocol::ClusterTraffic &t = total->traffic;
    total->sessions += f.sessions;
    t.messagesIn += f.traffic.messagesIn;
    t.messagesOut += f.traffic.messagesOut;
    t.bytesIn += f.traffic.bytesIn;
    t.bytesOut += f.traffic.bytesOut;
    t.messagesInPerSecond += f.traffic.messagesInPerSecond;
    t.messagesOutPerSecond += f.traffic.messagesOutPerSecond;
    t.bytesInPerSecond += f.traffic.bytesInPerSecond;
    t.bytesOutPerSecond += f.traffic.bytesOutPerSecond;
}

} // namespace WsPlug::Internal
