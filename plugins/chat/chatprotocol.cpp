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

namespace WsPlug {

using namespace ChatFields;


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
    return textReceived(session, text.toUtf8(), nowMs);
}

namespace {
//! How long \a utf8 (valid UTF-8) is as QString, without converting it: the message
//! limit counts QString's characters (UTF-16 code units), as it always has.
qsizetype utf16Length(const QByteArray &utf8)
{
    qsizetype units = 0;
    for (const char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        units += (b & 0xC0) != 0x80;   // every character starts with a non-continuation byte
        units += b >= 0xF0;            // and one of four bytes takes a surrogate pair
    }
    return units;
}
} // namespace

ChatResult ChatProtocol::textReceived(SessionId session, const QByteArray &utf8, qint64 nowMs)
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
    // Bytes are at least as many as characters: only a long message is counted.
    const qsizetype length = utf8.size() > m_settings.maxMessageLength ? utf16Length(utf8) : utf8.size();
    if (length > m_settings.maxMessageLength) {
        problem = Problem{QStringLiteral("message_too_long"),
                          QStringLiteral("message is %1 characters long; the limit is %2")
                              .arg(length).arg(m_settings.maxMessageLength),
                          {}, true};
    } else {
        problem = parse(utf8, &request);
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

QList<SessionId> ChatProtocol::membersOf(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.cend() ? QList<SessionId>() : sessionsIn(*it);
}

QMap<QString, int> ChatProtocol::localRooms() const
{
    QMap<QString, int> rooms;
    for (const Room &room : std::as_const(m_rooms)) {
        if (!room.members.isEmpty())
            rooms.insert(room.name, int(room.members.size()));
    }
    return rooms;
}

QStringList ChatProtocol::nicksIn(const QString &room) const
{
    QStringList nicks;
    const auto it = m_rooms.constFind(room);
    if (it != m_rooms.cend()) {
        for (const Member &m : it->members)
            nicks.append(m.nick);
    }
    return nicks;
}

SessionId ChatProtocol::sessionOf(const QString &room, const QString &key) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.cend() ? 0 : it->members.value(key).session;
}

QJsonArray ChatProtocol::memberList(const Room &room) const
{
    QMap<QString, QString> all;
    if (m_remoteMembers)
        all = m_remoteMembers(room.name);
    for (auto it = room.members.cbegin(); it != room.members.cend(); ++it)
        all.insert(it.key(), it->nick);
    QJsonArray members;
    for (const QString &nick : std::as_const(all))
        members.append(nick);
    return members;
}

void ChatProtocol::noteSeq(const QString &room, qint64 seq)
{
    if (auto it = m_rooms.find(room); it != m_rooms.end() && seq > it->lastSeq)
        it->lastSeq = seq;
}

QString ChatProtocol::messageEvent(const QString &room, qint64 seq, const QByteArray &data)
{
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    const QJsonValue from = o.value(QLatin1String("from"));
    const QJsonValue text = o.value(QLatin1String("text"));
    const QJsonValue ts = o.value(QLatin1String("ts"));
    if (!from.isString() || !text.isString() || !ts.isDouble())
        return {};
    return ChatFields::encode(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("message")},
        {QStringLiteral("room"), room},
        {QStringLiteral("seq"), double(seq)},
        {QStringLiteral("from"), from},
        {QStringLiteral("text"), text},
        {QStringLiteral("ts"), ts},
    });
}

// The "epoch" a resuming client sends with its lastSeq (cluster mode); optional.
std::optional<ChatProblem> ChatProtocol::readEpoch(const Request &request, QString *epoch)
{
    const QJsonValue v = request.object.value(QLatin1String("epoch"));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString() || v.toString().isEmpty() || v.toString().size() > 64)
        return ChatFields::badField(QStringLiteral("epoch"), QStringLiteral("field \"epoch\" must be a string of 1-64 characters"));
    *epoch = v.toString();
    return std::nullopt;
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


ChatProtocol::Outcome ChatProtocol::parse(const QByteArray &utf8, Request *request)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(utf8, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // QJsonDocument takes only an object or an array: a lone value (null, 42, "x")
        // is valid JSON all the same, and is told apart here.
        const QJsonDocument wrapped = QJsonDocument::fromJson('[' + utf8 + ']');
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
    if (type == QLatin1String("refresh"))
        return refresh(request, result);
    if (type == QLatin1String("kick"))
        return kick(state, request, result);
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

} // namespace WsPlug
