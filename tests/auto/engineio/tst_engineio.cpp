// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Engine.IO v4 under the plugin routes (docs/fallback.md): the unmodified npm
// engine.io-client in node (eioclient.mjs) for what a real client makes of it, raw TCP
// for engine.io's exact answers to bad input, and the host's signals for what a plugin
// and the stats see: one session whatever the transport.

#include "testsupport.h"

#include <wsplug/hostserver.h>
#include <wsplug/protocol/adminprotocol.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

struct HttpResponse
{
    int status = -1;
    QByteArray head;
    QByteArray body;
};

//! Reads one whole response (head and Content-Length body) off \a socket.
HttpResponse readResponse(QTcpSocket &socket, int timeoutMs = 5000)
{
    HttpResponse r;
    QByteArray buffer;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        // Peeked: a pipelined second response stays for the next call.
        buffer = socket.peek(socket.bytesAvailable());
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QByteArray head = buffer.left(end + 4);
            qint64 length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() >= end + 4 + length) {
                r.head = head;
                r.status = statusCode(head);
                r.body = buffer.mid(end + 4, length);
                socket.skip(end + 4 + length);
                return r;
            }
        }
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        QTest::qWait(2);
    }
    r.head = socket.readAll();
    return r;
}

QByteArray get(const QByteArray &target, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

QByteArray post(const QByteArray &target, const QByteArray &body, const QByteArray &extra = {})
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n"
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body;
}

//! The sid from an open packet ("0{"sid":"...",...}").
QByteArray sidOf(const QByteArray &openPayload)
{
    const qsizetype at = openPayload.indexOf("\"sid\":\"");
    return at < 0 ? QByteArray() : openPayload.mid(at + 7, 20);
}

} // namespace

class tst_EngineIo : public QObject
{
    Q_OBJECT

private:
    //! node and engine.io-client, or why the node tests cannot run.
    static QString missingNodePeers();
    //! Runs eioclient.mjs \a scenario against \a port while the host keeps serving.
    static QByteArray runNode(const QString &scenario, quint16 port);
    //! A raw polling session on /echo: its sid, after the handshake on \a socket.
    static QByteArray rawHandshake(QTcpSocket &socket, quint16 port, const QByteArray &route = "/echo");

private Q_SLOTS:
    void initTestCase();
    void nodeClient_data();
    void nodeClient();
    void upgradeIsOneSessionToThePlugin();
    void stalledPollingClientIsTimedOut();
    void abandonedSessionIsTimedOut();
    void keepAliveCarriesTheWholeExchange();
    void errorsAreEngineIos_data();
    void errorsAreEngineIos();
    void secondGetIsRefusedAndEndsTheSession();
    void secondPostIsRefusedAndEndsTheSession();
    void keptAliveConnectionMeetsTheHeadLimits();
    void malformedPayloadEndsTheSession_data();
    void malformedPayloadEndsTheSession();
    void oversizedPostGets413();
    void originPolicyAndCors();
    void connectionLimitsApplyToTheHandshake();
    void tokenRouteNeedsATokenToOpen();
    void hostStopEndsPollingSessions();
    void queueWithoutAGetIsBounded();
    void failedUpgradeLeavesThePollingSession();
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

QByteArray tst_EngineIo::rawHandshake(QTcpSocket &socket, quint16 port, const QByteArray &route)
{
    if (!connectRaw(socket, port))
        return {};
    socket.write(get(route + "/engine.io/?EIO=4&transport=polling&t=abc"));
    const HttpResponse r = readResponse(socket);
    if (r.status != 200 || !r.body.startsWith("0{"))
        return {};
    return sidOf(r.body);
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
    QVERIFY(!rawHandshake(socket, host->serverPort()).isEmpty());
    // Never polls again: the pings wait in its queue, no pong comes.
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Timeout);
    QCOMPARE(host->stats().currentSessions, 0);
}

void tst_EngineIo::keepAliveCarriesTheWholeExchange()
{
    auto host = startedHost();
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray sid = rawHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    for (int i = 0; i < 20; ++i) {
        // POST then GET, one after the other on the one connection, as browsers and node's
        // keep-alive agent do.
        const QByteArray text = "4round " + QByteArray::number(i) + "\x1e" "4second";
        socket.write(post(target, text));
        HttpResponse r = readResponse(socket);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok"));
        QVERIFY2(r.head.startsWith("HTTP/1.1 200 OK\r\n"), r.head.constData());
        QVERIFY2(r.head.contains("Keep-Alive: timeout="), r.head.constData());
        QVERIFY2(r.head.contains("Cache-Control: no-store"), r.head.constData());
        socket.write(get(target + "&t=" + QByteArray::number(i)));
        r = readResponse(socket);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.head.contains("Content-Type: text/plain; charset=UTF-8"), r.head.constData());
        QCOMPARE(r.body, text);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    }
    // Pipelined: both requests in one write; the answers come in order.
    socket.write(post(target, "4piped") + get(target));
    HttpResponse r = readResponse(socket);
    QCOMPARE(r.body, QByteArray("ok"));
    r = readResponse(socket);
    QCOMPARE(r.body, QByteArray("4piped"));
    // The client's close packet ends the session.
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    socket.write(post(target, "1"));
    QCOMPARE(readResponse(socket).status, 200);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Client);
}

void tst_EngineIo::errorsAreEngineIos_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("unknown sid") << get("/echo/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA")
                                 << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("unknown sid, POST") << post("/echo/engine.io/?EIO=4&transport=polling&sid=nope", "4x")
                                       << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("unknown transport") << get("/echo/engine.io/?EIO=4&transport=carrier-pigeon")
                                       << 400 << QByteArray(R"({"code":0,"message":"Transport unknown"})");
    QTest::addRow("no transport") << get("/echo/engine.io/?EIO=4")
                                  << 400 << QByteArray(R"({"code":0,"message":"Transport unknown"})");
    QTest::addRow("protocol v3") << get("/echo/engine.io/?EIO=3&transport=polling")
                                 << 400 << QByteArray(R"({"code":5,"message":"Unsupported protocol version"})");
    QTest::addRow("handshake by POST") << post("/echo/engine.io/?EIO=4&transport=polling", "4x")
                                       << 400 << QByteArray(R"({"code":2,"message":"Bad handshake method"})");
    QTest::addRow("websocket without the upgrade") << get("/echo/engine.io/?EIO=4&transport=websocket")
                                                   << 400 << QByteArray(R"({"code":3,"message":"Bad request"})");
    QTest::addRow("upgrade of an unknown sid")
        << handshakeRequest(QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket&sid=nope"))
        << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("no plugin on the route") << get("/nothing/engine.io/?EIO=4&transport=polling") << 404 << QByteArray();
}

void tst_EngineIo::errorsAreEngineIos()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    auto host = startedHost();
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(request);
    const HttpResponse r = readResponse(socket);
    QCOMPARE(r.status, status);
    if (!body.isEmpty()) {
        QCOMPARE(r.body, body);
        QVERIFY2(r.head.contains("Content-Type: application/json"), r.head.constData());
    }
    QCOMPARE(host->stats().currentSessions, 0);
}

void tst_EngineIo::secondGetIsRefusedAndEndsTheSession()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket first;
    const QByteArray sid = rawHandshake(first, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    first.write(get(target));
    QTest::qWait(100);   // held: nothing to send
    QCOMPARE(first.bytesAvailable(), 0);
    QTcpSocket second;
    QVERIFY(connectRaw(second, host->serverPort()));
    second.write(get(target));
    const HttpResponse refused = readResponse(second);
    QCOMPARE(refused.status, 400);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Protocol);
    // The held GET learns at once: a close packet.
    const HttpResponse held = readResponse(first);
    QCOMPARE(held.status, 200);
    QCOMPARE(held.body, QByteArray("1"));
    // The sid is gone.
    second.write(get(target));
    QCOMPARE(readResponse(second).body, QByteArray(R"({"code":1,"message":"Session ID unknown"})"));
}

void tst_EngineIo::secondPostIsRefusedAndEndsTheSession()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket first;
    const QByteArray sid = rawHandshake(first, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    // A POST whose body is still on its way...
    first.write("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n4abc");
    QTest::qWait(100);
    // ... and a second one meanwhile: refused, and the session ends.
    QTcpSocket second;
    QVERIFY(connectRaw(second, host->serverPort()));
    second.write(post(target, "4second"));
    const HttpResponse r = readResponse(second);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.head.contains("Connection: close"), r.head.constData());   // its body was never read
    QTRY_COMPARE(closed.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Protocol);
    QCOMPARE(s.in.messages, quint64(0));
}

void tst_EngineIo::keptAliveConnectionMeetsTheHeadLimits()
{
    HostConfig config = testConfig();
    config.handshakeTimeoutMs = 1500;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray sid = rawHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    // The next request on the connection is read by the gate, with its limits: a head
    // larger than --max-request-head gets 431.
    socket.write("GET /echo/engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nX-Big: "
                 + QByteArray(config.maxRequestHeadBytes, 'x') + "\r\n\r\n");
    QCOMPARE(readResponse(socket).status, 431);
    // An idle kept-alive connection is closed silently after --handshake-timeout.
    QTcpSocket idle;
    QVERIFY(!rawHandshake(idle, host->serverPort()).isEmpty());
    QElapsedTimer t;
    t.start();
    QByteArray after;
    QVERIFY(waitForDisconnect(idle, 5000, &after));
    QVERIFY2(after.isEmpty(), after.constData());
    QVERIFY(t.elapsed() >= 1000);
    // A head that never completes on it: 408, as on a new connection.
    QTcpSocket slow;
    QVERIFY(!rawHandshake(slow, host->serverPort()).isEmpty());
    slow.write("GET /echo/engine.io/?EIO=4");
    QCOMPARE(readResponse(slow, 5000).status, 408);
}

void tst_EngineIo::malformedPayloadEndsTheSession_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("empty body") << QByteArray();
    QTest::addRow("empty packet between two") << QByteArray("4a\x1e\x1e" "4b");
    QTest::addRow("trailing separator") << QByteArray("4a\x1e");
    QTest::addRow("unknown type") << QByteArray("9x");
    QTest::addRow("open from the client") << QByteArray("0{}");
    QTest::addRow("upgrade by polling") << QByteArray("5");
    QTest::addRow("bad base64") << QByteArray("b!!!!");
    QTest::addRow("text that is not UTF-8") << QByteArray("4\xff\xfe");
    QTest::addRow("truncated UTF-8") << QByteArray("4\xe2\x82");
}

void tst_EngineIo::malformedPayloadEndsTheSession()
{
    QFETCH(QByteArray, body);
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    const QByteArray sid = rawHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    socket.write(post("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, body));
    const HttpResponse r = readResponse(socket);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.body, QByteArray(R"({"code":3,"message":"Bad request"})"));
    QTRY_COMPARE(closed.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Protocol);
    QVERIFY2(s.closeReason.startsWith(QLatin1String("parse error")), qPrintable(s.closeReason));
    QCOMPARE(s.in.messages, quint64(0));   // nothing of a bad payload reaches the plugin
}

void tst_EngineIo::oversizedPostGets413()
{
    HostConfig config = testConfig();
    config.maxMessageBytes = 3000;
    config.maxFrameBytes = 3000;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(get("/echo/engine.io/?EIO=4&transport=polling"));
    const HttpResponse open = readResponse(socket);
    // maxPayload: maxMessageBytes in base64, plus room for framing.
    QVERIFY2(open.body.contains("\"maxPayload\":8096"), open.body.constData());
    const QByteArray sid = sidOf(open.body);
    // The head alone says too much: refused before a byte of the body is read.
    socket.write("POST /echo/engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
    const HttpResponse r = readResponse(socket);
    QCOMPARE(r.status, 413);
    QVERIFY(waitForDisconnect(socket));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Limit);

    // Within maxPayload, but one message over maxMessageBytes: a bad payload.
    QTcpSocket second;
    const QByteArray sid2 = rawHandshake(second, host->serverPort());
    second.write(post("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid2, "4" + QByteArray(3001, 'x')));
    QCOMPARE(readResponse(second).status, 400);
    QTRY_COMPARE(closed.size(), 2);
}

void tst_EngineIo::originPolicyAndCors()
{
    HostConfig config = testConfig();
    config.allowedOrigins = {QStringLiteral("https://good.example")};
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket bad;
    QVERIFY(connectRaw(bad, host->serverPort()));
    bad.write(get("/echo/engine.io/?EIO=4&transport=polling", "Origin: https://evil.example\r\n"));
    QCOMPARE(readResponse(bad).status, 403);
    QCOMPARE(host->stats().currentSessions, 0);

    QTcpSocket good;
    QVERIFY(connectRaw(good, host->serverPort()));
    good.write(get("/echo/engine.io/?EIO=4&transport=polling", "Origin: https://good.example\r\n"));
    HttpResponse r = readResponse(good);
    QCOMPARE(r.status, 200);
    QVERIFY2(r.head.contains("Access-Control-Allow-Origin: https://good.example\r\n"), r.head.constData());
    QVERIFY2(r.head.contains("Access-Control-Allow-Credentials: true\r\n"), r.head.constData());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sidOf(r.body);
    // The preflight a browser sends before a cross-origin POST.
    good.write("OPTIONS " + target + " HTTP/1.1\r\nHost: x\r\nOrigin: https://good.example\r\n"
               "Access-Control-Request-Method: POST\r\n\r\n");
    r = readResponse(good);
    QCOMPARE(r.status, 204);
    QVERIFY2(r.head.contains("Access-Control-Allow-Methods: GET, POST"), r.head.constData());
    // A request of the session from another origin: engine.io's Forbidden.
    good.write(get(target, "Origin: https://evil.example\r\n"));
    r = readResponse(good);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.body, QByteArray(R"({"code":4,"message":"Forbidden"})"));
    // Without an Origin (not a browser): no CORS headers.
    good.write(post(target, "4x"));
    r = readResponse(good);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.head.contains("Access-Control"));
}

void tst_EngineIo::connectionLimitsApplyToTheHandshake()
{
    HostConfig config = testConfig();
    config.maxConnectionsPerIp = 2;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket one;
    const QByteArray sid = rawHandshake(one, host->serverPort());
    QVERIFY(!sid.isEmpty());
    // A kept-alive connection counts as a connection of its address while it is open
    // (docs/fallback.md): this client closes it, as browsers do when they are done.
    one.disconnectFromHost();
    QTRY_COMPARE(host->pendingHandshakeCount(), 0);
    auto ws = openClient(host->serverPort());
    QVERIFY(ws);
    QTRY_COMPARE(host->stats().currentSessions, 2);
    // A third session from this address: refused, whichever transport it asks for.
    QTcpSocket third;
    QVERIFY(connectRaw(third, host->serverPort()));
    third.write(get("/echo/engine.io/?EIO=4&transport=polling"));
    QCOMPARE(readResponse(third).status, 429);
    // The sessions that exist keep polling: their requests add no session.
    QTcpSocket poll;
    QVERIFY(connectRaw(poll, host->serverPort()));
    poll.write(post("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, "4still here"));
    QCOMPARE(readResponse(poll).status, 200);
    poll.write(get("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));
    QCOMPARE(readResponse(poll).body, QByteArray("4still here"));
    // Its end gives the address its slot back.
    poll.write(post("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, "1"));
    QCOMPARE(readResponse(poll).status, 200);
    QTRY_COMPARE(host->stats().currentSessions, 1);
    QTcpSocket again;
    QVERIFY(!rawHandshake(again, host->serverPort()).isEmpty());
}

void tst_EngineIo::tokenRouteNeedsATokenToOpen()
{
    // The token is minted by an independent implementation (Debian's python3-jwt).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray secret = "engine-io-test-secret-0123456789-abcdef";
    QFile file(dir.filePath(QStringLiteral("secret")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(secret + '\n');
    file.close();
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral(
        "import jwt, sys, time; print(jwt.encode({'sub': 'alice', 'exp': int(time.time()) + 300}, sys.argv[1], "
        "algorithm='HS256'))"), QString::fromLatin1(secret)});
    if (!python.waitForFinished(10000) || python.exitCode() != 0) {
        if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
            QFAIL("python3-jwt missing");
        QSKIP("python3-jwt missing (tests/run-all.sh installs it)");
    }
    const QByteArray token = python.readAllStandardOutput().trimmed();

    HostConfig config = testConfig();
    config.requireToken = {QStringLiteral("/echo")};
    config.jwtHs256SecretFile = file.fileName();
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy opened(host.get(), &HostServer::sessionOpened);
    QTcpSocket without;
    QVERIFY(connectRaw(without, host->serverPort()));
    without.write(get("/echo/engine.io/?EIO=4&transport=polling"));
    QCOMPARE(readResponse(without).status, 401);
    QCOMPARE(opened.size(), 0);

    QTcpSocket with;
    QVERIFY(connectRaw(with, host->serverPort()));
    with.write(get("/echo/engine.io/?room=1&EIO=4&transport=polling&token=" + token));
    const HttpResponse r = readResponse(with);
    QCOMPARE(r.status, 200);
    QTRY_COMPARE(opened.size(), 1);
    const SessionSnapshot s = opened.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.subject, QStringLiteral("alice"));
    QCOMPARE(s.path, QStringLiteral("/echo"));
    QVERIFY2(!s.query.contains(QString::fromLatin1(token)) && s.query.startsWith(QLatin1String("room=1&token=")),
             qPrintable(s.query));   // the plugin sees its parameters, the credential masked
    // The sid is the session's credential from then on.
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sidOf(r.body);
    with.write(post(target, "4authorized"));
    QCOMPARE(readResponse(with).status, 200);
    with.write(get(target));
    QCOMPARE(readResponse(with).body, QByteArray("4authorized"));
}

void tst_EngineIo::hostStopEndsPollingSessions()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket held;
    const QByteArray sid = rawHandshake(held, host->serverPort());
    QVERIFY(!sid.isEmpty());
    QTcpSocket idle;   // a second session that never polls again
    QVERIFY(!rawHandshake(idle, host->serverPort()).isEmpty());
    held.write(get("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));
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
    const QByteArray sid = rawHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    // Messages whose echoes nobody fetches: the queue passes the backlog limit.
    QByteArray body;
    for (int i = 0; i < 40; ++i)
        body += (body.isEmpty() ? "" : "\x1e") + ("4" + QByteArray(1000, char('a' + i % 26)));
    socket.write(post("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, body));
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
    const QByteArray sid = rawHandshake(polling, host->serverPort());
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
    polling.write(post(target, "4still polling"));
    QCOMPARE(readResponse(polling).status, 200);
    polling.write(get(target));
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
    polling.write(get(target));
    QCOMPARE(readResponse(polling).body, QByteArray(R"({"code":3,"message":"Bad request"})"));
    ws->close();
    QTRY_COMPARE(closed.size(), 1);
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
            const QByteArray sid = rawHandshake(*s, host->serverPort());
            QVERIFY(!sid.isEmpty());
            s->write(get("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));   // held
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
