// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "messagedecoder.h"

namespace WsPlug {

DecodedMessage decodeMessage(const QString &text, qint64 sessionListId)
{
    DecodedMessage m;
    const QJsonObject message = Protocol::decode(text.toUtf8());
    m.type = Protocol::messageType(message);
    switch (m.type) {
    case Protocol::MessageType::Snapshot:
        m.snapshot = Protocol::snapshotFromJson(message);
        break;
    case Protocol::MessageType::Tick:
        m.tick = Protocol::tickFromJson(message);
        break;
    case Protocol::MessageType::Reply:
        m.reply = Protocol::replyFromJson(message);
        if (sessionListId != 0 && m.reply.id == sessionListId && m.reply.ok) {
            m.sessions = Protocol::sessionsFromJson(m.reply.result);
            m.hasSessions = true;
        }
        break;
    case Protocol::MessageType::Frames:
        m.frames = Protocol::framesFromJson(message);
        break;
    case Protocol::MessageType::Unknown:
        break;   // a newer host's message: version 1 lets a client skip what it does not know
    }
    return m;
}

} // namespace WsPlug
