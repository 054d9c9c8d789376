// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/session.h>
#include <wsplug/wsplug_export.h>

#include <QObject>

#include <memory>

namespace WsPlug {

class PluginRegistry;
class HostServerPrivate;

/*
 * The embeddable WebSocket host. It lives on the thread it was created on (or was
 * moved to) and does all its work there: accepting, handshakes, plugin callbacks,
 * heartbeats. Call its functions on that thread only; from another thread use
 * QMetaObject::invokeMethod(host, ..., Qt::QueuedConnection) or its signals.
 */
class WSPLUG_EXPORT HostServer : public QObject
{
    Q_OBJECT
public:
    explicit HostServer(QObject *parent = nullptr);
    ~HostServer() override;

    void setConfig(const HostConfig &config);   //!< before start()
    HostConfig config() const;

    //! Loads the plugins and starts listening. False with errorString() if it cannot listen.
    bool start();
    QString errorString() const;
    bool isListening() const;
    bool isRunning() const;   //!< from a successful start() until stopped()
    QHostAddress serverAddress() const;
    quint16 serverPort() const;

    const PluginRegistry &plugins() const;
    QList<SessionSnapshot> sessions() const;
    SessionSnapshot session(SessionId id) const;   //!< info.id == 0 if unknown
    int sessionCount() const;
    int pendingHandshakeCount() const;

    //! Closing handshake with \a code and \a reason. False if no such open session.
    bool closeSession(SessionId id, quint16 code, const QString &reason);
    //! Aborts the TCP connection at once, with no close frame. Recorded as 1006.
    bool kickSession(SessionId id);

public Q_SLOTS:
    //! Stops accepting, closes every session with 1001 Going Away, waits at most
    //! shutdownGraceMs for the close handshakes, aborts the rest, unloads the plugins
    //! and emits stopped(). Safe to call more than once.
    void stop();

Q_SIGNALS:
    void sessionOpened(const WsPlug::SessionSnapshot &session);
    void sessionClosed(const WsPlug::SessionSnapshot &session);
    //! An upgrade attempt was refused before the upgrade with an HTTP status.
    void handshakeRefused(const QString &peerAddress, int httpStatus, const QString &reason);
    void stopped();

private:
    friend class HostServerPrivate;
    std::unique_ptr<HostServerPrivate> const d;
};

} // namespace WsPlug
