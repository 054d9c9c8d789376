// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Abuse limits: new connections a second per address (429), messages and bytes a
// second per session (1008), with a real host and real clients.

#include <wsplug/hostserver.h>

#include "testsupport.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_AbuseLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void connectionsASecondFromOneAddress();
    void messagesASecondFromOneSession();
    void bytesASecondFromOneSession();
    void aClientWithinTheLimitsStays();
};

void tst_AbuseLimits::connectionsASecondFromOneAddress()
{
    HostConfig config = testConfig();
    config.maxConnectsPerIpPerSecond = 5;
    auto host = startedHost(config);
    QVERIFY(host);
    // startedHost() may have used this second's first connection: wait for a new second.
    QTest::qWait(1100);
    QList<int> statuses;
    QByteArray lastRefusal;
    for (int i = 0; i < 8; ++i) {
        const QByteArray head = rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")));
        statuses << statusCode(head);
        if (statusCode(head) == 429)
            lastRefusal = head;
    }
    QCOMPARE(statuses.count(101), 5);
    QCOMPARE(statuses.count(429), 3);
    QCOMPARE(statuses.mid(0, 5), QList<int>(5, 101));
    // A new second, a new allowance.
    QTest::qWait(1100);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")))), 101);
    // Counted where refusals are: the handshake log says why.
    bool logged = false;
    for (const HandshakeRecord &r : host->handshakeLog())
        logged = logged || (r.status == 429 && r.reason.contains(QStringLiteral("new connections a second")));
    QVERIFY(logged);
    QCOMPARE(host->stats().handshakesByStatus.value(429), quint64(3));
}

void tst_AbuseLimits::messagesASecondFromOneSession()
{
    HostConfig config = testConfig();
    config.maxMessagesPerSecond = 10;
    auto host = startedHost(config);
    QVERIFY(host);
    auto flooder = openClient(host->serverPort());
    auto calm = openClient(host->serverPort());
    QVERIFY(flooder && calm);
    QSignalSpy echoed(flooder.get(), &QWebSocket::textMessageReceived);
    QSignalSpy gone(flooder.get(), &QWebSocket::disconnected);
    for (int i = 0; i < 30; ++i)
        flooder->sendTextMessage(QStringLiteral("m%1").arg(i));
    QVERIFY(gone.wait(5000) || gone.size() == 1);
    QCOMPARE(int(flooder->closeCode()), 1008);
    QCOMPARE(flooder->closeReason(), QStringLiteral("more than 10 messages a second"));
    QCOMPARE(echoed.size(), 10);   // the first ten delivered and echoed, the eleventh not
    QTRY_COMPARE(host->stats().closesByCodeAndCause.value(QStringLiteral("1008/limit")), quint64(1));
    // The other client is untouched.
    QSignalSpy calmEcho(calm.get(), &QWebSocket::textMessageReceived);
    calm->sendTextMessage(QStringLiteral("fine"));
    QVERIFY(calmEcho.wait(5000));
}

void tst_AbuseLimits::bytesASecondFromOneSession()
{
    HostConfig config = testConfig();
    config.maxBytesPerSecond = 1000;
    auto host = startedHost(config);
    QVERIFY(host);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QSignalSpy echoed(client.get(), &QWebSocket::binaryMessageReceived);
    QSignalSpy gone(client.get(), &QWebSocket::disconnected);
    for (int i = 0; i < 3; ++i)
        client->sendBinaryMessage(QByteArray(600, 'b'));
    QVERIFY(gone.wait(5000) || gone.size() == 1);
    QCOMPARE(int(client->closeCode()), 1008);
    QCOMPARE(client->closeReason(), QStringLiteral("more than 1000 bytes a second"));
    QCOMPARE(echoed.size(), 1);
}

void tst_AbuseLimits::aClientWithinTheLimitsStays()
{
    HostConfig config = testConfig();
    config.maxMessagesPerSecond = 10;
    config.maxBytesPerSecond = 10000;
    auto host = startedHost(config);
    QVERIFY(host);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QSignalSpy echoed(client.get(), &QWebSocket::textMessageReceived);
    // 25 messages over 2.5 seconds: 5 a second, under both limits.
    for (int i = 0; i < 25; ++i) {
        client->sendTextMessage(QStringLiteral("steady"));
        QTest::qWait(100);
    }
    QTRY_COMPARE(echoed.size(), 25);
    QCOMPARE(client->state(), QAbstractSocket::ConnectedState);
}

QTEST_GUILESS_MAIN(tst_AbuseLimits)
#include "tst_abuselimits.moc"
