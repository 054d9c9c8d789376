// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "framewatch_p.h"

#include "permessagedeflate_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <chrono>

namespace WsPlug::Internal {

FrameWatch::FrameWatch(Protocol::SessionId session, const QString &route, FrameSink *sink,
                       const QByteArray &clientHeaderSoFar, quint64 clientPayloadLeft, bool deflate)
    : m_session(session),
      m_route(route),
      m_sink(sink),
      m_deflate(deflate),
      m_fromClient(Protocol::Direction::ClientToHost, [this](Protocol::FrameRecord &&f) { report(std::move(f)); },
                   [this](quint64 length) { return admit(length); }),
      m_fromHost(Protocol::Direction::HostToClient, [this](Protocol::FrameRecord &&f) { report(std::move(f)); },
                 [this](quint64 length) { return admit(length); })
{
    m_fromClient.resume(clientHeaderSoFar, clientPayloadLeft, nowUs());
}

qint64 FrameWatch::nowUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

bool FrameWatch::admit(quint64 payloadLength)
{
    const qint64 now = nowUs();
    if (now - m_windowStartUs >= 1000000) {
        m_windowStartUs = now;
        m_inWindow = 0;
    }
    if (m_inWindow < MaxFramesPerSecond) {
        ++m_inWindow;
        return true;
    }
    m_sink->frameOmitted(m_session, m_route, payloadLength);
    return false;
}

void FrameWatch::report(Protocol::FrameRecord &&frame)
{
    frame.session = m_session;
    frame.route = m_route;
    if (m_deflate) {
        frame.deflate = true;
        showInflated(frame);
    }
    m_sink->frameSeen(std::move(frame));
}

void FrameWatch::showInflated(Protocol::FrameRecord &frame)
{
    // Only a compressed message in one frame whose payload is here whole can be
    // inflated; with no context takeover (which the host always agrees on) it needs
    // nothing from the messages before it. At most 64 KiB of work a frame, sampled as
    // the frames are.
    constexpr qint64 InflateLimit = 64 * 1024;
    Protocol::FrameHeader h;
    if (!Protocol::parseFrameHeader(frame.header, &h) || !Protocol::isCompressedMessage(frame, h) || !h.fin
        || quint64(frame.payload.size()) != frame.payloadLength)
        return;
    QByteArray inflated;
    if (PerMessageDeflate::inflate(frame.payload, InflateLimit, &inflated) != PerMessageDeflate::InflateResult::Ok)
        return;
    frame.inflatedLength = inflated.size();
    inflated.truncate(Protocol::MaxFramePayloadShown);
    frame.inflated = std::move(inflated);
}

void FrameWatch::setRecorded(bool recorded)
{
    if (recorded == m_recorded)
        return;
    m_recorded = recorded;
    m_clientSkip = 0;
    if (!recorded)
        return;
    // The client's stream is where the decoder is: a header under way (its bytes so
    // far begin a frame, so they are recorded), or the payload of a frame whose header
    // was not recorded (left out: a reader could not tell where it ends).
    const FrameDecoder::ResumePoint at = m_fromClient.resumePoint();
    m_clientSkip = at.payloadLeft;
    m_skippedClientBytes += at.payloadLeft;
    if (!at.headerSoFar.isEmpty())
        m_sink->bytesSeen(m_session, Protocol::Direction::ClientToHost, at.headerSoFar.constData(), at.headerSoFar.size());
}

void FrameWatch::recordClient(const char *data, qsizetype size)
{
    if (m_clientSkip > 0) {
        const qsizetype skipped = qsizetype(qMin<quint64>(m_clientSkip, quint64(size)));
        m_clientSkip -= quint64(skipped);
        data += skipped;
        size -= skipped;
    }
    if (size > 0)
        m_sink->bytesSeen(m_session, Protocol::Direction::ClientToHost, data, size);
}

} // namespace WsPlug::Internal
