// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/protocol/types.h>

#include <algorithm>

namespace WsPlug::Protocol {

namespace {
constexpr CloseCause AllCauses[] = {CloseCause::None, CloseCause::Client, CloseCause::Server,
                                    CloseCause::Kick, CloseCause::Timeout, CloseCause::Backlog,
                                    CloseCause::Protocol, CloseCause::Error, CloseCause::Shutdown,
                                    CloseCause::Limit};
constexpr HandshakeRecord::Outcome AllOutcomes[] = {
    HandshakeRecord::Outcome::Upgraded, HandshakeRecord::Outcome::Refused,
    HandshakeRecord::Outcome::Timeout, HandshakeRecord::Outcome::Dropped};
} // namespace

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
    case CloseCause::Limit: return QStringLiteral("limit");
    }
    return QStringLiteral("unknown");
}

CloseCause closeCauseFromName(const QString &name)
{
    for (CloseCause c : AllCauses) {
        if (closeCauseName(c) == name)
            return c;
    }
    return CloseCause::None;
}

QString stateName(SessionSnapshot::State state)
{
    switch (state) {
    case SessionSnapshot::State::Open: return QStringLiteral("open");
    case SessionSnapshot::State::Closing: return QStringLiteral("closing");
    case SessionSnapshot::State::Closed: return QStringLiteral("closed");
    }
    return QStringLiteral("open");
}

SessionSnapshot::State stateFromName(const QString &name)
{
    if (name == QLatin1String("closing"))
        return SessionSnapshot::State::Closing;
    if (name == QLatin1String("closed"))
        return SessionSnapshot::State::Closed;
    return SessionSnapshot::State::Open;
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

HandshakeRecord::Outcome outcomeFromName(const QString &name)
{
    for (auto o : AllOutcomes) {
        if (outcomeName(o) == name)
            return o;
    }
    return HandshakeRecord::Outcome::Dropped;
}

int pingRttBucket(qint64 ms)
{
    int bucket = 0;
    while (bucket < PingRttBucketCount - 1 && ms > PingRttBucketsMs[bucket])
        ++bucket;
    return bucket;
}

CounterUpdate CounterUpdate::of(const SessionSnapshot &s)
{
    CounterUpdate u;
    u.id = s.id;
    u.state = s.state;
    u.messagesIn = s.in.messages;
    u.messagesOut = s.out.messages;
    u.framesIn = s.in.frames;
    u.framesOut = s.out.frames;
    u.bytesIn = s.in.bytes;
    u.bytesOut = s.out.bytes;
    u.lastActivityMs = s.lastActivity.toMSecsSinceEpoch();
    u.pingRttMs = s.pingRttMs;
    u.textIn = s.in.textMessages;
    u.textOut = s.out.textMessages;
    return u;
}

bool CounterUpdate::applyTo(SessionSnapshot *s) const
{
    if (s->id != id)
        return false;
    s->state = state;
    s->in.messages = messagesIn;
    s->out.messages = messagesOut;
    s->in.frames = framesIn;
    s->out.frames = framesOut;
    s->in.bytes = bytesIn;
    s->out.bytes = bytesOut;
    s->lastActivity = QDateTime::fromMSecsSinceEpoch(lastActivityMs, Qt::UTC);
    s->pingRttMs = pingRttMs;
    if (hasTextCounts) {
        s->in.textMessages = textIn;
        s->in.binaryMessages = messagesIn - std::min(textIn, messagesIn);
        s->out.textMessages = textOut;
        s->out.binaryMessages = messagesOut - std::min(textOut, messagesOut);
    }
    return true;
}

} // namespace WsPlug::Protocol
