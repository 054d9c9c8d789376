// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "redisconnection_p.h"

#include <QDateTime>
#include <QPointer>
#include <QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <vector>

namespace WsPlug::Internal {

namespace {
// Deadlines are checked this often: the error of every timeout.
constexpr int TimerTickMs = 50;
// Deeper replies than Redis sends us (XRANGE: 3 levels) are cut off rather than recursed into.
constexpr int MaxReplyDepth = 8;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

RedisReply convert(const redisReply *r, int depth = 0)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        if (depth < MaxReplyDepth) {
            out.elements.reserve(qsizetype(r->elements));
            for (size_t i = 0; i < r->elements; ++i)
                out.elements.append(convert(r->element[i], depth + 1));
        }
        break;
    default:
        break;
    }
    return out;
}
} // namespace

RedisConnection::RedisConnection(const QString &name, QObject *parent)
    : QObject(parent), m_name(name)
{
    m_timer.setInterval(TimerTickMs);
    connect(&m_timer, &QTimer::timeout, this, &RedisConnection::onTimerTick);
}

RedisConnection::~RedisConnection()
{
    m_pushHandler = nullptr;
    close();
}

/*!
    One connection attempt to \a address. hiredis resolves a host name with a blocking
    getaddrinfo(); an IP address (the usual case next to a load balancer) never blocks.
*/
void RedisConnection::open(const RedisAddress &address, int timeoutMs)
{
    drop();   // not close(): failures of a connection before still reach their handlers
    m_timeoutMs = timeoutMs;
    const QByteArray host = address.host.toUtf8();
    redisAsyncContext *ac = redisAsyncConnect(host.constData(), address.port);
    if (!ac || ac->err) {
        const QString why = ac ? QString::fromUtf8(ac->errstr) : QStringLiteral("out of memory");
        if (ac)
            redisAsyncFree(ac);
        QMetaObject::invokeMethod(this, [this, why] {
            if (!m_context)
                Q_EMIT disconnected(why);
        }, Qt::QueuedConnection);
        return;
    }
    m_context = ac;
    ac->data = this;
    // The hooks before the connect callback: setting that one asks for a write event.
    ac->ev.data = this;
    ac->ev.addRead = &RedisConnection::addRead;
    ac->ev.delRead = &RedisConnection::delRead;
    ac->ev.addWrite = &RedisConnection::addWrite;
    ac->ev.delWrite = &RedisConnection::delWrite;
    ac->ev.cleanup = &RedisConnection::cleanup;
    attachNotifiers(ac->c.fd);
    redisAsyncSetConnectCallback(ac, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(ac, &RedisConnection::onDisconnect);
    redisEnableKeepAlive(&ac->c);
    m_connectDeadline = nowMs() + timeoutMs;
    m_timer.start();
    if (address.db != 0)
        command({"SELECT", QByteArray::number(address.db)}, [](const RedisReply &) {});
}

void RedisConnection::close()
{
    drop();
    m_ready.clear();
    m_pushes.clear();
}

void RedisConnection::abort()
{
    drop();
    QMetaObject::invokeMethod(this, [this] { deliverReady(); }, Qt::QueuedConnection);
}

void RedisConnection::drop()
{
    m_timer.stop();
    if (redisAsyncContext *ac = m_context) {
        m_context = nullptr;
        // Detached first: the callbacks redisAsyncFree() makes find nothing of ours.
        ac->data = nullptr;
        ac->ev.data = nullptr;
        ac->ev.addRead = nullptr;
        ac->ev.delRead = nullptr;
        ac->ev.addWrite = nullptr;
        ac->ev.delWrite = nullptr;
        ac->ev.cleanup = nullptr;
        ac->onDisconnect = nullptr;
        detachNotifiers();
        redisAsyncFree(ac);
    }
    m_connected = false;
    m_connectDeadline = 0;
    failAll("connection closed");
}

bool RedisConnection::command(const QList<QByteArray> &argv, ReplyHandler done)
{
    if (!m_context)
        return false;
    const quint64 id = m_nextId++;
    if (!sendArgv(argv, false, id))
        return false;
    m_pending.emplace(id, Pending{std::move(done), nowMs() + m_timeoutMs});
    return true;
}

bool RedisConnection::subscribe(const QByteArray &channel)
{
    return m_context && sendArgv({"SUBSCRIBE", channel}, true, 0);
}

bool RedisConnection::unsubscribe(const QByteArray &channel)
{
    return m_context && sendArgv({"UNSUBSCRIBE", channel}, true, 0);
}

bool RedisConnection::sendArgv(const QList<QByteArray> &argv, bool push, quint64 id)
{
    std::vector<const char *> args;
    std::vector<size_t> lengths;
    args.reserve(size_t(argv.size()));
    lengths.reserve(size_t(argv.size()));
    for (const QByteArray &a : argv) {
        args.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    const int rc = redisAsyncCommandArgv(m_context, push ? &RedisConnection::onPush : &RedisConnection::onReply,
                                         reinterpret_cast<void *>(quintptr(id)), int(argv.size()), args.data(),
                                         lengths.data());
    return rc == REDIS_OK;
}

void RedisConnection::onConnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisConnection *>(ac->data);
    if (!self)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this returns.
        self->lost(QStringLiteral("cannot connect: %1").arg(QString::fromUtf8(ac->errstr)));
        return;
    }
    self->m_connected = true;
    self->m_connectDeadline = 0;
    QMetaObject::invokeMethod(self, [self] {
        if (self->m_connected)
            Q_EMIT self->connected();
    }, Qt::QueuedConnection);
}

void RedisConnection::onDisconnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisConnection *>(ac->data);
    if (!self)
        return;
    Q_UNUSED(status);
    self->lost(ac->errstr[0] ? QString::fromUtf8(ac->errstr) : QStringLiteral("connection closed by Redis"));
}

void RedisConnection::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    auto *self = static_cast<RedisConnection *>(ac->data);
    if (!self)
        return;
    const auto it = self->m_pending.find(quint64(reinterpret_cast<quintptr>(privdata)));
    if (it == self->m_pending.end())
        return;   // timed out and answered since: the handler has had its error
    RedisReply value = reply ? convert(static_cast<redisReply *>(reply)) : RedisReply::error("connection lost");
    self->m_ready.append({std::move(it->second.done), std::move(value)});
    self->m_pending.erase(it);
}

void RedisConnection::onPush(redisAsyncContext *ac, void *reply, void *privdata)
{
    Q_UNUSED(privdata);
    auto *self = static_cast<RedisConnection *>(ac->data);
    if (!self || !reply)
        return;
    const auto *r = static_cast<redisReply *>(reply);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING
        || r->element[1]->type != REDIS_REPLY_STRING)
        return;
    const QByteArray kind(r->element[0]->str, qsizetype(r->element[0]->len));
    const QByteArray channel(r->element[1]->str, qsizetype(r->element[1]->len));
    if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING)
        self->m_pushes.append({kind, channel, QByteArray(r->element[2]->str, qsizetype(r->element[2]->len))});
    else if (kind == "subscribe")
        self->m_pushes.append({kind, channel, QByteArray()});
}

void RedisConnection::addRead(void *self)
{
    if (auto *c = static_cast<RedisConnection *>(self); c && c->m_read)
        c->m_read->setEnabled(true);
}

void RedisConnection::delRead(void *self)
{
    if (auto *c = static_cast<RedisConnection *>(self); c && c->m_read)
        c->m_read->setEnabled(false);
}

void RedisConnection::addWrite(void *self)
{
    if (auto *c = static_cast<RedisConnection *>(self); c && c->m_write)
        c->m_write->setEnabled(true);
}

void RedisConnection::delWrite(void *self)
{
    if (auto *c = static_cast<RedisConnection *>(self); c && c->m_write)
        c->m_write->setEnabled(false);
}

void RedisConnection::cleanup(void *self)
{
    if (auto *c = static_cast<RedisConnection *>(self))
        c->detachNotifiers();
}

void RedisConnection::attachNotifiers(int fd)
{
    m_read = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    m_write = new QSocketNotifier(qintptr(fd), QSocketNotifier::Write, this);
    m_read->setEnabled(false);
    m_write->setEnabled(false);
    connect(m_read, &QSocketNotifier::activated, this, [this] { onActivated(true); });
    connect(m_write, &QSocketNotifier::activated, this, [this] { onActivated(false); });
}

void RedisConnection::detachNotifiers()
{
    // Possibly inside the notifier's own signal: disabled now, deleted later.
    for (QSocketNotifier **n : {&m_read, &m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            (*n)->disconnect(this);
            (*n)->deleteLater();
            *n = nullptr;
        }
    }
}

void RedisConnection::onActivated(bool readable)
{
    if (!m_context)
        return;
    if (readable)
        redisAsyncHandleRead(m_context);
    else
        redisAsyncHandleWrite(m_context);
    deliverReady();
}

void RedisConnection::lost(const QString &why)
{
    m_context = nullptr;   // hiredis frees it
    m_connected = false;
    m_timer.stop();
    failAll("connection lost");
    // Not if open() was called again meanwhile: that attempt reports for itself.
    QMetaObject::invokeMethod(this, [this, why] {
        if (!m_context)
            Q_EMIT disconnected(why);
    }, Qt::QueuedConnection);
}

void RedisConnection::failAll(const QByteArray &why)
{
    auto pending = std::exchange(m_pending, {});
    for (auto &[id, p] : pending)
        m_ready.append({std::move(p.done), RedisReply::error(why)});
}

void RedisConnection::deliverReady()
{
    QPointer<RedisConnection> self(this);
    const auto ready = std::exchange(m_ready, {});
    for (const auto &[done, reply] : ready) {
        if (done)
            done(reply);
        if (!self)
            return;
    }
    const auto pushes = std::exchange(m_pushes, {});
    for (const Push &p : pushes) {
        if (m_pushHandler)
            m_pushHandler(p.kind, p.channel, p.payload);
        if (!self)
            return;
    }
}

void RedisConnection::onTimerTick()
{
    const qint64 now = nowMs();
    QString why;
    if (m_connectDeadline && now > m_connectDeadline) {
        why = QStringLiteral("connect timed out after %1 ms").arg(m_timeoutMs);
    } else {
        for (const auto &[id, p] : m_pending) {
            if (now > p.deadline) {
                why = QStringLiteral("a command timed out after %1 ms").arg(m_timeoutMs);
                break;
            }
        }
    }
    if (why.isEmpty())
        return;
    // Redis answers in order: one late reply means every later one is late too.
    const bool wasOpen = m_context != nullptr;
    drop();   // fails what is pending
    const QPointer<RedisConnection> self(this);
    deliverReady();
    if (self && wasOpen)
        Q_EMIT disconnected(why);
}

} // namespace WsPlug::Internal
