// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/hoststats.h>
#include <wsplug/session.h>
#include <wsplug/wsplug_export.h>

#include <QObject>
#include <QUrl>

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

    //! The most recent upgrade attempts, oldest first (at most handshakeLogSize).
    QList<HandshakeRecord> handshakeLog() const;
    //! Every counter, in total and per route.
    HostStats stats() const;
    //! Rate samples, oldest first, one per statsTickMs over rateHistorySeconds.
    QList<RateSample> rateHistory() const;
    //! The admin channel's token: the configured one, or the random one made by start().
    QString adminToken() const;
    //! ws://host:port/_admin?token=... for this host; empty when not running or admin is off.
    QUrl adminUrl() const;
    int adminClientCount() const;

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
    //! Every upgrade attempt, accepted or refused, once its outcome is known.
    void handshakeLogged(const WsPlug::HandshakeRecord &record);
    //! One rate sample per statsTickMs.
    void statsSampled(const WsPlug::RateSample &sample);
    void stopped();

private:
    friend class HostServerPrivate;
    std::unique_ptr<HostServerPrivate> const d;
};

} // namespace WsPlug
