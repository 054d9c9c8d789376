// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "connectionsocket_p.h"
#include "logging_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

#include <wsplug/protocol/adminprotocol.h>

#include <QMetaMethod>
#include <QRandomGenerator>
#include <QStringDecoder>

// Session lifecycle: open, messages in, close, abort, finish; and the heartbeat.
namespace WsPlug {

using namespace Internal;

namespace {
//! The client's text as QString: checked UTF-8, a leading U+FEFF kept (QString::fromUtf8()
//! drops it in Qt 6.4).
QString textOf(const QByteArray &utf8)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return decoder.decode(utf8);
}

//! Peer input in a log line: quoted, one line, or "none".
QString quotedOrNone(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("none") : QLatin1Char('"') + Protocol::oneLine(text) + QLatin1Char('"');
}
} // namespace

void HostServerPrivate::openSession(ConnectionSocket *tcp, const PendingHandshake &p)
{
    WebSocketTransport::Limits limits;
    limits.maxFrameBytes = config.maxFrameBytes;
    limits.maxMessageBytes = config.maxMessageBytes;
    limits.lingerMs = std::max(config.shutdownGraceMs, 1000);
    WebSocketTransport *transport = nullptr;
    Session *s = openSession(p, p.path, p.query, p.subprotocol, QStringLiteral("websocket"), [&](Session *s) {
        s->deflateWindowBits = p.deflateWindowBits;
        return transport = new WebSocketTransport(s, tcp, limits, this);
    });
    // Now that the plugin knows the session: what came along with the head, then the rest.
    if (!s->finished)
        transport->start(p.earlyData, p.deflateWindowBits != 0);
}

Session *HostServerPrivate::openSession(const PendingHandshake &p, const QString &path, const QString &query,
                                        const QString &subprotocol, const QString &transportName,
                                        const std::function<SessionTransport *(Session *)> &make)
{
    auto *s = new Session;
    s->transport = make(s);
    s->transportName = transportName;
    s->handler = registry.handler(p.pluginId);
    s->context = contexts.at(p.pluginId).get();

    SessionInfo &info = s->info;
    info.id = nextSessionId++;
    info.path = path;
    info.query = query;
    info.route = p.route;
    info.peerAddress = p.peerAddress;
    info.peerPort = p.peerPort;
    info.subprotocol = subprotocol;
    info.connectedAt = QDateTime::currentDateTimeUtc();
    s->pluginId = p.pluginId;
    s->origin = p.origin;
    s->tokenRoute = p.tokenRequired;
    if (p.token)
        applyToken(s, *p.token);
    s->lastActivityMs = info.connectedAt.toMSecsSinceEpoch();
    s->routeStats = stats.route(p.route, p.pluginId);
    stats.countOpened(s);
    // The first ping comes at a random point in the second half of the interval:
    // thousands of sessions opened in one burst would otherwise all be pinged (and
    // answer) in the same heartbeat tick, a stall of tens of ms every interval.
    s->lastPingAtMs = nowMs() - QRandomGenerator::global()->bounded(qMax(config.pingIntervalMs / 2, 1));

    sessions.insert(info.id, s);
    heapTrimmer.opened(int(sessions.size()));
    s->context->sessionIds.insert(info.id);
    qCInfo(lcHost).noquote() << QStringLiteral("session %1 opened: %2 port %3, %4 (plugin %5), subprotocol %6, origin %7, %8")
                                    .arg(info.id).arg(p.peerAddress).arg(p.peerPort)
                                    .arg(Protocol::oneLine(p.path), p.pluginId, quotedOrNone(info.subprotocol),
                                         quotedOrNone(p.origin), transportName);

    // Watched from its first frame on (a greeting the plugin sends as it opens, too).
    updateFrameWatch(s);
    callPlugin(s, [s] { s->handler->sessionOpened(s->info); });
    tellTransport(s);
    // A session the plugin refused at once (it closed it, or threw) is not announced.
    // The snapshot is built only for someone who reads it.
    static const QMetaMethod openedSignal = QMetaMethod::fromSignal(&HostServer::sessionOpened);
    if (s->isOpen()) {
        if (admin)
            admin->sessionOpened(info.id);
        if (q->isSignalConnected(openedSignal))
            Q_EMIT q->sessionOpened(s->view());
    }
    return s;
}

void HostServerPrivate::textReceived(Session *s, const QByteArray &utf8)
{
    if (!s->isOpen())
        return;
    stats.countReceivedMessage(s, s->transport->takeReceived(), true, activityClockMs());
    if (!withinRateLimits(s, quint64(utf8.size())))
        return;
    const SessionId id = s->info.id;
    // SDK 2.2: the bytes as they came; a plugin before it gets a QString.
    if (Utf8TextInterface *utf8Plugin = s->context ? s->context->utf8Text : nullptr)
        deliver(s, [utf8Plugin, id, &utf8] { utf8Plugin->utf8TextReceived(id, utf8); });
    else
        deliver(s, [s, id, &utf8] { s->handler->messageReceived(id, Message::fromText(textOf(utf8))); });
}

void HostServerPrivate::binaryReceived(Session *s, const QByteArray &data)
{
    if (!s->isOpen())
        return;
    stats.countReceivedMessage(s, s->transport->takeReceived(), false, activityClockMs());
    if (!withinRateLimits(s, quint64(data.size())))
        return;
    const SessionId id = s->info.id;
    deliver(s, [s, id, &data] { s->handler->messageReceived(id, Message::fromBinary(data)); });
}

bool HostServerPrivate::withinRateLimits(Session *s, quint64 bytes)
{
    if (config.maxMessagesPerSecond <= 0 && config.maxBytesPerSecond <= 0)
        return true;
    const qint64 now = nowMs();
    if (now - s->rateWindowStartMs >= 1000) {
        s->rateWindowStartMs = now;
        s->rateWindowMessages = 0;
        s->rateWindowBytes = 0;
    }
    ++s->rateWindowMessages;
    s->rateWindowBytes += bytes;
    QString why;
    if (config.maxMessagesPerSecond > 0 && s->rateWindowMessages > quint64(config.maxMessagesPerSecond))
        why = QStringLiteral("more than %1 messages a second").arg(config.maxMessagesPerSecond);
    else if (config.maxBytesPerSecond > 0 && s->rateWindowBytes > quint64(config.maxBytesPerSecond))
        why = QStringLiteral("more than %1 bytes a second").arg(config.maxBytesPerSecond);
    if (why.isEmpty())
        return true;
    // The message that passed the limit is not delivered; the client is told why.
    qCInfo(lcHost).noquote() << QStringLiteral("session %1 closed with 1008: %2").arg(s->info.id).arg(why);
    requestClose(s, 1008, why, CloseCause::Limit);
    return false;
}

void HostServerPrivate::pongReceived(Session *s, qint64 roundTripMs)
{
    s->awaitingPong = false;
    s->pingRttMs = roundTripMs;
    s->lastPingAtMs = nowMs();
    s->dirty = true;
    stats.countPong(roundTripMs);
}

void HostServerPrivate::transportChanged(Session *s)
{
    // An Engine.IO session on its WebSocket now: a watch asked for while it polled starts.
    updateFrameWatch(s);
    tellTransport(s);
}

void HostServerPrivate::tellTransport(Session *s)
{
    TransportAwareInterface *aware = s->context ? s->context->transportAware : nullptr;
    if (!aware || !s->isOpen() || s->closeRequested)
        return;
    callPlugin(s, [s, aware] { aware->sessionTransportChanged(s->info.id, s->transportName, s->upgradedAt); });
}

bool HostServerPrivate::requestClose(Session *s, quint16 code, const QString &reason, CloseCause cause)
{
    if (!s || !s->isOpen() || !Protocol::isSendableCloseCode(code))
        return false;
    s->closeRequested = true;
    s->state = Session::State::Closing;
    s->closeCode = code;
    s->closeReason = Protocol::truncatedCloseReason(reason);
    s->closeCause = cause;
    // The transport sends the close frame and then closes TCP once it is flushed. A
    // peer that never reads would keep it open: abort after the grace period.
    QTimer::singleShot(std::max(config.shutdownGraceMs, 1000), s, [s] {
        if (!s->finished)
            s->transport->abort();
    });
    stats.countCloseFrameSent();
    s->transport->close(code, s->closeReason);
    return true;
}

void HostServerPrivate::abortSession(Session *s, CloseCause cause, const QString &reason)
{
    if (!s || s->finished)
        return;
    s->closeRequested = true;
    s->closeCode = 1006;
    s->closeReason = reason;
    s->closeCause = cause;
    s->transport->abort();
    if (!s->finished)   // abort() of a connected socket reports it gone; be sure anyway
        finishSession(s);
}

void HostServerPrivate::finishSession(Session *s)
{
    if (s->finished)
        return;
    s->finished = true;
    // Frames of a message never finished still count, as the client sent them.
    stats.countReceivedFrames(s, s->transport->takeReceived());
    s->clientClose = s->transport->clientClose();
    s->hostClose = s->transport->hostClose();
    if (!s->closeRequested) {
        const SessionTransport::PeerClose close = s->transport->peerClose();
        s->closeCode = close.code;
        s->closeReason = close.reason;
        s->closeCause = close.cause;
        if (close.cause == CloseCause::Client)
            stats.countCloseFrameReceived();
    }
    s->state = Session::State::Closed;

    const SessionId id = s->info.id;
    stats.countClosed(s);
    static const QMetaMethod closedSignal = QMetaMethod::fromSignal(&HostServer::sessionClosed);
    const bool announce = q->isSignalConnected(closedSignal);
    const SessionSnapshot view = announce ? s->view() : SessionSnapshot();
    if (admin) {
        admin->sessionClosed([s, &view, announce] { return announce ? view : s->view(); });
        // The connection is over: its last frames (the close handshake) were seen.
        s->transport->unwatchFrames();
        admin->sessionEnded(id);
    }
    sessions.remove(id);
    s->context->sessionIds.remove(id);
    gate->releaseAddress(s->info.peerAddress);

    qCInfo(lcHost).noquote() << QStringLiteral("session %1 closed: %2 %3, cause %4, after %5 s")
                                    .arg(id).arg(s->closeCode).arg(quotedOrNone(s->closeReason), closeCauseName(s->closeCause))
                                    .arg(double(QDateTime::currentMSecsSinceEpoch() - s->info.connectedAt.toMSecsSinceEpoch()) / 1000.0, 0, 'f', 3);
    notifyClosed(s);
    if (announce)
        Q_EMIT q->sessionClosed(view);
    finishedSessions.insert(s);
    s->pendingDelete = &finishedSessions;
    if (s->deliveries == 0)
        s->deleteLater();   // else deliver() is on the stack, and deletes it after

    if (heapTrimmer.closed(int(sessions.size())) && !heapTrimQueued) {
        // After a large drain: once the drain is over and the deferred deletes have
        // run, give the freed pages back (see HeapTrimmer). Once per drain, never per close.
        heapTrimQueued = true;
        QTimer::singleShot(1000, q, [this] {
            heapTrimQueued = false;
            HeapTrimmer::trim();
            heapTrimmer.trimmed(int(sessions.size()));
        });
    }

    if (stopping && sessions.isEmpty() && shutdownTimer.isActive()) {
        shutdownTimer.stop();
        QTimer::singleShot(0, q, [this] { finishStop(); });
    }
}

void HostServerPrivate::onHeartbeat()
{
    const qint64 now = nowMs();
    // Copy: aborting a session removes it from the hash.
    const auto current = sessions.values();
    for (Session *s : current) {
        if (!s->isOpen())
            continue;
        if (s->awaitingPong) {
            if (now - s->lastPingAtMs > config.pongTimeoutMs) {
                qCInfo(lcHost) << "session" << s->info.id << "reaped: no pong within" << config.pongTimeoutMs << "ms";
                abortSession(s, CloseCause::Timeout, QStringLiteral("no pong within %1 ms").arg(config.pongTimeoutMs));
            }
        } else if (now - s->lastPingAtMs >= config.pingIntervalMs) {
            s->awaitingPong = true;
            s->lastPingAtMs = now;
            stats.countPingSent();
            s->transport->ping({});
        }
    }
}

Session *HostServerPrivate::sessionOf(const PluginContext *context, SessionId id) const
{
    // One context per plugin: comparing it is the plugin-id check, without a string compare.
    // An open session is in the registry: the one being delivered from needs no look-up.
    Session *s = delivering && delivering->info.id == id && delivering->isOpen() ? delivering : sessions.value(id);
    return s && s->context == context ? s : nullptr;
}

} // namespace WsPlug
