// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clusternodes_p.h"

#include "redisconnection_p.h"

#include <algorithm>

namespace WsPlug::Internal {

namespace {
// KEYS: the set. ARGV: this node, the time to live in ms.
const QByteArray StampScript = R"(
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('zrange', KEYS[1], 0, -1)
)";
// Listed, not trusted: a set someone filled with junk shows no more than this.
constexpr int MaxNodes = 1000;
} // namespace

void ClusterNodes::refresh(RedisConnection *commands)
{
    if (m_busy)
        return;
    // `this` outlives the connection's handlers: both belong to the engine, which closes
    // its connections (dropping their handlers) before its members go.
    m_busy = commands->command({"EVAL", StampScript, "1", "wsplug:nodes", m_nodeId, QByteArray::number(m_ttlMs)},
                               [this](const RedisReply &reply) {
        m_busy = false;
        if (reply.type != RedisReply::Type::Array)
            return;
        QStringList nodes;
        for (const RedisReply &e : reply.elements) {
            if (nodes.size() < MaxNodes)
                nodes.append(QString::fromUtf8(e.string));
        }
        std::sort(nodes.begin(), nodes.end());
        m_nodes = nodes;
    });
}

} // namespace WsPlug::Internal
