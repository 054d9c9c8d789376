// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/adminprotocol.h>

#include "framewatch_p.h"
#include "watchrecording_p.h"
#include "websocketconnection_p.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>


namespace WsPlug::Internal {

class ConnectionSocket;

//! What the admin channel may see and do of the host: protocol values in, commands out.
class AdminHost
{
public:
    virtual Protocol::Snapshot snapshot() const = 0;
    virtual Protocol::HostStats currentStats() const = 0;
    virtual Protocol::ClusterInfo clusterInfo() const = 0;
    virtual QList<Protocol::SessionSnapshot> sessionList() const = 0;
    virtual std::optional<Protocol::SessionSnapshot> findSession(Protocol::SessionId id) const = 0;
    virtual std::optional<Protocol::HandshakeRecord> handshake(quint64 id) const = 0;
    //! The counters of the sessions with id % \a shares == \a share that changed since
    //! their last update.
    virtual QList<Protocol::CounterUpdate> takeCounterUpdates(quint64 share, quint64 shares) = 0;
    virtual int statsTickMs() const = 0;

    virtual bool closeSession(Protocol::SessionId id, quint16 code, const QString &reason) = 0;
    virtual bool kickSession(Protocol::SessionId id) = 0;
    //! Closes every session whose route or path is \a route; returns how many, or -1
    //! if no plugin serves \a route.
    virtual int closeRoute(const QString &route, quint16 code, const QString &reason) = 0;
    //! A text (or binary) message cut into \a frames frames (fewer if it has fewer bytes);
    //! how many it took, or -1 if there is no such open session.
    virtual int sendMessage(Protocol::SessionId id, const Protocol::Command &send) = 0;
    // Teaching actions (docs/admin-protocol.md): false if there is no such open session.
    virtual bool ping(Protocol::SessionId id, const QByteArray &payload) = 0;
    virtual bool hold(Protocol::SessionId id, Protocol::HoldKind what, bool on) = 0;
    virtual bool sendFault(Protocol::SessionId id, Protocol::Fault fault) = 0;
    //! True if a plugin declares \a route (or one serves the path \a route).
    virtual bool servesRoute(const QString &route) const = 0;
    //! Watches the frames of every open session the admin channel wants (see
    //! AdminChannel::wantsFrames()) and of no other.
    virtual void updateFrameWatches() = 0;
    //! Starts a graceful drain (HostServer::drain()); false if not running or already draining.
    virtual bool drain(int periodMs) = 0;
    //! Loaded, draining and refused plugins (no events).
    virtual Protocol::PluginsState pluginsState() const = 0;
    //! loadPlugin, reloadPlugin or unloadPlugin; false with \a errorString if refused.
    virtual bool pluginCommand(const Protocol::Command &command, QString *errorString) = 0;

protected:
    ~AdminHost() = default;
};

/*
 * The /_admin endpoint (docs/admin-protocol.md). On attach a client gets a snapshot;
 * after that everything travels in one "tick" message per stats tick: rates, totals,
 * sessions opened and closed, handshakes, and (once a second) the counters of the
 * sessions that changed. So a client sees a bounded number of messages per second
 * however busy the host is. Admin connections are not user sessions.
 */
class AdminChannel final : public QObject, public FrameSink
{
public:
    AdminChannel(AdminHost *host, QObject *parent);
    ~AdminChannel() override;

    //! A client upgraded on \a tcp (its 101 written; \a earlyData came after its request
    //! head). A \a readOnly client may watch but not act (see isReadCommand()).
    void attach(ConnectionSocket *tcp, const QByteArray &earlyData, bool readOnly = false);
    //! Commands a read-only client may send: snapshot, list, get, handshake, watch, unwatch.
    static bool isReadCommand(Protocol::Command::Kind kind);
    int clientCount() const { return int(m_clients.size()); }

    //! Session \a id opened. Its snapshot is taken at the tick, if it is still open then
    //! (one that closed meanwhile travels as closed only).
    void sessionOpened(Protocol::SessionId id);
    //! A session closed: \a view makes its snapshot, called only if the next tick will
    //! carry it.
    void sessionClosed(const std::function<Protocol::SessionSnapshot()> &view);
    void handshakeLogged(const Protocol::HandshakeRecord &record);
    //! A plugin event: the next tick carries the plugins' new state and the event.
    void pluginEvent(const Protocol::PluginEvent &event);

    //! Whether a client watches the frames of session \a id (itself, or its plugin \a route).
    bool wantsFrames(Protocol::SessionId id, const QString &route) const;
    bool watchesFrames() const { return !m_watchers.isEmpty(); }
    //! Session \a id has ended: its frames so far still travel, it is no longer watched.
    void sessionEnded(Protocol::SessionId id);

    // Recording ("record"): one at a time, of what the recording client watches.
    //! Whether session \a id (of plugin \a route) is to be recorded now.
    bool wantsRecording(Protocol::SessionId id, const QString &route) const;
    //! A session joins the recording (before its watch passes it bytes).
    void recordingBegins(const RecordedConnection &connection);
    //! A session leaves the recording (its watch stopped, or it stopped recording).
    void recordingEnds(Protocol::SessionId id);

    // FrameSink
    void frameSeen(Protocol::FrameRecord &&frame) override;
    void frameOmitted(Protocol::SessionId session, const QString &route, quint64 payloadBytes) override;
    void bytesSeen(Protocol::SessionId session, Protocol::Direction from, const char *data, qsizetype size) override;
    void tick(const Protocol::RateSample &sample);

    void closeAll(quint16 code, const QString &reason);
    void abortAll();

    // Per tick, at most this many of each event travel; the rest are counted as omitted.
    // Past the limit, no opened (closed) session travels in that tick at all: a client
    // that sees omitted sessions fetches the list again, which makes them useless.
    static constexpr int MaxOpenedPerTick = 1000;
    static constexpr int MaxClosedPerTick = 1000;
    static constexpr int MaxHandshakesPerTick = 100;
    static constexpr int MaxPluginEventsPerTick = 100;
    // Frames per tick and client (beyond: counted as omitted), and what one client may watch.
    static constexpr int MaxFramesPerTick = 400;
    static constexpr int MaxWatchedSessions = 1000;
    static constexpr int MaxWatchedRoutes = 100;
    // An admin client with more unsent data than this is not reading: it is dropped.
    static constexpr qint64 MaxClientBacklog = 32 * 1024 * 1024;

private:
    void onCommand(WebSocketConnection *client, const QString &text);
    QByteArray answer(const Protocol::Command &command);
    void send(WebSocketConnection *client, const QByteArray &message);
    QByteArray watch(WebSocketConnection *client, const Protocol::Command &command);
    QByteArray record(WebSocketConnection *client, const Protocol::Command &command);
    void dropRecording();
    void sendFrames();

    //! A client that watches frames: what it watches and what the next tick brings it.
    struct Watcher
    {
        QSet<Protocol::SessionId> sessions;
        QSet<QString> routes;
        QList<Protocol::FrameRecord> frames;
        QHash<Protocol::SessionId, Protocol::FrameOmission> omitted;
        bool wants(Protocol::SessionId id, const QString &route) const
        {
            return sessions.contains(id) || (!route.isEmpty() && routes.contains(route));
        }
        void omit(Protocol::SessionId id, quint64 payloadBytes)
        {
            Protocol::FrameOmission &o = omitted[id];
            o.session = id;
            ++o.frames;
            o.payloadBytes += payloadBytes;
        }
    };
    //! Adds \a event to a tick's \a list, or only counts it once the list holds \a max.
    //! Nothing is kept while no client is attached.
    template <typename T>
    void queueForTick(QList<T> &list, int &omitted, int max, const T &event)
    {
        if (m_clients.isEmpty())
            return;
        if (list.size() < max)
            list.append(event);
        else
            ++omitted;
    }

    //! Room for one more session event in a tick's \a list? Once it is full, the whole
    //! list goes (see MaxOpenedPerTick) and only counts are kept.
    template <typename T>
    bool queueSession(QList<T> &list, int &omitted, int max)
    {
        if (m_clients.isEmpty())
            return false;
        if (omitted == 0 && list.size() < max)
            return true;
        if (omitted == 0) {
            // The client will fetch the sessions again: none of this tick's travel (nor
            // cost a snapshot and its JSON from here on).
            omitted = int(list.size());
            list.clear();
        }
        ++omitted;
        return false;
    }

    AdminHost *const m_host;
    QList<WebSocketConnection *> m_clients;
    QHash<WebSocketConnection *, Watcher> m_watchers;
    QSet<WebSocketConnection *> m_readOnly;   // attached with the read-only token
    Protocol::Tick m_next;       // what the next tick carries besides rates and totals
    // The sessions opened since the last tick; their snapshots are taken at the tick.
    // A connection that comes and goes within a tick so costs one entry (closed), and
    // no snapshot at all when it opens.
    QList<Protocol::SessionId> m_openedIds;
    quint64 m_tickCount = 0;
    // The recording and the client it belongs to (kept once finished, until that client
    // records again or leaves, or another client starts one).
    std::unique_ptr<WatchRecording> m_recording;
    WebSocketConnection *m_recordingClient = nullptr;
};

} // namespace WsPlug::Internal
