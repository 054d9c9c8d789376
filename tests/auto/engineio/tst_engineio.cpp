// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Engine.IO v4 under the plugin routes (docs/fallback.md) with the unmodified npm
// engine.io-client in node (eioclient.mjs), and the sessions' lives: one session to the
// plugin whatever the transport, timeouts, the upgrade failing, host stop, the bounded
// queue, resources back. The raw HTTP answers are tst_engineiohttp's.

#include "engineiohttp.h"
#include "testsupport.h"

#include <wsplug/hostserver.h>
#include <wsplug/protocol/adminprotocol.h>

#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <signal.h>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_EngineIo : public QObject
{
    Q_OBJECT

private:
    //! node and engine.io-client, or why the node tests cannot run.
    static QString missingNodePeers();
    //! Runs eioclient.mjs \a scenario against \a port while the host keeps serving.
    static QByteArray runNode(const QString &scenario, quint16 port);

private Q_SLOTS:
    void initTestCase();
    void nodeClient_data();
    void nodeClient();
    void upgradeIsOneSessionToThePlugin();
    void stalledPollingClientIsTimedOut();
    void abandonedSessionIsTimedOut();
    void hostStopEndsPollingSessions();
    void queueWithoutAGetIsBounded();
    void failedUpgradeLeavesThePollingSession();
    void pluginIsToldTheTransport();
    void webSocketOnlyByHand();
    void transportTravelsInTheAdminProtocol();
    void nothingLeaks();
};

QString tst_EngineIo::missingNodePeers()
{
    QStringList missing;
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        missing << QStringLiteral("node");
    if (!QFileInfo::exists(QStringLiteral(WSPLUG_BROWSER_TESTS_DIR "/node_modules/engine.io-client")))
        missing << QStringLiteral("tests/browser/node_modules/engine.io-client (npm ci)");
    return missing.join(QStringLiteral(", "));
}

QByteArray tst_EngineIo::runNode(const QString &scenario, quint16 port)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("node"), {QStringLiteral(WSPLUG_ENGINEIO_SCRIPTS_DIR "/eioclient.mjs"), scenario,
                                     QString::number(port)});
    if (!p.waitForStarted(10000))
        return "cannot start node";
    if (!QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, 90000)) {
        p.kill();
        p.waitForFinished();
        return "timed out: " + p.readAll();
    }
    return p.readAll();
}

void tst_EngineIo::initTestCase()
{
    const QString missing = missingNodePeers();
    if (!missing.isEmpty() && qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
        QFAIL(qPrintable(QStringLiteral("missing: ") + missing));
}

void tst_EngineIo::nodeClient_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("transport");   // the session's, as the host reports it at its close
    QTest::addRow("polling only: text, binary, 1 MiB, 1000 in order") << QStringLiteral("polling") << QStringLiteral("polling");
    QTest::addRow("polling, then the upgrade, nothing lost") << QStringLiteral("upgrade") << QStringLiteral("polling→websocket");
    QTest::addRow("WebSocket only") << QStringLiteral("websocket") << QStringLiteral("engine.io websocket");
    QTest::addRow("chat: WebSocket client and polling client") << QStringLiteral("chat") << QStringLiteral("polling");
}

void tst_EngineIo::nodeClient()
{
    QFETCH(QString, scenario);
    QFETCH(QString, transport);
    if (const QString missing = missingNodePeers(); !missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("missing: ") + missing));
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    const QByteArray out = runNode(scenario, host->serverPort());
    qInfo().noquote() << out.trimmed();
    QVERIFY2(out.contains("\nPASSED"), out.constData());
    QTRY_VERIFY(!closed.isEmpty());
    QStringList transports;
    for (const QList<QVariant> &args : std::as_const(closed))
        transports << args.at(0).value<SessionSnapshot>().transport;
    QVERIFY2(transports.contains(transport), qPrintable(transports.join(QLatin1Char(','))));
    QTRY_COMPARE(host->stats().currentSessions, 0);
}

void tst_EngineIo::upgradeIsOneSessionToThePlugin()
{
    if (const QString missing = missingNodePeers(); !missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("missing: ") + missing));
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy opened(host.get(), &HostServer::sessionOpened);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    const QByteArray out = runNode(QStringLiteral("upgrade"), host->serverPort());
    QVERIFY2(out.contains("\nPASSED"), out.constData());
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(opened.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.transport, QStringLiteral("polling→websocket"));
    QVERIFY(s.upgradedAt.isValid());
    QVERIFY(s.upgradedAt >= s.connectedAt);
    QCOMPARE(s.path, QStringLiteral("/echo"));
    QCOMPARE(s.closeCause, CloseCause::Client);
    // Every message counted once, whichever transport carried it: 600 + the basics'
    // 1 + 1 + 1 + 1 + 1000 each way.
    QCOMPARE(s.in.messages, quint64(600 + 1004));
    QCOMPARE(s.out.messages, quint64(600 + 1004));
    QCOMPARE(host->stats().opened, quint64(1));
    QCOMPARE(host->stats().closed, quint64(1));
}

void tst_EngineIo::stalledPollingClientIsTimedOut()
{
    if (const QString missing = missingNodePeers(); !missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("missing: ") + missing));
    HostConfig config = testConfig();
    config.pingIntervalMs = 500;
    config.pongTimeoutMs = 500;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QProcess node;
    node.start(QStringLiteral("node"), {QStringLiteral(WSPLUG_ENGINEIO_SCRIPTS_DIR "/eioclient.mjs"),
                                        QStringLiteral("stall"), QString::number(host->serverPort())});
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += node.readAllStandardOutput()).startsWith("open ") || !closed.isEmpty(), 10000);
    QCOMPARE(host->stats().currentSessions, 1);
    // Its pongs come while it runs: still open after a few ping rounds.
    QTest::qWait(1500);
    QCOMPARE(host->stats().currentSessions, 1);
    // The client's network stalls: no more polls, no pongs.
    ::kill(pid_t(node.processId()), SIGSTOP);
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Timeout);
    QCOMPARE(s.transport, QStringLiteral("polling"));
    QCOMPARE(host->stats().closesByCodeAndCause.value(QStringLiteral("1006/timeout")), quint64(1));
    node.kill();
    node.waitForFinished();
}

void tst_EngineIo::abandonedSessionIsTimedOut()
{
    HostConfig config = testConfig();
    config.pingIntervalMs = 300;
    config.pongTimeoutMs = 300;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(!rawEngineIoHandshake(socket, host->serverPort()).isEmpty());
    // Never polls again: the pings wait in its queue, no pong comes.
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Timeout);
    QCOMPARE(host->stats().currentSessions, 0);
}

void tst_EngineIo::hostStopEndsPollingSessions()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket held;
    const QByteArray sid = rawEngineIoHandshake(held, host->serverPort());
    QVERIFY(!sid.isEmpty());
    QTcpSocket idle;   // a second session that never polls again
    QVERIFY(!rawEngineIoHandshake(idle, host->serverPort()).isEmpty());
    held.write(httpGet("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));
    QTest::qWait(50);
    host->stop();
    const HttpResponse r = readResponse(held);
    QCOMPARE(r.body, QByteArray("1"));   // the close packet, at once
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 2, 5000);
    QTRY_VERIFY(!host->isListening());
    QCOMPARE(host->stats().currentSessions, 0);
}

void tst_EngineIo::queueWithoutAGetIsBounded()
{
    HostConfig config = testConfig();
    config.maxSendBacklogBytes = 16 * 1024;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    const QByteArray sid = rawEngineIoHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    // Messages whose echoes nobody fetches: the queue passes the backlog limit.
    QByteArray body;
    for (int i = 0; i < 40; ++i)
        body += (body.isEmpty() ? "" : "\x1e") + ("4" + QByteArray(1000, char('a' + i % 26)));
    socket.write(httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, body));
    QCOMPARE(readResponse(socket).status, 200);
    QTRY_COMPARE(closed.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Backlog);
    QCOMPARE(s.closeReason, QStringLiteral("send backlog limit exceeded"));
    QVERIFY(s.out.messages < 40);
}

void tst_EngineIo::failedUpgradeLeavesThePollingSession()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket polling;
    const QByteArray sid = rawEngineIoHandshake(polling, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QString upgradePath = QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket&sid=") + QString::fromLatin1(sid);
    {
        auto probe = openClient(host->serverPort(), upgradePath);
        QVERIFY(probe);
        QSignalSpy texts(probe.get(), &QWebSocket::textMessageReceived);
        probe->sendTextMessage(QStringLiteral("2probe"));
        QTRY_COMPARE(texts.size(), 1);
        QCOMPARE(texts.at(0).at(0).toString(), QStringLiteral("3probe"));
        // A second upgrade while this one is under way: refused.
        auto second = openClient(host->serverPort(), upgradePath);
        if (second)
            QTRY_COMPARE(second->state(), QAbstractSocket::UnconnectedState);
        // The client gives the upgrade up (its WebSocket broke) before "5".
        probe->abort();
    }
    // The session goes on by polling, nothing lost.
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    polling.write(httpPost(target, "4still polling"));
    QCOMPARE(readResponse(polling).status, 200);
    polling.write(httpGet(target));
    QCOMPARE(readResponse(polling).body, QByteArray("4still polling"));
    QCOMPARE(closed.size(), 0);
    QCOMPARE(host->sessions().value(0).transport, QStringLiteral("polling"));
    // And a later upgrade still works.
    auto ws = openClient(host->serverPort(), upgradePath);
    QVERIFY(ws);
    QSignalSpy texts(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("2probe"));
    QTRY_COMPARE(texts.size(), 1);
    ws->sendTextMessage(QStringLiteral("5"));
    ws->sendTextMessage(QStringLiteral("4on the WebSocket"));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(1).at(0).toString(), QStringLiteral("4on the WebSocket"));
    QCOMPARE(host->sessions().value(0).transport, QStringLiteral("polling→websocket"));
    // Polling on it now: engine.io's transport mismatch.
    polling.write(httpGet(target));
    QCOMPARE(readResponse(polling).body, QByteArray(R"({"code":3,"message":"Bad request"})"));
    ws->close();
    QTRY_COMPARE(closed.size(), 1);
}

// SDK 2.1's TransportAwareInterface: the test plugin answers "transport?" with what the
// host told it, for a plain WebSocket, a polling session, and that session upgraded.
void tst_EngineIo::pluginIsToldTheTransport()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    auto host = startedHost(config);
    QVERIFY(host);
    auto plain = openClient(host->serverPort(), QStringLiteral("/valid"));
    QVERIFY(plain);
    QSignalSpy plainTexts(plain.get(), &QWebSocket::textMessageReceived);
    plain->sendTextMessage(QStringLiteral("transport?"));
    QVERIFY(plainTexts.wait(5000));
    QCOMPARE(plainTexts.at(0).at(0).toString(), QStringLiteral("websocket"));

    QTcpSocket polling;
    const QByteArray sid = rawEngineIoHandshake(polling, host->serverPort(), "/valid");
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/valid/engine.io/?EIO=4&transport=polling&sid=" + sid;
    polling.write(httpPost(target, "4transport?"));
    QCOMPARE(readResponse(polling).status, 200);
    polling.write(httpGet(target));
    QCOMPARE(readResponse(polling).body, QByteArray("4polling"));

    auto ws = openClient(host->serverPort(), QStringLiteral("/valid/engine.io/?EIO=4&transport=websocket&sid=") + QString::fromLatin1(sid));
    QVERIFY(ws);
    QSignalSpy texts(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("2probe"));
    QTRY_COMPARE(texts.size(), 1);
    ws->sendTextMessage(QStringLiteral("5"));
    ws->sendTextMessage(QStringLiteral("4transport?"));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(1).at(0).toString(), QStringLiteral("4polling→websocket upgraded"));
}

void tst_EngineIo::webSocketOnlyByHand()
{
    HostConfig config = testConfig();
    config.pingIntervalMs = 300;
    config.pongTimeoutMs = 300;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    // Listening before it connects: the open packet comes right after the 101.
    auto ws = std::make_unique<QWebSocket>();
    QSignalSpy texts(ws.get(), &QWebSocket::textMessageReceived);
    QSignalSpy binaries(ws.get(), &QWebSocket::binaryMessageReceived);
    ws->open(wsUrl(host->serverPort(), QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket")));
    // Answer every ping, as a client must.
    connect(ws.get(), &QWebSocket::textMessageReceived, ws.get(), [&ws](const QString &t) {
        if (t == QLatin1String("2"))
            ws->sendTextMessage(QStringLiteral("3"));
    });
    QTRY_VERIFY(!texts.isEmpty());
    const QString open = texts.at(0).at(0).toString();
    QVERIFY2(open.startsWith(QLatin1String("0{\"sid\":\"")) && open.contains(QLatin1String("\"upgrades\":[]")),
             qPrintable(open));
    QVERIFY2(open.contains(QLatin1String("\"pingInterval\":300,\"pingTimeout\":2300")), qPrintable(open));
    ws->sendTextMessage(QStringLiteral("4hi"));
    QTRY_VERIFY(std::any_of(texts.cbegin(), texts.cend(), [](const QList<QVariant> &a) { return a.at(0) == QStringLiteral("4hi"); }));
    ws->sendBinaryMessage(QByteArray("\x00\x01", 2));
    QTRY_COMPARE(binaries.size(), 1);
    QCOMPARE(binaries.at(0).at(0).toByteArray(), QByteArray("\x00\x01", 2));   // raw: no prefix, no base64
    // Pings come and are answered: still open after several rounds.
    QTest::qWait(1200);
    QVERIFY(std::any_of(texts.cbegin(), texts.cend(), [](const QList<QVariant> &a) { return a.at(0) == QStringLiteral("2"); }));
    QCOMPARE(closed.size(), 0);
    QCOMPARE(host->sessions().value(0).transport, QStringLiteral("engine.io websocket"));
    QVERIFY(host->sessions().value(0).pingRttMs >= 0);
    // An operator's kick aborts it.
    QVERIFY(host->kickSession(host->sessions().value(0).id));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Kick);
    QTRY_COMPARE(ws->state(), QAbstractSocket::UnconnectedState);
}

void tst_EngineIo::transportTravelsInTheAdminProtocol()
{
    SessionSnapshot s;
    s.id = 7;
    s.transport = QStringLiteral("polling→websocket");
    s.upgradedAt = QDateTime::fromMSecsSinceEpoch(1765000000123, Qt::UTC);
    const QJsonObject json = Protocol::toJson(s);
    QCOMPARE(json.value(QStringLiteral("transport")).toString(), QStringLiteral("polling→websocket"));
    const SessionSnapshot back = Protocol::sessionFromJson(json);
    QCOMPARE(back.transport, s.transport);
    QCOMPARE(back.upgradedAt, s.upgradedAt);
    // A host from before Engine.IO sends neither: its sessions are WebSockets.
    QJsonObject old = json;
    old.remove(QStringLiteral("transport"));
    old.remove(QStringLiteral("upgradedAt"));
    QCOMPARE(Protocol::sessionFromJson(old).transport, QStringLiteral("websocket"));
    QVERIFY(!Protocol::sessionFromJson(old).upgradedAt.isValid());
}

void tst_EngineIo::nothingLeaks()
{
    auto host = startedHost();
    QVERIFY(host);
    const int fdsBefore = openFdCount();
    {
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 50; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            const QByteArray sid = rawEngineIoHandshake(*s, host->serverPort());
            QVERIFY(!sid.isEmpty());
            s->write(httpGet("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));   // held
            sockets.push_back(std::move(s));
        }
        QTRY_COMPARE(host->stats().currentSessions, 50);
    }
    // Every client went away while its GET was held: the host must notice at the next
    // ping at the latest; with the heartbeat off, the sessions' own pings do. Closing
    // them here explicitly is what a client does.
    for (const SessionSnapshot &s : host->sessions())
        host->closeSession(s.id, 1000, QStringLiteral("done"));
    QTRY_COMPARE_WITH_TIMEOUT(host->stats().currentSessions, 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(openFdCount() <= fdsBefore, 5000);
}

QTEST_GUILESS_MAIN(tst_EngineIo)
#include "tst_engineio.moc"
