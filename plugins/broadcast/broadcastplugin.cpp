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
    m_rights = Rights::fromSettings(context->settings());
    m_context = context;
    if (m_settings.tickerEnabled) {
        m_ticker = std::make_unique<TickerModel>(m_settings.tickerTopic, m_settings.tickerSymbol,
                                                 m_settings.tickerStartPrice,
                                                 QRandomGenerator::global()->generate());
        m_tickerTimer = new QTimer(this);
        m_tickerTimer->setInterval(m_settings.tickerIntervalMs);
        connect(m_tickerTimer, &QTimer::timeout, this, &BroadcastPlugin::onTickerTimeout);
        m_tickerTimer->start();
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
}

void BroadcastPlugin::messageReceived(SessionId session, const Message &message)
{
    const std::optional<Subscription> subscription = m_topics.find(session);
    if (!subscription)
        return;   // refused in sessionOpened() and closing
    if (subscription->subscribeOnly || !subscription->mayPublish) {
        m_topics.remove(session);
        m_context->closeSession(session, policyViolation,
                                subscription->subscribeOnly ? QStringLiteral("this connection is subscribe-only")
                                                            : publishRefusal());
        return;
    }

    QList<SessionId> recipients = m_topics.subscribers(subscription->topic);
    if (!m_settings.echo)
        recipients.removeOne(session);
    if (message.isText())
        m_context->broadcastText(message.text, recipients);
    else
        m_context->broadcastBinary(message.data, recipients);
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
    m_topics.remove(session);
}

void BroadcastPlugin::aboutToShutdown()
{
    delete m_tickerTimer;
    m_tickerTimer = nullptr;
    m_ticker.reset();
    m_context = nullptr;
}

void BroadcastPlugin::onTickerTimeout()
{
    // The walk advances even with nobody watching, so sequence gaps mean lost time.
    const QString sample = m_ticker->next(QDateTime::currentMSecsSinceEpoch());
    m_context->broadcastText(sample, m_topics.subscribers(m_settings.tickerTopic));
}

} // namespace WsPlug
