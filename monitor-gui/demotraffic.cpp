// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "demotraffic.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QWebSocket>

namespace WsPlug {

namespace {
constexpr int EchoClients = 4;
constexpr int TickerSubscribers = 3;
constexpr int IntervalMs = 400;
} // namespace

DemoTraffic::DemoTraffic(QObject *parent)
    : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, [this] {
        ++m_counter;
        // Echo clients: a text now and then a binary message.
        for (int i = 0; i < EchoClients && i < int(m_clients.size()); ++i) {
            QWebSocket *c = m_clients[size_t(i)].get();
            if (c->state() != QAbstractSocket::ConnectedState)
                continue;
            if ((m_counter + quint64(i)) % 3 == 0)
                c->sendBinaryMessage(QByteArray(16 + int(QRandomGenerator::global()->bounded(64)), char(i)));
            else
                c->sendTextMessage(QStringLiteral("hello #%1 from demo client %2").arg(m_counter).arg(i + 1));
        }
        // The two chat members take turns.
        const size_t chatter = EchoClients + (m_counter % 2);
        if (chatter < m_clients.size() && m_counter % 5 == 0) {
            const QJsonObject say{{QStringLiteral("type"), QStringLiteral("say")},
                                  {QStringLiteral("room"), QStringLiteral("lobby")},
                                  {QStringLiteral("text"), QStringLiteral("message %1").arg(m_counter)}};
            m_clients[chatter]->sendTextMessage(QString::fromUtf8(QJsonDocument(say).toJson(QJsonDocument::Compact)));
        }
    });
}

DemoTraffic::~DemoTraffic()
{
    stop();
}

QWebSocket *DemoTraffic::open(const QUrl &url)
{
    auto socket = std::make_unique<QWebSocket>();
    socket->open(url);
    m_clients.push_back(std::move(socket));
    return m_clients.back().get();
}

void DemoTraffic::start(const QUrl &base)
{
    stop();
    auto at = [&base](const QString &pathAndQuery) {
        QUrl url = base;
        const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
        url.setPath(q < 0 ? pathAndQuery : pathAndQuery.left(q));
        if (q >= 0)
            url.setQuery(pathAndQuery.mid(q + 1));
        return url;
    };
    for (int i = 0; i < EchoClients; ++i)
        open(at(QStringLiteral("/echo")));
    for (const QString &nick : {QStringLiteral("ada"), QStringLiteral("grace")}) {
        QWebSocket *c = open(at(QStringLiteral("/chat")));
        connect(c, &QWebSocket::connected, this, [c, nick] {
            const QJsonObject join{{QStringLiteral("type"), QStringLiteral("join")},
                                   {QStringLiteral("room"), QStringLiteral("lobby")},
                                   {QStringLiteral("nick"), nick}};
            c->sendTextMessage(QString::fromUtf8(QJsonDocument(join).toJson(QJsonDocument::Compact)));
        });
    }
    for (int i = 0; i < TickerSubscribers; ++i)
        open(at(QStringLiteral("/broadcast/ticker?mode=subscribe")));
    m_timer.start(IntervalMs);
}

void DemoTraffic::stop()
{
    m_timer.stop();
    for (auto &c : m_clients) {
        c->disconnect(this);
        c->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("demo stopped"));
    }
    m_clients.clear();
}

} // namespace WsPlug
