// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/clusterbus.h>

#include <QLoggingCategory>
#include <QObject>
#include <QHash>

namespace WsPlug::Internal {

class ClusterEngine;

/*
 * The ClusterBus one plugin sees: its channels are "<plugin Id>:<channel>" on the
 * engine, so plugins never meet by accident. Every callback the plugin hands over is
 * kept here, and the engine only holds this object's ids for them: deleting it (after
 * the plugin's aboutToShutdown(), before its library is unloaded) destroys them all
 * while their code is still loaded, and nothing queued in the engine can reach the
 * plugin afterwards. Callbacks are guarded like the host's own plugin calls: an
 * exception is logged, never passed on.
 */
class PluginBus final : public QObject, public ClusterBus
{
    Q_OBJECT

public:
    PluginBus(ClusterEngine *engine, const QString &pluginId, const QLoggingCategory &logging,
              std::function<void(std::function<void()>)> guard);
    ~PluginBus() override;

    quint64 subscribe(const QString &channel, MessageHandler handler) override;
    void unsubscribe(quint64 subscription) override;
    void publish(const QString &channel, const QByteArray &data, const BusPublishOptions &options,
                 std::function<void(const BusPublishResult &)> done) override;
    void history(const QString &channel, const QString &epoch, quint64 offset, int limit,
                 std::function<void(const BusHistory &)> done) override;
    void requestLease(const QString &name, std::function<void(bool held)> changed) override;
    bool isUp() const override;
    bool isClustered() const override;
    QString nodeId() const override;
    void onEpochLost(std::function<void()> lost) override;

private:
    QByteArray scoped(const QString &channel) const { return m_prefix + channel.toUtf8(); }
    //! Runs a plugin callback, exceptions caught.
    void call(const std::function<void()> &callback);

    ClusterEngine *const m_engine;
    const QByteArray m_prefix;
    const QLoggingCategory &m_logging;
    const std::function<void(std::function<void()>)> m_guard;
    quint64 m_nextCall = 1;
    QHash<quint64, MessageHandler> m_subscriptions;   // engine subscription id -> handler
    QHash<quint64, std::function<void(bool)>> m_leases;   // engine lease id -> handler
    QHash<quint64, std::function<void(const BusPublishResult &)>> m_publishes;   // awaiting their result
    QHash<quint64, std::function<void(const BusHistory &)>> m_histories;
    QList<std::function<void()>> m_epochLost;
};

} // namespace WsPlug::Internal
