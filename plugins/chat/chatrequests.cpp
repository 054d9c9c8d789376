// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatprotocol.h"

#include "chatfields.h"

#include "displaytext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>
#include <optional>

// The handlers of each request type: join, leave, say, private, rooms, members, resume.
namespace WsPlug {

using namespace ChatFields;

ChatProtocol::Outcome ChatProtocol::join(SessionId session, SessionState &state,
                                                        const Request &request, ChatResult *result,
                                                        qint64 nowMs)
{
    QString roomName;
    QString nick;
    qint64 lastSeq = -1;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    if (auto problem = readString(request.object, QStringLiteral("nick"), &nick))
        return problem;
    if (auto problem = checkName(QStringLiteral("nick"), nick, m_settings.maxNickLength))
        return problem;
    if (auto problem = readLastSeq(request, false, &lastSeq))
        return problem;
    QString epoch;
    if (auto problem = readEpoch(request, &epoch))
        return problem;

    if (state.rooms.contains(roomName)) {
        return Problem{QStringLiteral("already_in_room"),
                       QStringLiteral("you are already in room \"%1\" as \"%2\"")
                           .arg(roomName, state.rooms.value(roomName)),
                       QStringLiteral("room"), false};
    }
    if (state.rooms.size() >= m_settings.maxRoomsPerSession) {
        return Problem{QStringLiteral("too_many_rooms"),
                       QStringLiteral("you are in %1 rooms already; leave one first")
                           .arg(state.rooms.size()),
                       QStringLiteral("room"), false};
    }

    auto it = m_rooms.find(roomName);
    // A room whose kept history has run out starts afresh, sequence numbers included.
    if (it != m_rooms.end() && it->emptySinceMs >= 0
        && nowMs - it->emptySinceMs >= qint64(m_settings.historyKeepSeconds) * 1000) {
        m_rooms.erase(it);
        it = m_rooms.end();
    }
    const QString key = nickKey(nick);
    if (it != m_rooms.end() && it->members.contains(key)) {
        return Problem{QStringLiteral("nick_taken"),
                       QStringLiteral("nick \"%1\" is taken in room \"%2\"")
                           .arg(it->members.value(key).nick, roomName),
                       QStringLiteral("nick"), false};
    }
    // On another host, as far as this host knows (a heartbeat behind at most). A join with
    // lastSeq is a client coming back, maybe from a host that died and still holds its
    // nick here until it expires: it takes its nick back.
    if (m_remoteMembers && lastSeq < 0) {
        const QMap<QString, QString> remote = m_remoteMembers(roomName);
        if (remote.contains(key)) {
            return Problem{QStringLiteral("nick_taken"),
                           QStringLiteral("nick \"%1\" is taken in room \"%2\"").arg(remote.value(key), roomName),
                           QStringLiteral("nick"), false};
        }
    }
    if (it == m_rooms.end()) {
        it = m_rooms.insert(roomName, Room());
        it->name = roomName;
    }
    Room &room = *it;

    const QList<SessionId> others = sessionsIn(room);
    if (!others.isEmpty()) {
        result->outgoing.append({others, encode(QJsonObject{
                                             {QStringLiteral("type"), QStringLiteral("joined")},
                                             {QStringLiteral("room"), roomName},
                                             {QStringLiteral("nick"), nick},
                                         })});
    }

    room.members.insert(key, Member{session, nick});
    room.emptySinceMs = -1;
    state.rooms.insert(roomName, nick);

    const QJsonArray members = memberList(room);
    if (m_clustered) {
        result->presence.append({roomName, nick, true, {}});
        ChatReplay replay{session, roomName,
                          withId(QJsonObject{{QStringLiteral("type"), QStringLiteral("joined")},
                                             {QStringLiteral("room"), roomName},
                                             {QStringLiteral("nick"), nick},
                                             {QStringLiteral("self"), true},
                                             {QStringLiteral("members"), members}}, request),
                          lastSeq, epoch};
        result->replay = replay;
        return std::nullopt;
    }
    const Replay replay = replayAfter(room, lastSeq);
    QJsonObject joined{
        {QStringLiteral("type"), QStringLiteral("joined")},
        {QStringLiteral("room"), roomName},
        {QStringLiteral("nick"), nick},
        {QStringLiteral("self"), true},
        {QStringLiteral("members"), members},
        {QStringLiteral("lastSeq"), double(room.lastSeq)},
        {QStringLiteral("history"), int(replay.texts.size())},
    };
    if (lastSeq >= 0) {
        joined.insert(QStringLiteral("complete"), replay.complete);
        joined.insert(QStringLiteral("missed"), double(replay.missed));
    }
    result->outgoing.append({{session}, encode(withId(joined, request))});
    for (const QString &text : replay.texts)
        result->outgoing.append({{session}, text});
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::leave(SessionId session, SessionState &state,
                                                         const Request &request, ChatResult *result,
                                                         qint64 nowMs)
{
    QString roomName;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    if (!memberRoom(state, roomName))
        return notInRoom(roomName);
    leaveRoom(result, session, state, roomName, QStringLiteral("leave"), request.id, nowMs);
    return std::nullopt;
}

// Takes \a session out of \a roomName. The leaver gets its own "left" event (with
// "self") only when it asked to leave; a closed session gets nothing.
void ChatProtocol::leaveRoom(ChatResult *result, SessionId session, SessionState &state,
                             const QString &roomName, const QString &reason, const QJsonValue &id,
                             qint64 nowMs)
{
    const QString nick = state.rooms.take(roomName);
    const auto it = m_rooms.find(roomName);
    if (it == m_rooms.end())
        return;
    Room &room = *it;
    room.members.remove(nickKey(nick));

    if (m_clustered)
        result->presence.append({roomName, nick, false, reason});
    const QList<SessionId> others = sessionsIn(room);
    QJsonObject left{
        {QStringLiteral("type"), QStringLiteral("left")},
        {QStringLiteral("room"), roomName},
        {QStringLiteral("nick"), nick},
        {QStringLiteral("reason"), reason},
    };
    if (!others.isEmpty())
        result->outgoing.append({others, encode(left)});
    if (reason == QLatin1String("leave")) {
        left.insert(QStringLiteral("self"), true);
        if (!id.isUndefined())
            left.insert(QStringLiteral("id"), id);
        result->outgoing.append({{session}, encode(left)});
    }

    if (room.members.isEmpty()) {
        // Nothing to resume in a room that never had a message, or when keeping is off.
        if (room.lastSeq == 0 || m_settings.historyKeepSeconds == 0)
            m_rooms.erase(it);
        else
            room.emptySinceMs = nowMs;
    }
}

ChatProtocol::Outcome ChatProtocol::say(SessionId session, SessionState &state,
                                                       const Request &request, ChatResult *result,
                                                       qint64 nowMs)
{
    QString roomName;
    QString text;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    if (auto problem = readText(request, &text))
        return problem;
    Room *room = memberRoom(state, roomName);
    if (!room)
        return notInRoom(roomName);

    if (m_clustered) {
        const QJsonObject data{{QStringLiteral("from"), state.rooms.value(roomName)},
                               {QStringLiteral("text"), text},
                               {QStringLiteral("ts"), double(nowMs)}};
        result->publishes.append({session, roomName, encode(data).toUtf8()});
        return std::nullopt;
    }
    const qint64 seq = ++room->lastSeq;
    const QString event = encode(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("message")},
        {QStringLiteral("room"), roomName},
        {QStringLiteral("seq"), double(seq)},
        {QStringLiteral("from"), state.rooms.value(roomName)},
        {QStringLiteral("text"), text},
        {QStringLiteral("ts"), double(nowMs)},
    });
    if (m_settings.historySize > 0) {
        room->history.push_back({seq, event});
        while (room->history.size() > size_t(m_settings.historySize))
            room->history.pop_front();
    }
    const QList<SessionId> recipients = sessionsIn(*room);
    result->outgoing.append({recipients, event});
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::privateMessage(SessionId session,
                                                                  SessionState &state,
                                                                  const Request &request,
                                                                  ChatResult *result, qint64 nowMs)
{
    QString roomName;
    QString to;
    QString text;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    if (auto problem = readString(request.object, QStringLiteral("to"), &to))
        return problem;
    if (auto problem = checkName(QStringLiteral("to"), to, m_settings.maxNickLength))
        return problem;
    if (auto problem = readText(request, &text))
        return problem;
    Room *room = memberRoom(state, roomName);
    if (!room)
        return notInRoom(roomName);
    const auto target = room->members.constFind(nickKey(to));
    if (target == room->members.cend() && m_remoteMembers) {
        // A member on another host: the event goes there through the bus.
        const QMap<QString, QString> remote = m_remoteMembers(roomName);
        if (const auto other = remote.constFind(nickKey(to)); other != remote.cend()) {
            const QString event = encode(QJsonObject{
                {QStringLiteral("type"), QStringLiteral("private")},
                {QStringLiteral("room"), roomName},
                {QStringLiteral("from"), state.rooms.value(roomName)},
                {QStringLiteral("to"), *other},
                {QStringLiteral("text"), text},
                {QStringLiteral("ts"), double(nowMs)},
            });
            result->remotePrivates.append({roomName, nickKey(to), event});
            result->outgoing.append({{session}, event});
            return std::nullopt;
        }
    }
    if (target == room->members.cend()) {
        return Problem{QStringLiteral("no_such_nick"),
                       QStringLiteral("nobody is called \"%1\" in room \"%2\"").arg(to, roomName),
                       QStringLiteral("to"), false};
    }

    const QString event = encode(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("private")},
        {QStringLiteral("room"), roomName},
        {QStringLiteral("from"), state.rooms.value(roomName)},
        {QStringLiteral("to"), target->nick},
        {QStringLiteral("text"), text},
        {QStringLiteral("ts"), double(nowMs)},
    });
    // The sender gets a copy as its receipt, except when it wrote to itself.
    QList<SessionId> recipients{target->session};
    if (target->session != session)
        recipients.append(session);
    result->outgoing.append({recipients, event});
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::listRooms(SessionId session,
                                                             const SessionState &state,
                                                             const Request &request,
                                                             ChatResult *result)
{
    // This host's rooms, and in a cluster the other hosts' (their members counted too;
    // a room with no member here has no lastSeq known here).
    QMap<QString, int> members = localRooms();
    if (m_remoteRooms) {
        const QMap<QString, int> remote = m_remoteRooms();
        for (auto it = remote.cbegin(); it != remote.cend(); ++it)
            members[it.key()] += it.value();
    }
    QJsonArray rooms;
    for (auto it = members.cbegin(); it != members.cend(); ++it) {
        QJsonObject entry{{QStringLiteral("room"), it.key()},
                          {QStringLiteral("members"), it.value()},
                          {QStringLiteral("joined"), state.rooms.contains(it.key())}};
        if (const auto room = m_rooms.constFind(it.key()); room != m_rooms.cend() && !room->members.isEmpty())
            entry.insert(QStringLiteral("lastSeq"), double(room->lastSeq));
        rooms.append(entry);
    }
    result->outgoing.append({{session}, encode(withId(QJsonObject{
                                            {QStringLiteral("type"), QStringLiteral("rooms")},
                                            {QStringLiteral("rooms"), rooms},
                                        }, request))});
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::listMembers(SessionId session,
                                                               const SessionState &state,
                                                               const Request &request,
                                                               ChatResult *result)
{
    QString roomName;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    const Room *room = memberRoom(state, roomName);
    if (!room)
        return notInRoom(roomName);
    const QJsonArray members = memberList(*room);
    result->outgoing.append({{session}, encode(withId(QJsonObject{
                                            {QStringLiteral("type"), QStringLiteral("members")},
                                            {QStringLiteral("room"), roomName},
                                            {QStringLiteral("members"), members},
                                        }, request))});
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::resume(SessionId session,
                                                          const SessionState &state,
                                                          const Request &request,
                                                          ChatResult *result)
{
    QString roomName;
    qint64 lastSeq = -1;
    if (auto problem = readRoom(request, &roomName))
        return problem;
    if (auto problem = readLastSeq(request, true, &lastSeq))
        return problem;
    QString epoch;
    if (auto problem = readEpoch(request, &epoch))
        return problem;
    const Room *room = memberRoom(state, roomName);
    if (!room)
        return notInRoom(roomName);
    if (m_clustered) {
        result->replay = ChatReplay{session, roomName,
                                    withId(QJsonObject{{QStringLiteral("type"), QStringLiteral("resumed")},
                                                       {QStringLiteral("room"), roomName}}, request),
                                    lastSeq, epoch};
        return std::nullopt;
    }

    const Replay replay = replayAfter(*room, lastSeq);
    QJsonObject resumed{
        {QStringLiteral("type"), QStringLiteral("resumed")},
        {QStringLiteral("room"), roomName},
        {QStringLiteral("lastSeq"), double(room->lastSeq)},
        {QStringLiteral("history"), int(replay.texts.size())},
        {QStringLiteral("complete"), replay.complete},
        {QStringLiteral("missed"), double(replay.missed)},
    };
    result->outgoing.append({{session}, encode(withId(resumed, request))});
    for (const QString &text : replay.texts)
        result->outgoing.append({{session}, text});
    return std::nullopt;
}

/*
 * The kept messages after \a lastSeq; with lastSeq -1, everything kept. History holds
 * consecutive sequence numbers ending at room.lastSeq, so what a client missed but we
 * no longer keep is exactly the gap between its lastSeq and our oldest entry.
 */
ChatProtocol::Replay ChatProtocol::replayAfter(const Room &room, qint64 lastSeq)
{
    Replay replay;
    if (lastSeq > room.lastSeq) {
        // The client saw numbers this room never gave out: the room was dropped and its
        // history expired since. Send everything kept; the client cannot tell what it lacks.
        replay.complete = false;
        for (const HistoryEntry &entry : room.history)
            replay.texts.append(entry.text);
        return replay;
    }
    qint64 from = lastSeq + 1;
    if (lastSeq >= 0) {
        const qint64 oldestKept = room.history.empty() ? room.lastSeq + 1 : room.history.front().seq;
        if (from < oldestKept) {
            replay.missed = oldestKept - from;
            replay.complete = false;
        }
    }
    for (const HistoryEntry &entry : room.history) {
        if (entry.seq >= from)
            replay.texts.append(entry.text);
    }
    return replay;
}

ChatProtocol::Outcome ChatProtocol::refresh(const Request &request, ChatResult *result)
{
    ChatRefresh refresh;
    if (auto problem = readString(request.object, QStringLiteral("token"), &refresh.token))
        return problem;
    if (refresh.token.isEmpty() || refresh.token.size() > 16 * 1024)
        return badField(QStringLiteral("token"), QStringLiteral("field \"token\" must be a token of at most 16 KiB"));
    refresh.id = request.id;
    result->refresh = refresh;
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::kick(const SessionState &state, const Request &request, ChatResult *result) const
{
    ChatKick kick;
    if (auto problem = readRoom(request, &kick.room))
        return problem;
    if (auto problem = readString(request.object, QStringLiteral("name"), &kick.name))
        return problem;
    if (auto problem = checkName(QStringLiteral("name"), kick.name, m_settings.maxNickLength))
        return problem;
    const QJsonValue reason = request.object.value(QStringLiteral("reason"));
    if (!reason.isUndefined() && (!reason.isString() || reason.toString().size() > 80))
        return badField(QStringLiteral("reason"), QStringLiteral("field \"reason\" must be a string of at most 80 characters"));
    kick.reason = reason.toString();
    const auto in = m_rooms.constFind(kick.room);
    if (!state.rooms.contains(kick.room) || in == m_rooms.cend())
        return notInRoom(kick.room);
    const auto target = in->members.constFind(nickKey(kick.name));
    // In cluster mode the target may be another host's member: that host closes it.
    const QString remoteNick = target == in->members.cend() && m_remoteMembers
            ? m_remoteMembers(kick.room).value(nickKey(kick.name)) : QString();
    if (target == in->members.cend() && remoteNick.isEmpty()) {
        return Problem{QStringLiteral("no_such_nick"),
                       QStringLiteral("nobody is called \"%1\" in room \"%2\"").arg(kick.name, kick.room),
                       QStringLiteral("name"), false};
    }
    kick.target = target != in->members.cend() ? target->session : 0;
    kick.name = target != in->members.cend() ? target->nick : remoteNick;
    kick.by = state.rooms.value(kick.room);
    kick.id = request.id;
    result->kick = kick;
    return std::nullopt;
}

QString ChatProtocol::kickAnswer(const ChatKick &kick, bool allowed, const QStringList &roles)
{
    QJsonObject answer;
    if (allowed) {
        answer = {{QStringLiteral("type"), QStringLiteral("kicked")},
                  {QStringLiteral("room"), kick.room},
                  {QStringLiteral("name"), kick.name}};
    } else {
        answer = {{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("code"), QStringLiteral("forbidden")},
                  {QStringLiteral("message"), roles.isEmpty() ? QStringLiteral("nobody may kick here")
                                                              : QStringLiteral("kicking needs the role %1").arg(roles.join(QStringLiteral(" or ")))},
                  {QStringLiteral("request"), QStringLiteral("kick")}};
    }
    if (!kick.id.isUndefined())
        answer.insert(QStringLiteral("id"), kick.id);
    return encode(answer);
}

QString ChatProtocol::refreshAnswer(const ChatRefresh &refresh, bool accepted, const QDateTime &expiresAt)
{
    QJsonObject answer;
    if (accepted) {
        answer = {{QStringLiteral("type"), QStringLiteral("refreshed")},
                  {QStringLiteral("expiresAt"), expiresAt.isValid() ? QJsonValue(expiresAt.toString(Qt::ISODate))
                                                                    : QJsonValue(QJsonValue::Null)}};
    } else {
        // The reason is in the host's log; the client learns only that it was refused.
        answer = {{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("code"), QStringLiteral("token_refused")},
                  {QStringLiteral("message"), QStringLiteral("the token was refused")},
                  {QStringLiteral("request"), QStringLiteral("refresh")}};
    }
    if (!refresh.id.isUndefined())
        answer.insert(QStringLiteral("id"), refresh.id);
    return encode(answer);
}

} // namespace WsPlug
