// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "chatsettings.h"
#include "tokenbucket.h"

#include <wsplug/sdk/message.h>

#include <QHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>
#include <optional>

namespace WsPlug {

//! One encoded event and the sessions it goes to. Encoded once, whatever the fan-out.
struct ChatOutgoing
{
    QList<SessionId> recipients;
    QString text;
};

//! A "refresh" request: the host must verify the token (ChatProtocol cannot).
struct ChatRefresh
{
    QString token;
    QJsonValue id = QJsonValue(QJsonValue::Undefined);   //!< the request's "id", echoed
};

//! A "kick" request: the plugin checks the right (ChatProtocol knows no roles).
struct ChatKick
{
    SessionId target = 0;   //!< 0: the target is on another host (cluster mode)
    QString room;
    QString name;     //!< the target's nick in the room
    QString by;       //!< the kicker's nick in the room
    QString reason;
    QJsonValue id = QJsonValue(QJsonValue::Undefined);   //!< the request's "id", echoed

    //! The close reason the target gets: "kicked by NICK[: REASON]".
    QString closeReason() const
    {
        return reason.isEmpty() ? QStringLiteral("kicked by %1").arg(by) : QStringLiteral("kicked by %1: %2").arg(by, reason);
    }
};

//! Cluster mode: a room message for the cluster bus, whose offset becomes its seq.
struct ChatPublish
{
    SessionId from = 0;
    QString room;
    QByteArray data;   //!< {"from", "text", "ts"}: messageEvent() makes the event of it
};

//! Cluster mode: a join or resume whose answer waits for the room's history on the bus.
struct ChatReplay
{
    SessionId session = 0;
    QString room;
    QJsonObject answer;   //!< "joined" or "resumed" without lastSeq, history, complete, missed
    qint64 lastSeq = -1;  //!< -1: a plain join (the last historySize messages)
    QString epoch;        //!< the client's epoch, empty if it sent none
};

//! Cluster mode: a member of this host joined or left a room (for the other hosts).
struct ChatPresence
{
    QString room;
    QString nick;
    bool joined = true;
    QString reason;   //!< for a leave: "leave" or "disconnect"
};

//! Cluster mode: a "private" event for a member on another host.
struct ChatRemotePrivate
{
    QString room;
    QString toKey;   //!< the target's nick key
    QString event;   //!< the encoded "private" event, as the target gets it
};

//! What the plugin must do after one input: send these, in order, then maybe close.
struct ChatResult
{
    QList<ChatOutgoing> outgoing;
    QList<ChatPublish> publishes;         //!< cluster mode only
    std::optional<ChatReplay> replay;     //!< cluster mode only: after outgoing
    QList<ChatPresence> presence;         //!< cluster mode only
    QList<ChatRemotePrivate> remotePrivates;   //!< cluster mode only
    std::optional<ChatRefresh> refresh;   //!< hand this token to the host, then answer
    std::optional<ChatKick> kick;         //!< close the target if the sender holds "kick", then answer
    bool close = false;
    quint16 closeCode = 0;
    QString closeReason;
};

//! Why a request was refused: becomes an "error" event.
struct ChatProblem
{
    QString code;      //!< machine-readable, e.g. "missing_field"
    QString message;   //!< for humans
    QString field;     //!< the offending field, if any
    //! Malformed input counts towards maxBadMessages; a well-formed request that cannot
    //! be served right now (a nick clash, a member who just left) does not, because a
    //! correct client runs into those by chance.
    bool bad = true;
};

/*
 * The /chat protocol (see PROTOCOL.md) with no I/O: it takes what sessions said and
 * returns what to send to whom. Time comes in as milliseconds since the epoch so that
 * tests drive the clock; it stamps messages and feeds the rate limit.
 *
 * Rooms: made on first join, dropped when the last member leaves; a dropped room's
 * history (and sequence counter) is kept for historyKeepSeconds so that a client who
 * comes back in that time can still resume.
 */
class ChatProtocol
{
public:
    explicit ChatProtocol(const ChatSettings &settings = {});

    /*!
        Cluster mode (several hosts, PROTOCOL.md "Several hosts"): room messages and their
        history live on the cluster bus. say gives a ChatPublish instead of a local seq,
        join and resume give a ChatReplay instead of replaying local history; the plugin
        hands back what the bus delivers through messageEvent().
    */
    void setClustered(bool clustered) { m_clustered = clustered; }
    //! The "message" event of a bus message (\a data from a ChatPublish) with \a seq;
    //! byte for byte the same on every host and in every replay. Empty if \a data is not ours.
    static QString messageEvent(const QString &room, qint64 seq, const QByteArray &data);
    //! The local sessions in \a room; empty for an unknown room.
    QList<SessionId> membersOf(const QString &room) const;
    //! Cluster mode: the room's latest seq as the bus delivered it (for "rooms").
    void noteSeq(const QString &room, qint64 seq);
    //! Cluster mode: the members other hosts have in a room (nick key -> nick); they
    //! count for "members" lists and for a nick being taken.
    void setRemoteMembers(std::function<QMap<QString, QString>(const QString &room)> remote)
    {
        m_remoteMembers = std::move(remote);
    }
    //! Cluster mode: the rooms other hosts have members in, with how many (for "rooms").
    void setRemoteRooms(std::function<QMap<QString, int>()> remote) { m_remoteRooms = std::move(remote); }
    //! The rooms this host has members in, with how many.
    QMap<QString, int> localRooms() const;
    //! This host's nicks in \a room.
    QStringList nicksIn(const QString &room) const;
    //! The local session that has nick key \a key in \a room, or 0.
    SessionId sessionOf(const QString &room, const QString &key) const;

    void sessionOpened(SessionId session, qint64 nowMs);
    //! The answer to \a refresh: "refreshed" with the new expiry (null: none), or an
    //! "error" with code "token_refused" when \a accepted is false.
    static QString refreshAnswer(const ChatRefresh &refresh, bool accepted, const QDateTime &expiresAt);
    //! The answer to a kick: "kicked", or an error naming the \a roles it needs.
    static QString kickAnswer(const ChatKick &kick, bool allowed, const QStringList &roles);
    //! The close code a kicked member gets (PROTOCOL.md).
    static constexpr quint16 KickedCloseCode = 4003;
    ChatResult textReceived(SessionId session, const QString &text, qint64 nowMs);
    //! The same for text as the client's UTF-8 (checked by the host), parsed as it is.
    ChatResult textReceived(SessionId session, const QByteArray &utf8, qint64 nowMs);
    ChatResult binaryReceived(SessionId session, qint64 nowMs);
    //! Leaves every room the session was in; the result carries the "left" events.
    ChatResult sessionClosed(SessionId session, qint64 nowMs);
    //! Forgets the history of rooms that have been empty for longer than historyKeepSeconds.
    void expireHistory(qint64 nowMs);

    int roomCount() const;            //!< rooms with members
    int keptRoomCount() const;        //!< rooms whose history is kept, with or without members
    int sessionCount() const { return int(m_sessions.size()); }

private:
    struct Member
    {
        SessionId session = 0;
        QString nick;
    };
    struct HistoryEntry
    {
        qint64 seq = 0;
        QString text;   // the encoded "message" event, replayed byte for byte
    };
    struct Room
    {
        QString name;
        qint64 lastSeq = 0;
        std::deque<HistoryEntry> history;
        QMap<QString, Member> members;   // nick key -> member; a QMap so "members" is sorted
        qint64 emptySinceMs = -1;        // -1 while it has members
    };
    struct SessionState
    {
        TokenBucket bucket;
        int badInRow = 0;
        int rejected = 0;               // rate-limited messages since the bucket was last full
        bool closing = false;           // we asked for a close; ignore what still arrives
        QMap<QString, QString> rooms;   // room name -> nick in it
    };
    struct Request
    {
        QJsonObject object;
        QString type;
        QJsonValue id = QJsonValue(QJsonValue::Undefined);
    };
    struct Replay
    {
        QStringList texts;
        bool complete = true;
        qint64 missed = 0;
    };
    using Problem = ChatProblem;
    using Outcome = std::optional<Problem>;

    bool admit(SessionId session, SessionState &state, ChatResult *result, qint64 nowMs);
    static Outcome parse(const QByteArray &utf8, Request *request);
    Outcome dispatch(SessionId session, SessionState &state, const Request &request,
                     ChatResult *result, qint64 nowMs);
    void reject(SessionId session, SessionState &state, const Request &request,
                const Problem &problem, ChatResult *result);

    Outcome join(SessionId session, SessionState &state, const Request &request,
                 ChatResult *result, qint64 nowMs);
    Outcome leave(SessionId session, SessionState &state, const Request &request,
                  ChatResult *result, qint64 nowMs);
    Outcome say(SessionId session, SessionState &state, const Request &request,
                ChatResult *result, qint64 nowMs);
    Outcome privateMessage(SessionId session, SessionState &state, const Request &request,
                           ChatResult *result, qint64 nowMs);
    Outcome listRooms(SessionId session, const SessionState &state, const Request &request,
                      ChatResult *result);
    Outcome listMembers(SessionId session, const SessionState &state, const Request &request,
                        ChatResult *result);
    Outcome resume(SessionId session, const SessionState &state, const Request &request,
                   ChatResult *result);
    static Outcome refresh(const Request &request, ChatResult *result);
    Outcome kick(const SessionState &state, const Request &request, ChatResult *result) const;

    Outcome readRoom(const Request &request, QString *room) const;
    Outcome readText(const Request &request, QString *text) const;
    static Outcome readLastSeq(const Request &request, bool required, qint64 *lastSeq);
    static QJsonObject withId(QJsonObject object, const Request &request);
    static QList<SessionId> sessionsIn(const Room &room);
    //! Ends the session with 1008 once this result has been sent.
    static void closeWithPolicyViolation(SessionState &state, ChatResult *result, const QString &reason);
    static Replay replayAfter(const Room &room, qint64 lastSeq);
    void leaveRoom(ChatResult *result, SessionId session, SessionState &state,
                   const QString &roomName, const QString &reason, const QJsonValue &id,
                   qint64 nowMs);
    Room *memberRoom(const SessionState &state, const QString &name);

    static std::optional<Problem> readEpoch(const Request &request, QString *epoch);

    ChatSettings m_settings;
    bool m_clustered = false;
    std::function<QMap<QString, QString>(const QString &room)> m_remoteMembers;
    std::function<QMap<QString, int>()> m_remoteRooms;
    //! Local and remote members' nicks of \a room, sorted by nick key.
    QJsonArray memberList(const Room &room) const;
    QHash<SessionId, SessionState> m_sessions;
    QHash<QString, Room> m_rooms;
};

} // namespace WsPlug
