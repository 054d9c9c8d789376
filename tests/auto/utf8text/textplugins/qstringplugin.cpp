// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "qstringplugin.h"

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

bool QStringPlugin::initialize(HostContext *context, QString *)
{
    m_context = context;
    return true;
}

void QStringPlugin::messageReceived(SessionId session, const Message &message)
{
    if (!message.isText())
        return;
    record(QStringLiteral("qstring ") + QString::fromLatin1(message.text.toUtf8().toHex()));
    m_context->sendText(session, message.text);
}
