// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "chatprotocol.h"

#include <wsplug/sdk/clusterbus.h>
#include <wsplug/sdk/hostcontext.h>

#include <QHash>
#include <QObject>
#include <QTimer>

namespace WsPlug {

/*
 * Chat's rooms across hosts (PROTOCOL.md "Several hosts"): each room is a channel of
 * the cluster bus, and its seq is the bus offset, so every host numbers a room's
 * messages alike and its history lives in Redis. A join or resume is answered once
 * the history has been read: live messages for that session wait meanwhile and follow
 * the replay without a gap or a repeat (subscribe first, read, merge). Recovery is all
 * or nothing: a client whose position is gone (trimmed, or another epoch) gets
 * "history_gone" and no partial history.
 *
 * Rooms: each host also lists its rooms on one directory channel, so that "rooms" on
 * any host names the rooms of every host.
 *
 * Presence: each host publishes its members' joins and leaves on the room's presence
 * channel, and all of them every third of presenceTtlSeconds; another host's member
 * that is not heard of for presenceTtlSeconds (its host died) leaves.
 */
class ChatCluster final : public QObject
{
public:
    ChatCluster(ClusterBus *bus, HostContext *context, ChatProtocol *protocol, const ChatSettings &settings);
    ~ChatCluster();

    void publish(const ChatPublish &publish);
    void replay(const ChatReplay &replay);
    void sessionClosed(SessionId session);
    void presenceChanged(const ChatPresence &presence);
    //! Sends a "private" event to a member on another host (on the room's presence channel).
    void sendPrivate(const ChatRemotePrivate &message);
    //! Has the host of another host's member close it (a kick this host allowed), then
    //! sends \a kicker \a answer, or an error if the other hosts cannot be reached.
    void sendKick(SessionId kicker, const ChatKick &kick, const QString &answer);
    //! Other hosts' members of \a room: nick key -> nick.
    QMap<QString, QString> remoteMembers(const QString &room) const;
    //! The rooms other hosts have members in, with how many (the rooms directory).
    QMap<QString, int> remoteRooms() const;
    //! The most rooms one host lists in the directory (the rest are left out, and said so).
    static constexpr int MaxDirectoryRooms = 1000;

private:
    struct Pending
    {
        ChatReplay replay;
        QList<std::pair<qint64, QString>> buffered;   // live messages meanwhile: seq, event
        bool overflowed = false;
    };
    void subscribe(const QString &room);
    //! Drops \a room's subscriptions when no member is left on this host.
    void dropRoomIfEmpty(const QString &room);
    void onMessage(const QString &room, const BusMessage &message);
    void finish(quint64 id, const BusHistory &history);
    void tellHistoryGone(SessionId session, const QString &room, const BusHistory &history, const QString &reason);
    struct Remote
    {
        QString nick;
        QString node;
        qint64 expiresAt = 0;
    };
    static QString presenceChannel(const QString &room) { return QStringLiteral("\x01presence:") + room; }
    void publishPresence(const QString &room, const QJsonObject &event);
    void publishPresenceTo(const QString &channel, const QJsonObject &event);
    void onPresence(const QString &room, const BusMessage &message);
    void onHeartbeat();
    // The rooms directory: every host lists its rooms (and how many members it has in
    // each) on one channel, every third of presenceTtlSeconds and when asked.
    void publishDirectory();
    void onDirectory(const BusMessage &message);
    //! Tells this host's members of \a room that \a nick joined or left.
    void tellLocal(const QString &room, const QString &nick, bool joined, const QString &reason);

    ClusterBus *const m_bus;
    HostContext *const m_context;
    ChatProtocol *const m_protocol;
    const ChatSettings m_settings;
    QHash<QString, quint64> m_subscriptions;   // room -> bus subscription
    QHash<quint64, Pending> m_pending;         // replays waiting for history
    quint64 m_nextPending = 1;
    QHash<QString, quint64> m_presenceSubscriptions;       // room -> bus subscription
    QHash<QString, QMap<QString, Remote>> m_remote;        // room -> nick key -> member elsewhere
    struct RemoteRooms
    {
        QMap<QString, int> rooms;   // room -> that host's members in it
        qint64 expiresAt = 0;
    };
    QHash<QString, RemoteRooms> m_remoteRooms;             // node -> its rooms
    quint64 m_directory = 0;                               // the directory's bus subscription
    QTimer m_directoryChanged;   // a join or leave changed the rooms: listed again shortly (one for a burst)
    QTimer m_heartbeat;
};

} // namespace WsPlug
