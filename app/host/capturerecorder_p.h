// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "pcapngwriter_p.h"
#include "tcpsynthesizer_p.h"

#include <QFile>
#include <QHash>
#include <QSet>
#include <QTimer>

#include <memory>

namespace WsPlug::Internal {

class CaptureRecorder;
class ConnectionSocket;
struct PendingHandshake;

/*
 * One recorded connection: the bytes each side sent, in the order the host saw
 * them, drawn as TCP segments. Its ConnectionSocket owns it and feeds it; the
 * fan-out reaches it through CaptureRecorder::sentDirect(). Inert once the
 * connection ended, the recorder finished, or the file reached its limit.
 */
class CaptureStream
{
public:
    CaptureStream(CaptureRecorder *recorder, int fd, const TcpSynthesizer &tcp);
    //! Ends the connection in the file if end() was not called.
    ~CaptureStream();
    CaptureStream(const CaptureStream &) = delete;
    CaptureStream &operator=(const CaptureStream &) = delete;

    //! Bytes the client sent, as it sent them (masked frames included).
    void clientSent(const char *data, qsizetype size) { record(TcpSynthesizer::Side::Client, data, size); }
    //! Bytes the host handed to the kernel, or to Qt's buffer on the way there.
    void serverSent(const char *data, qsizetype size) { record(TcpSynthesizer::Side::Server, data, size); }
    //! The connection ended; \a first sent the first FIN.
    void end(TcpSynthesizer::Side first);

private:
    friend class CaptureRecorder;
    void record(TcpSynthesizer::Side from, const char *data, qsizetype size);

    CaptureRecorder *m_recorder;   // nullptr once inert
    const int m_fd;
    TcpSynthesizer m_tcp;
};

/*
 * `--capture FILE`: every session's bytes, both ways, as a pcapng file that Wireshark
 * and tshark dissect as HTTP and WebSocket (see README "Capturing to Wireshark").
 *
 * What is recorded: connections on plugin routes, from the request head (as the
 * client sent it) and the host's 101 on; every frame both ways, the client's still
 * masked, pongs and close frames included; refused handshakes, request and refusal. What
 * is not: the admin channel (it carries the token; a request for /_admin is never
 * recorded, accepted or refused), the host's HTTP endpoints (/, /metrics, /healthz,
 * /readyz: a scraper would fill the file with the host's own traffic), and
 * connections that ended before a complete request head. The TCP connection is
 * synthesized when the host decides to record one (after the request head), so its
 * SYN carries that time, not the accept time (the handshake log has the latter).
 *
 * Where the bytes come from (all on the host thread): HandshakeGate hands each
 * connection to attach() with its request head; ConnectionSocket reports what the
 * client sent from its raw read path (before the frame filter unmasks it) and what
 * the host wrote from writeData(); the fan-out reports what the kernel took from
 * its direct send() through sentDirect(). With no capture configured none of this
 * exists: the data path pays one null-pointer check.
 *
 * The file is written in whole blocks only (see PcapngWriter), flushed at least once
 * a second and at finish(), so it can be read while the host runs. It never grows
 * past the limit: the frame that would pass it is written cut to its headers, with a
 * comment saying recording stopped there, and a warning is logged once.
 */
class CaptureRecorder
{
public:
    // Half the promised second: a coarse timer may fire a little late.
    static constexpr int FlushIntervalMs = 500;

    //! A recorder writing \a fileName (created anew, truncated) of at most \a maxBytes;
    //! nullptr and a one-line \a errorString if the file cannot be opened.
    static std::unique_ptr<CaptureRecorder> open(const QString &fileName, qint64 maxBytes,
                                                 QString *errorString);
    ~CaptureRecorder();
    CaptureRecorder(const CaptureRecorder &) = delete;
    CaptureRecorder &operator=(const CaptureRecorder &) = delete;

    //! Starts recording the connection of \a socket, whose request head the gate has
    //! read (\a p), unless it is an admin-channel connection. Call it before anything
    //! is written to the socket.
    void attach(ConnectionSocket *socket, const PendingHandshake &p);
    //! \a size bytes the kernel took on descriptor \a fd, written around the socket.
    void sentDirect(int fd, const char *data, qsizetype size);
    //! Ends every connection still open in the file, flushes and closes it. Idempotent.
    void finish();

    QString fileName() const { return m_file.fileName(); }

private:
    friend class CaptureStream;
    CaptureRecorder(const QString &fileName, qint64 maxBytes);

    bool isRecording() const { return m_recording; }
    void write(const QList<QByteArray> &frames);
    void detach(CaptureStream *stream);
    void flush();
    void stopRecording();

    QFile m_file;
    PcapngWriter m_writer;
    QTimer m_flushTimer;
    const qint64 m_maxBytes;
    QByteArray m_limitComment;
    qint64 m_limitReserve = 0;     // room kept for the block that says the limit was reached
    bool m_recording = false;
    bool m_finished = true;        // until open() succeeds: nothing to finish
    qint64 m_lastTimestampUs = 0;
    quint64 m_connections = 0;
    QHash<int, CaptureStream *> m_byFd;   // the live stream on each descriptor
    QSet<CaptureStream *> m_streams;
};

} // namespace WsPlug::Internal
