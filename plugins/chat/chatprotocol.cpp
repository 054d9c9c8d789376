// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatprotocol.h"

#include "displaytext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>
#include <optional>

namespace WsPlug {

namespace {

using Problem = ChatProblem;

Problem badField(const QString &field, const QString &message)
{
    return {QStringLiteral("bad_field"), message, field, true};
}

Problem notInRoom(const QString &room)
{
    return {QStringLiteral("not_in_room"), QStringLiteral("you are not in room \"%1\"").arg(room),
            QStringLiteral("room"), false};
}

QString encode(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// The largest integer a JSON number (an IEEE double) carries exactly.
constexpr double maxExactInteger = 9007199254740992.0;

std::optional<Problem> readString(const QJsonObject &object, const QString &key, QString *out)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined() || value.isNull()) {
        return Problem{QStringLiteral("missing_field"),
                       QStringLiteral("field \"%1\" is required").arg(key), key, true};
    }
    if (!value.isString())
        return badField(key, QStringLiteral("field \"%1\" must be a string").arg(key));
    *out = value.toString();
    return std::nullopt;
}

// Room names and nicks end up in other clients' user interfaces: no control or
// format characters (which could fake line breaks or reorder text), no padding.
std::optional<Problem> checkName(const QString &key, const QString &value, int maxLength)
{
    if (value.isEmpty())
        return badField(key, QStringLiteral("field \"%1\" must not be empty").arg(key));
    if (value.size() > maxLength) {
        return badField(key, QStringLiteral("field \"%1\" is longer than %2 characters")
                                 .arg(key).arg(maxLength));
    }
    if (value.front().isSpace() || value.back().isSpace()) {
        return badField(key, QStringLiteral("field \"%1\" must not start or end with a space")
                                 .arg(key));
    }
    if (containsControlCharacter(value))
        return badField(key, QStringLiteral("field \"%1\" contains a control or format character").arg(key));
    return std::nullopt;
}

// Nicks are unique per room regardless of case and of compatibility forms, so
// "Bob", "bob" and "ｂｏｂ" cannot pose as one another.
QString nickKey(const QString &nick)
{
    return nick.normalized(QString::NormalizationForm_KC).toCaseFolded();
}

} // namespace

/*!
    Makes a protocol with \a settings; they are expected to be valid
    (ChatSettings::fromVariantMap() checks them).
*/
ChatProtocol::ChatProtocol(const ChatSettings &settings) : m_settings(settings) { }

/*!
    Registers \a session and fills its rate-limit bucket. Input from a session that was
    never opened is accepted as well; it is registered on first use.
*/
void ChatProtocol::sessionOpened(SessionId session, qint64 nowMs)
{
    SessionState state;
    state.bucket = TokenBucket(m_settings.messagesPerSecond, m_settings.burst, nowMs);
    m_sessions.insert(session, state);
}

/*!
    Handles one text message from \a session. Never fails: any input yields events for
    the sender and possibly others, and at worst a request to close the session.
*/
ChatResult ChatProtocol::textReceived(SessionId session, const QString &text, qint64 nowMs)
{
    if (!m_sessions.contains(session))
        sessionOpened(session, nowMs);
    SessionState &state = m_sessions[session];
    if (state.closing)
        return {};

    ChatResult result;
    if (!admit(session, state, &result, nowMs))
        return result;

    Request request;
    std::optional<Problem> problem;
    if (text.size() > m_settings.maxMessageLength) {
        problem = Problem{QStringLiteral("message_too_long"),
                          QStringLiteral("message is %1 characters long; the limit is %2")
                              .arg(text.size()).arg(m_settings.maxMessageLength),
                          {}, true};
    } else {
        problem = parse(text, &request);
    }
    if (!problem)
        problem = dispatch(session, state, request, &result, nowMs);
    if (problem)
        reject(session, state, request, *problem, &result);
    else
        state.badInRow = 0;
    return result;
}

/*!
    Handles a binary message from \a session: the chat protocol is text only, so this
    is always an error that counts as a bad message.
*/
ChatResult ChatProtocol::binaryReceived(SessionId session, qint64 nowMs)
{
    if (!m_sessions.contains(session))
        sessionOpened(session, nowMs);
    SessionState &state = m_sessions[session];
    if (state.closing)
        return {};

    ChatResult result;
    if (!admit(session, state, &result, nowMs))
        return result;
    reject(session, state, Request(),
           Problem{QStringLiteral("binary_not_supported"),
                   QStringLiteral("binary messages are not supported; send JSON text"), {}, true},
           &result);
    return result;
}

/*!
    Forgets \a session and takes it out of every room it was in; the result holds the
    "left" events for the members who remain. Nothing is sent to \a session itself.
*/
ChatResult ChatProtocol::sessionClosed(SessionId session, qint64 nowMs)
{
    ChatResult result;
    const auto it = m_sessions.find(session);
    if (it == m_sessions.end())
        return result;
    SessionState state = *it;
    m_sessions.erase(it);
    const QStringList rooms = state.rooms.keys();
    for (const QString &room : rooms)
        leaveRoom(&result, session, state, room, QStringLiteral("disconnect"),
                  QJsonValue(QJsonValue::Undefined), nowMs);
    return result;
}

void ChatProtocol::expireHistory(qint64 nowMs)
{
    const qint64 keepMs = qint64(m_settings.historyKeepSeconds) * 1000;
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->emptySinceMs >= 0 && nowMs - it->emptySinceMs >= keepMs)
            it = m_rooms.erase(it);
        else
            ++it;
    }
}

int ChatProtocol::roomCount() const
{
    int count = 0;
    for (const Room &room : m_rooms) {
        if (!room.members.isEmpty())
            ++count;
    }
    return count;
}

int ChatProtocol::keptRoomCount() const
{
    return int(m_rooms.size());
}

// The rate limit is applied before anything is parsed, so that a flood of garbage
// costs the host as little as possible.
bool ChatProtocol::admit(SessionId session, SessionState &state, ChatResult *result, qint64 nowMs)
{
    if (state.rejected > 0 && state.bucket.isFull(nowMs))
        state.rejected = 0;
    if (state.bucket.take(nowMs))
        return true;

    ++state.rejected;
    QJsonObject error{
        {QStringLiteral("type"), QStringLiteral("error")},
        {QStringLiteral("code"), QStringLiteral("rate_limited")},
        {QStringLiteral("message"),
         QStringLiteral("too many messages; at most %1 per second (bursts of %2) are allowed")
             .arg(m_settings.messagesPerSecond).arg(m_settings.burst)},
        {QStringLiteral("retryAfterMs"), double(state.bucket.msUntilNextToken(nowMs))},
    };
    result->outgoing.append({{session}, encode(error)});
    if (m_settings.floodCloseAfter > 0 && state.rejected >= m_settings.floodCloseAfter) {
        closeWithPolicyViolation(state, result,
                                 QStringLiteral("rate limit exceeded: %1 messages rejected").arg(state.rejected));
    }
    return false;
}

namespace {
QString jsonTypeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: break;
    }
    return QStringLiteral("nothing");
}
} // namespace

ChatProtocol::Outcome ChatProtocol::parse(const QString &text, Request *request)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // QJsonDocument takes only an object or an array: a lone value (null, 42, "x")
        // is valid JSON all the same, and is told apart here.
        const QJsonDocument wrapped = QJsonDocument::fromJson('[' + text.toUtf8() + ']');
        if (wrapped.isArray() && wrapped.array().size() == 1) {
            return Problem{QStringLiteral("bad_json"),
                           QStringLiteral("expected a JSON object, got %1").arg(jsonTypeName(wrapped.array().first())),
                           {}, true};
        }
        return Problem{QStringLiteral("bad_json"),
                       QStringLiteral("not valid JSON: %1 at offset %2")
                           .arg(parseError.errorString()).arg(parseError.offset),
                       {}, true};
    }
    if (!document.isObject()) {
        return Problem{QStringLiteral("bad_json"), QStringLiteral("expected a JSON object, got an array"), {},
                       true};
    }
    request->object = document.object();
    // Read early, so that every later error can name the request it answers.
    if (const QJsonValue type = request->object.value(QStringLiteral("type")); type.isString())
        request->type = type.toString();

    const QJsonValue id = request->object.value(QStringLiteral("id"));
    if (!id.isUndefined()) {
        if (!(id.isString() && id.toString().size() <= 128) && !id.isDouble())
            return badField(QStringLiteral("id"), QStringLiteral("field \"id\" must be a number "
                                                                 "or a string of at most 128 characters"));
        request->id = id;
    }
    if (auto problem = readString(request->object, QStringLiteral("type"), &request->type))
        return problem;
    return std::nullopt;
}

ChatProtocol::Outcome ChatProtocol::dispatch(SessionId session, SessionState &state,
                                                            const Request &request,
                                                            ChatResult *result, qint64 nowMs)
{
    const QString &type = request.type;
    if (type == QLatin1String("join"))
        return join(session, state, request, result, nowMs);
    if (type == QLatin1String("leave"))
        return leave(session, state, request, result, nowMs);
    if (type == QLatin1String("say"))
        return say(session, state, request, result, nowMs);
    if (type == QLatin1String("private"))
        return privateMessage(session, state, request, result, nowMs);
    if (type == QLatin1String("rooms"))
        return listRooms(session, state, request, result);
    if (type == QLatin1String("members"))
        return listMembers(session, state, request, result);
    if (type == QLatin1String("resume"))
        return resume(session, state, request, result);
    return Problem{QStringLiteral("unknown_type"),
                   QStringLiteral("unknown message type \"%1\"").arg(type.left(64)),
                   QStringLiteral("type"), true};
}

void ChatProtocol::reject(SessionId session, SessionState &state, const Request &request,
                          const Problem &problem, ChatResult *result)
{
    QJsonObject error{
        {QStringLiteral("type"), QStringLiteral("error")},
        {QStringLiteral("code"), problem.code},
        {QStringLiteral("message"), problem.message},
    };
    if (!problem.field.isEmpty())
        error.insert(QStringLiteral("field"), problem.field);
    if (!request.type.isEmpty())
        error.insert(QStringLiteral("request"), request.type.left(64));
    if (!request.id.isUndefined())
        error.insert(QStringLiteral("id"), request.id);

    if (!problem.bad) {
        state.badInRow = 0;
        result->outgoing.append({{session}, encode(error)});
        return;
    }
    ++state.badInRow;
    error.insert(QStringLiteral("badInRow"), state.badInRow);
    result->outgoing.append({{session}, encode(error)});
    if (m_settings.maxBadMessages > 0 && state.badInRow >= m_settings.maxBadMessages) {
        closeWithPolicyViolation(state, result,
                                 QStringLiteral("too many bad messages in a row (%1)").arg(state.badInRow));
    }
}

ChatProtocol::Outcome ChatProtocol::readRoom(const Request &request,
                                                           QString *room) const
{
    if (auto problem = readString(request.object, QStringLiteral("room"), room))
        return problem;
    return checkName(QStringLiteral("room"), *room, m_settings.maxRoomNameLength);
}

ChatProtocol::Outcome ChatProtocol::readText(const Request &request,
                                                           QString *text) const
{
    if (auto problem = readString(request.object, QStringLiteral("text"), text))
        return problem;
    if (text->isEmpty())
        return badField(QStringLiteral("text"), QStringLiteral("field \"text\" must not be empty"));
    if (text->size() > m_settings.maxTextLength) {
        return Problem{QStringLiteral("text_too_long"),
                       QStringLiteral("text is %1 characters long; the limit is %2")
                           .arg(text->size()).arg(m_settings.maxTextLength),
                       QStringLiteral("text"), true};
    }
    return std::nullopt;
}

// lastSeq is optional for join (\a required false) and required for resume; -1 when absent.
ChatProtocol::Outcome ChatProtocol::readLastSeq(const Request &request, bool required,
                                                              qint64 *lastSeq)
{
    const QString key = QStringLiteral("lastSeq");
    const QJsonValue value = request.object.value(key);
    *lastSeq = -1;
    if (value.isUndefined() || value.isNull()) {
        if (!required)
            return std::nullopt;
        return Problem{QStringLiteral("missing_field"),
                       QStringLiteral("field \"lastSeq\" is required"), key, true};
    }
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 0 || number > maxExactInteger
        || std::trunc(number) != number) {
        return badField(key, QStringLiteral("field \"lastSeq\" must be an integer >= 0"));
    }
    *lastSeq = qint64(number);
    return std::nullopt;
}

ChatProtocol::Room *ChatProtocol::memberRoom(const SessionState &state, const QString &name)
{
    if (!state.rooms.contains(name))
        return nullptr;
    const auto it = m_rooms.find(name);
    return it == m_rooms.end() ? nullptr : &*it;
}

QList<SessionId> ChatProtocol::sessionsIn(const Room &room)
{
    QList<SessionId> sessions;
    sessions.reserve(room.members.size());
    for (const Member &member : room.members)
        sessions.append(member.session);
    return sessions;
}

void ChatProtocol::closeWithPolicyViolation(SessionState &state, ChatResult *result, const QString &reason)
{
    state.closing = true;
    result->close = true;
    result->closeCode = 1008;
    result->closeReason = reason;
}

QJsonObject ChatProtocol::withId(QJsonObject object, const Request &request)
{
    if (!request.id.isUndefined())
        object.insert(QStringLiteral("id"), request.id);
    return object;
}

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

    QJsonArray members;
    for (const Member &member : std::as_const(room.members))
        members.append(member.nick);
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

ChatProtocol::Outcome ChatProtocol::say(SessionId, SessionState &state,
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
    QStringList names;
    for (const Room &room : std::as_const(m_rooms)) {
        if (!room.members.isEmpty())
            names.append(room.name);
    }
    names.sort();
    QJsonArray rooms;
    for (const QString &name : std::as_const(names)) {
        const Room &room = *m_rooms.constFind(name);
        rooms.append(QJsonObject{
            {QStringLiteral("room"), name},
            {QStringLiteral("members"), int(room.members.size())},
            {QStringLiteral("lastSeq"), double(room.lastSeq)},
            {QStringLiteral("joined"), state.rooms.contains(name)},
        });
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
    QJsonArray members;
    for (const Member &member : room->members)
        members.append(member.nick);
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
    const Room *room = memberRoom(state, roomName);
    if (!room)
        return notInRoom(roomName);

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

} // namespace WsPlug
