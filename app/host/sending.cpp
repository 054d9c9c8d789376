// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "framewatch_p.h"
#include "logging_p.h"
#include "permessagedeflate_p.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include <sys/socket.h>

// Sending: one message, a fan-out to many, and the per-session send backlog limit.
namespace WsPlug {

// Off unless asked for (QT_LOGGING_RULES="wsplug.fanout.debug=true"): see sendToMany().
Q_LOGGING_CATEGORY(lcFanout, "wsplug.fanout", QtInfoMsg)

using namespace Internal;

namespace {
qint64 steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

struct FanoutTarget
{
    Session *session;
    const EncodedMessage *message;   // as encoded for it: compressed or not
    int fd;                          // -1: the transport has data queued, so the message must queue too
    qint64 sent;                     // what the kernel took; -1 for none
};

constexpr char Rsv1 = 0x40;

/*
 * A fan-out's message, encoded once for all, and compressed once for each window size
 * that a recipient agreed on with permessage-deflate: with no context takeover (which
 * the host always asks for) the same compressed bytes suit every one of them.
 */
class FanoutEncodings
{
public:
    FanoutEncodings(FrameOpcode opcode, const QByteArray &payload)
        : m_opcode(opcode), m_payload(payload), m_plain(encodeMessage(opcode, payload))
    {
    }
    const EncodedMessage *forSession(const Session *s)
    {
        const int bits = s->deflateWindowBits;
        if (bits == 0 || m_payload.size() < PerMessageDeflate::MinCompressBytes || bits >= int(m_compressed.size()))
            return &m_plain;
        std::optional<EncodedMessage> &compressed = m_compressed[size_t(bits)];
        if (!compressed) {
            // Sent plain when deflate would not make it smaller, as to one session.
            const QByteArray packed = PerMessageDeflate::deflate(m_payload, bits);
            compressed = packed.isEmpty() ? m_plain : encodeMessage(m_opcode, packed);
            if (!packed.isEmpty())
                compressed->bytes[0] = char(compressed->bytes[0] | Rsv1);
        }
        return &*compressed;
    }

private:
    const FrameOpcode m_opcode;
    const QByteArray &m_payload;
    const EncodedMessage m_plain;
    std::array<std::optional<EncodedMessage>, 16> m_compressed;   // by window bits (9-15)
};
} // namespace

bool HostServerPrivate::canSend(const Session *s) const
{
    return s && s->isOpen() && s->transport->isWritable();
}

bool HostServerPrivate::send(Session *s, const QString *text, const QByteArray *data)
{
    if (!canSend(s))
        return false;   // before encoding: nothing is encoded for a session that is gone
    return text ? sendPayload(s, FrameOpcode::Text, text->toUtf8()) : sendPayload(s, FrameOpcode::Binary, *data);
}

bool HostServerPrivate::sendUtf8(Session *s, const QByteArray &utf8)
{
    if (!canSend(s))
        return false;
    return sendPayload(s, FrameOpcode::Text, utf8);
}

bool HostServerPrivate::sendPayload(Session *s, FrameOpcode opcode, const QByteArray &payload)
{
    // permessage-deflate: compressed for this session alone (a fan-out compresses once
    // for all, see FanoutEncodings), and only when that makes it smaller.
    if (s->deflateWindowBits && payload.size() >= PerMessageDeflate::MinCompressBytes) {
        const QByteArray compressed = PerMessageDeflate::deflate(payload, s->deflateWindowBits);
        if (!compressed.isEmpty())
            return sendFrames(s, opcode, compressed, true);
    }
    return sendFrames(s, opcode, payload, false);
}

bool HostServerPrivate::sendFrames(Session *s, FrameOpcode opcode, const QByteArray &payload, bool compressed)
{
    const qint64 frameSize = s->transport->maxFramePayload();
    if (payload.size() > frameSize) {
        EncodedMessage m = encodeMessage(opcode, payload, frameSize);
        if (compressed)
            m.bytes[0] = char(m.bytes[0] | Rsv1);
        return sendEncoded(s, m, opcode == FrameOpcode::Text);
    }
    // One frame (nearly always): the payload is written as it is, behind its header,
    // not copied into an encoded message first.
    char header[MaxFrameHeader];
    const int headerSize = writeFrameHeader(header, quint8(opcode), quint64(payload.size()));
    if (compressed)
        header[0] = char(header[0] | Rsv1);
    const qint64 before = s->transport->unsentBytes();
    s->backlogAllowance = before == 0 ? qint64(headerSize + payload.size()) : s->backlogAllowance;
    const qint64 after = s->transport->writeFrame(header, headerSize, payload);
    stats.countSent(s, 1, payload.size(), opcode == FrameOpcode::Text, activityClockMs());
    return withinBacklog(s, before, after);
}

bool HostServerPrivate::sendEncoded(Session *s, const EncodedMessage &m, bool text, qsizetype offset)
{
    if (!canSend(s))
        return false;
    // The backlog limit bounds what waits for a peer that stopped reading, but one
    // message may always pass it when nothing else is queued: the host accepts
    // messages up to maxMessageBytes, and a plugin must be able to send one back.
    const qint64 before = s->transport->unsentBytes();
    s->backlogAllowance = before == 0 ? qint64(m.bytes.size() - offset) : s->backlogAllowance;
    s->transport->write(m.bytes.constData() + offset, m.bytes.size() - offset);
    stats.countSent(s, m.frames, m.payloadBytes, text, activityClockMs());
    return withinBacklog(s, before, s->transport->unsentBytes());
}

bool HostServerPrivate::withinBacklog(Session *s, qint64 before, qint64 unsent)
{
    if (unsent > config.maxSendBacklogBytes && before > 0) {
        qCInfo(lcHost) << "session" << s->info.id << "cut off: unsent data" << unsent
                       << "bytes passed the limit of" << config.maxSendBacklogBytes;
        abortSession(s, CloseCause::Backlog, QStringLiteral("send backlog limit exceeded"));
        return false;
    }
    return true;
}

int HostServerPrivate::sendToMany(const PluginContext *context, const QList<SessionId> &ids, FrameOpcode opcode,
                                  const QByteArray &payload)
{
    // A fan-out to thousands costs one send() per recipient plus, on each, cache
    // misses on the session and its sockets, which the syscall before has evicted.
    // So: find every recipient first (the misses then overlap), send in a tight loop
    // over plain descriptors, and only then do the bookkeeping. Nothing runs between
    // the passes, so no descriptor can be closed or reused in between.
    //
    // Where a big fan-out's time goes, pass by pass, for bench/fanouttrace.sh: a debug
    // line each (wsplug.fanout). Off, it costs this check.
    const bool traced = ids.size() >= 100 && lcFanout().isDebugEnabled();
    const qint64 startNs = traced ? steadyNs() : 0;
    FanoutEncodings encodings(opcode, payload);
    std::vector<FanoutTarget> targets;
    targets.reserve(size_t(ids.size()));
    for (SessionId id : ids) {
        Session *s = sessionOf(context, id);
        if (!canSend(s))
            continue;
        targets.push_back({s, encodings.forSession(s), s->transport->directWriteFd(), -1});
    }
    const qint64 foundNs = traced ? steadyNs() : 0;
    // A short send leaves a tail that goes through the transport in the last pass.
    // Should the same session be listed twice, its second copy must queue behind it.
    std::vector<int> shortFds;
    for (FanoutTarget &t : targets) {
        if (t.fd < 0 || (!shortFds.empty() && std::find(shortFds.cbegin(), shortFds.cend(), t.fd) != shortFds.cend()))
            continue;
        const QByteArray &bytes = t.message->bytes;
        t.sent = ::send(t.fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (t.sent != bytes.size())
            shortFds.push_back(t.fd);
    }
    const qint64 sentNs = traced ? steadyNs() : 0;
    if (capture) {
        // What the kernel took, before any tail the last pass writes through the socket.
        for (const FanoutTarget &t : targets) {
            if (t.sent > 0)
                capture->sentDirect(t.fd, t.message->bytes.constData(), qsizetype(t.sent));
        }
    }
    // The frame inspector, in the same order (a watched session is rare: the check is
    // per recipient only while some session is watched).
    if (admin && admin->watchesFrames()) {
        for (const FanoutTarget &t : targets) {
            if (t.sent <= 0)
                continue;
            if (FrameWatch *watch = t.session->transport->frameWatch())
                watch->hostSent(t.message->bytes.constData(), qsizetype(t.sent));
        }
    }
    const bool text = opcode == FrameOpcode::Text;
    const qint64 now = activityClockMs();
    int taken = 0;
    for (const FanoutTarget &t : targets) {
        if (t.sent == t.message->bytes.size()) {
            stats.countSent(t.session, t.message->frames, t.message->payloadBytes, text, now);
            ++taken;
        } else if (sendEncoded(t.session, *t.message, text, qsizetype(qMax<qint64>(t.sent, 0)))) {
            // The rest through the transport: it queues it, or meets and reports the error.
            ++taken;
        }
    }
    if (traced) {
        qCDebug(lcFanout, "fanout to %d: find %lld us, send %lld us, bookkeeping %lld us", int(targets.size()),
                (foundNs - startNs) / 1000, (sentNs - foundNs) / 1000, (steadyNs() - sentNs) / 1000);
    }
    return taken;
}

void HostServerPrivate::written(Session *s)
{
    // Also what the transport writes on its own (pongs, close frames) must meet the
    // backlog limit, on top of the one message allowed past it (sendEncoded()). Never
    // abort from inside its write: queue it.
    if (s->finished || s->backlogAbortQueued
        || s->transport->unsentBytes() <= config.maxSendBacklogBytes + s->backlogAllowance)
        return;
    s->backlogAbortQueued = true;
    QTimer::singleShot(0, s, [this, s] {
        if (!s->finished)
            abortSession(s, CloseCause::Backlog, QStringLiteral("send backlog limit exceeded"));
    });
}

} // namespace WsPlug
