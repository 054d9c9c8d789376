// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "broadcastplugin.h"

#include "tickermodel.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimer>

namespace WsPlug {

namespace {
// RFC 6455 7.4.1: the message violates the endpoint's policy.
constexpr quint16 policyViolation = 1008;
// RFC 6455 7.4.1 / IANA: try again later.
constexpr quint16 tryAgainLater = 1013;

/*
 * A message on the bus: "t" or "b" (text or binary), the publishing node and session,
 * a newline, the payload unchanged. The node and session let echo=false skip the
 * publisher on its own host.
 */
QByteArray encodeBusData(bool binary, const QByteArray &node, SessionId from, const QByteArray &payload)
{
    return (binary ? QByteArray("b") : QByteArray("t")) + node + ' ' + QByteArray::number(from) + '\n'
         + payload;
}

struct BusData
{
    bool binary = false;
    QByteArray node;
    SessionId from = 0;
    QByteArray payload;
};

bool decodeBusData(const QByteArray &data, BusData *out)
{
    const qsizetype newline = data.indexOf('\n');
    const qsizetype space = data.indexOf(' ');
    if (newline < 2 || space < 1 || space > newline || (data.at(0) != 't' && data.at(0) != 'b'))
        return false;
    out->binary = data.at(0) == 'b';
    out->node = data.mid(1, space - 1);
    out->from = data.mid(space + 1, newline - space - 1).toULongLong();
    out->payload = data.mid(newline + 1);
    return true;
}
} // namespace

// Out of line because TickerModel is incomplete in the header.
BroadcastPlugin::BroadcastPlugin() = default;
BroadcastPlugin::~BroadcastPlugin() = default;

/*!
    Reads and checks the settings and starts the ticker if it is enabled; refuses to
    start on an unknown key or a value of the wrong type or range.
*/
bool BroadcastPlugin::initialize(HostContext *context, QString *errorString)
{
    if (!BroadcastSettings::fromVariantMap(context->settings(), &m_settings, errorString))
        return false;
    if (!m_bus) {
        *errorString = QStringLiteral("this host gives no cluster bus (SDK 2.1 needed)");
        return false;
    }
    if (!m_utf8) {
        *errorString = QStringLiteral("this host gives no UTF-8 text sender (SDK 2.2 needed)");
        return false;
    }
    m_rights = Rights::fromSettings(context->settings());
    m_context = context;
    // Fixed while the plugin runs: worked out once, not per message.
    m_node = m_bus->nodeId().toUtf8();
    // History serves recovery after a Redis outage, which a host alone never has.
    const int history = m_bus->isClustered() ? m_settings.historySize : 0;
    m_publishOptions.historySize = m_settings.retain ? std::max(1, history) : history;
    m_publishOptions.historyTtlSeconds = 3600;
    // While Redis is away this host's subscribers still get it; the others once it is back.
    m_publishOptions.queueWhenDown = true;
    if (m_settings.tickerEnabled) {
        m_ticker = std::make_unique<TickerModel>(m_settings.tickerTopic, m_settings.tickerSymbol,
                                                 m_settings.tickerStartPrice,
                                                 QRandomGenerator::global()->generate());
        m_tickerTimer = new QTimer(this);
        m_tickerTimer->setInterval(m_settings.tickerIntervalMs);
        connect(m_tickerTimer, &QTimer::timeout, this, &BroadcastPlugin::onTickerTimeout);
        // One ticker for the whole cluster: it runs on the host that holds the lease.
        m_bus->requestLease(QStringLiteral("ticker"), [this](bool held) {
            if (!m_tickerTimer)
                return;
            qCInfo(m_context->logging()).noquote() << (held ? "ticker runs on this host" : "ticker stopped here");
            if (held)
                m_tickerTimer->start();
            else
                m_tickerTimer->stop();
        });
    }
    return true;
}

void BroadcastPlugin::sessionOpened(const SessionInfo &session)
{
    Subscription subscription;
    QString why;
    if (!TopicRegistry::topicFromPath(session.path, session.route, m_settings.defaultTopic,
                                      m_settings.maxTopicLength, &subscription.topic, &why)
        || !TopicRegistry::subscribeOnlyFromQuery(session.query, &subscription.subscribeOnly,
                                                  &why)) {
        m_context->closeSession(session.id, policyViolation, why);
        return;
    }
    // The ticker topic carries only the ticker's samples, so a dashboard can trust them.
    if (m_settings.subscribeOnly || (m_ticker && subscription.topic == m_settings.tickerTopic))
        subscription.subscribeOnly = true;
    // Checked once, at the open: a token refreshed later with other roles takes effect
    // on the next connection.
    subscription.mayPublish = m_rights.allows(session, QStringLiteral("publish"));
    m_topics.add(session.id, subscription);
    const QString topic = subscription.topic;
    if (!m_busSubscriptions.contains(topic)) {
        m_busSubscriptions.insert(topic, m_bus->subscribe(topic, [this, topic](const BusMessage &m) {
            onBusMessage(topic, m, false, 0);
        }));
    }
    if (m_settings.retain) {
        m_awaitingRetained[topic].insert(session.id);
        m_bus->history(topic, QString(), 0, 1, [this, topic, id = session.id](const BusHistory &h) {
            if (h.ok && !h.messages.isEmpty())
                onBusMessage(topic, h.messages.constLast(), true, id);
            const auto it = m_awaitingRetained.find(topic);
            if (it != m_awaitingRetained.end() && it->remove(id) && it->isEmpty())
                m_awaitingRetained.erase(it);
        });
    }
}

void BroadcastPlugin::messageReceived(SessionId session, const Message &message)
{
    // Only binary comes here: text goes to utf8TextReceived() (this plugin declares SDK
    // 2.2, so every host that loads it delivers text that way).
    Q_ASSERT(message.isBinary());
    received(session, true, message.data);
}

void BroadcastPlugin::utf8TextReceived(SessionId session, const QByteArray &utf8)
{
    received(session, false, utf8);
}

void BroadcastPlugin::received(SessionId session, bool binary, const QByteArray &payload)
{
    const std::optional<Subscription> subscription = m_topics.find(session);
    if (!subscription)
        return;   // refused in sessionOpened() and closing
    if (subscription->subscribeOnly || !subscription->mayPublish) {
        leave(session);
        m_context->closeSession(session, policyViolation,
                                subscription->subscribeOnly ? QStringLiteral("this connection is subscribe-only")
                                                            : publishRefusal());
        return;
    }

    publish(subscription->topic, session, binary, payload);
}

void BroadcastPlugin::publish(const QString &topic, SessionId from, bool binary, const QByteArray &payload)
{
    m_bus->publish(topic, encodeBusData(binary, m_node, from, payload), m_publishOptions,
                   [this, from](const BusPublishResult &r) {
        if (r.ok)
            return;
        // The queue for an absent Redis is full: tell the publisher rather than lose it quietly.
        if (m_refusedPublishes++ % 1000 == 0)
            qCWarning(m_context->logging()).noquote() << "publish refused:" << r.error << "- total" << m_refusedPublishes;
        if (from && m_topics.find(from)) {
            leave(from);
            m_context->closeSession(from, tryAgainLater, QStringLiteral("cluster unavailable: %1").arg(r.error));
        }
    });
}

/*!
    Hands a bus message to this host's subscribers of \a topic, or (a retained one)
    to \a only, if it still waits for it.
*/
void BroadcastPlugin::onBusMessage(const QString &topic, const BusMessage &m, bool retained, SessionId only)
{
    BusData d;
    if (!decodeBusData(m.data, &d))
        return;
    QList<SessionId> recipients;
    if (retained) {
        if (!m_awaitingRetained.value(topic).contains(only))
            return;
        recipients = {only};
    } else {
        recipients = m_topics.subscribers(topic);
        m_awaitingRetained.remove(topic);   // they have a newer one now
    }
    if (!m_settings.echo && d.node == m_node)
        recipients.removeOne(d.from);
    if (d.binary)
        m_context->broadcastBinary(d.payload, recipients);
    else
        m_utf8->broadcastTextUtf8(d.payload, recipients);   // checked by the publisher's host
}

void BroadcastPlugin::leave(SessionId session)
{
    const std::optional<Subscription> subscription = m_topics.find(session);
    if (!subscription || !m_topics.remove(session))
        return;
    const QString &topic = subscription->topic;
    if (auto it = m_awaitingRetained.find(topic); it != m_awaitingRetained.end() && it->remove(session) && it->isEmpty())
        m_awaitingRetained.erase(it);
    if (m_topics.subscribers(topic).isEmpty())
        m_bus->unsubscribe(m_busSubscriptions.take(topic));
}

QString BroadcastPlugin::publishRefusal() const
{
    const QStringList roles = m_rights.roles(QStringLiteral("publish"));
    return roles.isEmpty() ? QStringLiteral("nobody may publish here")
                           : QStringLiteral("publishing needs the role %1").arg(roles.join(QStringLiteral(" or ")));
}

void BroadcastPlugin::sessionClosed(SessionId session, quint16 closeCode, const QString &reason)
{
    Q_UNUSED(closeCode);
    Q_UNUSED(reason);
    leave(session);
}

void BroadcastPlugin::aboutToShutdown()
{
    delete m_tickerTimer;
    m_tickerTimer = nullptr;
    m_ticker.reset();
    // The bus drops this plugin's subscriptions and lease itself once this returns.
    m_busSubscriptions.clear();
    m_awaitingRetained.clear();
    m_bus = nullptr;
    m_context = nullptr;
}

void BroadcastPlugin::onTickerTimeout()
{
    // The walk advances even with nobody watching, so sequence gaps mean lost time.
    const QString sample = m_ticker->next(QDateTime::currentMSecsSinceEpoch());
    publish(m_settings.tickerTopic, 0, false, sample.toUtf8());
}

} // namespace WsPlug
