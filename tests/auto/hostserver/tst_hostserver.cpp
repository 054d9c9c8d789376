// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Integration tests: a real HostServer on an ephemeral port with the bundled echo
// plugin, real QWebSocket clients and raw TCP clients for what QWebSocket hides.

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "testsupport.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QWebSocket>

#include <memory>

#include <sys/socket.h>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_HostServer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<HostServer> startHost(const HostConfig &config = testConfig());
    //! Opens a raw connection and completes the handshake on \a path; false on failure.

private Q_SLOTS:
    void loadsBundledEchoPlugin();
    void echoes_data();
    void echoes();
    void echoesFragmentedMessageWithInterleavedPing();
    void keepsFramesSentWithTheHandshake();
    void refusesBeforeUpgrade_data();
    void refusesBeforeUpgrade();
    void refusesOverConnectionLimitWith503();
    void refusesOverPerIpLimitWith429();
    void dropsIncompleteHandshakeAfterTimeout();
    void closesOversizedMessageWith1009_data();
    void closesOversizedMessageWith1009();
    void heartbeatReapsPeerThatStopsAnsweringPings();
    void heartbeatTakesOnlyAPongThatEchoesThePing();
    void heartbeatKeepsLivePeerAndMeasuresRtt();
    void heartbeatSpreadsFirstPingsOfABurst();
    void gracefulCloseSendsCodeAndReason();
    void kickAbortsWithoutCloseFrame();
    void abruptClientDropIsRecordedAs1006();
    void answersWhatCameBeforeTheClientsEndOfStream();
    void clientCloseIsRecorded();
    void cutsOffPeerThatStopsReading_data();
    void cutsOffPeerThatStopsReading();
    void sendsBackTheLargestMessageItAccepts();
    void sessionRegistryTracksCounters();
    void countsIncomingFramesAndBytesAsTheClientSentThem();
    void countsTheFramesOfAMessageNeverFinished();
    void joinsTextFragmentsOnlyUpToTheFrameLimit();
    void stopClosesEveryoneWith1001();
    void stopAbortsPeersThatNeverAnswerTheClose();
    void failsToStartOnBusyPort();
    void appliesTheListenBacklog();
};

std::unique_ptr<HostServer> tst_HostServer::startHost(const HostConfig &config)
{
    auto host = std::make_unique<HostServer>();
    host->setConfig(config);
    if (!host->start()) {
        qWarning() << "host did not start:" << host->errorString();
        return nullptr;
    }
    return host;
}

void tst_HostServer::loadsBundledEchoPlugin()
{
    auto host = startHost();
    QVERIFY(host);
    QVERIFY(host->serverPort() != 0);
    bool found = false;
    for (const PluginMetadata &p : host->plugins().loaded()) {
        if (p.id == QLatin1String("echo")) {
            found = true;
            QCOMPARE(p.routes, QStringList{QStringLiteral("/echo")});
        }
    }
    QVERIFY2(found, "the echo plugin was not loaded from the build's plugin directory");
}

void tst_HostServer::echoes_data()
{
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QByteArray>("payload");
    QTest::addRow("text") << false << QByteArray("hello, wsplug");
    QTest::addRow("text-utf8") << false << QByteArray("grüße, 世界 🌍");
    QTest::addRow("text-empty") << false << QByteArray();
    QTest::addRow("binary") << true << QByteArray("\x00\x01\x02\xff", 4);
    QTest::addRow("binary-empty") << true << QByteArray();
    QTest::addRow("text-1MiB") << false << QByteArray(1024 * 1024, 'a');
    QByteArray big(1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 7 + 3);
    QTest::addRow("binary-1MiB") << true << big;
}

void tst_HostServer::echoes()
{
    QFETCH(bool, binary);
    QFETCH(QByteArray, payload);
    auto host = startHost();
    QVERIFY(host);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QSignalSpy texts(client.get(), &QWebSocket::textMessageReceived);
    QSignalSpy binaries(client.get(), &QWebSocket::binaryMessageReceived);
    if (binary)
        client->sendBinaryMessage(payload);
    else
        client->sendTextMessage(QString::fromUtf8(payload));
    if (binary) {
        QTRY_COMPARE_WITH_TIMEOUT(binaries.size(), 1, 10000);
        QCOMPARE(binaries.first().first().toByteArray(), payload);
        QCOMPARE(texts.size(), 0);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 1, 10000);
        QCOMPARE(texts.first().first().toString(), QString::fromUtf8(payload));
        QCOMPARE(binaries.size(), 0);
    }
}

void tst_HostServer::echoesFragmentedMessageWithInterleavedPing()
{
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host->serverPort()));
    socket.write(clientFrame(0x1, "Hel", false));
    socket.write(clientFrame(0x9, "ping-data"));          // control frame between fragments
    socket.write(clientFrame(0x0, "lo, ", false));
    socket.write(clientFrame(0x0, "fragments", true));
    QByteArray buffer;
    auto pong = readFrame(socket, buffer);
    QVERIFY(pong);
    QCOMPARE(pong->opcode, 0xA);
    QCOMPARE(pong->payload, QByteArray("ping-data"));
    auto echo = readFrame(socket, buffer);
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0x1);
    QVERIFY(echo->fin);
    QCOMPARE(echo->payload, QByteArray("Hello, fragments"));
}

void tst_HostServer::keepsFramesSentWithTheHandshake()
{
    // A client may send its first frame in the same TCP segment as the handshake;
    // the host peeks at the head, so nothing after it may be lost.
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(handshakeRequest(QStringLiteral("/echo")) + clientFrame(0x1, "right behind the head"));
    QCOMPARE(statusCode(readResponseHead(socket)), 101);
    QByteArray buffer;
    auto echo = readFrame(socket, buffer);
    QVERIFY2(echo, "the frame sent along with the handshake was lost");
    QCOMPARE(echo->payload, QByteArray("right behind the head"));
}

void tst_HostServer::refusesBeforeUpgrade_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("expectedHeader");

    QTest::addRow("unknown path") << handshakeRequest(QStringLiteral("/nowhere")) << 404 << QByteArray();
    QTest::addRow("plain GET") << QByteArray("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << QByteArray();
    QTest::addRow("POST") << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("GET ", "POST "))
                          << 405 << QByteArray("Allow: GET");
    QTest::addRow("no Connection: Upgrade")
        << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("Connection: Upgrade\r\n", ""))
        << 400 << QByteArray();
    QTest::addRow("missing key")
        << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""))
        << 400 << QByteArray();
    QTest::addRow("short key")
        << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="))
        << 400 << QByteArray();
    QTest::addRow("wrong version")
        << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("Version: 13", "Version: 8"))
        << 426 << QByteArray("Sec-WebSocket-Version: 13");
    QTest::addRow("HTTP/1.0") << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("HTTP/1.1", "HTTP/1.0"))
                              << 400 << QByteArray();
    QTest::addRow("garbage") << QByteArray("\x16\x03\x01\x02\x7f junk\r\n\r\n") << 400 << QByteArray();
    QTest::addRow("bare LF") << QByteArray("GET /echo HTTP/1.1\nHost: x\n\r\n\r\n") << 400 << QByteArray();
    QTest::addRow("head too large")
        << handshakeRequest(QStringLiteral("/echo"), "X-Filler: " + QByteArray(9000, 'x') + "\r\n") << 431 << QByteArray();
}

void tst_HostServer::refusesBeforeUpgrade()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, expectedHeader);
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy refused(host.get(), &HostServer::handshakeRefused);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(request);
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), status);
    QVERIFY2(head.contains("Connection: close"), head.constData());
    if (!expectedHeader.isEmpty())
        QVERIFY2(head.contains(expectedHeader), head.constData());
    QVERIFY2(waitForDisconnect(socket), "the host kept a refused connection open");
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused.first().at(1).toInt(), status);
    QTRY_COMPARE(host->pendingHandshakeCount(), 0);
    QCOMPARE(host->sessionCount(), 0);
}

void tst_HostServer::refusesOverConnectionLimitWith503()
{
    HostConfig config = testConfig();
    config.maxConnections = 2;
    auto host = startHost(config);
    QVERIFY(host);
    auto a = openClient(host->serverPort());
    auto b = openClient(host->serverPort());
    QVERIFY(a && b);
    QTRY_COMPARE(host->sessionCount(), 2);

    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")))), 503);

    a->close();
    QTRY_COMPARE(host->sessionCount(), 1);
    QTcpSocket again;
    QVERIFY2(upgradeRaw(again, host->serverPort()), "a freed slot was not reusable");
}

void tst_HostServer::refusesOverPerIpLimitWith429()
{
    HostConfig config = testConfig();
    config.maxConnectionsPerIp = 2;
    auto host = startHost(config);
    QVERIFY(host);
    QTcpSocket a, b;
    QVERIFY(upgradeRaw(a, host->serverPort()));
    QVERIFY(upgradeRaw(b, host->serverPort()));
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")))), 429);

    // The limit is per address: another loopback address still gets in.
    QTcpSocket other;
    QVERIFY(other.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
    other.connectToHost(QHostAddress::LocalHost, host->serverPort());
    QVERIFY(other.waitForConnected(5000));
    other.write(handshakeRequest(QStringLiteral("/echo")));
    QCOMPARE(statusCode(readResponseHead(other)), 101);
}

void tst_HostServer::dropsIncompleteHandshakeAfterTimeout()
{
    HostConfig config = testConfig();
    config.handshakeTimeoutMs = 300;
    auto host = startHost(config);
    QVERIFY(host);
    QTcpSocket silent, partial;
    QVERIFY(connectRaw(silent, host->serverPort()));
    QVERIFY(connectRaw(partial, host->serverPort()));
    partial.write(handshakeRequest(QStringLiteral("/echo")).left(40));   // never finishes
    QTRY_COMPARE(host->pendingHandshakeCount(), 2);
    const QByteArray head = readResponseHead(partial, 5000);
    QCOMPARE(statusCode(head), 408);
    QVERIFY(waitForDisconnect(partial));
    QVERIFY(waitForDisconnect(silent));
    QTRY_COMPARE(host->pendingHandshakeCount(), 0);
    // The log row of the partial head names the path of its whole request line.
    QStringList paths;
    for (const HandshakeRecord &r : host->handshakeLog()) {
        if (r.status == 408)
            paths << r.path;
    }
    paths.sort();
    QCOMPARE(paths, (QStringList{QString(), QStringLiteral("/echo")}));
}

void tst_HostServer::closesOversizedMessageWith1009_data()
{
    QTest::addColumn<qint64>("frameLimit");
    QTest::addColumn<qint64>("messageLimit");
    QTest::addColumn<QList<QByteArray>>("frames");
    // Each row passes only one of the two limits, so each limit has its own test.
    QTest::addRow("one frame over the frame limit") << qint64(1024) << qint64(1 << 20)
                                                    << QList<QByteArray>{clientFrame(0x2, QByteArray(2000, 'x'))};
    QTest::addRow("fragments over the message limit")
        << qint64(1024) << qint64(1024)
        << QList<QByteArray>{clientFrame(0x1, QByteArray(600, 'x'), false), clientFrame(0x0, QByteArray(600, 'x'), true)};
}

void tst_HostServer::closesOversizedMessageWith1009()
{
    QFETCH(qint64, frameLimit);
    QFETCH(qint64, messageLimit);
    QFETCH(QList<QByteArray>, frames);
    HostConfig config = testConfig();
    config.maxFrameBytes = frameLimit;
    config.maxMessageBytes = messageLimit;
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host->serverPort()));
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    auto close = readFrame(socket, buffer);
    QVERIFY2(close, "no close frame");
    QCOMPARE(close->opcode, 0x8);
    QVERIFY(close->payload.size() >= 2);
    QCOMPARE(int(quint8(close->payload[0]) << 8 | quint8(close->payload[1])), 1009);
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCode, quint16(1009));
    QCOMPARE(snap.closeCause, CloseCause::Protocol);
    QCOMPARE(snap.in.messages, quint64(0));
}

void tst_HostServer::heartbeatReapsPeerThatStopsAnsweringPings()
{
    HostConfig config = testConfig();
    config.pingIntervalMs = 100;
    config.pongTimeoutMs = 300;
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket mute;   // completes the handshake, then never answers a ping
    QVERIFY(upgradeRaw(mute, host->serverPort()));
    QTRY_COMPARE(host->sessionCount(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCause, CloseCause::Timeout);
    QCOMPARE(snap.closeCode, quint16(1006));
    QVERIFY(waitForDisconnect(mute));
    QCOMPARE(host->sessionCount(), 0);
}

void tst_HostServer::heartbeatTakesOnlyAPongThatEchoesThePing()
{
    // RFC 6455 5.5.3: a pong answers a ping only with the ping's data. A peer that
    // answers every ping with other data answers none, and is reaped like a mute one.
    HostConfig config = testConfig();
    config.pingIntervalMs = 100;
    config.pongTimeoutMs = 300;
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket peer;
    QVERIFY(upgradeRaw(peer, host->serverPort()));
    int pings = 0;
    QByteArray buffer;
    connect(&peer, &QTcpSocket::readyRead, this, [&] {
        buffer += peer.readAll();
        while (const std::optional<Frame> frame = takeFrame(buffer)) {
            if (frame->opcode == 0x9) {
                ++pings;
                peer.write(clientFrame(0xA, "not the ping's data"));
            }
        }
    });
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    QVERIFY(pings >= 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCause, CloseCause::Timeout);
    QCOMPARE(snap.pingRttMs, -1);   // no round trip was ever measured
}

void tst_HostServer::heartbeatKeepsLivePeerAndMeasuresRtt()
{
    HostConfig config = testConfig();
    config.pingIntervalMs = 50;
    config.pongTimeoutMs = 300;
    auto host = startHost(config);
    QVERIFY(host);
    auto client = openClient(host->serverPort());   // QWebSocket answers pings by itself
    QVERIFY(client);
    QTRY_COMPARE(host->sessionCount(), 1);
    const SessionId id = host->sessions().first().id;
    QTRY_VERIFY(host->session(id).pingRttMs >= 0);
    QTest::qWait(800);   // several ping periods, longer than the pong timeout
    QCOMPARE(client->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(host->sessionCount(), 1);
}

void tst_HostServer::heartbeatSpreadsFirstPingsOfABurst()
{
    // Sessions opened in one burst are not all pinged in the same heartbeat tick: each
    // first ping is due at a random point in the second half of the interval.
    HostConfig config = testConfig();
    config.pingIntervalMs = 2000;
    config.pongTimeoutMs = 400;   // heartbeat ticks every 100 ms
    auto host = startHost(config);
    QVERIFY(host);
    constexpr int Peers = 40;
    std::vector<std::unique_ptr<QTcpSocket>> peers;
    std::vector<qint64> openedAtMs;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < Peers; ++i) {
        peers.push_back(std::make_unique<QTcpSocket>());
        QVERIFY(upgradeRaw(*peers.back(), host->serverPort()));
        openedAtMs.push_back(clock.elapsed());
    }
    QTRY_COMPARE(host->sessionCount(), Peers);
    std::vector<qint64> firstPingAfterMs(Peers, -1);   // since that peer's upgrade
    std::vector<QByteArray> buffers(Peers);
    QVERIFY(QTest::qWaitFor([&] {
        for (size_t i = 0; i < size_t(Peers); ++i) {
            while (firstPingAfterMs[i] < 0) {
                buffers[i] += peers[i]->readAll();
                const std::optional<Frame> frame = takeFrame(buffers[i]);
                if (!frame)
                    break;
                if (frame->opcode == 0x9)
                    firstPingAfterMs[i] = clock.elapsed() - openedAtMs[i];
            }
        }
        return std::none_of(firstPingAfterMs.cbegin(), firstPingAfterMs.cend(), [](qint64 t) { return t < 0; });
    }, 5000));
    const auto [earliest, latest] = std::minmax_element(firstPingAfterMs.cbegin(), firstPingAfterMs.cend());
    qInfo("first pings %lld to %lld ms after each session opened", *earliest, *latest);
    // Due at 1,000-2,000 ms; the 100 ms heartbeat tick (and a busy test machine) may
    // add to that, and the upgrade completes a little after the host opened the session.
    QVERIFY2(*earliest >= 900, "a first ping came before half the interval");
    QVERIFY2(*latest <= 2500, "a first ping came long after the interval");
    QVERIFY2(*latest - *earliest >= 400, "the first pings were not spread");
}

void tst_HostServer::gracefulCloseSendsCodeAndReason()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort()));
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QTRY_COMPARE(host->sessionCount(), 2);
    SessionId rawId = 0, clientId = 0;
    for (const auto &s : host->sessions())
        (s.peerPort == raw.localPort() ? rawId : clientId) = s.id;
    QVERIFY(rawId && clientId);

    QVERIFY(host->closeSession(rawId, 4000, QStringLiteral("see you")));
    QByteArray buffer;
    auto close = readFrame(raw, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(close->payload, QByteArray("\x0f\xa0see you"));

    QSignalSpy disconnected(client.get(), &QWebSocket::disconnected);
    QVERIFY(host->closeSession(clientId, 1008, QStringLiteral("policy")));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client->closeCode()), 1008);
    QCOMPARE(client->closeReason(), QStringLiteral("policy"));

    QTRY_COMPARE(closed.size(), 2);
    for (const auto &args : closed) {
        const auto snap = args.first().value<SessionSnapshot>();
        QCOMPARE(snap.closeCause, CloseCause::Server);
        QCOMPARE(snap.closeCode, snap.id == rawId ? quint16(4000) : quint16(1008));
    }
    QVERIFY(!host->closeSession(rawId, 4000, QStringLiteral("again")));   // already gone
    QVERIFY(!host->closeSession(999999, 1000, QString()));
}

void tst_HostServer::kickAbortsWithoutCloseFrame()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort()));
    QTRY_COMPARE(host->sessionCount(), 1);
    QVERIFY(host->kickSession(host->sessions().first().id));
    QByteArray rest;
    QVERIFY(waitForDisconnect(raw, 5000, &rest));
    QVERIFY2(!takeFrame(rest), "a kick must not send a close frame");
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCause, CloseCause::Kick);
    QCOMPARE(snap.closeCode, quint16(1006));
    QCOMPARE(host->sessionCount(), 0);
}

void tst_HostServer::abruptClientDropIsRecordedAs1006()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    auto raw = std::make_unique<QTcpSocket>();
    QVERIFY(upgradeRaw(*raw, host->serverPort()));
    raw->write(clientFrame(0x1, "half a frame").left(5));   // reset mid-frame
    raw->flush();
    raw->abort();
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCode, quint16(1006));
    QCOMPARE(snap.closeCause, CloseCause::Error);
}

void tst_HostServer::answersWhatCameBeforeTheClientsEndOfStream()
{
    // Messages and the client's FIN can come in one read, or a big message over many
    // reads right before it: the host reads the socket itself, then leaves the end of
    // the stream to Qt, and must hand out everything before it first.
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort()));
    QByteArray big(300 * 1024, 'x');
    for (int i = 0; i < big.size(); i += 97)
        big[i] = char('a' + i % 26);
    raw.write(clientFrame(0x1, "first") + clientFrame(0x2, big) + clientFrame(0x1, "last"));
    QVERIFY(raw.waitForBytesWritten(5000) || raw.bytesToWrite() == 0);
    QVERIFY(::shutdown(int(raw.socketDescriptor()), SHUT_WR) == 0);
    QByteArray buffer;
    const QList<QByteArray> expected = {"first", big, "last"};
    for (const QByteArray &payload : expected) {
        const auto echo = readFrame(raw, buffer, 10000);
        QVERIFY2(echo, "a message sent before the end of the stream went unanswered");
        QCOMPARE(echo->payload.size(), payload.size());
        QVERIFY(echo->payload == payload);
    }
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().closeCode, quint16(1006));
}

void tst_HostServer::clientCloseIsRecorded()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    client->close(QWebSocketProtocol::CloseCode(4321), QStringLiteral("done here"));
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCode, quint16(4321));
    QCOMPARE(snap.closeReason, QStringLiteral("done here"));
    QCOMPARE(snap.closeCause, CloseCause::Client);
}

void tst_HostServer::cutsOffPeerThatStopsReading_data()
{
    QTest::addColumn<int>("framesPerWrite");
    QTest::addColumn<int>("frameBytes");
    QTest::addRow("one 64 KiB frame per write") << 1 << 64 * 1024;
    // The cut comes while the host still holds frames it has read but not handled:
    // they must be dropped with the session, not handed on (nor spun on) after it.
    QTest::addRow("64 frames of 4 KiB per write") << 64 << 4 * 1024;
}

void tst_HostServer::cutsOffPeerThatStopsReading()
{
    QFETCH(int, framesPerWrite);
    QFETCH(int, frameBytes);
    HostConfig config = testConfig();
    config.maxSendBacklogBytes = 256 * 1024;
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket reader;
    QVERIFY(upgradeRaw(reader, host->serverPort()));
    // Stop reading: the client's socket takes nothing more from the kernel, so the
    // echoes pile up in the host's send buffer.
    reader.setReadBufferSize(1);
    reader.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    const QByteArray chunk = clientFrame(0x2, QByteArray(frameBytes, 'z')).repeated(framesPerWrite);
    auto alsoHere = openClient(host->serverPort());   // must keep working throughout
    QVERIFY(alsoHere);
    QSignalSpy echoed(alsoHere.get(), &QWebSocket::textMessageReceived);
    for (int i = 0; i < 1000 && closed.isEmpty(); ++i) {   // at most 64 MiB
        reader.write(chunk);
        QTest::qWait(1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCause, CloseCause::Backlog);
    QCOMPARE(snap.closeCode, quint16(1006));
    alsoHere->sendTextMessage(QStringLiteral("still fine"));
    QTRY_COMPARE(echoed.size(), 1);
}

// The limits agree: a message of the largest size the host accepts can be sent back
// although it is larger than the send backlog limit, since nothing else is queued.
// (A peer that stops reading is still cut off: cutsOffPeerThatStopsReading.)
void tst_HostServer::sendsBackTheLargestMessageItAccepts()
{
    HostConfig config = testConfig();
    config.maxFrameBytes = 8 * 1024 * 1024;
    config.maxMessageBytes = 8 * 1024 * 1024;
    config.maxSendBacklogBytes = 1024 * 1024;
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    client->setMaxAllowedIncomingMessageSize(quint64(config.maxMessageBytes));
    client->setMaxAllowedIncomingFrameSize(quint64(config.maxMessageBytes));
    QSignalSpy echoed(client.get(), &QWebSocket::binaryMessageReceived);
    const QByteArray big(int(config.maxMessageBytes), 'q');
    client->sendBinaryMessage(big);
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 1, 20000);
    QVERIFY(echoed.first().first().toByteArray() == big);
    QVERIFY2(closed.isEmpty(), "the session was cut off");
    // And again, once the first has drained.
    client->sendBinaryMessage(big);
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 2, 20000);
    QVERIFY(closed.isEmpty());
}

void tst_HostServer::sessionRegistryTracksCounters()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy opened(host.get(), &HostServer::sessionOpened);
    auto client = openClient(host->serverPort(), QStringLiteral("/echo?room=a&x=1"));
    QVERIFY(client);
    QSignalSpy texts(client.get(), &QWebSocket::textMessageReceived);
    QSignalSpy binaries(client.get(), &QWebSocket::binaryMessageReceived);
    client->sendTextMessage(QStringLiteral("12345"));
    client->sendBinaryMessage(QByteArray(10, 'b'));
    QTRY_COMPARE(texts.size() + binaries.size(), 2);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(host->sessionCount(), 1);
    const SessionSnapshot s = host->sessions().first();
    QVERIFY(s.id > 0);
    QCOMPARE(s.path, QStringLiteral("/echo"));
    QCOMPARE(s.query, QStringLiteral("room=a&x=1"));
    QCOMPARE(s.route, QStringLiteral("/echo"));
    QCOMPARE(s.pluginId, QStringLiteral("echo"));
    QCOMPARE(s.peerAddress, QStringLiteral("127.0.0.1"));
    QCOMPARE(s.peerPort, client->localPort());
    QCOMPARE(s.state, SessionSnapshot::State::Open);
    QCOMPARE(s.in.messages, quint64(2));
    QCOMPARE(s.in.textMessages, quint64(1));
    QCOMPARE(s.in.binaryMessages, quint64(1));
    QCOMPARE(s.in.frames, quint64(2));
    QCOMPARE(s.in.bytes, quint64(15));
    QCOMPARE(s.out.messages, quint64(2));
    QCOMPARE(s.out.bytes, quint64(15));
    QVERIFY(s.connectedAt.isValid());
    QVERIFY(s.lastActivity >= s.connectedAt);
    QCOMPARE(host->session(s.id).id, s.id);
    QCOMPARE(host->session(s.id + 1000).id, SessionId(0));
}

void tst_HostServer::countsIncomingFramesAndBytesAsTheClientSentThem()
{
    // Qt hands text over as a QString (whose length is not the UTF-8 bytes') and, with
    // the host's frame filter, a fragmented text message as one frame: the counters
    // must still show what came on the wire.
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host->serverPort()));
    const QByteArray text = QString::fromUtf8("κό €").toUtf8();   // 4 characters, 8 bytes
    socket.write(clientFrame(0x1, text.left(3), false) + clientFrame(0x9, "ping") + clientFrame(0x0, text.mid(3), false)
                 + clientFrame(0x0, {}, true) + clientFrame(0x2, "bin"));
    QByteArray buffer;
    int echoes = 0;
    while (echoes < 2) {
        const auto frame = readFrame(socket, buffer);
        QVERIFY(frame);
        if (frame->opcode == 0x1)
            QCOMPARE(frame->payload, text);
        echoes += frame->opcode == 0x1 || frame->opcode == 0x2;
    }
    const SessionSnapshot s = host->sessions().first();
    QCOMPARE(s.in.messages, quint64(2));
    QCOMPARE(s.in.frames, quint64(4));
    QCOMPARE(s.in.bytes, quint64(text.size() + 3));
    QCOMPARE(s.out.bytes, quint64(text.size() + 3));
}

void tst_HostServer::countsTheFramesOfAMessageNeverFinished()
{
    auto host = startHost();
    QVERIFY(host);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host->serverPort()));
    socket.write(clientFrame(0x2, "part", false) + clientFrame(0x0, "s", false) + clientFrame(0x8, closePayload(1000)));
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.in.messages, quint64(0));
    QCOMPARE(snap.in.frames, quint64(2));
    QCOMPARE(snap.in.bytes, quint64(5));
}

void tst_HostServer::joinsTextFragmentsOnlyUpToTheFrameLimit()
{
    // The frame limit is per frame: fragments that each pass it make a message that
    // passes, up to the message limit (the host's frame reader joins them).
    HostConfig config = testConfig();
    config.maxFrameBytes = 200;
    config.maxMessageBytes = 1000;
    auto host = startHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host->serverPort()));
    const QByteArray part(150, 'a');
    socket.write(clientFrame(0x1, part, false) + clientFrame(0x0, part, false) + clientFrame(0x0, part));
    QByteArray buffer;
    const auto echo = readFrame(socket, buffer);
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0x1);
    QCOMPARE(echo->payload, part.repeated(3));
}

void tst_HostServer::stopClosesEveryoneWith1001()
{
    auto host = startHost();
    QVERIFY(host);
    std::vector<std::unique_ptr<QWebSocket>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(openClient(host->serverPort()));
        QVERIFY(clients.back());
    }
    QTRY_COMPARE(host->sessionCount(), 5);
    QSignalSpy stopped(host.get(), &HostServer::stopped);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    host->stop();
    QTRY_COMPARE(stopped.size(), 1);
    for (auto &c : clients) {
        QTRY_COMPARE(c->state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(int(c->closeCode()), 1001);
    }
    QCOMPARE(closed.size(), 5);
    for (const auto &args : closed)
        QCOMPARE(args.first().value<SessionSnapshot>().closeCause, CloseCause::Shutdown);
    QCOMPARE(host->sessionCount(), 0);
    QVERIFY(!host->isListening());
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")), 500)), -1);
    host->stop();   // harmless the second time
}

void tst_HostServer::stopAbortsPeersThatNeverAnswerTheClose()
{
    HostConfig config = testConfig();
    config.shutdownGraceMs = 300;
    auto host = startHost(config);
    QVERIFY(host);
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, host->serverPort()));
    deaf.setReadBufferSize(1);
    QTRY_COMPARE(host->sessionCount(), 1);
    QSignalSpy stopped(host.get(), &HostServer::stopped);
    host->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 3000);
    QCOMPARE(host->sessionCount(), 0);
}

void tst_HostServer::failsToStartOnBusyPort()
{
    auto first = startHost();
    QVERIFY(first);
    HostConfig config = testConfig();
    config.port = first->serverPort();
    HostServer second;
    second.setConfig(config);
    QVERIFY(!second.start());
    QVERIFY2(second.errorString().contains(QString::number(config.port)), qPrintable(second.errorString()));
    QVERIFY(!second.errorString().contains(QLatin1Char('\n')));
}

void tst_HostServer::appliesTheListenBacklog()
{
    // For a listening socket, ss shows the accept backlog in the Send-Q column.
    if (QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty())
        QSKIP("ss (iproute2) is not installed");
    HostConfig config = testConfig();
    config.listenBacklog = 777;
    auto host = startHost(config);
    QVERIFY(host);
    QProcess ss;
    ss.start(QStringLiteral("ss"), {QStringLiteral("-ltnH"), QStringLiteral("sport = :%1").arg(host->serverPort())});
    QVERIFY(ss.waitForFinished(5000));
    const QStringList fields = QString::fromUtf8(ss.readAllStandardOutput()).simplified().split(QLatin1Char(' '));
    QVERIFY2(fields.size() >= 3, qPrintable(fields.join(QLatin1Char(' '))));
    QCOMPARE(fields.at(2).toInt(), 777);
    QVERIFY(HostConfig().listenBacklog >= 1024);
}

QTEST_GUILESS_MAIN(tst_HostServer)
#include "tst_hostserver.moc"
