// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

// The real peers the cluster tests drive: WebSocket clients of broadcast, chat and the
// admin channel, plain HTTP, a wsplug-host process, and hosts joined to a Redis.

#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <algorithm>
#include <memory>

namespace WsPlug::Test {

//! A real QWebSocket client that records the text it receives, in order.
class Client : public QObject
{
public:
    explicit Client(quint16 port, const QString &path)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &t) { received.append(t); });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closeCode = int(socket.closeCode()); });
        socket.open(wsUrl(port, path));
    }
    bool waitOpen()
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    //! What was received, without the warm-up messages ("warm ...").
    QStringList payloads() const
    {
        QStringList out;
        for (const QString &r : received) {
            if (!r.startsWith(QLatin1String("warm")))
                out.append(r);
        }
        return out;
    }
    bool gotWarm() const
    {
        return std::any_of(received.cbegin(), received.cend(), [](const QString &r) { return r.startsWith(QLatin1String("warm")); });
    }
    QWebSocket socket;
    QStringList received;
    int closeCode = -1;
};

//! A GET on a fresh connection; the whole response (the host closes after it).
inline QByteArray httpGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray response;
    waitForDisconnect(socket, 5000, &response);
    return response;
}

//! The value of a metric line in /metrics, or -1.
inline qint64 metric(quint64 port, const char *name)
{
    const QByteArray body = httpGet(quint16(port), "/metrics");
    const QRegularExpression re(QStringLiteral("^%1 (\\d+)$").arg(QLatin1String(name)), QRegularExpression::MultilineOption);
    const auto m = re.match(QString::fromUtf8(body));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

//! The "cluster" object of the admin channel's snapshot (on attach) or latest tick.
class AdminWatch : public QObject
{
public:
    explicit AdminWatch(quint16 port)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
            if (o.contains(QLatin1String("cluster")))
                cluster = o.value(QLatin1String("cluster")).toObject();
        });
        socket.open(wsUrl(port, QStringLiteral("/_admin?token=cluster-admin-token")));
    }
    QWebSocket socket;
    QJsonObject cluster;
};

//! A chat client: every event it received, parsed.
class ChatClient : public QObject
{
public:
    ChatClient(quint16 port)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &t) {
            events.append(QJsonDocument::fromJson(t.toUtf8()).object());
        });
        socket.open(wsUrl(port, QStringLiteral("/chat")));
    }
    bool waitOpen()
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    void send(const QJsonObject &o) { socket.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact))); }
    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &e : events) {
            if (e.value(QLatin1String("type")).toString() == type)
                out.append(e);
        }
        return out;
    }
    //! The answers to this client's own joins ("self": true).
    QList<QJsonObject> selfJoined() const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &e : ofType(QStringLiteral("joined"))) {
            if (e.value(QLatin1String("self")).toBool())
                out.append(e);
        }
        return out;
    }
    QStringList texts() const
    {
        QStringList out;
        for (const QJsonObject &e : ofType(QStringLiteral("message")))
            out.append(e.value(QLatin1String("text")).toString());
        return out;
    }
    QList<qint64> seqs() const
    {
        QList<qint64> out;
        for (const QJsonObject &e : ofType(QStringLiteral("message")))
            out.append(e.value(QLatin1String("seq")).toInteger());
        return out;
    }
    QWebSocket socket;
    QList<QJsonObject> events;
};

inline QJsonObject join(const QString &room, const QString &nick)
{
    return {{QStringLiteral("type"), QStringLiteral("join")}, {QStringLiteral("room"), room}, {QStringLiteral("nick"), nick}};
}

inline QJsonObject say(const QString &room, const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("say")}, {QStringLiteral("room"), room}, {QStringLiteral("text"), text}};
}

inline int readyStatus(quint16 port)
{
    return statusCode(httpGet(port, "/readyz"));
}


//! wsplug-host with \a args; its port, or 0. The process is the caller's (stopped by its PID there).
inline quint16 startProgram(QProcess &process, const QStringList &args)
{
    return startHostProgram(process, QStringLiteral(WSPLUG_HOST_PROGRAM), args);
}

//! A host of a cluster on \a redisUrl, started, once /readyz says it reaches Redis (or
//! after 10 s); nullptr if it did not start. The broadcast ticker is off unless
//! \a broadcast says otherwise.
inline std::unique_ptr<HostServer> clusterHost(const QString &redisUrl, const QString &node,
                                               const QVariantMap &broadcast = {}, int queue = 10000)
{
    HostConfig c = testConfig();
    c.redisUrl = redisUrl;
    c.nodeId = node;
    c.clusterQueueSize = queue;
    c.clusterTimeoutMs = 1000;
    c.adminToken = QStringLiteral("cluster-admin-token");
    QVariantMap settings = broadcast;
    if (!settings.contains(QStringLiteral("ticker")))
        settings.insert(QStringLiteral("ticker"), QVariantMap{{QStringLiteral("enabled"), false}});
    c.pluginSettings.insert(QStringLiteral("broadcast"), settings);
    auto h = startedHost(c);
    if (!h)
        return nullptr;
    const quint16 port = h->serverPort();
    const QDeadlineTimer deadline(10000);
    while (readyStatus(port) != 200 && !deadline.hasExpired())
        QTest::qWait(20);
    return h;
}

} // namespace WsPlug::Test
