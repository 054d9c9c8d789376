// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "watchrecording_p.h"

#include <QRandomGenerator>

namespace WsPlug::Internal {

namespace {

TcpSynthesizer::Side sideOf(Protocol::Direction from)
{
    return from == Protocol::Direction::ClientToHost ? TcpSynthesizer::Side::Client : TcpSynthesizer::Side::Server;
}

} // namespace

WatchRecording::WatchRecording(qint64 maxBytes)
    : m_buffer(&m_data), m_writer(&m_buffer), m_maxBytes(maxBytes)
{
    m_buffer.open(QIODevice::WriteOnly);
    m_writer.begin("wsplug " WSPLUG_VERSION, "wsplug (recorded from the admin channel)");
    m_limitComment = QStringLiteral("wsplug: the recording reached its limit of %1 bytes; recording stopped here "
                                    "(this frame is cut to its headers)").arg(maxBytes).toUtf8();
    m_limitReserve = PcapngWriter::packetBlockSize(TcpSynthesizer::MaxHeaderLength, m_limitComment.size());
}

void WatchRecording::begin(const RecordedConnection &c)
{
    if (m_finished || m_reachedLimit || m_streams.contains(c.session))
        return;
    auto *random = QRandomGenerator::global();
    auto it = m_streams.insert(c.session, TcpSynthesizer(c.client, c.clientPort, c.server, c.serverPort,
                                                         random->generate(), random->generate()));
    ++m_sessionCount;
    QString comment = QStringLiteral("wsplug: session %1, connected at %2, joined this recording at %3; "
                                     "this TCP handshake is drawn at that moment")
                              .arg(c.session)
                              .arg(c.connectedAt.toUTC().toString(Qt::ISODateWithMs),
                                   QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (c.request.isEmpty()) {
        comment += QStringLiteral(". Its upgrade is no longer in the host's handshake log: decode TCP port %1 "
                                  "as WebSocket to read its frames").arg(c.serverPort);
    } else {
        comment += QStringLiteral(", followed by the upgrade the handshake log kept; frames sent before it "
                                  "joined are not here");
    }
    write(it->open(), comment.toUtf8());
    if (!c.request.isEmpty()) {
        bytes(c.session, Protocol::Direction::ClientToHost, c.request.constData(), c.request.size());
        bytes(c.session, Protocol::Direction::HostToClient, c.response.constData(), c.response.size());
    }
}

void WatchRecording::bytes(Protocol::SessionId session, Protocol::Direction from, const char *data, qsizetype size)
{
    if (m_reachedLimit || size <= 0)
        return;
    const auto it = m_streams.find(session);
    if (it != m_streams.end())
        write(it->data(sideOf(from), data, size));
}

void WatchRecording::end(Protocol::SessionId session)
{
    const auto it = m_streams.find(session);
    if (it == m_streams.end())
        return;
    if (!m_reachedLimit)
        write(it->close(TcpSynthesizer::Side::Server));
    m_streams.erase(it);
}

void WatchRecording::finish()
{
    if (m_finished)
        return;
    const QList<Protocol::SessionId> open = m_streams.keys();
    for (Protocol::SessionId session : open)
        end(session);
    m_finished = true;
    m_writer.flush();
}

const QByteArray &WatchRecording::data()
{
    m_writer.flush();
    return m_data;
}

void WatchRecording::write(const QList<QByteArray> &frames, const QByteArray &firstComment)
{
    QByteArray comment = firstComment;
    for (const QByteArray &frame : frames) {
        if (m_reachedLimit)
            return;
        const qint64 timestamp = PcapngWriter::nextTimestampUs(&m_lastTimestampUs);
        if (m_writer.size() + PcapngWriter::packetBlockSize(frame.size(), comment.size()) + m_limitReserve > m_maxBytes) {
            m_writer.writePacket(timestamp, QByteArrayView(frame).first(TcpSynthesizer::headerLength(frame)),
                                 quint32(frame.size()), m_limitComment);
            m_reachedLimit = true;
            return;
        }
        m_writer.writePacket(timestamp, frame, 0, comment);
        comment.clear();
    }
}

} // namespace WsPlug::Internal
