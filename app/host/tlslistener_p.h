// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QSslServer>
#include <QTimer>

#include <functional>
#include <memory>
#include <unordered_map>

class QSocketNotifier;

namespace WsPlug::Internal {

/*
 * The gate's listener under --tls-cert: Qt's QSslServer, which runs each TLS handshake
 * (with its own handshake timeout) and hands over a socket only once it is encrypted.
 * Before that, the listener looks at the first byte a connection sends: a TLS
 * ClientHello (0x16) goes on to QSslServer; a plain-text HTTP request (QSslServer would
 * just close it) gets a 400 saying the port speaks TLS; anything else is closed. A
 * connection that sends nothing is closed after \a firstByteTimeoutMs.
 */
class TlsListener final : public QSslServer
{
public:
    TlsListener(int firstByteTimeoutMs, int maxWaiting, QObject *parent = nullptr);
    ~TlsListener() override;

    //! A handshake that completed: the socket is the caller's (still a child of this).
    std::function<void(QSslSocket *)> onEncrypted;
    //! A connection that never became a TLS session: its peer and why (for the count and the log).
    std::function<void(const QHostAddress &peer, const QString &why)> onFailed;

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    struct Waiting
    {
        std::unique_ptr<QSocketNotifier> notifier;
        qint64 deadline = 0;
    };
    //! False while nothing has arrived yet (the connection keeps waiting).
    bool decide(int fd);
    void refusePlainText(int fd);
    void drop(int fd, const QString &why);
    void onHandshakeError(QSslSocket *socket, QAbstractSocket::SocketError error);
    void sweep();
    const int m_firstByteTimeoutMs;
    const int m_maxWaiting;
    std::unordered_map<int, Waiting> m_waiting;
    QTimer m_sweep;
};

} // namespace WsPlug::Internal
