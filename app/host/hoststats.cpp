// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hoststats.h>
#include <wsplug/session.h>

namespace WsPlug {

QString closeCauseName(CloseCause cause)
{
    switch (cause) {
    case CloseCause::None: return QStringLiteral("none");
    case CloseCause::Client: return QStringLiteral("client");
    case CloseCause::Server: return QStringLiteral("server");
    case CloseCause::Kick: return QStringLiteral("kick");
    case CloseCause::Timeout: return QStringLiteral("timeout");
    case CloseCause::Backlog: return QStringLiteral("backlog");
    case CloseCause::Protocol: return QStringLiteral("protocol");
    case CloseCause::Error: return QStringLiteral("error");
    case CloseCause::Shutdown: return QStringLiteral("shutdown");
    }
    return QStringLiteral("unknown");
}

QString outcomeName(HandshakeRecord::Outcome outcome)
{
    switch (outcome) {
    case HandshakeRecord::Outcome::Upgraded: return QStringLiteral("upgraded");
    case HandshakeRecord::Outcome::Refused: return QStringLiteral("refused");
    case HandshakeRecord::Outcome::Timeout: return QStringLiteral("timeout");
    case HandshakeRecord::Outcome::Dropped: return QStringLiteral("dropped");
    }
    return QStringLiteral("dropped");
}

} // namespace WsPlug
