// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Graceful drain of one host (issue 15): no new sessions, /readyz failing, the open ones
// closed with 1001 a few at a time over the period; from the API and the admin channel.
// (SIGUSR1 in wsplug-host: tests/auto/hostprogram.)

#include <wsplug/hostserver.h>

#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <algorithm>
#include <memory>
#include <vector>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

const QString Token = QStringLiteral("drain-admin-token");

int readyStatus(quint16 port)
{
    return statusCode(rawRequest(port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
}

//! Sends \a command on \a admin and returns the reply with its id.
QJsonObject ask(QWebSocket &admin, const QByteArray &command)
{
    QSignalSpy messages(&admin, &QWebSocket::textMessageReceived);
    admin.sendTextMessage(QString::fromUtf8(command));
    const qint64 id = QJsonDocument::fromJson(command).object().value(QStringLiteral("id")).toInteger();
    QJsonObject reply;
    (void)QTest::qWaitFor([&] {
        for (const QList<QVariant> &m : std::as_const(messages)) {
            const QJsonObject o = QJsonDocument::fromJson(m.first().toString().toUtf8()).object();
            if (o.value(QStringLiteral("type")).toString() == QLatin1String("reply")
                && o.value(QStringLiteral("id")).toInteger() == id) {
                reply = o;
                return true;
            }
        }
        return false;
    }, 5000);
    return reply;
}

} // namespace

class tst_Drain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void closesSessionsOverThePeriodAndTakesNoNewOnes();
    void fromTheAdminChannel();
};

void tst_Drain::closesSessionsOverThePeriodAndTakesNoNewOnes()
{
    auto host = startedHost();
    QVERIFY(host);
    const quint16 port = host->serverPort();
    QCOMPARE(readyStatus(port), 200);
    constexpr int Clients = 10;
    constexpr int PeriodMs = 1000;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    std::vector<qint64> closedAt(Clients, -1);
    QElapsedTimer clock;
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(openClient(port));
        QVERIFY(clients.back());
        connect(clients.back().get(), &QWebSocket::disconnected, this, [&closedAt, &clock, i] { closedAt[size_t(i)] = clock.elapsed(); });
    }
    QTRY_COMPARE(host->sessionCount(), Clients);
    QSignalSpy drained(host.get(), &HostServer::drained);
    clock.start();
    QVERIFY(host->drain(PeriodMs));
    QVERIFY(host->isDraining());
    QVERIFY(!host->drain(PeriodMs));   // once
    // At once: not ready, and new sessions refused while the old ones still close.
    QCOMPARE(readyStatus(port), 503);
    const QByteArray refused = rawRequest(port, handshakeRequest(QStringLiteral("/echo")));
    QCOMPARE(statusCode(refused), 503);
    QVERIFY2(host->sessionCount() > 0, "every session closed at once: nothing was spread");

    QVERIFY(drained.wait(PeriodMs + 5000));
    QTRY_VERIFY(std::all_of(closedAt.cbegin(), closedAt.cend(), [](qint64 t) { return t >= 0; }));
    for (const auto &c : clients) {
        QCOMPARE(int(c->closeCode()), 1001);
        QCOMPARE(c->closeReason(), QStringLiteral("server draining"));
    }
    // Spread over the period: the oldest went first, the last near its end.
    const auto [first, last] = std::minmax_element(closedAt.cbegin(), closedAt.cend());
    QVERIFY2(*last - *first >= PeriodMs / 2, qPrintable(QStringLiteral("closes %1..%2 ms").arg(*first).arg(*last)));
    QVERIFY(closedAt.front() <= closedAt.back());
    // The host runs on: ready no more, refusing, its endpoints up, until it stops.
    QCOMPARE(host->sessionCount(), 0);
    QCOMPARE(readyStatus(port), 503);
    QCOMPARE(statusCode(rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")), 200);
    QCOMPARE(statusCode(rawRequest(port, handshakeRequest(QStringLiteral("/echo")))), 503);
}

void tst_Drain::fromTheAdminChannel()
{
    HostConfig config = testConfig();
    config.adminToken = Token;
    config.adminReadToken = QStringLiteral("drain-read-token");
    auto host = startedHost(config);
    QVERIFY(host);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QWebSocket reader;
    QSignalSpy readerUp(&reader, &QWebSocket::textMessageReceived);
    reader.open(wsUrl(host->serverPort(), QStringLiteral("/_admin?token=drain-read-token")));
    QVERIFY(readerUp.wait(5000));
    QVERIFY(ask(reader, R"({"id":1,"cmd":"drain"})").value(QStringLiteral("error")).toString().contains(QStringLiteral("full admin token")));
    QVERIFY(!host->isDraining());

    QWebSocket admin;
    QSignalSpy adminUp(&admin, &QWebSocket::textMessageReceived);
    admin.open(wsUrl(host->serverPort(), QStringLiteral("/_admin?token=") + Token));
    QVERIFY(adminUp.wait(5000));
    QVERIFY(ask(admin, R"({"id":2,"cmd":"drain","periodMs":-5})").value(QStringLiteral("error")).toString().contains(QStringLiteral("periodMs")));
    QSignalSpy closed(client.get(), &QWebSocket::disconnected);
    const QJsonObject started = ask(admin, R"({"id":3,"cmd":"drain","periodMs":0})");
    QVERIFY2(started.value(QStringLiteral("ok")).toBool(), QJsonDocument(started).toJson().constData());
    QCOMPARE(started.value(QStringLiteral("result")).toObject().value(QStringLiteral("sessions")).toInt(), 1);
    QTRY_COMPARE(closed.count(), 1);
    QCOMPARE(int(client->closeCode()), 1001);
    QVERIFY(ask(admin, R"({"id":4,"cmd":"drain"})").value(QStringLiteral("error")).toString().contains(QStringLiteral("draining")));
    // The admin channel stays: the operator watches the drain to its end.
    QCOMPARE(admin.state(), QAbstractSocket::ConnectedState);
}

QTEST_GUILESS_MAIN(tst_Drain)
#include "tst_drain.moc"
