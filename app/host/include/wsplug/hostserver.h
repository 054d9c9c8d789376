// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/hoststats.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/session.h>
#include <wsplug/wsplug_export.h>

#include <QObject>
#include <QUrl>

#include <memory>

namespace WsPlug {

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
    //! True while the port speaks TLS (HostConfig::tlsCertFile).
    bool isTls() const;
    //! Reads the TLS certificate and key again (SIGHUP does it in wsplug-host); new
    //! handshakes use them, sessions keep theirs. False with \a errorString if they are
    //! not usable: the previous ones stay in use.
    bool reloadTlsCertificate(QString *errorString = nullptr);
    int adminClientCount() const;

    /*! Graceful drain of this host (docs/scale-out.md): it takes no new sessions (503,
        "the host is draining"; /readyz fails) and closes the open ones with 1001 Going
        Away, spread evenly over \a periodMs (< 0: HostConfig::drainPeriodMs), so that their
        clients reconnect to the other hosts a few at a time; then drained(). The host
        keeps running (admin channel, metrics) until stopped. False if it is not running
        or already draining. */
    bool drain(int periodMs = -1);
    bool isDraining() const;

    //! Closing handshake with \a code and \a reason. False if no such open session.
    bool closeSession(SessionId id, quint16 code, const QString &reason);
    //! Aborts the TCP connection at once, with no close frame. Recorded as 1006.
    bool kickSession(SessionId id);

    // Hot plugins (the watcher of HostConfig::watchPlugins uses the same steps).
    //! Loads plugin file \a filePath, or reloads the plugin loaded from it. False with
    //! \a errorString if it is refused (a reload that is refused leaves the old build serving).
    bool loadPlugin(const QString &filePath, QString *errorString = nullptr);
    //! Loads the file of plugin \a idOrFile (its Id or its file) again: a new build.
    bool reloadPlugin(const QString &idOrFile, QString *errorString = nullptr);
    //! Stops routing plugin \a idOrFile and drains it (see pluginDraining()), then unloads it.
    bool unloadPlugin(const QString &idOrFile, QString *errorString = nullptr);

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
    //! A plugin was loaded and its routes are live (at start, or later from its file).
    void pluginLoaded(const WsPlug::PluginMetadata &plugin);
    //! A new build of a plugin took over the routes of \a previous, which now drains.
    void pluginReloaded(const WsPlug::PluginMetadata &plugin, const WsPlug::PluginMetadata &previous);
    //! A plugin file was not loaded, and why (as in plugins().refused()).
    void pluginRefused(const QString &fileName, const QString &reason);
    //! A removed or replaced plugin's routes take no new sessions; its \a sessions still
    //! open finish on it or are closed with 1001 after HostConfig::unloadGraceMs.
    void pluginDraining(const WsPlug::PluginMetadata &plugin, int sessions, const QString &reason);
    //! A drained plugin's last session is gone: it was shut down and its code unloaded.
    void pluginUnloaded(const WsPlug::PluginMetadata &plugin);
    void stopped();
    //! A drain closed its last session.
    void drained();

private:
    friend class HostServerPrivate;
    std::unique_ptr<HostServerPrivate> const d;
};

} // namespace WsPlug
