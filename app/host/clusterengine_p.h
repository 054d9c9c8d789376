// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "channellog_p.h"
#include "clusternodes_p.h"
#include "redisaddress_p.h"

#include <wsplug/sdk/clusterbus.h>

#include <QHash>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace WsPlug::Internal {

class RedisConnection;
struct RedisReply;

/*
 * The host's side of the cluster bus (Centrifugo's Redis engine, in small): per
 * channel one Lua script assigns the next offset, appends to the channel's stream
 * (XADD, MAXLEN, TTL) and PUBLISHes the message tagged with offset and epoch. Two
 * connections: one for commands, one for pub/sub. Without a Redis address the same
 * calls run on this host alone (ChannelLog).
 *
 * While Redis is away: local delivery goes on, publishes are queued (bounded) or
 * refused, and both connections are retried with backoff. Once back: channels are
 * subscribed again and what this host missed is read from history (all or nothing,
 * logged when it no longer reaches back); a store found empty (a new cluster epoch)
 * is reported with epochLost().
 *
 * Every callback comes from the event loop, never from inside a call to this class.
 * Channels here are full names; PluginBus scopes them to a plugin.
 */
class ClusterEngine final : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::optional<RedisAddress> redis;
        QByteArray nodeId;
        int timeoutMs = 2000;          //!< connect and each command
        int maxQueued = 10000;         //!< publishes kept while Redis is away
        int maxHistorySize = 10000;    //!< cap of BusPublishOptions::historySize
        int defaultTtlSeconds = 86400;
        int leaseTtlMs = 3000;
        std::function<ClusterNodes::Figures()> figures;   //!< this host's, for the cluster's totals
    };
    struct Counters
    {
        quint64 published = 0;      //!< accepted by publish()
        quint64 delivered = 0;      //!< handler calls
        quint64 queued = 0;         //!< publishes queued while Redis was away
        quint64 dropped = 0;        //!< refused (queue full) or lost on the way to Redis
        quint64 reconnects = 0;
        quint64 epochLosses = 0;
        quint64 notRecovered = 0;   //!< channels whose missed messages were no longer in history
    };
    using MessageHandler = std::function<void(const BusMessage &)>;

    explicit ClusterEngine(const Options &options, QObject *parent = nullptr);
    ~ClusterEngine() override;

    void start();
    bool isClustered() const { return m_options.redis.has_value(); }
    bool isUp() const { return !isClustered() || m_up; }
    QByteArray nodeId() const { return m_options.nodeId; }
    QString lastError() const { return m_lastError; }
    QString address() const { return m_options.redis ? m_options.redis->toString() : QString(); }
    //! The cluster's nodes seen lately (this one included); empty without a cluster.
    QStringList nodes() const { return m_nodes.nodes(); }
    qint64 clusterSessions() const { return m_nodes.totalSessions(); }
    const Protocol::ClusterTraffic &clusterTraffic() const { return m_nodes.totalTraffic(); }
    int queuedCount() const { return int(m_queue.size()); }
    const Counters &counters() const { return m_counters; }

    quint64 subscribe(const QByteArray &channel, MessageHandler handler);
    void unsubscribe(quint64 id);
    void publish(const QByteArray &channel, const QByteArray &data, const BusPublishOptions &options,
                 std::function<void(const BusPublishResult &)> done);
    void history(const QByteArray &channel, const QString &epoch, quint64 offset, int limit,
                 std::function<void(const BusHistory &)> done);
    quint64 requestLease(const QByteArray &name, std::function<void(bool held)> changed);
    void releaseLease(quint64 id);

Q_SIGNALS:
    void upChanged(bool up);
    void epochLost();

private:
    struct Channel
    {
        QList<quint64> subscribers;
        QString epoch;            // of the last message delivered
        quint64 offset = 0;
        bool recovering = false;  // reading what was missed; live messages wait in `held`
        QList<BusMessage> held;
        bool confirmed = false;   // Redis confirmed the SUBSCRIBE
        //! history() calls made before that: a read before the subscription is live
        //! could miss a message published in between.
        QList<std::function<void()>> afterConfirm;
    };
    struct Queued
    {
        QByteArray channel;
        QByteArray data;
        BusPublishOptions options;
    };
    struct Lease
    {
        QByteArray key;
        QByteArray token;
        std::function<void(bool)> changed;
        bool held = false;
        qint64 heldUntil = 0;
        bool busy = false;
    };

    void connectNow();
    void onConnectionUp();
    void onConnectionLost(const QString &why);
    void checkEpoch();
    void becomeUp();
    void recover(const QByteArray &channel);
    void onPush(const QByteArray &channel, const QByteArray &payload);
    void deliver(const QByteArray &channel, const BusMessage &message);
    void sendPublish(const QByteArray &channel, const QByteArray &data, const BusPublishOptions &options,
                     bool deliveredLocally, std::function<void(const BusPublishResult &)> done);
    void readHistory(const QByteArray &channel, const QString &epoch, quint64 offset, int limit,
                     std::function<void(const BusHistory &)> done);
    //! Runs \a call once every message Redis published before now has been delivered.
    void afterLiveCaughtUp(std::function<void()> call);
    void sendBarrier();
    void onBarrierConfirmed();
    void onLeaseTick();
    void setLeaseHeld(quint64 id, bool held);
    //! Runs \a call from the event loop, if this object still exists then.
    void later(std::function<void()> call);
    QByteArray newEpoch() const;
    static QByteArray metaKey(const QByteArray &channel) { return "wsplug:{" + channel + "}:meta"; }
    static QByteArray streamKey(const QByteArray &channel) { return "wsplug:{" + channel + "}:stream"; }

    const Options m_options;
    const QByteArray m_pubsubPrefix;
    RedisConnection *m_commands = nullptr;
    RedisConnection *m_pubsub = nullptr;
    bool m_up = false;
    bool m_connecting = false;
    int m_backoffMs = 0;
    QTimer m_reconnectTimer;
    QTimer m_leaseTimer;
    QString m_lastError;
    QByteArray m_clusterEpoch;
    ChannelLog m_local;
    ClusterNodes m_nodes;

    quint64 m_nextId = 1;
    QHash<QByteArray, Channel> m_channels;
    /*
     * The pub/sub barrier: Redis confirms a SUBSCRIBE on the pub/sub connection after
     * every message it published before, so the confirmation of a throwaway channel
     * marks "the live stream has caught up to now" (a PING would do, but hiredis 0.14
     * loses its answer in subscribed mode). One in flight at a time; calls made
     * meanwhile wait for the next one, since the one in flight may be older than them.
     */
    const QByteArray m_barrierChannel;
    bool m_barrierInFlight = false;
    QList<std::function<void()>> m_barrierSent;
    QList<std::function<void()>> m_barrierNext;
    QHash<quint64, std::pair<QByteArray, MessageHandler>> m_subscriptions;
    std::deque<Queued> m_queue;
    std::map<quint64, Lease> m_leases;
    Counters m_counters;
};

} // namespace WsPlug::Internal
