// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatplugin.h"

#include "chatcluster.h"
#include "chatprotocol.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>

namespace WsPlug {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

// Out of line, like the destructor, because ChatProtocol is incomplete in the header.
ChatPlugin::ChatPlugin() = default;
ChatPlugin::~ChatPlugin() = default;

/*!
    Reads and checks the settings; refuses to start on an unknown key or a value of
    the wrong type or range, naming it in \a errorString.
*/
bool ChatPlugin::initialize(HostContext *context, QString *errorString)
{
    ChatSettings settings;
    if (!ChatSettings::fromVariantMap(context->settings(), &settings, errorString))
        return false;
    m_context = context;
    m_rights = Rights::fromSettings(context->settings());
    m_protocol = std::make_unique<ChatProtocol>(settings);
    if (m_bus && m_bus->isClustered()) {
        m_protocol->setClustered(true);
        m_cluster = std::make_unique<ChatCluster>(m_bus, context, m_protocol.get(), settings);
    }

    // Expired histories are also dropped lazily on join; the timer only bounds the
    // memory held by rooms nobody comes back to.
    m_expiryTimer = new QTimer(this);
    m_expiryTimer->setInterval(std::clamp(settings.historyKeepSeconds * 1000 / 4, 1000, 60000));
    connect(m_expiryTimer, &QTimer::timeout, this, [this] { m_protocol->expireHistory(nowMs()); });
    m_expiryTimer->start();
    return true;
}

void ChatPlugin::sessionOpened(const SessionInfo &session)
{
    m_protocol->sessionOpened(session.id, nowMs());
}

void ChatPlugin::messageReceived(SessionId session, const Message &message)
{
    const ChatResult result = message.isText()
        ? m_protocol->textReceived(session, message.text, nowMs())
        : m_protocol->binaryReceived(session, nowMs());
    apply(session, result);
}

void ChatPlugin::utf8TextReceived(SessionId session, const QByteArray &utf8)
{
    apply(session, m_protocol->textReceived(session, utf8, nowMs()));
}

void ChatPlugin::sessionClosed(SessionId session, quint16 closeCode, const QString &reason)
{
    Q_UNUSED(closeCode);
    Q_UNUSED(reason);
    apply(session, m_protocol->sessionClosed(session, nowMs()));
    if (m_cluster)
        m_cluster->sessionClosed(session);
}

void ChatPlugin::aboutToShutdown()
{
    delete m_expiryTimer;
    m_expiryTimer = nullptr;
    m_cluster.reset();
    m_protocol.reset();
    m_bus = nullptr;
    m_context = nullptr;
}

void ChatPlugin::apply(SessionId session, const ChatResult &result)
{
    for (const ChatOutgoing &out : result.outgoing)
        m_context->broadcastText(out.text, out.recipients);
    if (m_cluster) {
        for (const ChatPresence &p : result.presence)
            m_cluster->presenceChanged(p);
        for (const ChatPublish &p : result.publishes)
            m_cluster->publish(p);
        for (const ChatRemotePrivate &p : result.remotePrivates)
            m_cluster->sendPrivate(p);
        if (result.replay)
            m_cluster->replay(*result.replay);
    }
    if (result.refresh) {
        QString why;
        const bool accepted = m_context->refreshToken(session, result.refresh->token, &why);
        const QDateTime expiresAt = accepted ? m_context->session(session).tokenExpiresAt : QDateTime();
        m_context->sendText(session, ChatProtocol::refreshAnswer(*result.refresh, accepted, expiresAt));
    }
    if (result.kick) {
        const ChatKick &kick = *result.kick;
        const bool allowed = m_rights.allows(m_context->session(session), QStringLiteral("kick"));
        if (allowed) {
            qCInfo(m_context->logging()).noquote() << QStringLiteral("%1 kicks %2 (session %3) from %4: %5")
                                                          .arg(kick.by, kick.name).arg(kick.target).arg(kick.room, kick.reason);
            if (kick.target != 0)
                m_context->closeSession(kick.target, ChatProtocol::KickedCloseCode, kick.closeReason());
        }
        const QString answer = ChatProtocol::kickAnswer(kick, allowed, m_rights.roles(QStringLiteral("kick")));
        if (allowed && kick.target == 0 && m_cluster)
            m_cluster->sendKick(session, kick, answer);   // answered once the other hosts have it
        else
            m_context->sendText(session, answer);
    }
    if (result.close) {
        qCInfo(m_context->logging()).noquote()
            << "closing session" << session << "with" << result.closeCode << result.closeReason;
        m_context->closeSession(session, result.closeCode, result.closeReason);
    }
}

} // namespace WsPlug
