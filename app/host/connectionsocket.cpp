// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "connectionsocket_p.h"

#include "capturerecorder_p.h"
#include "framewatch_p.h"

#include <QAbstractEventDispatcher>
#include <QPointer>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTimer>
#include <QTimerEvent>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace WsPlug::Internal {

ConnectionSocket::~ConnectionSocket()
{
    if (m_deleted)
        *m_deleted = true;
    giveBackReading();
}

namespace {
// Under TLS a graceful close (flush, close_notify) that the peer does not let finish
// is cut off after this, when close() was not armed with a linger time of its own.
constexpr int TlsCloseMs = 2000;
} // namespace

void ConnectionSocket::adoptTls(QSslSocket *tls)
{
    m_tls = tls;
    tls->setParent(this);
    setSocketState(QAbstractSocket::ConnectedState);
    setPeerAddress(tls->peerAddress());
    setPeerPort(tls->peerPort());
    setLocalAddress(tls->localAddress());
    setLocalPort(tls->localPort());
    setOpenMode(QIODevice::ReadWrite);
    connect(tls, &QIODevice::readyRead, this, [this] { Q_EMIT readyRead(); });
    connect(tls, &QIODevice::bytesWritten, this, [this](qint64 n) { Q_EMIT bytesWritten(n); });
    connect(tls, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        setSocketError(e);
        setErrorString(m_tls->errorString());
        Q_EMIT errorOccurred(e);
    });
    connect(tls, &QAbstractSocket::stateChanged, this,
            [this](QAbstractSocket::SocketState state) { onTlsStateChanged(state); });
}

void ConnectionSocket::flushTlsBeforeSleep()
{
    // QSslSocket encrypts on a later turn of the event loop, and its TCP socket then
    // waits for a write notification (an epoll round trip, two epoll_ctl calls) before it
    // sends. Flushing it before the thread sleeps sends at once, after everything this
    // turn wrote. Not inside the write itself: a flush also reads and decrypts, which in
    // the middle of reading a frame corrupted the stream (tests/auto/tls).
    if (m_tlsFlush)
        return;
    auto *dispatcher = QAbstractEventDispatcher::instance(thread());
    if (!dispatcher)
        return;
    m_tlsFlush = connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [this] {
        disconnect(std::exchange(m_tlsFlush, {}));
        if (m_tls && m_tls->state() == QAbstractSocket::ConnectedState)
            m_tls->flush();
    });
}

int ConnectionSocket::descriptor() const
{
    return m_tls ? int(m_tls->socketDescriptor()) : int(socketDescriptor());
}

void ConnectionSocket::onTlsStateChanged(QAbstractSocket::SocketState state)
{
    if (state != QAbstractSocket::UnconnectedState || this->state() == QAbstractSocket::UnconnectedState)
        return;
    if (m_lingerTimer != 0) {
        killTimer(m_lingerTimer);
        m_lingerTimer = 0;
    }
    // The TLS session ended: as the host closed it, a full close; as the peer did, end
    // of file (QAbstractSocket without a socket engine just changes state and signals).
    if (m_closing)
        QTcpSocket::close();
    else
        QTcpSocket::disconnectFromHost();
}

qint64 ConnectionSocket::bytesToWrite() const
{
    if (m_tls)
        return m_tls->bytesToWrite() + m_tls->encryptedBytesToWrite();
    return QTcpSocket::bytesToWrite();
}

void ConnectionSocket::disconnectFromHost()
{
    // Not while closing: QAbstractSocket::close() calls this too.
    if (m_tls && !m_closing && m_tls->state() != QAbstractSocket::UnconnectedState) {
        close();
        return;
    }
    QTcpSocket::disconnectFromHost();
}

void ConnectionSocket::closeTls()
{
    // QAbstractSocket::abort() drops the write channel before it calls close().
    const bool aborting = writeChannelCount() == 0 || m_lingering;
    if (aborting || m_tls->state() != QAbstractSocket::ConnectedState) {
        m_lingerMs = 0;
        m_closing = true;
        QTcpSocket::close();
        if (m_tls->state() != QAbstractSocket::UnconnectedState)
            m_tls->abort();
        return;
    }
    // Send what is queued and close_notify, then close; this socket follows the TLS
    // socket's state (onTlsStateChanged()). A peer that does not let it end is cut off.
    // Meanwhile what arrives is read as on a plain lingering close (the peer's close frame).
    m_lingering = true;
    m_closing = true;
    disconnect(this, &QIODevice::readyRead, nullptr, nullptr);
    connect(this, &QIODevice::readyRead, this, [this] { discardInput(); });
    discardInput();
    m_tls->disconnectFromHost();
    if (m_tls->state() != QAbstractSocket::UnconnectedState && m_lingerTimer == 0)
        m_lingerTimer = startTimer(m_lingerMs > 0 ? m_lingerMs : TlsCloseMs);
}

qint64 ConnectionSocket::writeData(const char *data, qint64 len)
{
    // The host's close frame. Control frames (WebSocketConnection's) are written one
    // whole frame per write, and every write that comes here starts a frame (data
    // frames are whole encoded messages, never starting with 0x88, and writeFrame()
    // sends the tail of a partial sendmsg() past this): a write that is exactly a close
    // header, or a close header and its whole payload, is the close frame.
    if (m_hostCloseAtUs == 0 && len >= 2 && static_cast<unsigned char>(data[0]) == 0x88) {
        const int length = static_cast<unsigned char>(data[1]);   // a server frame has no mask bit
        if (length <= 125 && (len == 2 || len == 2 + length)) {
            m_hostCloseAtUs = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now().time_since_epoch()).count();
            m_hostClosePayload = QByteArray(data + 2, qsizetype(len - 2));
        }
    }
    const qint64 written = writeNow(data, len);
    // What the kernel or Qt's buffer took, in the order written: the stream's order.
    if (m_capture && written > 0)
        m_capture->serverSent(data, qsizetype(written));
    if (m_watch && written > 0)
        m_watch->hostSent(data, qsizetype(written));
    if (onWritten)
        onWritten();
    return written;
}

qint64 ConnectionSocket::writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload)
{
    // The plain connection's fast path, as in writeNow(), without the copy that joins
    // header and payload (16 KiB an echo). Under TLS, a capture or a frame watch, or
    // with data queued, the frame goes the ordinary way.
    const qsizetype total = headerSize + payload.size();
    if (!m_tls && !m_capture && !m_watch && !m_recording && bytesToWrite() == 0
        && state() == QAbstractSocket::ConnectedState) {
        iovec parts[2] = {{const_cast<char *>(header), size_t(headerSize)},
                          {const_cast<char *>(payload.constData()), size_t(payload.size())}};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = payload.isEmpty() ? 1 : 2;
        const ssize_t n = ::sendmsg(int(socketDescriptor()), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == total)
            return 0;   // nothing was queued before it, nothing is now
        if (n > 0) {
            // The rest after what the kernel took, past writeData(): its close-frame
            // check reads the start of a write, and this one starts inside a frame.
            const QByteArray rest = n < headerSize
                    ? QByteArray(header + n, headerSize - n) + payload
                    : payload.mid(n - headerSize);
            writeNow(rest.constData(), rest.size());
            if (onWritten)
                onWritten();
            return unsentBytes();
        }
        // EAGAIN or an error: the ordinary way queues it, or meets and reports the error.
    }
    QByteArray frame;
    frame.reserve(total);
    frame.append(header, headerSize).append(payload);
    write(frame);
    return unsentBytes();
}

qint64 ConnectionSocket::writeNow(const char *data, qint64 len)
{
    if (m_recording) {
        constexpr qsizetype cap = 16 * 1024;
        responseHead.append(data, qMin<qint64>(len, cap - responseHead.size()));
        const qsizetype end = responseHead.indexOf("\r\n\r\n");
        if (end >= 0) {
            responseHead.truncate(end + 4);
            m_recording = false;
        } else if (responseHead.size() >= cap) {
            m_recording = false;
        }
    }
    // Never to the kernel directly: it must be encrypted.
    if (m_tls) {
        flushTlsBeforeSleep();
        return m_tls->write(data, len);
    }
    // Fast path: with nothing queued in Qt's buffer, hand the bytes to the kernel at
    // once. A buffered write costs a copy and switching the write notifier on and off
    // again (two epoll_ctl calls per message); most writes fit the kernel buffer.
    if (len > 0 && bytesToWrite() == 0 && state() == QAbstractSocket::ConnectedState) {
        const ssize_t n = ::send(int(socketDescriptor()), data, size_t(len), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == len)
            return len;
        if (n > 0) {
            const qint64 rest = QTcpSocket::writeData(data + n, len - n);
            return rest < 0 ? qint64(n) : qint64(n) + rest;
        }
        // EAGAIN or an error: Qt buffers it, or meets and reports the error itself.
    }
    return QTcpSocket::writeData(data, len);
}

qint64 ConnectionSocket::unsentBytes() const
{
    if (m_tls)
        return bytesToWrite();
    const qint64 buffered = bytesToWrite();
    if (buffered == 0)
        return 0;
    int queued = 0;
    if (::ioctl(int(socketDescriptor()), SIOCOUTQ, &queued) != 0)
        queued = 0;
    return buffered + queued;
}

void ConnectionSocket::close()
{
    // Nothing that arrives from now on is for the session: it has closed.
    stopFiltering();
    if (m_tls) {
        closeTls();
        return;
    }
    // Not armed, already lingering (a second close() or an abort(), which Qt implements
    // through close()), or not connected: close at once.
    if (m_lingerMs <= 0 || m_lingering || state() != QAbstractSocket::ConnectedState) {
        m_lingerMs = 0;
        QTcpSocket::close();
        return;
    }
    m_lingering = true;
    // Drain what arrives so that the final close() finds no unread input (which would
    // make it a reset).
    disconnect(this, &QIODevice::readyRead, nullptr, nullptr);
    connect(this, &QIODevice::readyRead, this, [this] { discardInput(); });
    discardInput();
    shutdownWriteWhenFlushed();
    // The peer answers our FIN with its own: Qt reads end-of-file, and the socket is
    // then closed for good (disconnected() follows). A peer that never does is cut off.
    // A timer of the socket's own goes with it (a single-shot QTimer object would
    // outlive it by the whole linger time).
    m_lingerTimer = startTimer(m_lingerMs);
}

void ConnectionSocket::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_lingerTimer || m_lingerTimer == 0) {
        QTcpSocket::timerEvent(event);
        return;
    }
    killTimer(m_lingerTimer);
    m_lingerTimer = 0;
    if (state() != QAbstractSocket::UnconnectedState)
        abort();
}

void ConnectionSocket::discardInput()
{
    if (m_consuming)
        return;   // closed from a callback: the rest of the read under way comes first (consume())
    const bool closeAwaited = m_peerCloseAtUs == 0 && !m_filter.failed();
    if (!m_capture && !m_watch && !closeAwaited) {
        skip(bytesAvailable());
        return;
    }
    // The peer still sent it (its answer to our close frame, often): keep it in the
    // capture, show it in the inspector, note its close frame (code, reason, time).
    const QByteArray input = read(bytesAvailable());
    if (m_capture)
        m_capture->clientSent(input.constData(), input.size());
    if (m_watch)
        m_watch->clientSent(input.constData(), input.size());
    notePeerCloseIn(input.constData(), input.size());
}

void ConnectionSocket::notePeerCloseIn(const char *data, qsizetype size)
{
    if (m_peerCloseAtUs == 0 && !m_filter.failed()) {
        QByteArray unused;
        QList<ClientFrameFilter::DataMessage> unusedMessages;
        m_filter.feed(data, size, &unused, &unusedMessages);
        notePeerClose();
    }
}

void ConnectionSocket::notePeerClose()
{
    if (m_peerCloseAtUs == 0 && m_filter.peerCloseCode() != ClientFrameFilter::NoClose)
        m_peerCloseAtUs = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now().time_since_epoch()).count();
}

void ConnectionSocket::watchFrames(quint64 session, const QString &route, FrameSink *sink)
{
    if (m_watch)
        return;
    // Once the filter has stopped (closing), whatever still comes starts a frame.
    const ClientFrameFilter::Position at = m_filtering ? m_filter.position() : ClientFrameFilter::Position();
    m_watch = std::make_unique<FrameWatch>(session, route, sink, at.headerSoFar, at.payloadLeft, m_filter.inflates());
    // Asked from a callback (a nested event loop) while a read is handed out: the
    // watch starts where the filter is, so it is given what the filter has not read.
    if (m_consuming && m_unread.size() > 0)
        m_watch->clientSent(m_unread.data(), m_unread.size());
}

void ConnectionSocket::unwatchFrames()
{
    m_watch.reset();
}

void ConnectionSocket::startCapture(std::unique_ptr<CaptureStream> stream)
{
    m_capture = std::move(stream);
    connect(this, &QAbstractSocket::disconnected, this, [this] {
        if (!m_capture)
            return;
        // The peer closed first if the socket met its end of file before the host
        // shut its side down; every other end (close, refusal, abort) is the host's.
        const bool peerFirst = !m_lingering && error() == QAbstractSocket::RemoteHostClosedError;
        m_capture->end(peerFirst ? TcpSynthesizer::Side::Client : TcpSynthesizer::Side::Server);
    });
}

void ConnectionSocket::shutdownWriteWhenFlushed()
{
    flush();
    if (bytesToWrite() == 0) {
        ::shutdown(int(socketDescriptor()), SHUT_WR);
        return;
    }
    connect(this, &QAbstractSocket::bytesWritten, this, [this] {
        if (bytesToWrite() == 0)
            ::shutdown(int(socketDescriptor()), SHUT_WR);
    });
}

void ConnectionSocket::startFiltering(const QByteArray &earlyData, qint64 maxFrameBytes, qint64 maxMessageBytes,
                                      bool inflate, std::function<void(int, const QString &)> onFilterFailed)
{
    if (m_lingering || state() != QAbstractSocket::ConnectedState)
        return;   // closed already (a plugin may close a session as it opens)
    m_filter = ClientFrameFilter(maxFrameBytes, maxMessageBytes);
    m_filter.setInflate(inflate);
    m_onFilterFailed = std::move(onFilterFailed);
    m_filtering = true;
    connect(this, &QIODevice::readyRead, this, [this] {
        if (m_filtering)
            filterReceived();
    });
    if (!consume(earlyData.constData(), earlyData.size()))
        return;
    QPointer<ConnectionSocket> alive(this);
    filterReceived();   // what the kernel gave Qt meanwhile
    if (alive && m_filtering && !m_tls)
        takeOverReading();
}

void ConnectionSocket::takeOverReading()
{
    // Qt's socket engine, a child of this socket, holds the read notifier. Without one
    // (another socket engine), Qt goes on reading as before.
    const qintptr fd = socketDescriptor();
    for (QSocketNotifier *notifier : findChildren<QSocketNotifier *>()) {
        if (notifier->type() == QSocketNotifier::Read && notifier->socket() == fd) {
            m_readNotifier = notifier;
            break;
        }
    }
    if (!m_readNotifier)
        return;
    m_readNotifier->setEnabled(true);
    EpollEventDispatcher *epoll = epollDispatcher();
    m_readsDirectly = epoll && epoll->setDirectReader(m_readNotifier, this);
    if (!m_readsDirectly)
        m_readNotifier->installEventFilter(this);
}

void ConnectionSocket::giveBackReading()
{
    // Paused from a nested event loop (readFromKernel()): Qt's path needs it on.
    if (std::exchange(m_readPaused, false) && m_readNotifier)
        m_readNotifier->setEnabled(true);
    if (m_readNotifier && m_readsDirectly) {
        if (EpollEventDispatcher *epoll = epollDispatcher())
            epoll->setDirectReader(m_readNotifier, nullptr);
    } else if (m_readNotifier) {
        m_readNotifier->removeEventFilter(this);
    }
    m_readNotifier = nullptr;
    m_readsDirectly = false;
}

EpollEventDispatcher *ConnectionSocket::epollDispatcher() const
{
    // The thread's, if it still has one (it goes when the thread ends) and it is ours.
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance(thread()));
}

bool ConnectionSocket::eventFilter(QObject *watched, QEvent *event)
{
    // Installed on Qt's read notifier only (takeOverReading()).
    if (event->type() != QEvent::SockAct)
        return QTcpSocket::eventFilter(watched, event);
    return readFromKernel();
}

/*!
    Reads what the kernel has for this socket and hands out what it completes. Returns
    false, having given reading back to Qt, at the end of file or on an error: Qt's read
    path, which the activation then reaches, meets them too and reports them as always.
*/
bool ConnectionSocket::readFromKernel()
{
    if (m_consuming) {
        // From a callback's nested event loop: what came next would overtake what the
        // read under way still holds. Not read until that is handed out (consume()).
        m_readPaused = true;
        if (m_readNotifier)
            m_readNotifier->setEnabled(false);
        return true;
    }
    // 64 KiB: a 16 KiB message and its header, or many small ones, in one recv(), and
    // each handed out as the filter completes it. Up to 1 MiB a wake-up, so that one
    // busy client cannot keep the thread from the others; and no more than one read
    // while what was written to the peer waits in Qt's buffer, so that a peer that
    // sends and does not read (pings, say) meets the send backlog limit before it can
    // make the host answer much more.
    char buffer[64 * 1024];
    const int fd = int(socketDescriptor());
    for (int reads = 0; reads < 16 && m_filtering; ++reads) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            giveBackReading();
            return false;
        }
        if (!consume(buffer, n))
            return true;   // deleted by a callback
        if (n < ssize_t(sizeof buffer) || QTcpSocket::bytesToWrite() > 0)
            break;
    }
    return true;
}

bool ConnectionSocket::consume(const char *data, qsizetype size)
{
    if (m_consuming)
        return true;   // from a callback (filterReceived()): the outer call reads on
    // Every byte the client sends after its request head, still masked: the capture
    // and the inspector take each read whole, as it came off the wire, before what the
    // host writes back.
    if (m_capture)
        m_capture->clientSent(data, size);
    if (m_watch)
        m_watch->clientSent(data, size);
    bool deleted = false;
    m_deleted = &deleted;
    m_consuming = true;
    while (size > 0 && m_filtering && !m_filter.failed()) {
        ClientFrameFilter::Output out;
        const qsizetype read = m_filter.next(data, size, &out);
        data += read;
        size -= read;
        m_unread = QByteArrayView(data, size);
        if (m_peerCloseAtUs == 0)
            notePeerClose();
        if (out.kind == ClientFrameFilter::Output::Kind::Message && onMessage)
            onMessage(out.text, out.payload);
        else if (out.kind == ClientFrameFilter::Output::Kind::Control && onControl)
            onControl(out.opcode, QByteArrayView(out.control, out.controlLength));
        if (deleted)
            return false;
        if (m_filter.failed() && m_onFilterFailed) {
            // After what came before the bad frame was handed out.
            QMetaObject::invokeMethod(this, [this] {
                if (m_filtering && m_onFilterFailed)   // not if closing meanwhile
                    m_onFilterFailed(m_filter.errorCode(), m_filter.error());
            }, Qt::QueuedConnection);
        }
    }
    m_consuming = false;
    m_deleted = nullptr;
    // After a bad frame, or once closing: not for the session any more.
    if (size > 0)
        notePeerCloseIn(data, size);
    if (m_filtering && m_readPaused) {
        giveBackReading();   // switches the notifier back on
        takeOverReading();
    } else if (m_lingering && bytesAvailable() > 0) {
        discardInput();      // what Qt holds came after this read
    }
    return true;
}

void ConnectionSocket::stopFiltering()
{
    // What still arrives is for the close (discardInput()), through Qt.
    giveBackReading();
    m_filtering = false;
}

qint64 ConnectionSocket::bytesAvailable() const
{
    return QTcpSocket::bytesAvailable() + (m_tls ? m_tls->bytesAvailable() : 0);
}

void ConnectionSocket::filterReceived()
{
    if (m_consuming)
        return;   // from a callback: the outer loop below reads it after what it holds
    while (m_filtering && bytesAvailable() > 0) {
        // Read as a QByteArray: when all that is buffered is in one block, Qt hands the
        // block itself over (no copy) and keeps none, where a read into our own buffer
        // would leave Qt's 16 KiB block with the socket for as long as it is open.
        const QByteArray raw = QIODevice::read(bytesAvailable());
        if (raw.isEmpty() || !consume(raw.constData(), raw.size()))
            return;
    }
}

void ConnectionSocket::releaseReadBuffer()
{
    if (bytesAvailable() != 0)
        return;   // the next read takes the block with the data (filterReceived())
    // Qt keeps an emptied read block (16 KiB) for the next read, with every idle
    // connection. Put one byte in it and take it back as a QByteArray: the block goes
    // with it (see filterReceived()).
    ungetChar('\0');
    QIODevice::read(1);
}

qint64 ConnectionSocket::readData(char *data, qint64 maxSize)
{
    if (!m_tls)
        return QTcpSocket::readData(data, maxSize);
    // Under TLS the bytes are the QSslSocket's, decrypted.
    const qint64 n = m_tls->read(data, maxSize);
    return n < 0 ? 0 : n;
}

} // namespace WsPlug::Internal
