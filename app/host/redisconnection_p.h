// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "redisaddress_p.h"
#include "redisreply_p.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <map>

struct redisAsyncContext;
class QSocketNotifier;

namespace WsPlug::Internal {

/*
 * One hiredis async connection driven by the host's event loop: QSocketNotifiers for
 * the socket, a QTimer for connect and command timeouts (hiredis 0.14 has neither).
 * One attempt per open(); the owner decides when to try again.
 *
 * hiredis calls every pending callback (with no reply) when a context is freed, and
 * frees the context itself after an I/O error. So no callback ever reaches a pointer
 * of ours: the context's data is this object, cleared before we free it, and each
 * command is found by its number in m_pending, so a late or dropped reply finds
 * nothing. Replies are copied into RedisReply values; handlers run after hiredis has
 * returned to us. Do not delete this object from inside one of its handlers: use
 * deleteLater().
 */
class RedisConnection final : public QObject
{
    Q_OBJECT

public:
    using ReplyHandler = std::function<void(const RedisReply &reply)>;

    explicit RedisConnection(const QString &name, QObject *parent = nullptr);
    ~RedisConnection() override;

    //! Starts connecting; connected() or disconnected() follows. \a timeoutMs bounds
    //! the connect and, from then on, each command.
    void open(const RedisAddress &address, int timeoutMs);
    //! Drops the connection; pending commands are forgotten, their handlers never called.
    void close();
    //! Drops the connection; pending commands get an error reply from the event loop
    //! (no disconnected()).
    void abort();
    bool isConnected() const { return m_connected; }

    //! Sends \a argv; \a done gets the reply, or an Error "timeout" / "connection lost".
    //! False, and \a done is never called, when not connected.
    bool command(const QList<QByteArray> &argv, ReplyHandler done);
    //! SUBSCRIBE / UNSUBSCRIBE on this connection. The push handler gets each message
    //! (kind "message") and each subscription's confirmation (kind "subscribe").
    bool subscribe(const QByteArray &channel);
    bool unsubscribe(const QByteArray &channel);
    using PushHandler = std::function<void(const QByteArray &kind, const QByteArray &channel, const QByteArray &payload)>;
    void setPushHandler(PushHandler handler)
    {
        m_pushHandler = std::move(handler);
    }
    int pendingCount() const { return int(m_pending.size()); }

Q_SIGNALS:
    void connected();
    void disconnected(const QString &why);

private:
    struct Pending
    {
        ReplyHandler done;
        qint64 deadline = 0;
    };
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void onPush(redisAsyncContext *ac, void *reply, void *privdata);
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);

    //! Frees the context (detached first); pending commands fail into m_ready.
    void drop();
    void attachNotifiers(int fd);
    void detachNotifiers();
    void onActivated(bool readable);
    //! hiredis freed (or will free) the context: forget it, fail what is pending.
    void lost(const QString &why);
    void failAll(const QByteArray &why);
    void deliverReady();
    void onTimerTick();
    bool sendArgv(const QList<QByteArray> &argv, bool push, quint64 id);

    const QString m_name;
    redisAsyncContext *m_context = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_connected = false;
    int m_timeoutMs = 2000;
    qint64 m_connectDeadline = 0;
    QTimer m_timer;
    quint64 m_nextId = 1;
    std::map<quint64, Pending> m_pending;
    //! Replies taken from hiredis, handed to their handlers once hiredis has returned.
    QList<std::pair<ReplyHandler, RedisReply>> m_ready;
    struct Push
    {
        QByteArray kind;
        QByteArray channel;
        QByteArray payload;
    };
    QList<Push> m_pushes;
    PushHandler m_pushHandler;
};

} // namespace WsPlug::Internal
