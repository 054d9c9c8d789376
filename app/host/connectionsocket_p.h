// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "clientframefilter_p.h"
#include "framewatch_p.h"

#include <wsplug/epolleventdispatcher.h>

#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>

QT_BEGIN_NAMESPACE
class QSslSocket;
QT_END_NAMESPACE

#include <functional>
#include <memory>

namespace WsPlug::Internal {

class CaptureStream;

/*
 * The TCP socket under every connection, from accept to close. It keeps the first response head written
 * to it (the 101 or the host's refusal) for the handshake log, writes straight to
 * the kernel when nothing is queued, and reports every write, so that the host can
 * bound the unsent data even for what is written on the client's behalf (pongs, close
 * frames). Once the upgrade is done, it reads the client's frames through its
 * ClientFrameFilter for the connection's WebSocketConnection.
 *
 * Under TLS (adoptTls()) the kernel socket is the QSslSocket's, which this one then
 * stands in front of, so that the rest of the host sees one kind of socket: it reads
 * the decrypted bytes through it (the filter, the capture and the frame inspector see
 * plain frames), writes through it (never straight to the kernel) and follows its state.
 * A plain connection pays one null pointer for it.
 *
 * While it filters a plain connection, it reads the kernel socket itself (recv() into
 * a buffer on the stack, see readFromKernel()) instead of through Qt, which would ask
 * the kernel how much there is (an ioctl), read into its own buffer, emit readyRead
 * and hand the bytes over in a new QByteArray: a third of the instructions of a small
 * echo. Under the host's epoll dispatcher the activations come straight from it, not
 * as events (another tenth). Qt's path comes back for the end of file, errors and
 * closing.
 */
class ConnectionSocket final : public QTcpSocket, private EpollEventDispatcher::DirectReader
{
public:
    using QTcpSocket::QTcpSocket;
    ~ConnectionSocket() override;

    //! Stands in front of \a tls, an encrypted server socket (it becomes a child of this).
    void adoptTls(QSslSocket *tls);
    bool isTls() const { return m_tls != nullptr; }
    //! The kernel socket's descriptor (under TLS, the QSslSocket's).
    int descriptor() const;
    QByteArray responseHead;
    //! Called after every write; never from a place where the socket may be deleted.
    std::function<void()> onWritten;
    //! Writes one frame as its header and its payload: with one sendmsg() of both when
    //! the kernel takes them at once, else as one write() of the two joined. Returns
    //! unsentBytes() after it. A frame the kernel took whole leaves nothing unsent, and
    //! onWritten is not called for it (there is no backlog to check).
    qint64 writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload);

    //! Makes the next close() a lingering close (RFC 6455 7.1.1: the server closes TCP
    //! first, but the peer must get to read the close frame). Without it, closing a
    //! socket that still has unread input (a client in the middle of a big message)
    //! makes the kernel answer with RST, and the peer's kernel may throw away the
    //! close frame before the peer reads it. Armed when the host sends its close frame
    //! first; abort() (which Qt implements through close()) is never delayed.
    void armLingeringClose(int lingerMs) { m_lingerMs = lingerMs; }

    //! Lingering close when armed: send what is queued, then FIN, drop whatever still
    //! arrives, and close for good when the peer closes or after the linger time.
    void close() override;

    //! From now on the client's stream is read here (see ClientFrameFilter), \a earlyData
    //! (what came along with the request head) first: each data message goes to
    //! onMessage, each control frame to onControl, in the order of the stream. A frame
    //! that fails the connection ends the input and calls \a onFilterFailed (queued,
    //! after what came before it) with the close code (1002, 1007, 1009) and the reason.
    void startFiltering(const QByteArray &earlyData, qint64 maxFrameBytes, qint64 maxMessageBytes, bool inflate,
                        std::function<void(int, const QString &)> onFilterFailed);
    //! Each data message the client sends, whole: text as its UTF-8. Without it, data
    //! messages are dropped.
    std::function<void(bool text, const QByteArray &payload)> onMessage;
    //! Each control frame the client sends (opcode, unmasked payload, valid during the
    //! call), checked against RFC 6455 5.5 already.
    std::function<void(int opcode, QByteArrayView payload)> onControl;

    //! From now on every byte the client sends (from the raw read path, before the
    //! frame filter) and every byte written goes to \a stream too, until the
    //! connection ends (see CaptureRecorder). Without it, writes and reads pay a
    //! null-pointer check.
    void startCapture(std::unique_ptr<CaptureStream> stream);

    //! The frame inspector: from now on both directions' frames go to \a sink, as for a
    //! capture, until unwatchFrames() or the end of the connection (see FrameWatch).
    void watchFrames(quint64 session, const QString &route, FrameSink *sink);
    void unwatchFrames();
    //! The frame inspector's watch, or nullptr when nobody watches (for the fan-out's direct sends).
    FrameWatch *frameWatch() const { return m_watch.get(); }

    //! Gives back the block Qt keeps for reading when nothing is buffered: an idle
    //! connection then holds no read buffer at all (Qt allocates one for the next read).
    void releaseReadBuffer();

    //! Under TLS: what the QSslSocket has decrypted, too.
    qint64 bytesAvailable() const override;
    //! Under TLS: what the QSslSocket has not encrypted and sent yet, too.
    qint64 bytesToWrite() const override;
    //! Under TLS: closes the TLS session (close_notify); this socket follows its state.
    void disconnectFromHost() override;

    /*! Bytes written that the peer has not taken yet. Writes go straight to the
        kernel, so while the kernel takes them this is 0 at no cost; once Qt has to
        buffer (the kernel's send queue is full) the kernel's queue counts too, so a
        peer that stops reading meets the limit even when the kernel buffer alone is
        larger. */
    qint64 unsentBytes() const;

    //! See ClientFrameFilter::setDropIncoming().
    void setDropIncoming(bool pings, bool pongs) { m_filter.setDropIncoming(pings, pongs); }

    //! The code in the client's first close frame (see ClientFrameFilter::peerCloseCode()).
    int peerCloseCode() const { return m_filter.peerCloseCode(); }
    QByteArray peerCloseReason() const { return m_filter.peerCloseReason(); }
    //! The host's close frame (asked for or answering the client's): when it was written
    //! (steady clock, µs; 0: none) and its payload.
    qint64 hostCloseAtUs() const { return m_hostCloseAtUs; }
    QByteArray hostClosePayload() const { return m_hostClosePayload; }
    //! When the client's first close frame came in (steady clock, µs), or 0.
    qint64 peerCloseAtUs() const { return m_peerCloseAtUs; }
    //! Data frames and payload bytes the client sent since the last call.
    ClientFrameFilter::DataReceived takeDataReceived() { return m_filter.takeDataReceived(); }

protected:
    void timerEvent(QTimerEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 len) override;

private:
    qint64 writeNow(const char *data, qint64 len);
    void shutdownWriteWhenFlushed();
    void filterReceived();
    void stopFiltering();
    void takeOverReading();
    void giveBackReading();
    EpollEventDispatcher *epollDispatcher() const;
    bool readFromKernel();
    bool readyToRead() override { return readFromKernel(); }
    //! Reads \a data through the filter and hands out each message and control frame
    //! as it completes; false if a callback deleted this socket.
    bool consume(const char *data, qsizetype size);
    void discardInput();
    //! Reads what arrives once the session is done with the input (closing, or after a
    //! bad frame) only for the client's close frame: its code, reason and time.
    void notePeerCloseIn(const char *data, qsizetype size);
    void notePeerClose();
    void flushTlsBeforeSleep();
    void closeTls();
    void onTlsStateChanged(QAbstractSocket::SocketState state);
    QSslSocket *m_tls = nullptr;   // only under TLS: the socket that holds the connection
    bool m_closing = false;        // under TLS: close() was called, the TLS session is ending
    QMetaObject::Connection m_tlsFlush;   // under TLS: a flush waits for the thread to sleep
    bool m_recording = true;
    int m_lingerMs = 0;
    bool m_lingering = false;
    int m_lingerTimer = 0;

    // Filtering: what came from the kernel (still masked) goes through the filter, and
    // each message and control frame out to onMessage and onControl as it completes.
    bool m_filtering = false;
    ClientFrameFilter m_filter;
    std::function<void(int, const QString &)> m_onFilterFailed;
    bool m_consuming = false;       // consume() is handing out: callbacks run
    bool *m_deleted = nullptr;      // consume()'s: set when this is deleted meanwhile
    bool m_readPaused = false;      // a nested event loop found more to read meanwhile
    QByteArrayView m_unread;        // consume()'s: what the filter has not read yet
    // Qt's read notifier for the socket, while this reads the kernel itself: its
    // activations are taken here and never reach Qt. The host's epoll dispatcher hands
    // them over directly (readyToRead()) when it is the thread's, else an event filter
    // on the notifier takes them (eventFilter()).
    QPointer<QSocketNotifier> m_readNotifier;
    bool m_readsDirectly = false;

    std::unique_ptr<CaptureStream> m_capture;   // only with --capture
    std::unique_ptr<FrameWatch> m_watch;        // only while watched
    qint64 m_peerCloseAtUs = 0;
    qint64 m_hostCloseAtUs = 0;
    QByteArray m_hostClosePayload;
};

} // namespace WsPlug::Internal
