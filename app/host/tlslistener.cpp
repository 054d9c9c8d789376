// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tlslistener_p.h"

#include "logging_p.h"
#include "requesthead_p.h"

#include <QDeadlineTimer>
#include <QSocketNotifier>
#include <QSslSocket>

#include <cerrno>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

namespace WsPlug::Internal {

namespace {

constexpr unsigned char TlsHandshakeRecord = 0x16;

qint64 nowMs()
{
    return QDeadlineTimer::current().deadline();
}

QHostAddress peerOf(int fd)
{
    sockaddr_storage ss = {};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&ss));
}

} // namespace

TlsListener::TlsListener(int firstByteTimeoutMs, int maxWaiting, QObject *parent)
    : QSslServer(parent), m_firstByteTimeoutMs(firstByteTimeoutMs), m_maxWaiting(maxWaiting)
{
    setHandshakeTimeout(firstByteTimeoutMs);
    m_sweep.setInterval(std::clamp(firstByteTimeoutMs / 4, 20, 1000));
    connect(&m_sweep, &QTimer::timeout, this, [this] { sweep(); });
    connect(this, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (hasPendingConnections()) {
            auto *socket = static_cast<QSslSocket *>(nextPendingConnection());
            if (onEncrypted)
                onEncrypted(socket);
            else
                socket->deleteLater();
        }
    });
    connect(this, &QSslServer::errorOccurred, this,
            [this](QSslSocket *socket, QAbstractSocket::SocketError error) { onHandshakeError(socket, error); });
}

TlsListener::~TlsListener()
{
    for (auto &[fd, w] : m_waiting) {
        w.notifier.reset();
        ::close(fd);
    }
}

void TlsListener::incomingConnection(qintptr socketDescriptor)
{
    const int fd = int(socketDescriptor);
    if (decide(fd))
        return;
    if (int(m_waiting.size()) >= m_maxWaiting) {
        drop(fd, QStringLiteral("dropped: %1 connections already wait for their first byte").arg(m_maxWaiting));
        return;
    }
    // Nothing yet: wait for the first byte without a socket object (a QSslSocket is
    // large, and a connection that never speaks should not cost one).
    Waiting w;
    w.deadline = nowMs() + m_firstByteTimeoutMs;
    w.notifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    connect(w.notifier.get(), &QSocketNotifier::activated, this, [this, fd] {
        auto it = m_waiting.find(fd);
        if (it == m_waiting.end())
            return;
        it->second.notifier->setEnabled(false);
        if (decide(fd)) {
            // The notifier goes later: this is its own signal.
            it->second.notifier.release()->deleteLater();
            m_waiting.erase(it);
        } else {
            it->second.notifier->setEnabled(true);
        }
    });
    m_waiting.emplace(fd, std::move(w));
    if (!m_sweep.isActive())
        m_sweep.start();
}

bool TlsListener::decide(int fd)
{
    unsigned char first = 0;
    const ssize_t n = ::recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return false;
    if (n <= 0) {
        drop(fd, QStringLiteral("closed before the TLS handshake"));
        return true;
    }
    if (first == TlsHandshakeRecord) {
        QSslServer::incomingConnection(fd);
        return true;
    }
    if (first >= 'A' && first <= 'Z')
        refusePlainText(fd);
    else
        drop(fd, QStringLiteral("not TLS (first byte 0x%1)").arg(first, 2, 16, QLatin1Char('0')));
    return true;
}

void TlsListener::refusePlainText(int fd)
{
    static const QByteArray response = refusalResponse(400, "this port speaks TLS: use https:// or wss://");
    const QHostAddress peer = peerOf(fd);
    // Read what the client sent first: closing a socket with unread input resets the
    // connection, and the client could lose the answer.
    char sink[4096];
    for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
    [[maybe_unused]] const ssize_t sent = ::send(fd, response.constData(), size_t(response.size()),
                                                 MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
    if (onFailed)
        onFailed(peer, QStringLiteral("plain-text HTTP on the TLS port: answered 400"));
}

void TlsListener::drop(int fd, const QString &why)
{
    const QHostAddress peer = peerOf(fd);
    ::close(fd);
    if (onFailed)
        onFailed(peer, why);
}

void TlsListener::onHandshakeError(QSslSocket *socket, QAbstractSocket::SocketError error)
{
    // QSslServer reports only sockets still in their handshake, some more than once.
    if (socket->property("wsplugTlsFailed").toBool())
        return;
    socket->setProperty("wsplugTlsFailed", true);
    // QSslServer pauses accepting while its handshakes in flight reach the maximum; its
    // source resumes after a timeout or a completed handshake, not after a failure. Once
    // the failed socket is gone (it counts until then), accept again, whatever the Qt
    // version does (tests/auto/tls keepsAcceptingAfterFailedHandshakes).
    connect(socket, &QObject::destroyed, this, [this] {
        if (isListening())
            resumeAccepting();
    });
    const QHostAddress peer = socket->peerAddress();
    const QString why = error == QAbstractSocket::SocketTimeoutError
            ? QStringLiteral("TLS handshake not done within %1 ms").arg(m_firstByteTimeoutMs)
            : QStringLiteral("TLS handshake failed: %1").arg(socket->errorString());
    if (onFailed)
        onFailed(peer, why);
}

void TlsListener::sweep()
{
    const qint64 now = nowMs();
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it->second.deadline > now) {
            ++it;
            continue;
        }
        const int fd = it->first;
        it->second.notifier.reset();
        it = m_waiting.erase(it);
        drop(fd, QStringLiteral("no TLS handshake within %1 ms").arg(m_firstByteTimeoutMs));
    }
    if (m_waiting.empty())
        m_sweep.stop();
}

} // namespace WsPlug::Internal
