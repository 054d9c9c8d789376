// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "capturerecorder_p.h"

#include "connectionsocket_p.h"
#include "handshakegate_p.h"
#include "logging_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QRandomGenerator>

namespace WsPlug::Internal {

namespace {

//! True if \a head asks for the admin channel's path, whatever became of it.
bool isAdminRequest(const QByteArray &head)
{
    const qsizetype lineEnd = head.indexOf('\n');
    const QByteArray line = lineEnd < 0 ? head : head.left(lineEnd);
    const qsizetype targetAt = line.indexOf(' ');
    if (targetAt < 0)
        return false;
    qsizetype targetEnd = line.indexOf(' ', targetAt + 1);
    if (targetEnd < 0)
        targetEnd = line.size();
    QByteArray path = line.mid(targetAt + 1, targetEnd - targetAt - 1);
    const qsizetype query = path.indexOf('?');
    if (query >= 0)
        path.truncate(query);
    return path.trimmed() == Protocol::AdminPath;
}

} // namespace

CaptureStream::CaptureStream(CaptureRecorder *recorder, int fd, const TcpSynthesizer &tcp)
    : m_recorder(recorder), m_fd(fd), m_tcp(tcp)
{
}

CaptureStream::~CaptureStream()
{
    end(TcpSynthesizer::Side::Server);
}

void CaptureStream::record(TcpSynthesizer::Side from, const char *data, qsizetype size)
{
    if (!m_recorder || size <= 0 || !m_recorder->isRecording())
        return;
    m_recorder->write(m_tcp.data(from, data, size));
}

void CaptureStream::end(TcpSynthesizer::Side first)
{
    if (!m_recorder)
        return;
    if (m_recorder->isRecording())
        m_recorder->write(m_tcp.close(first));
    m_recorder->detach(this);
    m_recorder = nullptr;
}

std::unique_ptr<CaptureRecorder> CaptureRecorder::open(const QString &fileName, qint64 maxBytes,
                                                       QString *errorString)
{
    std::unique_ptr<CaptureRecorder> recorder(new CaptureRecorder(fileName, maxBytes));
    // Unbuffered: the writer hands over whole blocks only, and a QFile buffer would cut
    // them again at its own boundaries, leaving half a block for a reader to meet.
    if (!recorder->m_file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered)) {
        *errorString = QStringLiteral("cannot open capture file %1: %2").arg(fileName, recorder->m_file.errorString());
        return nullptr;
    }
    recorder->m_writer.begin("wsplug " WSPLUG_VERSION, "wsplug");
    if (!recorder->m_writer.flush()) {
        *errorString = QStringLiteral("cannot write capture file %1: %2").arg(fileName, recorder->m_writer.errorString());
        return nullptr;
    }
    recorder->m_recording = true;
    recorder->m_finished = false;
    recorder->m_flushTimer.start(FlushIntervalMs);
    qCInfo(lcHost).noquote() << QStringLiteral("capturing sessions to %1 (at most %2 bytes)").arg(fileName).arg(maxBytes);
    return recorder;
}

CaptureRecorder::CaptureRecorder(const QString &fileName, qint64 maxBytes)
    : m_file(fileName), m_writer(&m_file), m_maxBytes(maxBytes)
{
    m_limitComment = QStringLiteral("wsplug: the capture reached its limit of %1 bytes; recording stopped here "
                                    "(this frame is cut to its headers)").arg(maxBytes).toUtf8();
    m_limitReserve = PcapngWriter::packetBlockSize(TcpSynthesizer::MaxHeaderLength, m_limitComment.size());
    QObject::connect(&m_flushTimer, &QTimer::timeout, &m_flushTimer, [this] { flush(); });
}

CaptureRecorder::~CaptureRecorder()
{
    finish();
}

void CaptureRecorder::attach(ConnectionSocket *socket, const PendingHandshake &p)
{
    if (!m_recording || p.admin)
        return;
    // A head the gate refused before reading it whole (431) is what it had buffered.
    const QByteArray request = p.requestHead.isEmpty() ? socket->peek(socket->bytesAvailable()) : p.requestHead;
    if (isAdminRequest(request))
        return;   // the token may be in it, valid or not: never in a file
    auto *random = QRandomGenerator::global();
    const TcpSynthesizer tcp(socket->peerAddress(), socket->peerPort(), socket->localAddress(), socket->localPort(),
                             random->generate(), random->generate());
    auto stream = std::make_unique<CaptureStream>(this, socket->descriptor(), tcp);
    m_streams.insert(stream.get());
    m_byFd.insert(stream->m_fd, stream.get());
    ++m_connections;
    write(stream->m_tcp.open());
    stream->clientSent(request.constData(), request.size());
    socket->startCapture(std::move(stream));
}

void CaptureRecorder::sentDirect(int fd, const char *data, qsizetype size)
{
    if (CaptureStream *stream = m_byFd.value(fd))
        stream->serverSent(data, size);
}

void CaptureRecorder::detach(CaptureStream *stream)
{
    m_streams.remove(stream);
    // A descriptor is reused once closed: only remove the entry if it is still ours.
    const auto it = m_byFd.constFind(stream->m_fd);
    if (it != m_byFd.cend() && it.value() == stream)
        m_byFd.erase(it);
}

void CaptureRecorder::write(const QList<QByteArray> &frames)
{
    for (const QByteArray &frame : frames) {
        if (!m_recording)
            return;
        const qint64 timestamp = PcapngWriter::nextTimestampUs(&m_lastTimestampUs);
        if (m_writer.size() + PcapngWriter::packetBlockSize(frame.size()) + m_limitReserve > m_maxBytes) {
            m_writer.writePacket(timestamp, QByteArrayView(frame).first(TcpSynthesizer::headerLength(frame)),
                                 quint32(frame.size()), m_limitComment);
            qCWarning(lcHost).noquote() << QStringLiteral("capture %1 reached its limit of %2 bytes: recording stopped")
                                               .arg(m_file.fileName()).arg(m_maxBytes);
            stopRecording();
            return;
        }
        m_writer.writePacket(timestamp, frame);
        if (m_writer.failed()) {
            qCWarning(lcHost).noquote() << QStringLiteral("cannot write capture %1: %2: recording stopped")
                                               .arg(m_file.fileName(), m_writer.errorString());
            stopRecording();
            return;
        }
    }
}

void CaptureRecorder::flush()
{
    if (m_writer.pendingSize() == 0 || m_writer.failed())
        return;
    if (!m_writer.flush()) {
        qCWarning(lcHost).noquote() << QStringLiteral("cannot write capture %1: %2: recording stopped")
                                           .arg(m_file.fileName(), m_writer.errorString());
        m_recording = false;
    }
}

void CaptureRecorder::stopRecording()
{
    m_recording = false;
    flush();
    m_flushTimer.stop();
}

void CaptureRecorder::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    // Connections still open (sessions of a host destroyed without stop(), refusals
    // still lingering) end here, so that the file is complete.
    const QSet<CaptureStream *> open = m_streams;
    for (CaptureStream *stream : open)
        stream->end(TcpSynthesizer::Side::Server);
    flush();
    m_recording = false;
    m_flushTimer.stop();
    m_file.close();
    qCInfo(lcHost).noquote() << QStringLiteral("capture %1 closed: %2 connections, %3 bytes")
                                    .arg(m_file.fileName()).arg(m_connections).arg(m_writer.size());
}

} // namespace WsPlug::Internal
