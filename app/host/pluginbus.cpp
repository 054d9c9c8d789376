// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pluginbus_p.h"

#include "clusterengine_p.h"

#include <QPointer>

#include <memory>

namespace WsPlug::Internal {

PluginBus::PluginBus(ClusterEngine *engine, const QString &pluginId, const QLoggingCategory &logging,
                     std::function<void(std::function<void()>)> guard)
    : m_engine(engine), m_prefix(pluginId.toUtf8() + ':'), m_logging(logging), m_guard(std::move(guard))
{
    connect(m_engine, &ClusterEngine::epochLost, this, [this] {
        const auto handlers = m_epochLost;
        for (const auto &lost : handlers)
            call(lost);
    });
}

PluginBus::~PluginBus()
{
    for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it)
        m_engine->unsubscribe(it.key());
    for (auto it = m_leases.cbegin(); it != m_leases.cend(); ++it)
        m_engine->releaseLease(it.key());
}

void PluginBus::call(const std::function<void()> &callback)
{
    try {
        if (m_guard)
            m_guard(callback);
        else
            callback();
    } catch (const std::exception &e) {
        qCWarning(m_logging).noquote() << "cluster bus callback threw:" << QString::fromLocal8Bit(e.what());
    } catch (...) {
        qCWarning(m_logging).noquote() << "cluster bus callback threw an unknown exception";
    }
}

quint64 PluginBus::subscribe(const QString &channel, MessageHandler handler)
{
    auto id = std::make_shared<quint64>(0);
    // `this` is safe: the subscription ends in the destructor at the latest.
    *id = m_engine->subscribe(scoped(channel), [this, id, channel](const BusMessage &m) {
        const MessageHandler handler = m_subscriptions.value(*id);
        if (!handler)
            return;
        BusMessage local = m;
        local.channel = channel;   // the plugin's name for it, without the scope (shared, no copy)
        call([&] { handler(local); });
    });
    m_subscriptions.insert(*id, std::move(handler));
    return *id;
}

void PluginBus::unsubscribe(quint64 subscription)
{
    if (m_subscriptions.remove(subscription))
        m_engine->unsubscribe(subscription);
}

void PluginBus::publish(const QString &channel, const QByteArray &data, const BusPublishOptions &options,
                        std::function<void(const BusPublishResult &)> done)
{
    const quint64 call = m_nextCall++;
    if (done)
        m_publishes.insert(call, std::move(done));
    m_engine->publish(scoped(channel), data, options, [self = QPointer<PluginBus>(this), call](const BusPublishResult &r) {
        if (!self)
            return;
        const auto done = self->m_publishes.take(call);
        if (done)
            self->call([&] { done(r); });
    });
}

void PluginBus::history(const QString &channel, const QString &epoch, quint64 offset, int limit,
                        std::function<void(const BusHistory &)> done)
{
    const quint64 call = m_nextCall++;
    m_histories.insert(call, std::move(done));
    m_engine->history(scoped(channel), epoch, offset, limit,
                      [self = QPointer<PluginBus>(this), call, channel](const BusHistory &h) {
        if (!self)
            return;
        const auto done = self->m_histories.take(call);
        if (!done)
            return;
        BusHistory local = h;
        for (BusMessage &m : local.messages)
            m.channel = channel;
        self->call([&] { done(local); });
    });
}

void PluginBus::requestLease(const QString &name, std::function<void(bool held)> changed)
{
    auto id = std::make_shared<quint64>(0);
    // `this` is safe: the lease is released in the destructor.
    *id = m_engine->requestLease(scoped(name), [this, id](bool held) {
        const auto changed = m_leases.value(*id);
        if (changed)
            call([&] { changed(held); });
    });
    m_leases.insert(*id, std::move(changed));
}

bool PluginBus::isUp() const
{
    return m_engine->isUp();
}

bool PluginBus::isClustered() const
{
    return m_engine->isClustered();
}

QString PluginBus::nodeId() const
{
    return QString::fromUtf8(m_engine->nodeId());
}

void PluginBus::onEpochLost(std::function<void()> lost)
{
    m_epochLost.append(std::move(lost));
}

} // namespace WsPlug::Internal
