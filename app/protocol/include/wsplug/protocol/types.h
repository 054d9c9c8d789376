// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <iterator>

// The values the admin channel carries (docs/admin-protocol.md). They belong to the
// wire contract, not to the host: the host fills them from its own state at one
// boundary, the monitor reads nothing else, and both encode and decode them through
// adminprotocol.h. QtCore only.
namespace WsPlug::Protocol {

//! Host-wide unique id of a session; never reused while the host runs.
using SessionId = quint64;

//! Why a session ended.
enum class CloseCause {
    None,      //!< still open
    Client,    //!< the client sent a close frame
    Server,    //!< closed by the host, a plugin or an operator with a close frame
    Kick,      //!< aborted on purpose (operator kick), no close frame
    Timeout,   //!< no pong within the heartbeat timeout
    Backlog,   //!< the peer stopped reading and unsent data passed the limit
    Protocol,  //!< the peer broke the protocol or a size limit; Qt sent the close code
    Error,     //!< the connection dropped without a close frame (1006)
    Shutdown,  //!< the host stopped (1001)
    Limit,     //!< the client passed a rate limit (1008 with the limit as reason)
};
QString closeCauseName(CloseCause cause);
CloseCause closeCauseFromName(const QString &name);   //!< None if unknown

//! Counters of one direction. Bytes are message payload bytes.
struct TrafficCounters
{
    quint64 messages = 0;
    quint64 frames = 0;      //!< data frames; Qt does not show control frames (see README)
    quint64 bytes = 0;
    quint64 textMessages = 0;
    quint64 binaryMessages = 0;
};

//! One session as the admin channel shows it: who, where, counters, and how it ended.
struct SessionSnapshot
{
    enum class State { Open, Closing, Closed };

    SessionId id = 0;
    QString path;          //!< request path, e.g. "/broadcast/prices"
    QString query;         //!< raw query string without '?'
    QString route;         //!< the plugin route that matched, e.g. "/broadcast/*"
    QString pluginId;
    QString peerAddress;   //!< e.g. "127.0.0.1" or "::1"
    quint16 peerPort = 0;
    QString subprotocol;   //!< negotiated Sec-WebSocket-Protocol, empty if none
    QDateTime connectedAt;
    State state = State::Open;
    TrafficCounters in;
    TrafficCounters out;
    QDateTime lastActivity;
    qint64 pingRttMs = -1;        //!< last ping round trip, -1 before the first pong
    quint16 closeCode = 0;        //!< set once closed; 1006 for an abnormal end
    QString closeReason;
    CloseCause closeCause = CloseCause::None;
    //! The closing handshake, frame by frame (RFC 6455 7.1.2): each side's close frame,
    //! code (-1: it sent none; 1005: one without a code) and reason, who sent the first,
    //! and the time between the two (-1 unless both were sent).
    struct CloseFrame
    {
        int code = -1;
        QString reason;
    };
    CloseFrame clientClose;
    CloseFrame hostClose;
    QString firstClose;           //!< "client", "host", or empty: no close frame at all
    qint64 closeFramesApartMs = -1;
    QString subject;              //!< the bearer token's "sub", empty without one
    QDateTime tokenExpiresAt;     //!< the bearer token's "exp"; null without one
    //! What carries it: "websocket", or Engine.IO's "polling", "polling→websocket"
    //! (upgraded at upgradedAt) or "engine.io websocket" (docs/fallback.md).
    QString transport = QStringLiteral("websocket");
    QDateTime upgradedAt;
};
QString stateName(SessionSnapshot::State state);
SessionSnapshot::State stateFromName(const QString &name);   //!< Open if unknown

/*! The per-tick counter update of one session: what changes while it is open.
    On the wire a compact array (see docs/admin-protocol.md, "updated"). */
struct CounterUpdate
{
    SessionId id = 0;
    SessionSnapshot::State state = SessionSnapshot::State::Open;
    quint64 messagesIn = 0;
    quint64 messagesOut = 0;
    quint64 framesIn = 0;
    quint64 framesOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    qint64 lastActivityMs = 0;    //!< ms since the epoch
    qint64 pingRttMs = -1;
    //! Text messages of messagesIn and messagesOut (the rest are binary); a sender
    //! older than these fields leaves hasTextCounts false.
    quint64 textIn = 0;
    quint64 textOut = 0;
    bool hasTextCounts = true;

    static CounterUpdate of(const SessionSnapshot &session);
    //! Applies this update to \a session; false (and nothing changed) if the ids differ.
    bool applyTo(SessionSnapshot *session) const;
};

//! One upgrade attempt, accepted or refused, exactly as exchanged.
struct HandshakeRecord
{
    enum class Outcome { Upgraded, Refused, Timeout, Dropped };

    quint64 id = 0;
    QDateTime time;               //!< when the TCP connection was accepted (UTC)
    QString peerAddress;
    quint16 peerPort = 0;
    QByteArray request;           //!< the raw request head, byte for byte (what arrived, if incomplete)
    QByteArray response;          //!< the raw response head sent (101 or the refusal), empty if none
    int status = 0;               //!< 101, a 4xx/5xx, or 0 when no response was sent
    Outcome outcome = Outcome::Dropped;
    QString reason;
    qint64 durationMs = 0;        //!< from accept to response (or drop)
    QString path;
    QString pluginId;
    SessionId sessionId = 0;      //!< the session it opened, if upgraded
    bool admin = false;           //!< an admin-channel handshake
    //! The trusted proxy (--trusted-proxy) the connection came through; peerAddress is
    //! then the client its forwarding headers named. Empty for a direct connection.
    QString viaProxy;
};
QString outcomeName(HandshakeRecord::Outcome outcome);
HandshakeRecord::Outcome outcomeFromName(const QString &name);   //!< Dropped if unknown

//! Message, frame and byte counts of one direction, summed over sessions.
using DirectionTotals = TrafficCounters;

//! Counters of one route (one plugin route declaration, e.g. "/broadcast/*").
struct RouteStats
{
    QString route;
    QString pluginId;
    int current = 0;
    quint64 opened = 0;
    quint64 closed = 0;
    DirectionTotals in;
    DirectionTotals out;
};

//! Upper bounds (ms) of the ping round-trip histogram buckets; the last bucket is +Inf.
inline constexpr int PingRttBucketsMs[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
inline constexpr int PingRttBucketCount = int(std::size(PingRttBucketsMs)) + 1;
//! The histogram bucket a round trip of \a ms falls in.
int pingRttBucket(qint64 ms);

//! Everything the host counts, since it started.
struct HostStats
{
    QDateTime startedAt;
    int currentSessions = 0;
    int pendingHandshakes = 0;
    int adminClients = 0;
    quint64 opened = 0;
    quint64 closed = 0;
    DirectionTotals in;
    DirectionTotals out;
    quint64 pingsSent = 0;        //!< heartbeat pings the host sent
    quint64 pongsReceived = 0;    //!< answers to them (incoming pings are answered inside Qt, unseen)
    quint64 closeFramesSent = 0;  //!< closes the host started (close, shutdown)
    quint64 closeFramesReceived = 0; //!< closes the peer started
    QMap<int, quint64> handshakesByStatus;          //!< 101, 400, 404, ...; 0 = dropped without a response
    QMap<QString, quint64> closesByCodeAndCause;    //!< "1000/client", "1006/kick", ...
    quint64 pingRttBuckets[PingRttBucketCount] = {}; //!< non-cumulative counts per bucket
    quint64 pingRttCount = 0;
    double pingRttSumMs = 0;
    quint64 httpRequests = 0;     //!< /metrics, /healthz, /readyz
    quint64 tlsHandshakeFailures = 0; //!< TLS port: connections that never became a TLS session
    QList<RouteStats> routes;
};

//! Rates over one stats tick, per second.
struct RateSample
{
    struct Route
    {
        int connections = 0;
        double messagesIn = 0;
        double messagesOut = 0;
    };

    qint64 timeMs = 0;            //!< ms since the epoch, end of the interval
    int connections = 0;
    double messagesIn = 0;
    double messagesOut = 0;
    double framesIn = 0;
    double framesOut = 0;
    double bytesIn = 0;
    double bytesOut = 0;
    QMap<QString, Route> routes;  //!< by route
};

//! A plugin the host serves.
struct PluginInfo
{
    QString id;
    QString name;
    QString version;
    QString apiVersion;
    QString description;
    QStringList routes;
    QString fileName;
    int sessions = 0;             //!< open sessions on its routes
    QJsonObject settings;         //!< its settings from the host's config (read-only)
};

//! A plugin file the host would not use, and why.
struct PluginRefusal
{
    QString fileName;
    QString reason;
};

//! A plugin loaded, reloaded, refused, draining or unloaded while the host runs.
struct PluginEvent
{
    QDateTime time;
    QString kind;                 //!< "loaded", "reloaded", "refused", "draining", "unloaded"
    QString plugin;               //!< its Id (empty for a refused file)
    QString version;
    QString fileName;
    QString detail;               //!< the reason, or what happens to its sessions
};

//! The host's plugins: routed, draining (no new sessions, the old ones finishing),
//! refused, and recent events.
struct PluginsState
{
    QList<PluginInfo> loaded;
    QList<PluginInfo> draining;
    QList<PluginRefusal> refused;
    QList<PluginEvent> events;    //!< snapshot: the latest (at most 100); tick: since the last one
};

//! The host itself: what it is, where it listens, and its effective limits.
struct HostInfo
{
    QString version;
    QString address;
    quint16 port = 0;
    QDateTime startedAt;
    QMap<QString, qint64> limits;   //!< config key -> value (the host's integer settings)
};

//! The traffic of every node of a cluster added up, each node as of its last stamp in
//! Redis (about a second old): totals since each node started, and the rates of its last
//! second. A node that leaves takes its share with it, so the totals may go down.
struct ClusterTraffic
{
    quint64 messagesIn = 0;
    quint64 messagesOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    double messagesInPerSecond = 0;
    double messagesOutPerSecond = 0;
    double bytesInPerSecond = 0;
    double bytesOutPerSecond = 0;
};

//! The host's place in a cluster (--redis; docs/scale-out.md), in every snapshot and tick.
struct ClusterInfo
{
    bool enabled = false;   //!< false: a host alone (the rest is empty)
    bool up = false;        //!< Redis reached now
    QString node;           //!< this host's node id
    QString redis;          //!< redis://HOST:PORT/DB
    QString lastError;      //!< why it is down, when it is
    int queued = 0;         //!< publishes waiting for Redis
    QStringList nodes;      //!< the cluster's nodes seen in the last few seconds, this one included
    qint64 sessions = -1;   //!< sessions on all of them (each as of its last stamp); -1: not known yet
    ClusterTraffic traffic; //!< messages and bytes on all of them (zero while sessions is -1)
};

//! Everything a client gets on attach: the state a monitor rebuilds itself from.
struct Snapshot
{
    int protocol = 0;             //!< the host's admin protocol version
    HostInfo host;
    QList<PluginInfo> plugins;
    QList<PluginRefusal> refusedPlugins;
    QList<PluginInfo> drainingPlugins;
    QList<PluginEvent> pluginEvents;
    QList<SessionSnapshot> sessions;
    QList<HandshakeRecord> handshakes;
    int tickMs = 250;             //!< the stats tick, one rate sample each
    QList<RateSample> samples;    //!< oldest first
    HostStats stats;
    ClusterInfo cluster;
};

//! What changed in one stats tick. Events beyond the host's per-tick caps are only
//! counted (omitted*): a client that sees them fetches the session list again.
struct Tick
{
    RateSample sample;
    HostStats stats;
    QList<SessionSnapshot> opened;
    QList<SessionSnapshot> closed;
    QList<HandshakeRecord> handshakes;
    QList<CounterUpdate> updated;
    int omittedOpened = 0;
    int omittedClosed = 0;
    int omittedHandshakes = 0;
    //! Set when plugins were loaded, reloaded, refused, drained or unloaded since the
    //! last tick: then plugins holds the whole new state and those events.
    bool pluginsChanged = false;
    PluginsState plugins;
    ClusterInfo cluster;
};

//! Which way a frame went.
enum class Direction { ClientToHost, HostToClient };

/*!
 * One WebSocket frame of a watched session, as it crossed the wire (the frame
 * inspector; docs/admin-protocol.md "Watching frames"). The header travels as the
 * bytes it was (parseFrameHeader() reads its fields), the payload unmasked and cut
 * to MaxFramePayloadShown bytes.
 */
struct FrameRecord
{
    SessionId session = 0;
    QString route;                   //!< the session's plugin route
    qint64 timeUs = 0;               //!< microseconds since the epoch, when its first byte passed
    Direction direction = Direction::ClientToHost;
    QByteArray header;               //!< 2 to 14 bytes: flags, opcode, length, masking key
    quint64 payloadLength = 0;       //!< the whole payload's length
    QByteArray payload;              //!< unmasked; its first MaxFramePayloadShown bytes at most
    //! Data frames only: the message it belongs to (numbered from 1 per direction of a
    //! session) and its place in it (0 for the first frame); 0 and -1 for control frames.
    quint64 message = 0;
    int fragment = -1;
    //! The session agreed on permessage-deflate (RFC 7692): RSV1 on a data message's
    //! first frame then means that the message is compressed.
    bool deflate = false;
    //! A compressed message in one frame whose payload is shown whole: what it inflates
    //! to (its first MaxFramePayloadShown bytes) and its whole length; -1 when not
    //! inflated (not compressed, in fragments, cut short, or over 64 KiB inflated).
    QByteArray inflated;
    qint64 inflatedLength = -1;
};

//! Frames of a session that the inspector left out (sampling: a watched session that
//! floods), since the last report.
struct FrameOmission
{
    SessionId session = 0;
    quint64 frames = 0;
    quint64 payloadBytes = 0;
};

//! The "frames" message: what the watched sessions sent and received since the last one.
struct FramesReport
{
    QList<FrameRecord> frames;
    QList<FrameOmission> omitted;
};

} // namespace WsPlug::Protocol

Q_DECLARE_METATYPE(WsPlug::Protocol::FrameRecord)
Q_DECLARE_METATYPE(WsPlug::Protocol::SessionSnapshot)
Q_DECLARE_METATYPE(WsPlug::Protocol::HandshakeRecord)
Q_DECLARE_METATYPE(WsPlug::Protocol::RateSample)
