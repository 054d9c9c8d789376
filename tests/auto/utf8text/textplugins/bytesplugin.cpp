// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "bytesplugin.h"

#include <QCoreApplication>
#include <QStringList>
#include <QVariant>

using namespace WsPlug;

namespace {

void record(const QString &entry)
{
    QStringList log = qApp->property("wsplugTextLog").toStringList();
    log.append(entry);
    qApp->setProperty("wsplugTextLog", log);
}

} // namespace

bool BytesPlugin::initialize(HostContext *context, QString *)
{
    m_context = context;
    return m_sender != nullptr;   // the host hands it over before initialize()
}

void BytesPlugin::messageReceived(SessionId session, const Message &message)
{
    if (message.isText()) {
        record(QStringLiteral("WRONG text through messageReceived()"));
        return;
    }
    record(QStringLiteral("binary ") + QString::fromLatin1(message.data.toHex()));
    m_context->sendBinary(session, message.data);
}

void BytesPlugin::utf8TextReceived(SessionId session, const QByteArray &utf8)
{
    record(QStringLiteral("utf8 ") + QString::fromLatin1(utf8.toHex()));
    m_sender->sendTextUtf8(session, utf8);
}
