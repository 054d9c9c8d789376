// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clusternodes_p.h"

#include "redisconnection_p.h"

#include <algorithm>

namespace WsPlug::Internal {

namespace {
// KEYS: the set, the hash of session counts. ARGV: this node, the time to live in ms,
// its sessions. Returns the nodes and their counts, alternating.
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

void ClusterNodes::refresh(RedisConnection *commands, qint64 sessions)
{
    if (m_busy)
        return;
    // `this` outlives the connection's handlers: both belong to the engine, which closes
    // its connections (dropping their handlers) before its members go.
    m_busy = commands->command({"EVAL", StampScript, "2", "wsplug:nodes", "wsplug:nodesessions", m_nodeId,
                                QByteArray::number(m_ttlMs), QByteArray::number(sessions)},
                               [this](const RedisReply &reply) {
        m_busy = false;
        if (reply.type != RedisReply::Type::Array)
            return;
        QStringList nodes;
        qint64 total = 0;
        for (qsizetype i = 0; i + 1 < reply.elements.size() && nodes.size() < MaxNodes; i += 2) {
            nodes.append(QString::fromUtf8(reply.elements.at(i).string));
            total += std::max<qint64>(0, reply.elements.at(i + 1).string.toLongLong());
        }
        std::sort(nodes.begin(), nodes.end());
        m_nodes = nodes;
        m_totalSessions = total;
    });
}

} // namespace WsPlug::Internal
