// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatcluster.h"

#include "chatfields.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace WsPlug {

namespace {
// The rooms directory's channel (see ChatCluster); no room's name starts with \x01.
const QString DirectoryChannel = QStringLiteral("\x01rooms");
// Live messages held for one session while its history is read; more means a replay
// that cannot keep up, and it is told so rather than sent a partial stream.
constexpr int MaxBuffered = 10000;
} // namespace

ChatCluster::ChatCluster(ClusterBus *bus, HostContext *context, ChatProtocol *protocol, const ChatSettings &settings)
    : m_bus(bus), m_context(context), m_protocol(protocol), m_settings(settings)
{
    m_protocol->setRemoteMembers([this](const QString &room) { return remoteMembers(room); });
    m_protocol->setRemoteRooms([this] { return remoteRooms(); });
    m_directory = m_bus->subscribe(DirectoryChannel, [this](const BusMessage &m) { onDirectory(m); });
    m_directoryChanged.setSingleShot(true);
    m_directoryChanged.setInterval(200);
    connect(&m_directoryChanged, &QTimer::timeout, this, &ChatCluster::publishDirectory);
    // What the others have now, not in a third of the presence TTL.
    publishPresenceTo(DirectoryChannel, {{QStringLiteral("op"), QStringLiteral("who")}});
    m_heartbeat.setInterval(m_settings.presenceTtlSeconds * 1000 / 3);
    connect(&m_heartbeat, &QTimer::timeout, this, &ChatCluster::onHeartbeat);
    m_heartbeat.start();
    // Redis came back empty: every seq a client holds belongs to a history that is gone.
    m_bus->onEpochLost([this] {
        for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it) {
            BusHistory none;
            const QList<SessionId> members = m_protocol->membersOf(it.key());
            for (SessionId s : members)
                tellHistoryGone(s, it.key(), none, QStringLiteral("epoch"));
        }
    });
}

ChatCluster::~ChatCluster()
{
    m_protocol->setRemoteMembers({});
    m_protocol->setRemoteRooms({});
    m_bus->unsubscribe(m_directory);
    for (quint64 id : std::as_const(m_subscriptions))
        m_bus->unsubscribe(id);
    for (quint64 id : std::as_const(m_presenceSubscriptions))
        m_bus->unsubscribe(id);
}

void ChatCluster::subscribe(const QString &room)
{
    if (m_subscriptions.contains(room))
        return;
    m_subscriptions.insert(room, m_bus->subscribe(room, [this, room](const BusMessage &m) { onMessage(room, m); }));
}

void ChatCluster::publish(const ChatPublish &publish)
{
    BusPublishOptions options;
    options.historySize = m_settings.historySize;
    options.historyTtlSeconds = std::max(60, m_settings.historyKeepSeconds);
    // A message without a seq cannot be resumed from: refused while Redis is away.
    options.queueWhenDown = false;
    m_bus->publish(publish.room, publish.data, options, [this, publish](const BusPublishResult &r) {
        if (r.ok)
            return;
        m_context->sendText(publish.from, ChatFields::encode(QJsonObject{
            {QStringLiteral("type"), QStringLiteral("error")},
            {QStringLiteral("code"), QStringLiteral("cluster_unavailable")},
            {QStringLiteral("message"), QStringLiteral("the message was not sent: %1").arg(r.error)},
            {QStringLiteral("request"), QStringLiteral("say")},
        }));
    });
}

void ChatCluster::replay(const ChatReplay &replay)
{
    subscribe(replay.room);
    const quint64 id = m_nextPending++;
    m_pending.insert(id, Pending{replay, {}, false});
    // The last historySize messages, whatever the client asked: its position is
    // checked against them (all or nothing), and the bus reads them only once the
    // room's subscription is live, so nothing falls between the read and the stream.
    m_bus->history(replay.room, QString(), 0, std::max(1, m_settings.historySize),
                   [this, id](const BusHistory &h) { finish(id, h); });
}

void ChatCluster::onMessage(const QString &room, const BusMessage &m)
{
    const QString event = ChatProtocol::messageEvent(room, qint64(m.offset), m.data);
    if (event.isEmpty())
        return;
    m_protocol->noteSeq(room, qint64(m.offset));
    QList<SessionId> recipients = m_protocol->membersOf(room);
    for (Pending &p : m_pending) {
        if (p.replay.room != room || !recipients.removeOne(p.replay.session))
            continue;
        if (p.buffered.size() >= MaxBuffered)
            p.overflowed = true;
        else
            p.buffered.append({qint64(m.offset), event});
    }
    m_context->broadcastText(event, recipients);
}

void ChatCluster::finish(quint64 id, const BusHistory &h)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;   // the session closed meanwhile
    const Pending p = *it;
    m_pending.erase(it);
    const ChatReplay &r = p.replay;
    if (!m_protocol->membersOf(r.room).contains(r.session))
        return;   // it left the room meanwhile

    QJsonObject answer = r.answer;
    answer.insert(QStringLiteral("lastSeq"), double(h.topOffset));
    answer.insert(QStringLiteral("epoch"), h.epoch);
    QList<BusMessage> messages;
    bool complete = h.ok && !p.overflowed;
    QString why = !h.ok ? QStringLiteral("cluster_unavailable") : QStringLiteral("trimmed");
    if (complete && r.lastSeq >= 0) {
        const bool sameEpoch = r.epoch.isEmpty() || r.epoch == h.epoch;
        const quint64 last = quint64(r.lastSeq);
        for (const BusMessage &m : h.messages) {
            if (m.offset > last)
                messages.append(m);
        }
        complete = sameEpoch && last <= h.topOffset
                && (last == h.topOffset || (!messages.isEmpty() && messages.first().offset == last + 1));
        if (!sameEpoch)
            why = QStringLiteral("epoch");
    } else if (complete) {
        messages = h.messages;
    }
    if (!complete)
        messages.clear();
    answer.insert(QStringLiteral("history"), int(messages.size()));
    if (r.lastSeq >= 0 || !complete) {
        answer.insert(QStringLiteral("complete"), complete);
        if (complete)
            answer.insert(QStringLiteral("missed"), 0);
    }
    m_context->sendText(r.session, ChatFields::encode(answer));
    if (!complete && r.lastSeq >= 0)
        tellHistoryGone(r.session, r.room, h, why);
    QStringList texts;
    for (const BusMessage &m : std::as_const(messages))
        texts.append(ChatProtocol::messageEvent(r.room, qint64(m.offset), m.data));
    // Live ones that came while the history was read, after what it held.
    for (const auto &[seq, event] : p.buffered) {
        if (quint64(seq) > h.topOffset)
            texts.append(event);
    }
    for (const QString &text : std::as_const(texts)) {
        if (!text.isEmpty())
            m_context->sendText(r.session, text);
    }
}

void ChatCluster::tellHistoryGone(SessionId session, const QString &room, const BusHistory &h, const QString &reason)
{
    QJsonObject gone{{QStringLiteral("type"), QStringLiteral("history_gone")},
                     {QStringLiteral("room"), room},
                     {QStringLiteral("reason"), reason}};
    if (h.ok) {
        gone.insert(QStringLiteral("lastSeq"), double(h.topOffset));
        gone.insert(QStringLiteral("epoch"), h.epoch);
    }
    m_context->sendText(session, ChatFields::encode(gone));
}

void ChatCluster::dropRoomIfEmpty(const QString &room)
{
    if (!m_protocol->membersOf(room).isEmpty())
        return;
    if (const auto it = m_subscriptions.find(room); it != m_subscriptions.end()) {
        m_bus->unsubscribe(it.value());
        m_subscriptions.erase(it);
    }
    if (const auto it = m_presenceSubscriptions.find(room); it != m_presenceSubscriptions.end()) {
        m_bus->unsubscribe(it.value());
        m_presenceSubscriptions.erase(it);
        m_remote.remove(room);   // no one here to tell; learnt again on the next join
    }
}

void ChatCluster::publishPresence(const QString &room, const QJsonObject &event)
{
    publishPresenceTo(presenceChannel(room), event);
}

void ChatCluster::publishPresenceTo(const QString &channel, const QJsonObject &event)
{
    QJsonObject e = event;
    e.insert(QStringLiteral("node"), m_bus->nodeId());
    BusPublishOptions options;
    options.historySize = 0;
    options.historyTtlSeconds = m_settings.presenceTtlSeconds;
    m_bus->publish(channel, QJsonDocument(e).toJson(QJsonDocument::Compact), options, {});
}

void ChatCluster::presenceChanged(const ChatPresence &p)
{
    if (p.joined) {
        // Here now (a client back from a host that died): no longer another host's.
        if (auto room = m_remote.find(p.room); room != m_remote.end() && room->remove(ChatFields::nickKey(p.nick))
            && room->isEmpty())
            m_remote.erase(room);
    }
    if (p.joined && !m_presenceSubscriptions.contains(p.room)) {
        m_presenceSubscriptions.insert(p.room, m_bus->subscribe(presenceChannel(p.room), [this, room = p.room](
                                                                                              const BusMessage &m) {
            onPresence(room, m);
        }));
        // Who is there already: the other hosts answer with their members at once.
        publishPresence(p.room, {{QStringLiteral("op"), QStringLiteral("who")}});
    }
    if (!m_directoryChanged.isActive())
        m_directoryChanged.start();
    publishPresence(p.room, {{QStringLiteral("op"), p.joined ? QStringLiteral("join") : QStringLiteral("leave")},
                             {QStringLiteral("nick"), p.nick},
                             {QStringLiteral("reason"), p.reason}});
    // A leave (asked for, or a session's end) is the only way a room empties here.
    if (!p.joined)
        dropRoomIfEmpty(p.room);
}

void ChatCluster::sendPrivate(const ChatRemotePrivate &message)
{
    publishPresence(message.room, {{QStringLiteral("op"), QStringLiteral("private")},
                                   {QStringLiteral("to"), message.toKey},
                                   {QStringLiteral("event"), message.event}});
}

void ChatCluster::sendKick(SessionId kicker, const ChatKick &kick, const QString &answer)
{
    // The kicker's host checked the right; the hosts of one cluster trust each other.
    // Not queued while Redis is away (a kick minutes late is no kick): the kicker is told.
    const QJsonObject event{{QStringLiteral("op"), QStringLiteral("kick")},
                            {QStringLiteral("to"), ChatFields::nickKey(kick.name)},
                            {QStringLiteral("reason"), kick.closeReason()},
                            {QStringLiteral("node"), m_bus->nodeId()}};
    BusPublishOptions options;
    options.historySize = 0;
    options.historyTtlSeconds = m_settings.presenceTtlSeconds;
    options.queueWhenDown = false;
    m_bus->publish(presenceChannel(kick.room), QJsonDocument(event).toJson(QJsonDocument::Compact), options,
                   [this, kicker, answer, kick](const BusPublishResult &r) {
        if (r.ok) {
            m_context->sendText(kicker, answer);
            return;
        }
        QJsonObject error{{QStringLiteral("type"), QStringLiteral("error")},
                          {QStringLiteral("code"), QStringLiteral("cluster_unavailable")},
                          {QStringLiteral("message"), QStringLiteral("%1 is on another host, which cannot be reached: %2").arg(kick.name, r.error)},
                          {QStringLiteral("request"), QStringLiteral("kick")}};
        if (!kick.id.isUndefined())
            error.insert(QStringLiteral("id"), kick.id);
        m_context->sendText(kicker, ChatFields::encode(error));
    });
}

QMap<QString, QString> ChatCluster::remoteMembers(const QString &room) const
{
    QMap<QString, QString> out;
    const auto it = m_remote.constFind(room);
    if (it != m_remote.cend()) {
        for (auto m = it->cbegin(); m != it->cend(); ++m)
            out.insert(m.key(), m->nick);
    }
    return out;
}

void ChatCluster::tellLocal(const QString &room, const QString &nick, bool joined, const QString &reason)
{
    QJsonObject event{{QStringLiteral("type"), joined ? QStringLiteral("joined") : QStringLiteral("left")},
                      {QStringLiteral("room"), room},
                      {QStringLiteral("nick"), nick}};
    if (!joined)
        event.insert(QStringLiteral("reason"), reason);
    m_context->broadcastText(ChatFields::encode(event), m_protocol->membersOf(room));
}

void ChatCluster::onPresence(const QString &room, const BusMessage &m)
{
    const QJsonObject e = QJsonDocument::fromJson(m.data).object();
    const QString node = e.value(QLatin1String("node")).toString();
    const QString op = e.value(QLatin1String("op")).toString();
    if (node.isEmpty() || node == m_bus->nodeId())
        return;
    if (op == QLatin1String("who")) {
        onHeartbeat();
        return;
    }
    if (op == QLatin1String("private")) {
        // Only the host that has the target delivers it; the event was encoded by the sender's host.
        const SessionId to = m_protocol->sessionOf(room, e.value(QLatin1String("to")).toString());
        const QString event = e.value(QLatin1String("event")).toString();
        if (to && !event.isEmpty() && event.size() <= m_settings.maxMessageLength * 2)
            m_context->sendText(to, event);
        return;
    }
    if (op == QLatin1String("kick")) {
        // Only the host that has the target closes it (the host's close reason limit cuts the reason).
        const SessionId to = m_protocol->sessionOf(room, e.value(QLatin1String("to")).toString());
        if (to) {
            const QString reason = e.value(QLatin1String("reason")).toString();
            qCInfo(m_context->logging()).noquote()
                    << QStringLiteral("session %1 kicked from %2 by a member on %3: %4").arg(to).arg(room, node, reason);
            m_context->closeSession(to, ChatProtocol::KickedCloseCode, reason);
        }
        return;
    }
    const qint64 expiresAt = QDateTime::currentMSecsSinceEpoch() + qint64(m_settings.presenceTtlSeconds) * 1000;
    QMap<QString, Remote> &members = m_remote[room];
    auto upsert = [&](const QString &nick) {
        if (nick.isEmpty() || nick.size() > m_settings.maxNickLength)
            return;
        const QString key = ChatFields::nickKey(nick);
        const bool isNew = !members.contains(key);
        members.insert(key, Remote{nick, node, expiresAt});
        if (isNew)
            tellLocal(room, nick, true, {});
    };
    if (op == QLatin1String("join")) {
        upsert(e.value(QLatin1String("nick")).toString());
    } else if (op == QLatin1String("leave")) {
        const QString nick = e.value(QLatin1String("nick")).toString();
        if (members.remove(ChatFields::nickKey(nick)))
            tellLocal(room, nick, false, e.value(QLatin1String("reason")).toString());
    } else if (op == QLatin1String("alive")) {
        QSet<QString> listed;
        for (const QJsonValue &v : e.value(QLatin1String("nicks")).toArray()) {
            upsert(v.toString());
            listed.insert(ChatFields::nickKey(v.toString()));
        }
        // That host's members it no longer lists have gone (a leave this host missed).
        for (auto it = members.begin(); it != members.end();) {
            if (it->node == node && !listed.contains(it.key())) {
                const QString nick = it->nick;
                it = members.erase(it);
                tellLocal(room, nick, false, QStringLiteral("disconnect"));
            } else {
                ++it;
            }
        }
    }
    if (members.isEmpty())
        m_remote.remove(room);
}

/*!
    Publishes this host's members of every room it has members in, and lets go of the
    other hosts' members not heard of within presenceTtlSeconds.
*/
void ChatCluster::onHeartbeat()
{
    publishDirectory();
    const qint64 expired = QDateTime::currentMSecsSinceEpoch();
    for (auto host = m_remoteRooms.begin(); host != m_remoteRooms.end();)
        host = host->expiresAt < expired ? m_remoteRooms.erase(host) : std::next(host);
    for (auto it = m_presenceSubscriptions.cbegin(); it != m_presenceSubscriptions.cend(); ++it) {
        const QStringList nicks = m_protocol->nicksIn(it.key());
        if (!nicks.isEmpty())
            publishPresence(it.key(), {{QStringLiteral("op"), QStringLiteral("alive")},
                                       {QStringLiteral("nicks"), QJsonArray::fromStringList(nicks)}});
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto room = m_remote.begin(); room != m_remote.end();) {
        for (auto it = room->begin(); it != room->end();) {
            if (it->expiresAt < now) {
                const QString nick = it->nick;
                it = room->erase(it);
                tellLocal(room.key(), nick, false, QStringLiteral("disconnect"));
            } else {
                ++it;
            }
        }
        room = room->isEmpty() ? m_remote.erase(room) : std::next(room);
    }
}

void ChatCluster::sessionClosed(SessionId session)
{
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (it->replay.session == session)
            it = m_pending.erase(it);
        else
            ++it;
    }
}

void ChatCluster::publishDirectory()
{
    QJsonObject rooms;
    const QMap<QString, int> local = m_protocol->localRooms();
    for (auto it = local.cbegin(); it != local.cend() && rooms.size() < MaxDirectoryRooms; ++it)
        rooms.insert(it.key(), it.value());
    if (local.size() > MaxDirectoryRooms) {
        qCWarning(m_context->logging()).noquote()
            << QStringLiteral("rooms directory: %1 rooms here, the first %2 listed").arg(local.size()).arg(MaxDirectoryRooms);
    }
    publishPresenceTo(DirectoryChannel, {{QStringLiteral("op"), QStringLiteral("rooms")}, {QStringLiteral("rooms"), rooms}});
}

void ChatCluster::onDirectory(const BusMessage &m)
{
    const QJsonObject e = QJsonDocument::fromJson(m.data).object();
    const QString node = e.value(QLatin1String("node")).toString();
    if (node.isEmpty() || node == m_bus->nodeId())
        return;
    const QString op = e.value(QLatin1String("op")).toString();
    if (op == QLatin1String("who")) {
        publishDirectory();
        return;
    }
    if (op != QLatin1String("rooms"))
        return;
    RemoteRooms entry;
    entry.expiresAt = QDateTime::currentMSecsSinceEpoch() + qint64(m_settings.presenceTtlSeconds) * 1000;
    const QJsonObject rooms = e.value(QLatin1String("rooms")).toObject();
    for (auto it = rooms.begin(); it != rooms.end() && entry.rooms.size() < MaxDirectoryRooms; ++it) {
        const int members = it.value().toInt();
        if (!it.key().isEmpty() && it.key().size() <= m_settings.maxRoomNameLength && members > 0)
            entry.rooms.insert(it.key(), members);
    }
    m_remoteRooms.insert(node, entry);
}

QMap<QString, int> ChatCluster::remoteRooms() const
{
    QMap<QString, int> rooms;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const RemoteRooms &host : m_remoteRooms) {
        if (host.expiresAt < now)
            continue;   // a host not heard of: its rooms are gone with it
        for (auto it = host.rooms.cbegin(); it != host.rooms.cend(); ++it)
            rooms[it.key()] += it.value();
    }
    return rooms;
}

} // namespace WsPlug
