// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "probeplugin.h"

#include <QCoreApplication>
#include <QVariant>

#include <algorithm>

using namespace WsPlug;

namespace {

const char LogProperty[] = "wsplugProbeLog";

QList<SessionId> idList(const QString &text)
{
    QList<SessionId> ids;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        ids.append(part.toULongLong());
    return ids;
}

QString boolText(bool value)
{
    return value ? QStringLiteral("true") : QStringLiteral("false");
}

} // namespace

bool ProbePlugin::initialize(HostContext *context, QString *errorString)
{
    Q_UNUSED(errorString)
    m_context = context;
    // The category is "wsplug.plugin.<Id>": the probe learns its own id from it.
    m_id = QString::fromLatin1(context->logging().categoryName()).section(QLatin1Char('.'), 2);
    record(QStringLiteral("initialize"));
    return true;
}

void ProbePlugin::sessionOpened(const SessionInfo &session)
{
    record(QStringLiteral("opened %1").arg(session.id));
}

void ProbePlugin::messageReceived(SessionId session, const Message &message)
{
    const QString text = message.isText() ? message.text : QString::fromUtf8(message.data);
    record(QStringLiteral("message %1 %2").arg(session).arg(text.left(64)));
    const QString command = text.section(QLatin1Char(' '), 0, 0);
    const QString arg1 = text.section(QLatin1Char(' '), 1, 1);
    const SessionId target = arg1.toULongLong();

    if (command == QLatin1String("send")) {
        answer(session, boolText(inContext([&] { return m_context->sendText(target, QStringLiteral("hello")); })));
    } else if (command == QLatin1String("broadcast")) {
        answer(session, QString::number(inContext([&] { return m_context->broadcastText(QStringLiteral("to some"), idList(arg1)); })));
    } else if (command == QLatin1String("broadcastbinary")) {
        answer(session, QString::number(inContext([&] { return m_context->broadcastBinary("to some", idList(arg1)); })));
    } else if (command == QLatin1String("all")) {
        answer(session, QString::number(inContext([&] { return m_context->broadcastTextToAll(QStringLiteral("to all")); })));
    } else if (command == QLatin1String("allbinary")) {
        answer(session, QString::number(inContext([&] { return m_context->broadcastBinaryToAll("to all"); })));
    } else if (command == QLatin1String("close")) {
        const auto code = quint16(text.section(QLatin1Char(' '), 2, 2).toUInt());
        const QString reason = text.section(QLatin1Char(' '), 3);
        const bool closed = inContext([&] { return m_context->closeSession(target, code, reason); });
        record(QStringLiteral("close %1 %2 %3").arg(target).arg(code).arg(boolText(closed)));
        answer(session, boolText(closed));
    } else if (command == QLatin1String("closeself")) {
        const auto code = quint16(arg1.toUInt());
        const bool closed = inContext([&] { return m_context->closeSession(session, code, QStringLiteral("bye")); });
        const bool sent = inContext([&] { return m_context->sendText(session, QStringLiteral("too late")); });
        const int broadcast = inContext([&] { return m_context->broadcastText(QStringLiteral("too late"), {session}); });
        const bool again = inContext([&] { return m_context->closeSession(session, 1000, QString()); });
        const bool known = m_context->session(session).id == session;
        const QList<SessionInfo> all = m_context->sessions();
        const bool listed = std::any_of(all.cbegin(), all.cend(), [session](const SessionInfo &s) { return s.id == session; });
        record(QStringLiteral("closeself %1 closed=%2 send=%3 broadcast=%4 closeagain=%5 session=%6 listed=%7")
                   .arg(session).arg(boolText(closed), boolText(sent)).arg(broadcast)
                   .arg(boolText(again), boolText(known), boolText(listed)));
    } else if (command == QLatin1String("flood")) {
        const QString chunk(256 * 1024, QLatin1Char('f'));
        int sends = 0;
        while (sends < 4096 && inContext([&] { return m_context->broadcastText(chunk, {target}); }) == 1)
            ++sends;
        // The session ended inside the last call: gone from the context already, though
        // sessionClosed() has not run yet.
        const bool known = m_context->session(target).id == target;
        record(QStringLiteral("flood returned %1 session=%2").arg(sends).arg(boolText(known)));
        answer(session, QString::number(sends));
    } else if (command == QLatin1String("sessions")) {
        QList<SessionId> ids;
        for (const SessionInfo &s : m_context->sessions())
            ids.append(s.id);
        std::sort(ids.begin(), ids.end());
        QStringList parts;
        for (SessionId id : std::as_const(ids))
            parts << QString::number(id);
        answer(session, parts.join(QLatin1Char(',')));
    } else if (command == QLatin1String("session")) {
        const SessionInfo s = m_context->session(target);
        answer(session, QStringList{QString::number(s.id), s.path, s.query, s.route, s.peerAddress,
                                    QString::number(s.peerPort)}.join(QLatin1Char('|')));
    } else if (command == QLatin1String("whoami")) {
        answer(session, QString::number(session));
    } else if (command == QLatin1String("logging")) {
        answer(session, QString::fromLatin1(m_context->logging().categoryName()));
    }
}

void ProbePlugin::sessionClosed(SessionId session, quint16 closeCode, const QString &reason)
{
    record(QStringLiteral("closed %1 %2 %3%4").arg(session).arg(closeCode).arg(reason,
           m_inContextCall > 0 ? QStringLiteral(" REENTERED") : QString()));
}

void ProbePlugin::aboutToShutdown()
{
    // The context is still valid here, and every session has been closed.
    record(QStringLiteral("shutdown sessions=%1").arg(m_context->sessions().size()));
    m_context = nullptr;
}

void ProbePlugin::record(const QString &event) const
{
    QCoreApplication *app = QCoreApplication::instance();
    QStringList log = app->property(LogProperty).toStringList();
    log.append(m_id + QLatin1Char(' ') + event);
    app->setProperty(LogProperty, log);
}

void ProbePlugin::answer(SessionId session, const QString &result)
{
    inContext([&] { return m_context->sendText(session, QLatin1Char('=') + result); });
}
