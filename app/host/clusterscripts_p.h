// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>

// The Lua scripts the cluster bus runs in Redis (clusterengine.cpp): each is one atomic step.
namespace WsPlug::Internal::ClusterScripts {

// KEYS: meta, stream. ARGV: pub/sub channel, data, "NODE FLAGS", history size, ttl,
// an epoch for a channel that has none. A channel without meta starts a new epoch and
// drops any stream left of the old one, whose ids would otherwise collide.
inline const QByteArray PublishScript = R"(
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('hset', KEYS[1], 'e', epoch)
  redis.call('del', KEYS[2])
end
local offset = redis.call('hincrby', KEYS[1], 's', 1)
if tonumber(ARGV[4]) > 0 then
  redis.call('xadd', KEYS[2], 'MAXLEN', ARGV[4], offset .. '-0', 'd', ARGV[2], 'h', ARGV[3])
  redis.call('expire', KEYS[2], ARGV[5])
end
redis.call('expire', KEYS[1], ARGV[5])
redis.call('publish', ARGV[1], offset .. ' ' .. epoch .. ' ' .. ARGV[3] .. '\n' .. ARGV[2])
return {offset, epoch}
)";

// KEYS: meta, stream. ARGV: after this offset ("-1": the last ones), count, a new
// epoch, ttl. A read of a channel without meta gives it an epoch, so that a position
// taken before its first message stays comparable.
inline const QByteArray HistoryScript = R"(
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[3]
  redis.call('hset', KEYS[1], 'e', epoch, 's', 0)
  redis.call('expire', KEYS[1], ARGV[4])
  redis.call('del', KEYS[2])
end
local top = redis.call('hget', KEYS[1], 's') or '0'
local entries
if ARGV[1] == '-1' then
  entries = redis.call('xrevrange', KEYS[2], '+', '-', 'COUNT', ARGV[2])
else
  entries = redis.call('xrange', KEYS[2], '(' .. ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
end
return {epoch, top, entries}
)";

// The cluster's epoch: set once per Redis data set. A different one after a reconnect
// means Redis came back empty.
inline const QByteArray EpochScript = R"(
redis.call('set', KEYS[1], ARGV[1], 'NX')
return redis.call('get', KEYS[1])
)";

inline const QByteArray RenewScript = R"(
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
)";

inline const QByteArray ReleaseScript = R"(
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
)";

} // namespace WsPlug::Internal::ClusterScripts
