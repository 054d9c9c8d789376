// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QDateTime>
#include <QObject>
#include <QSet>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

#include <deque>
#include <memory>

namespace WsPlug {

class ClosesModel;
struct DecodedMessage;
class FramesModel;
class HandshakesModel;
class SessionsModel;

/*
 * The monitor's only window on a host: an admin-channel client (docs/admin-protocol.md).
 * It keeps what the views show (sessions, handshakes, rate history, totals, plugins)
 * and sends operator commands. Local and remote hosts are reached the same way. A
 * lost connection is retried with backoff until detach(), except when retrying cannot
 * help (a refused token, another protocol version): then the state is Failed.
 *
 * What came from a connection that is gone stays readable but is stale (isStale())
 * until a new snapshot replaces it.
 */
class MonitorClient final : public QObject
{
    Q_OBJECT
public:
    //! Failed: given up, lastError() says why; attach() again to retry.
    enum class State { Detached, Connecting, Attached, Reconnecting, Failed };
    Q_ENUM(State)

    explicit MonitorClient(QObject *parent = nullptr);
    ~MonitorClient() override;

    //! Attaches to ws(s)://host:port/_admin?token=... (token in the query).
    void attach(const QUrl &adminUrl);
    //! wss:// hosts are trusted if a CA of \a caFile (PEM) or of the system signed their
    //! certificate; empty: the system's CAs only. False with \a errorString if the file
    //! holds no certificate. Applies from the next attach().
    bool setCaFile(const QString &caFile, QString *errorString = nullptr);
    void detach();

    State state() const { return m_state; }
    //! The URL without the token, for display.
    QString displayUrl() const;
    //! What ended the last connection or attempt, in words (never Qt's internal text).
    QString lastError() const { return m_lastError; }
    //! Milliseconds until the next retry while Reconnecting and waiting, else -1.
    int retryInMs() const;
    //! The data shown came from a connection that is gone: not live until the next snapshot.
    bool isStale() const { return m_hasSnapshot && m_state != State::Attached; }
    //! When the connection the stale data came from was lost.
    QDateTime lostAt() const { return m_lostAt; }
    //! Network timeouts: an attempt gives up after \a connectMs without an answer, a
    //! connection after \a silenceMs without a message (0: 20 ticks, at least 10 s).
    void setTimeouts(int connectMs, int silenceMs)
    {
        m_connectTimeoutMs = connectMs;
        m_silenceTimeoutMs = silenceMs;
    }

    SessionsModel *sessions() const { return m_sessions; }
    HandshakesModel *handshakes() const { return m_handshakes; }
    //! Sessions that ended since attaching, newest first.
    ClosesModel *closes() const { return m_closes; }
    //! Frames of the watched sessions (the frame inspector).
    FramesModel *frames() const { return m_frames; }
    //! Empty (no version) until the first snapshot.
    const Protocol::HostInfo &hostInfo() const { return m_hostInfo; }
    //! The host's place in a cluster, as of the latest snapshot or tick.
    const Protocol::ClusterInfo &clusterInfo() const { return m_cluster; }
    const QList<Protocol::PluginInfo> &loadedPlugins() const { return m_loaded; }
    const QList<Protocol::PluginRefusal> &refusedPlugins() const { return m_refused; }
    //! Plugins removed or replaced whose sessions are still finishing on them.
    const QList<Protocol::PluginInfo> &drainingPlugins() const { return m_draining; }
    //! Plugin events, oldest first, at most MaxPluginEvents.
    const QList<Protocol::PluginEvent> &pluginEvents() const { return m_pluginEvents; }
    static constexpr int MaxPluginEvents = 200;
    HostStats stats() const { return m_stats; }
    //! Rate samples, oldest first, at most MaxHistorySeconds worth.
    const std::deque<RateSample> &history() const { return m_history; }
    //! Handshake records the host left out of its ticks (more than it sends per tick)
    //! since attaching; the handshakes model counts what it drops itself.
    quint64 handshakesOmitted() const { return m_handshakesOmitted; }
    //! How often the session list was fetched again because a tick left sessions out.
    int sessionResyncs() const { return m_sessionResyncs; }
    static constexpr int MaxHistorySeconds = 600;

    // Operator commands. Each result arrives as commandFinished().
    void closeSessions(const QList<SessionId> &ids, quint16 code, const QString &reason);
    void kickSessions(const QList<SessionId> &ids);
    //! Every session on \a route (a declared route or a path) gets a close frame.
    void closeRoute(const QString &route, quint16 code, const QString &reason);
    void sendText(SessionId id, const QString &text);
    //! A text (UTF-8 \a payload) or binary message, cut into \a frames frames.
    void sendMessage(SessionId id, bool binary, const QByteArray &payload, int frames);
    // Teaching actions on one session (docs/admin-protocol.md).
    void ping(SessionId id, const QByteArray &payload);
    void hold(SessionId id, Protocol::HoldKind what, bool on);
    void sendFault(SessionId id, Protocol::Fault fault);
    // Hot plugins: a file in one of the host's plugin directories; a plugin Id.
    void loadPlugin(const QString &fileName);
    void reloadPlugin(const QString &id);
    void unloadPlugin(const QString &id);

    // The frame inspector. Route watches outlive a reconnection (they are sent again);
    // session watches end with their session, and every watch with detach().
    void watchSessions(const QList<SessionId> &ids);
    void watchRoute(const QString &route);
    void unwatchAll();
    //! Sends any \a command (numbered here); its id, or 0 if it could not be sent. The
    //! reply arrives as replyReceived() and, described by \a what, commandFinished().
    qint64 request(Protocol::Command command, const QString &what) { return sendCommand(std::move(command), what); }
    const QSet<SessionId> &watchedSessions() const { return m_watchedSessions; }
    const QSet<QString> &watchedRoutes() const { return m_watchedRoutes; }

Q_SIGNALS:
    void stateChanged(WsPlug::MonitorClient::State state);
    //! A fresh snapshot replaced everything (on attach and on every reattach).
    void snapshotReceived();
    void sampleAdded(const WsPlug::RateSample &sample);
    void statsChanged();
    void commandFinished(const QString &what, bool ok, const QString &error);
    //! The reply to the command numbered \a id (see request()).
    void replyReceived(qint64 id, bool ok, const QJsonValue &result, const QString &error);
    void watchesChanged();
    //! The plugin lists changed between snapshots (a plugin loaded, reloaded, drained...).
    void pluginsChanged();

private:
    void setState(State state);
    void onMessage(const QString &text);
    //! Hands the messages whose decoding is done to onDecoded(), in the order they came.
    void takeDecoded();
    void onDecoded(const DecodedMessage &message);
    void onSnapshot(const Protocol::Snapshot &snapshot);
    void onTick(const Protocol::Tick &tick);
    void onReply(const Protocol::Reply &reply, const QList<SessionSnapshot> *sessions);
    //! Numbers \a command, sends it and remembers it for commandFinished().
    //! Returns its id, or 0 if it could not be sent (said through commandFinished()).
    qint64 sendCommand(Protocol::Command command, const QString &what);
    void trimHistory();
    void requestSessionResync();
    void scheduleReconnect();
    void openSocket();
    int silenceTimeoutMs() const;
    void onDisconnected();
    //! Why the connection or attempt that just ended ended; sets whether to retry.
    QString describeEnd(bool *retry) const;

    QWebSocket m_socket;
    QTimer m_reconnect;
    QTimer m_clock;
    QTimer m_watchdog;      // no news from the host for too long: a network timeout
    QTimer m_resyncTimer;   // spaces session-list fetches MinResyncIntervalMs apart
    static constexpr int MinResyncIntervalMs = 1000;
    QUrl m_url;
    State m_state = State::Detached;
    QString m_lastError;
    int m_retryDelayMs = 500;
    int m_connectTimeoutMs = 10000;   // a connect to an address that drops packets takes minutes to fail
    int m_silenceTimeoutMs = 0;       // 0: derived from the tick interval
    quint64 m_attempt = 0;        // numbers connection attempts: a late signal of an old one is ignored
    bool m_connected = false;     // this attempt got past the handshake
    bool m_timedOut = false;      // this attempt was aborted by the watchdog
    QAbstractSocket::SocketError m_socketError = QAbstractSocket::UnknownSocketError;
    QString m_socketErrorText;
    bool m_hasSnapshot = false;   // the models hold data from this URL's host
    QDateTime m_lostAt;

    SessionsModel *m_sessions;
    HandshakesModel *m_handshakes;
    ClosesModel *m_closes;
    FramesModel *m_frames;
    QSet<SessionId> m_watchedSessions;
    QSet<QString> m_watchedRoutes;
    QHash<qint64, SessionId> m_watchCommands;   // watch commands in flight
    Protocol::HostInfo m_hostInfo;
    Protocol::ClusterInfo m_cluster;
    QList<Protocol::PluginInfo> m_loaded;
    QList<Protocol::PluginRefusal> m_refused;
    QList<Protocol::PluginInfo> m_draining;
    QList<Protocol::PluginEvent> m_pluginEvents;
    HostStats m_stats;
    int m_tickMs = 250;
    std::deque<RateSample> m_history;
    qint64 m_nextCommandId = 1;
    QHash<qint64, QString> m_pending;   // command id -> description
    qint64 m_resyncId = 0;              // the list command in flight, if any
    bool m_resyncWanted = false;        // a tick left sessions out since the last fetch
    int m_sessionResyncs = 0;
    quint64 m_handshakesOmitted = 0;

    // A large message (the list or snapshot of 10,000 sessions: half a second to decode)
    // is decoded on m_decoder, so that the window keeps answering; the messages after it
    // wait in m_incoming for their turn.
    struct Incoming;
    std::deque<std::shared_ptr<Incoming>> m_incoming;
    QThreadPool m_decoder;
};

} // namespace WsPlug
