// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Engine.IO's HTTP side over raw TCP (docs/fallback.md): engine.io's exact answers to
// bad input, one GET and one POST per session, maxPayload, keep-alive and pipelining
// back through the gate's limits, the origin policy and CORS, per-address limits and
// bearer tokens on the polling handshake.

#include "engineiohttp.h"
#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_EngineIoHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
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
};

void tst_EngineIoHttp::keepAliveCarriesTheWholeExchange()
{
    auto host = startedHost();
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray sid = rawEngineIoHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    for (int i = 0; i < 20; ++i) {
        // POST then GET, one after the other on the one connection, as browsers and node's
        // keep-alive agent do.
        const QByteArray text = "4round " + QByteArray::number(i) + "\x1e" "4second";
        socket.write(httpPost(target, text));
        HttpResponse r = readResponse(socket);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok"));
        QVERIFY2(r.head.startsWith("HTTP/1.1 200 OK\r\n"), r.head.constData());
        QVERIFY2(r.head.contains("Keep-Alive: timeout="), r.head.constData());
        QVERIFY2(r.head.contains("Cache-Control: no-store"), r.head.constData());
        socket.write(httpGet(target + "&t=" + QByteArray::number(i)));
        r = readResponse(socket);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.head.contains("Content-Type: text/plain; charset=UTF-8"), r.head.constData());
        QCOMPARE(r.body, text);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    }
    // Pipelined: both requests in one write; the answers come in order.
    socket.write(httpPost(target, "4piped") + httpGet(target));
    HttpResponse r = readResponse(socket);
    QCOMPARE(r.body, QByteArray("ok"));
    r = readResponse(socket);
    QCOMPARE(r.body, QByteArray("4piped"));
    // The client's close packet ends the session.
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    socket.write(httpPost(target, "1"));
    QCOMPARE(readResponse(socket).status, 200);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Client);
}

void tst_EngineIoHttp::errorsAreEngineIos_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("unknown sid") << httpGet("/echo/engine.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA")
                                 << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("unknown sid, POST") << httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=nope", "4x")
                                       << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("unknown transport") << httpGet("/echo/engine.io/?EIO=4&transport=carrier-pigeon")
                                       << 400 << QByteArray(R"({"code":0,"message":"Transport unknown"})");
    QTest::addRow("no transport") << httpGet("/echo/engine.io/?EIO=4")
                                  << 400 << QByteArray(R"({"code":0,"message":"Transport unknown"})");
    QTest::addRow("protocol v3") << httpGet("/echo/engine.io/?EIO=3&transport=polling")
                                 << 400 << QByteArray(R"({"code":5,"message":"Unsupported protocol version"})");
    QTest::addRow("handshake by POST") << httpPost("/echo/engine.io/?EIO=4&transport=polling", "4x")
                                       << 400 << QByteArray(R"({"code":2,"message":"Bad handshake method"})");
    QTest::addRow("websocket without the upgrade") << httpGet("/echo/engine.io/?EIO=4&transport=websocket")
                                                   << 400 << QByteArray(R"({"code":3,"message":"Bad request"})");
    QTest::addRow("upgrade of an unknown sid")
        << handshakeRequest(QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket&sid=nope"))
        << 400 << QByteArray(R"({"code":1,"message":"Session ID unknown"})");
    QTest::addRow("no plugin on the route") << httpGet("/nothing/engine.io/?EIO=4&transport=polling") << 404 << QByteArray();
}

void tst_EngineIoHttp::errorsAreEngineIos()
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

void tst_EngineIoHttp::secondGetIsRefusedAndEndsTheSession()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket first;
    const QByteArray sid = rawEngineIoHandshake(first, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    first.write(httpGet(target));
    QTest::qWait(100);   // held: nothing to send
    QCOMPARE(first.bytesAvailable(), 0);
    QTcpSocket second;
    QVERIFY(connectRaw(second, host->serverPort()));
    second.write(httpGet(target));
    const HttpResponse refused = readResponse(second);
    QCOMPARE(refused.status, 400);
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCause, CloseCause::Protocol);
    // The held GET learns at once: a close packet.
    const HttpResponse held = readResponse(first);
    QCOMPARE(held.status, 200);
    QCOMPARE(held.body, QByteArray("1"));
    // The sid is gone.
    second.write(httpGet(target));
    QCOMPARE(readResponse(second).body, QByteArray(R"({"code":1,"message":"Session ID unknown"})"));
}

void tst_EngineIoHttp::secondPostIsRefusedAndEndsTheSession()
{
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket first;
    const QByteArray sid = rawEngineIoHandshake(first, host->serverPort());
    QVERIFY(!sid.isEmpty());
    const QByteArray target = "/echo/engine.io/?EIO=4&transport=polling&sid=" + sid;
    // A POST whose body is still on its way...
    first.write("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n4abc");
    QTest::qWait(100);
    // ... and a second one meanwhile: refused, and the session ends.
    QTcpSocket second;
    QVERIFY(connectRaw(second, host->serverPort()));
    second.write(httpPost(target, "4second"));
    const HttpResponse r = readResponse(second);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.head.contains("Connection: close"), r.head.constData());   // its body was never read
    QTRY_COMPARE(closed.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Protocol);
    QCOMPARE(s.in.messages, quint64(0));
}

void tst_EngineIoHttp::keptAliveConnectionMeetsTheHeadLimits()
{
    HostConfig config = testConfig();
    config.handshakeTimeoutMs = 1500;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray sid = rawEngineIoHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    // The next request on the connection is read by the gate, with its limits: a head
    // larger than --max-request-head gets 431.
    socket.write("GET /echo/engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nX-Big: "
                 + QByteArray(config.maxRequestHeadBytes, 'x') + "\r\n\r\n");
    QCOMPARE(readResponse(socket).status, 431);
    // An idle kept-alive connection is closed silently after --handshake-timeout.
    QTcpSocket idle;
    QVERIFY(!rawEngineIoHandshake(idle, host->serverPort()).isEmpty());
    QElapsedTimer t;
    t.start();
    QByteArray after;
    QVERIFY(waitForDisconnect(idle, 5000, &after));
    QVERIFY2(after.isEmpty(), after.constData());
    QVERIFY(t.elapsed() >= 1000);
    // A head that never completes on it: 408, as on a new connection.
    QTcpSocket slow;
    QVERIFY(!rawEngineIoHandshake(slow, host->serverPort()).isEmpty());
    slow.write("GET /echo/engine.io/?EIO=4");
    QCOMPARE(readResponse(slow, 5000).status, 408);
}

void tst_EngineIoHttp::malformedPayloadEndsTheSession_data()
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

void tst_EngineIoHttp::malformedPayloadEndsTheSession()
{
    QFETCH(QByteArray, body);
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    const QByteArray sid = rawEngineIoHandshake(socket, host->serverPort());
    QVERIFY(!sid.isEmpty());
    socket.write(httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, body));
    const HttpResponse r = readResponse(socket);
    QCOMPARE(r.status, 400);
    QCOMPARE(r.body, QByteArray(R"({"code":3,"message":"Bad request"})"));
    QTRY_COMPARE(closed.size(), 1);
    const SessionSnapshot s = closed.at(0).at(0).value<SessionSnapshot>();
    QCOMPARE(s.closeCause, CloseCause::Protocol);
    QVERIFY2(s.closeReason.startsWith(QLatin1String("parse error")), qPrintable(s.closeReason));
    QCOMPARE(s.in.messages, quint64(0));   // nothing of a bad payload reaches the plugin
}

void tst_EngineIoHttp::oversizedPostGets413()
{
    HostConfig config = testConfig();
    config.maxMessageBytes = 3000;
    config.maxFrameBytes = 3000;
    auto host = startedHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(httpGet("/echo/engine.io/?EIO=4&transport=polling"));
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
    const QByteArray sid2 = rawEngineIoHandshake(second, host->serverPort());
    second.write(httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid2, "4" + QByteArray(3001, 'x')));
    QCOMPARE(readResponse(second).status, 400);
    QTRY_COMPARE(closed.size(), 2);
}

void tst_EngineIoHttp::originPolicyAndCors()
{
    HostConfig config = testConfig();
    config.allowedOrigins = {QStringLiteral("https://good.example")};
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket bad;
    QVERIFY(connectRaw(bad, host->serverPort()));
    bad.write(httpGet("/echo/engine.io/?EIO=4&transport=polling", "Origin: https://evil.example\r\n"));
    QCOMPARE(readResponse(bad).status, 403);
    QCOMPARE(host->stats().currentSessions, 0);

    QTcpSocket good;
    QVERIFY(connectRaw(good, host->serverPort()));
    good.write(httpGet("/echo/engine.io/?EIO=4&transport=polling", "Origin: https://good.example\r\n"));
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
    good.write(httpGet(target, "Origin: https://evil.example\r\n"));
    r = readResponse(good);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.body, QByteArray(R"({"code":4,"message":"Forbidden"})"));
    // Without an Origin (not a browser): no CORS headers.
    good.write(httpPost(target, "4x"));
    r = readResponse(good);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.head.contains("Access-Control"));
}

void tst_EngineIoHttp::connectionLimitsApplyToTheHandshake()
{
    HostConfig config = testConfig();
    config.maxConnectionsPerIp = 2;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket one;
    const QByteArray sid = rawEngineIoHandshake(one, host->serverPort());
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
    third.write(httpGet("/echo/engine.io/?EIO=4&transport=polling"));
    QCOMPARE(readResponse(third).status, 429);
    // The sessions that exist keep polling: their requests add no session.
    QTcpSocket poll;
    QVERIFY(connectRaw(poll, host->serverPort()));
    poll.write(httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, "4still here"));
    QCOMPARE(readResponse(poll).status, 200);
    poll.write(httpGet("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid));
    QCOMPARE(readResponse(poll).body, QByteArray("4still here"));
    // Its end gives the address its slot back.
    poll.write(httpPost("/echo/engine.io/?EIO=4&transport=polling&sid=" + sid, "1"));
    QCOMPARE(readResponse(poll).status, 200);
    QTRY_COMPARE(host->stats().currentSessions, 1);
    QTcpSocket again;
    QVERIFY(!rawEngineIoHandshake(again, host->serverPort()).isEmpty());
}

void tst_EngineIoHttp::tokenRouteNeedsATokenToOpen()
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
    without.write(httpGet("/echo/engine.io/?EIO=4&transport=polling"));
    QCOMPARE(readResponse(without).status, 401);
    QCOMPARE(opened.size(), 0);

    QTcpSocket with;
    QVERIFY(connectRaw(with, host->serverPort()));
    with.write(httpGet("/echo/engine.io/?room=1&EIO=4&transport=polling&token=" + token));
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
    with.write(httpPost(target, "4authorized"));
    QCOMPARE(readResponse(with).status, 200);
    with.write(httpGet(target));
    QCOMPARE(readResponse(with).body, QByteArray("4authorized"));
}

QTEST_GUILESS_MAIN(tst_EngineIoHttp)
#include "tst_engineiohttp.moc"
