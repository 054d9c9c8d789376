// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "pcapngwriter_p.h"
#include "tcpsynthesizer_p.h"

#include <wsplug/protocol/types.h>

#include <QBuffer>
#include <QDateTime>
#include <QHash>

namespace WsPlug::Internal {

//! A session as a recording draws it when it joins (see WatchRecording::begin()).
struct RecordedConnection
{
    Protocol::SessionId session = 0;
    QHostAddress client;
    quint16 clientPort = 0;
    QHostAddress server;
    quint16 serverPort = 0;
    QDateTime connectedAt;
    //! The upgrade as the handshake log kept it (credentials masked); empty once it
    //! left the log (then a reader must be told to decode the port as WebSocket).
    QByteArray request;
    QByteArray response;
};

/*
 * The admin channel's "record": the bytes of the watched sessions, both ways, as a
 * pcapng file in memory that Wireshark and tshark dissect as HTTP and WebSocket, the
 * same drawing as --capture (TcpSynthesizer, PcapngWriter). A session joins the
 * recording while open: its TCP connection is drawn from that moment, followed by the
 * upgrade request and response the handshake log kept, then its frames as they pass
 * (from a frame boundary on: see FrameWatch::setRecorded()). What the session sent
 * before it joined is not in the file; the first packet's comment says so.
 *
 * Bounded: the file never passes maxBytes. The frame that would pass it is written
 * cut to its headers with a comment saying the recording stopped there. No I/O.
 */
class WatchRecording
{
public:
    explicit WatchRecording(qint64 maxBytes);
    WatchRecording(const WatchRecording &) = delete;
    WatchRecording &operator=(const WatchRecording &) = delete;

    //! Draws \a connection's TCP handshake and its upgrade; a session already in is left as it is.
    void begin(const RecordedConnection &connection);
    bool has(Protocol::SessionId session) const { return m_streams.contains(session); }
    //! Bytes of \a session sent by the side \a from (the client's still masked).
    void bytes(Protocol::SessionId session, Protocol::Direction from, const char *data, qsizetype size);
    //! The session's connection ended: drawn as a FIN exchange.
    void end(Protocol::SessionId session);
    //! Ends every connection still open; the file is then complete. Idempotent.
    void finish();
    bool isFinished() const { return m_finished; }

    //! The file so far (complete after finish()).
    const QByteArray &data();
    qint64 maxBytes() const { return m_maxBytes; }
    //! Sessions that joined the recording.
    int sessionCount() const { return m_sessionCount; }
    //! True once the limit was reached and recording stopped.
    bool reachedLimit() const { return m_reachedLimit; }

private:
    void write(const QList<QByteArray> &frames, const QByteArray &firstComment = {});

    QByteArray m_data;
    QBuffer m_buffer;
    PcapngWriter m_writer;
    const qint64 m_maxBytes;
    QByteArray m_limitComment;
    qint64 m_limitReserve = 0;
    QHash<Protocol::SessionId, TcpSynthesizer> m_streams;
    int m_sessionCount = 0;
    bool m_reachedLimit = false;
    bool m_finished = false;
    qint64 m_lastTimestampUs = 0;
};

} // namespace WsPlug::Internal
