// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clusterengine_p.h"

#include "busenvelope_p.h"
#include "clusterscripts_p.h"
#include "logging_p.h"
#include "redisconnection_p.h"

#include <QDateTime>
#include <QPointer>
#include <QRandomGenerator>

#include <algorithm>

namespace WsPlug::Internal {

using namespace ClusterScripts;

namespace {
constexpr int MinBackoffMs = 100;
constexpr int MaxBackoffMs = 5000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

ClusterEngine::ClusterEngine(const Options &options, QObject *parent)
    : QObject(parent),
      m_options(options),
      // Pub/sub ignores SELECT: the database goes into the channel name, so clusters on
      // two databases of one Redis never hear each other.
      m_pubsubPrefix("wsplug:" + QByteArray::number(options.redis ? options.redis->db : 0) + ':'),
      m_local(QString::fromLatin1(newEpoch()), 10000),
      m_nodes(options.nodeId, 3 * options.leaseTtlMs),
      // Outside the channels' prefix, so no plugin channel can be it.
      m_barrierChannel("wsplug-barrier:" + options.nodeId + ':' + newEpoch())
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ClusterEngine::connectNow);
    connect(&m_leaseTimer, &QTimer::timeout, this, &ClusterEngine::onLeaseTick);
    if (isClustered()) {
        m_commands = new RedisConnection(QStringLiteral("commands"), this);
        m_pubsub = new RedisConnection(QStringLiteral("pubsub"), this);
        for (RedisConnection *c : {m_commands, m_pubsub}) {
            connect(c, &RedisConnection::connected, this, &ClusterEngine::onConnectionUp);
            connect(c, &RedisConnection::disconnected, this, &ClusterEngine::onConnectionLost);
        }
        m_pubsub->setPushHandler([this](const QByteArray &kind, const QByteArray &channel, const QByteArray &payload) {
            if (channel == m_barrierChannel) {
                if (kind == "subscribe")
                    onBarrierConfirmed();
                return;
            }
            if (!channel.startsWith(m_pubsubPrefix))
                return;
            const QByteArray name = channel.mid(m_pubsubPrefix.size());
            if (kind == "subscribe") {
                const auto it = m_channels.find(name);
                if (it == m_channels.end())
                    return;
                it->confirmed = true;
                const auto waiting = std::exchange(it->afterConfirm, {});
                if (!it->epoch.isEmpty())
                    recover(name);
                for (const auto &call : waiting)
                    call();
                return;
            }
            onPush(name, payload);
        });
    }
}

ClusterEngine::~ClusterEngine()
{
    // Leases still held expire in Redis after leaseTtlMs: a release sent now would
    // die with the connection before it is written.
    m_leases.clear();
    m_subscriptions.clear();
    // Closed before the members their handlers use go: no handler runs after this.
    if (m_commands)
        m_commands->close();
    if (m_pubsub)
        m_pubsub->close();
}

void ClusterEngine::start()
{
    if (!isClustered())
        return;
    qCInfo(lcHost).noquote() << "cluster: node" << m_options.nodeId << "connecting to" << m_options.redis->toString();
    m_leaseTimer.start(std::max(100, m_options.leaseTtlMs / 3));
    connectNow();
}

QByteArray ClusterEngine::newEpoch() const
{
    const quint64 r = QRandomGenerator::global()->generate64();
    return QByteArray::number(r, 16).rightJustified(16, '0');
}

void ClusterEngine::later(std::function<void()> call)
{
    QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection);
}

void ClusterEngine::connectNow()
{
    m_connecting = true;
    m_commands->open(*m_options.redis, m_options.timeoutMs);
    m_pubsub->open(*m_options.redis, m_options.timeoutMs);
}

void ClusterEngine::onConnectionUp()
{
    if (m_connecting && m_commands->isConnected() && m_pubsub->isConnected()) {
        m_connecting = false;
        checkEpoch();
    }
}

void ClusterEngine::onConnectionLost(const QString &why)
{
    m_connecting = false;
    // Both go together; what either had in flight is failed, never left unanswered.
    m_commands->abort();
    m_pubsub->abort();
    m_lastError = why;
    for (Channel &c : m_channels) {
        c.recovering = false;
        c.held.clear();
        c.confirmed = false;
        // They would wait for a confirmation that may never come: answered now.
        const auto waiting = std::exchange(c.afterConfirm, {});
        for (const auto &call : waiting)
            later(call);
    }
    m_barrierInFlight = false;
    for (auto *calls : {&m_barrierSent, &m_barrierNext}) {
        for (const auto &call : std::exchange(*calls, {}))
            later(call);
    }
    if (m_up) {
        m_up = false;
        qCWarning(lcHost).noquote() << "cluster down:" << why << "- local delivery goes on, up to"
                                    << m_options.maxQueued << "publishes are queued; reconnecting";
        Q_EMIT upChanged(false);
    }
    if (!m_reconnectTimer.isActive()) {
        m_backoffMs = std::clamp(m_backoffMs * 2, MinBackoffMs, MaxBackoffMs);
        // Jitter, so that hosts that lost Redis together do not return in lockstep.
        const int delay = m_backoffMs / 2 + int(QRandomGenerator::global()->bounded(m_backoffMs / 2 + 1));
        ++m_counters.reconnects;
        m_reconnectTimer.start(delay);
    }
}

void ClusterEngine::checkEpoch()
{
    const bool sent = m_commands->command({"EVAL", EpochScript, "1", "wsplug:epoch", newEpoch()},
                                          [this](const RedisReply &reply) {
        if (reply.isError() || reply.text().isEmpty()) {
            onConnectionLost(QStringLiteral("epoch check failed: %1").arg(QString::fromUtf8(reply.string)));
            return;
        }
        const QByteArray epoch = reply.text();
        if (!m_clusterEpoch.isEmpty() && epoch != m_clusterEpoch) {
            ++m_counters.epochLosses;
            qCWarning(lcHost).noquote() << "cluster: Redis came back empty (epoch" << m_clusterEpoch << "->" << epoch
                                        << "); history from before is gone";
            for (Channel &c : m_channels) {
                c.epoch.clear();
                c.offset = 0;
            }
            m_clusterEpoch = epoch;
            becomeUp();
            Q_EMIT epochLost();
            return;
        }
        m_clusterEpoch = epoch;
        becomeUp();
    });
    if (!sent)
        onConnectionLost(QStringLiteral("cannot send to Redis"));
}

void ClusterEngine::becomeUp()
{
    m_up = true;
    m_backoffMs = 0;
    m_lastError.clear();
    qCInfo(lcHost).noquote() << "cluster up: node" << m_options.nodeId << "on" << m_options.redis->toString()
                             << "epoch" << m_clusterEpoch;
    // Subscribed again; what was missed is read once each confirmation is in (the push handler).
    for (auto it = m_channels.cbegin(); it != m_channels.cend(); ++it)
        m_pubsub->subscribe(m_pubsubPrefix + it.key());
    // Queued while away, in order; already delivered here, so marked for the others only.
    std::deque<Queued> queue = std::exchange(m_queue, {});
    for (Queued &q : queue) {
        sendPublish(q.channel, q.data, q.options, true, [this](const BusPublishResult &r) {
            if (!r.ok) {
                ++m_counters.dropped;
                qCWarning(lcHost).noquote() << "cluster: a queued publish was lost:" << r.error;
            }
        });
    }
    Q_EMIT upChanged(true);
}

void ClusterEngine::recover(const QByteArray &name)
{
    Channel &c = m_channels[name];
    c.recovering = true;
    readHistory(name, c.epoch, c.offset, m_options.maxHistorySize, [this, name](const BusHistory &h) {
        const auto it = m_channels.find(name);
        if (it == m_channels.end())
            return;
        if (h.ok && h.reachesBack) {
            for (const BusMessage &m : h.messages) {
                // readHistory() marks the messages this host queued (and delivered
                // then) with a null channel: they only move the position on.
                if (m.channel.isNull()) {
                    if (auto c = m_channels.find(name); c != m_channels.end() && m.epoch == c->epoch && m.offset > c->offset)
                        c->offset = m.offset;
                    continue;
                }
                deliver(name, m);
            }
        } else if (h.ok && h.topOffset != 0) {
            ++m_counters.notRecovered;
            qCWarning(lcHost).noquote() << "cluster: channel" << name
                                        << "- messages missed while Redis was away are no longer in its history";
        }
        const auto again = m_channels.find(name);
        if (again == m_channels.end())
            return;
        again->recovering = false;
        const QList<BusMessage> held = std::exchange(again->held, {});
        for (const BusMessage &m : held)
            deliver(name, m);
    });
}

void ClusterEngine::onPush(const QByteArray &channel, const QByteArray &payload)
{
    const auto it = m_channels.find(channel);
    if (it == m_channels.end())
        return;   // unsubscribed meanwhile
    const std::optional<BusEnvelope> e = BusEnvelope::decode(payload);
    if (!e) {
        qCWarning(lcHost).noquote() << "cluster: ignored a malformed message on" << channel;
        return;
    }
    BusMessage m{QString::fromUtf8(channel), e->data, QString::fromLatin1(e->epoch), e->offset};
    if (e->deliveredLocally && e->node == m_options.nodeId) {
        // Delivered here when it was queued: only its position counts now.
        if (m.epoch != it->epoch || m.offset > it->offset) {
            it->epoch = m.epoch;
            it->offset = m.offset;
        }
        return;
    }
    if (it->recovering) {
        if (it->held.size() >= m_options.maxQueued) {
            it->held.removeFirst();
            ++m_counters.dropped;
        }
        it->held.append(m);
        return;
    }
    deliver(channel, m);
}

void ClusterEngine::deliver(const QByteArray &channel, const BusMessage &message)
{
    auto it = m_channels.find(channel);
    if (it == m_channels.end())
        return;
    if (message.offset != 0) {
        // Once only: recovery and the live stream may both bring a message.
        if (message.epoch == it->epoch && message.offset <= it->offset)
            return;
        it->epoch = message.epoch;
        it->offset = message.offset;
    }
    const QList<quint64> subscribers = it->subscribers;
    QPointer<ClusterEngine> self(this);
    for (quint64 id : subscribers) {
        const auto sub = m_subscriptions.constFind(id);
        if (sub == m_subscriptions.cend())
            continue;   // unsubscribed by an earlier handler
        const MessageHandler handler = sub->second;
        ++m_counters.delivered;
        handler(message);
        if (!self)
            return;
    }
}

quint64 ClusterEngine::subscribe(const QByteArray &channel, MessageHandler handler)
{
    const quint64 id = m_nextId++;
    m_subscriptions.insert(id, {channel, std::move(handler)});
    Channel &c = m_channels[channel];
    c.subscribers.append(id);
    if (c.subscribers.size() == 1 && isClustered() && m_up)
        m_pubsub->subscribe(m_pubsubPrefix + channel);
    return id;
}

void ClusterEngine::unsubscribe(quint64 id)
{
    const auto sub = m_subscriptions.find(id);
    if (sub == m_subscriptions.end())
        return;
    const QByteArray channel = sub->first;
    m_subscriptions.erase(sub);
    const auto it = m_channels.find(channel);
    if (it == m_channels.end())
        return;
    it->subscribers.removeOne(id);
    if (it->subscribers.isEmpty()) {
        const auto waiting = std::exchange(it->afterConfirm, {});
        for (const auto &call : waiting)
            later(call);   // read now: nobody here waits for live messages any more
        m_channels.erase(it);
        if (isClustered() && m_up)
            m_pubsub->unsubscribe(m_pubsubPrefix + channel);
    }
}

void ClusterEngine::publish(const QByteArray &channel, const QByteArray &data, const BusPublishOptions &options,
                            std::function<void(const BusPublishResult &)> done)
{
    auto finish = [this, done](BusPublishResult r) {
        later([done, r] {
            if (done)
                done(r);
        });
    };
    if (!isClustered()) {
        ++m_counters.published;
        const BusMessage m = m_local.append(channel, data, std::min(options.historySize, m_options.maxHistorySize));
        later([this, channel, m] { deliver(channel, m); });
        return finish({true, {}, m.epoch, m.offset});
    }
    if (m_up)
        return sendPublish(channel, data, options, false, std::move(done));
    if (!options.queueWhenDown)
        return finish({false, QStringLiteral("cluster unavailable"), {}, 0});
    if (int(m_queue.size()) >= m_options.maxQueued) {
        // Logged at the first and then every 1000th, so a long outage does not flood the log.
        if (m_counters.dropped++ % 1000 == 0)
            qCWarning(lcHost).noquote() << "cluster: queue full (" << m_options.maxQueued
                                        << "publishes) while Redis is away: refusing; dropped so far"
                                        << m_counters.dropped;
        return finish({false, QStringLiteral("queue full"), {}, 0});
    }
    ++m_counters.published;
    ++m_counters.queued;
    m_queue.push_back({channel, data, options});
    // Unsequenced (offset 0): this host's subscribers get it now.
    later([this, channel, m = BusMessage{QString::fromUtf8(channel), data, QString(), 0}] { deliver(channel, m); });
    finish({true, {}, {}, 0});
}

void ClusterEngine::sendPublish(const QByteArray &channel, const QByteArray &data, const BusPublishOptions &options,
                                bool deliveredLocally, std::function<void(const BusPublishResult &)> done)
{
    const int size = std::clamp(options.historySize, 0, m_options.maxHistorySize);
    const int ttl = options.historyTtlSeconds > 0 ? options.historyTtlSeconds : m_options.defaultTtlSeconds;
    if (!deliveredLocally)
        ++m_counters.published;
    const bool sent = m_commands->command(
            {"EVAL", PublishScript, "2", metaKey(channel), streamKey(channel), m_pubsubPrefix + channel, data,
             BusEnvelope::originHeader(m_options.nodeId, deliveredLocally), QByteArray::number(size),
             QByteArray::number(ttl), newEpoch()},
            [done](const RedisReply &reply) {
                BusPublishResult r;
                if (reply.isError() || reply.elements.size() != 2) {
                    r.error = reply.isError() ? QString::fromUtf8(reply.string) : QStringLiteral("unexpected reply");
                } else {
                    r.ok = true;
                    r.offset = quint64(reply.elements.at(0).integer);
                    r.epoch = QString::fromLatin1(reply.elements.at(1).text());
                }
                if (done)
                    done(r);
            });
    if (!sent) {
        later([done] {
            if (done)
                done({false, QStringLiteral("cluster unavailable"), {}, 0});
        });
    }
}

void ClusterEngine::history(const QByteArray &channel, const QString &epoch, quint64 offset, int limit,
                            std::function<void(const BusHistory &)> done)
{
    limit = std::clamp(limit, 0, m_options.maxHistorySize);
    if (!isClustered()) {
        const BusHistory h = m_local.read(channel, epoch, offset, limit);
        return later([done, h] { done(h); });
    }
    if (!m_up) {
        BusHistory h;
        h.error = QStringLiteral("cluster unavailable");
        return later([done, h] { done(h); });
    }
    // Answered only once the messages published before the read have been delivered.
    auto caughtUp = [this, done = std::move(done)](const BusHistory &h) {
        afterLiveCaughtUp([done, h] { done(h); });
    };
    if (const auto it = m_channels.find(channel); it != m_channels.end() && !it->confirmed) {
        it->afterConfirm.append([this, channel, epoch, offset, limit, done = caughtUp] {
            if (m_up) {
                readHistory(channel, epoch, offset, limit, done);
            } else {
                BusHistory h;
                h.error = QStringLiteral("cluster unavailable");
                done(h);
            }
        });
        return;
    }
    readHistory(channel, epoch, offset, limit, std::move(caughtUp));
}

/*!
    Runs \a call once the live stream has caught up with the moment of this call. A
    history read is answered on the command connection, possibly before messages
    published before it come in on the pub/sub connection; history() waits for those,
    so that a caller sees them first and never gets one both live and from the history
    (a new subscriber asking for a retained message while messages flow).
*/
void ClusterEngine::afterLiveCaughtUp(std::function<void()> call)
{
    if (!m_up)
        return later(std::move(call));   // nothing is live: answered as it is
    m_barrierNext.append(std::move(call));
    if (!m_barrierInFlight)
        sendBarrier();
}

void ClusterEngine::sendBarrier()
{
    m_barrierInFlight = true;
    m_barrierSent = std::exchange(m_barrierNext, {});
    if (!m_pubsub->subscribe(m_barrierChannel))
        onConnectionLost(QStringLiteral("cannot send to Redis"));
}

void ClusterEngine::onBarrierConfirmed()
{
    m_pubsub->unsubscribe(m_barrierChannel);   // confirmed before a next SUBSCRIBE of it
    m_barrierInFlight = false;
    const auto calls = std::exchange(m_barrierSent, {});
    if (!m_barrierNext.isEmpty())
        sendBarrier();
    QPointer<ClusterEngine> self(this);
    for (const auto &call : calls) {
        call();
        if (!self)
            return;
    }
}

void ClusterEngine::readHistory(const QByteArray &channel, const QString &epoch, quint64 offset, int limit,
                                std::function<void(const BusHistory &)> done)
{
    const QByteArray after = epoch.isEmpty() ? QByteArray("-1") : QByteArray::number(offset);
    const bool sent = m_commands->command(
            {"EVAL", HistoryScript, "2", metaKey(channel), streamKey(channel), after, QByteArray::number(limit),
             newEpoch(), QByteArray::number(m_options.defaultTtlSeconds)},
            [done, channel, epoch, offset, ownQueued = BusEnvelope::originHeader(m_options.nodeId, true)](
                    const RedisReply &reply) {
                BusHistory h;
                if (reply.isError() || reply.elements.size() != 3) {
                    h.error = reply.isError() ? QString::fromUtf8(reply.string) : QStringLiteral("unexpected reply");
                    return done(h);
                }
                h.ok = true;
                h.epoch = QString::fromLatin1(reply.elements.at(0).text());
                h.topOffset = reply.elements.at(1).text().toULongLong();
                for (const RedisReply &entry : reply.elements.at(2).elements) {
                    if (entry.elements.size() != 2)
                        continue;
                    BusMessage m;
                    m.channel = QString::fromUtf8(channel);
                    m.epoch = h.epoch;
                    m.offset = entry.elements.at(0).string.split('-').value(0).toULongLong();
                    const QList<RedisReply> &fields = entry.elements.at(1).elements;
                    for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
                        if (fields.at(i).string == "d")
                            m.data = fields.at(i + 1).string;
                        else if (fields.at(i).string == "h" && fields.at(i + 1).string == ownQueued)
                            m.channel = QString();   // see recover()
                    }
                    h.messages.append(m);
                }
                if (epoch.isEmpty()) {
                    std::reverse(h.messages.begin(), h.messages.end());
                    h.reachesBack = true;
                } else {
                    h.reachesBack = ChannelLog::reachesBack(epoch, offset, h.epoch, h.topOffset, h.messages);
                    if (!h.reachesBack)
                        h.messages.clear();
                }
                done(h);
            });
    if (!sent) {
        later([done] {
            BusHistory h;
            h.error = QStringLiteral("cluster unavailable");
            done(h);
        });
    }
}

quint64 ClusterEngine::requestLease(const QByteArray &name, std::function<void(bool held)> changed)
{
    const quint64 id = m_nextId++;
    Lease &l = m_leases[id];
    l.key = "wsplug:lease:" + name;
    l.token = m_options.nodeId + ':' + newEpoch();
    l.changed = std::move(changed);
    if (!isClustered())
        later([this, id] { setLeaseHeld(id, true); });
    else
        later([this] { onLeaseTick(); });
    return id;
}

void ClusterEngine::releaseLease(quint64 id)
{
    const auto it = m_leases.find(id);
    if (it == m_leases.end())
        return;
    if (it->second.held && m_up)
        m_commands->command({"EVAL", ReleaseScript, "1", it->second.key, it->second.token}, {});
    m_leases.erase(it);
}

void ClusterEngine::setLeaseHeld(quint64 id, bool held)
{
    const auto it = m_leases.find(id);
    if (it == m_leases.end() || it->second.held == held)
        return;
    it->second.held = held;
    const auto changed = it->second.changed;   // it may release the lease
    if (changed)
        changed(held);
}

/*!
    Holds or takes each lease. A lease counts as held until its last renewal plus
    its time to live, Redis or not: the other hosts see it expire then, too.
*/
void ClusterEngine::onLeaseTick()
{
    if (!isClustered())
        return;
    if (m_up)
        m_nodes.refresh(m_commands, m_options.figures ? m_options.figures() : ClusterNodes::Figures());   // for the admin channel
    const qint64 now = nowMs();
    QList<quint64> ids;
    for (const auto &[id, lease] : m_leases)
        ids.append(id);
    for (quint64 id : ids) {
        auto it = m_leases.find(id);
        if (it != m_leases.end() && it->second.held && now > it->second.heldUntil)
            setLeaseHeld(id, false);
        it = m_leases.find(id);
        if (it == m_leases.end() || !m_up || it->second.busy)
            continue;
        Lease &l = it->second;
        l.busy = true;
        const QByteArray ttl = QByteArray::number(m_options.leaseTtlMs);
        const QList<QByteArray> argv = l.held ? QList<QByteArray>{"EVAL", RenewScript, "1", l.key, l.token, ttl}
                                              : QList<QByteArray>{"SET", l.key, l.token, "NX", "PX", ttl};
        m_commands->command(argv, [this, id, now](const RedisReply &reply) {
            const auto lease = m_leases.find(id);
            if (lease == m_leases.end())
                return;
            lease->second.busy = false;
            if (reply.isError())
                return;   // unknown: held until it would have expired
            const bool ok = reply.type == RedisReply::Type::Status || reply.integer == 1;
            if (ok)
                lease->second.heldUntil = now + m_options.leaseTtlMs;
            setLeaseHeld(id, ok);
        });
    }
}

} // namespace WsPlug::Internal
