// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QtPlugin>

#include <functional>

namespace WsPlug {

//! One message on a bus channel. \c offset counts the channel's messages from 1 within
//! one \c epoch; offset 0 means "not sequenced" (published while the cluster was away,
//! with BusPublishOptions::queueWhenDown). A new epoch means the history was lost (e.g.
//! Redis restarted empty): offsets of two epochs cannot be compared.
struct BusMessage
{
    QString channel;
    QByteArray data;
    QString epoch;
    quint64 offset = 0;
};

struct BusPublishOptions
{
    //! Messages of the channel kept for history() (1 = keep the last one: "retain");
    //! 0 keeps none. The host caps it (docs/sdk.md).
    int historySize = 0;
    //! How long the channel's history and offset live after its last publish; 0 = the
    //! host's default (a day).
    int historyTtlSeconds = 0;
    //! While the cluster is away: true = delivered on this host at once and queued (bounded)
    //! for the others; false = refused (BusPublishResult::ok false, error "cluster unavailable").
    bool queueWhenDown = true;
};

struct BusPublishResult
{
    bool ok = false;
    QString error;          //!< set when !ok: "cluster unavailable", "queue full", "timeout", ...
    QString epoch;
    quint64 offset = 0;     //!< 0 when queued (not sequenced yet)
};

//! What history() found. \c reachesBack is false when the history no longer covers the
//! asked position (trimmed, expired, or another epoch): recovery is all or nothing.
struct BusHistory
{
    bool ok = false;
    QString error;
    QString epoch;             //!< the channel's current epoch
    quint64 topOffset = 0;     //!< the channel's latest offset
    bool reachesBack = false;
    QList<BusMessage> messages;   //!< oldest first, offsets after the asked one
};

/*
 * The cluster bus a plugin uses to reach the other hosts (SDK 2.1): publish to a
 * channel, subscribe to it, read its history. With --redis every host of the cluster
 * shares the channels; without, the same calls work on this host alone, so a plugin has
 * one code path. Channels are scoped to the plugin (two plugins' "room" never meet).
 *
 * Threading and re-entrancy as for HostContext: call on the host's thread; no callback
 * runs inside one of these calls, every callback comes from the event loop. No callback
 * runs after the plugin's aboutToShutdown() has returned.
 *
 * Delivery: a message published on any host reaches every subscription to the channel
 * on every host once, in the order each host published; the publishing host's own
 * subscriptions included.
 */
class ClusterBus
{
public:
    virtual ~ClusterBus() = default;

    using MessageHandler = std::function<void(const BusMessage &message)>;

    //! Subscribes to \a channel; returns an id for unsubscribe().
    virtual quint64 subscribe(const QString &channel, MessageHandler handler) = 0;
    virtual void unsubscribe(quint64 subscription) = 0;

    virtual void publish(const QString &channel, const QByteArray &data, const BusPublishOptions &options,
                         std::function<void(const BusPublishResult &)> done) = 0;

    //! The channel's messages after \a offset of \a epoch, at most \a limit (oldest
    //! first). An empty \a epoch asks for the last \a limit messages. \a done runs after
    //! every message published before the read has reached this host's subscriptions.
    virtual void history(const QString &channel, const QString &epoch, quint64 offset, int limit,
                         std::function<void(const BusHistory &)> done) = 0;

    //! Asks for the lease \a name: held by one host of the cluster at a time (renewed
    //! while held; taken over within a few seconds when its host dies). \a changed is
    //! called whenever this host gains or loses it. Without a cluster it is always held.
    virtual void requestLease(const QString &name, std::function<void(bool held)> changed) = 0;

    //! Whether this host reaches the cluster (always true without one).
    virtual bool isUp() const = 0;
    //! Whether there is a cluster (--redis) at all.
    virtual bool isClustered() const = 0;
    //! This host's node name (--node-id).
    virtual QString nodeId() const = 0;
    //! Called when the cluster's store was found empty after a restart (a new epoch):
    //! every offset handed out before means nothing now.
    virtual void onEpochLost(std::function<void()> lost) = 0;
};

/*
 * The optional capability a plugin implements to get the cluster bus (SDK 2.1). The
 * host calls setClusterBus() once, before initialize(); the bus stays valid until
 * aboutToShutdown() has returned. Declare it with Q_INTERFACES next to
 * MessageHandlerInterface.
 */
class ClusterClientInterface
{
public:
    virtual ~ClusterClientInterface() = default;
    virtual void setClusterBus(ClusterBus *bus) = 0;
};

} // namespace WsPlug

#define WsPlugClusterClientInterface_iid "org.wsplug.ClusterClient/1"
Q_DECLARE_INTERFACE(WsPlug::ClusterClientInterface, WsPlugClusterClientInterface_iid)
