// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// --capture FILE: the pcapng writer's blocks and the synthesized TCP on their own;
// then a real host records raw clients' sessions, and Debian's tshark reads the file
// back, while the host runs and after it stopped, and must find what was sent.

#include <wsplug/hostserver.h>

#include "pcapngwriter_p.h"
#include "tcpsynthesizer_p.h"
#include "testsupport.h"
#include "tsharksupport.h"

#include <QBuffer>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QtEndian>

#include <memory>
#include <vector>

using namespace WsPlug;
using namespace WsPlug::Internal;
using namespace WsPlug::Test;

namespace {

quint32 le32(const QByteArray &data, qsizetype at)
{
    return qFromLittleEndian<quint32>(data.constData() + at);
}

quint16 be16(const QByteArray &data, qsizetype at)
{
    return qFromBigEndian<quint16>(data.constData() + at);
}

quint32 be32(const QByteArray &data, qsizetype at)
{
    return qFromBigEndian<quint32>(data.constData() + at);
}

//! webSocketFrames() until it is \a expected or 10 s have passed. (Not QTRY_COMPARE:
//! it counts its steps, not the time, and each step here runs tshark.)
QStringList webSocketFramesOnceThere(const QString &file, const QStringList &expected)
{
    QDeadlineTimer deadline(10000);
    QStringList frames = webSocketFrames(file);
    while (frames != expected && !deadline.hasExpired()) {
        QTest::qWait(100);
        frames = webSocketFrames(file);
    }
    return frames;
}

std::unique_ptr<HostServer> startHost(const HostConfig &config)
{
    auto host = std::make_unique<HostServer>();
    host->setConfig(config);
    if (!host->start()) {
        qWarning() << "start failed:" << host->errorString();
        return nullptr;
    }
    return host;
}

bool stopHost(HostServer &host)
{
    QSignalSpy stopped(&host, &HostServer::stopped);
    host.stop();
    return stopped.count() > 0 || stopped.wait(10000);
}

// Counts the log lines that match a pattern, and passes every message on.
QtMessageHandler previousHandler = nullptr;
QRegularExpression countedPattern;
int countedMessages = 0;

void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (countedPattern.match(message).hasMatch())
        ++countedMessages;
    previousHandler(type, context, message);
}

} // namespace

class tst_Capture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writerLaysOutBlocks();
    void synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers_data();
    void synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers();
    void largeWritesAreSplitIntoSegments();
    void recordsSessionReadableByTshark();
    void recordsFanoutWrittenAroundTheSocket();
    void recordsIPv6ConnectionsWithIPv6Headers();
    void neverRecordsTheAdminChannel();
    void churnResetsAndShutdownLeaveAConsistentFile();
    void stopsAtTheSizeLimit();
    void unopenableFileFailsStart();
};

// The block layout of draft-ietf-opsawg-pcapng: type, total length, body padded to 32
// bits, total length again; the section header's byte-order magic; the comment option.
void tst_Capture::writerLaysOutBlocks()
{
    QBuffer device;
    device.open(QIODevice::WriteOnly);
    PcapngWriter writer(&device);
    writer.begin("test app", "if0");
    writer.writePacket(Q_INT64_C(1700000000123456), QByteArrayView("abcde"));
    writer.writePacket(1, QByteArrayView("xyz"), 100, QByteArrayView("a comment"));
    QCOMPARE(device.size(), 0);   // collected until flush()
    QVERIFY(writer.flush());
    const QByteArray file = device.data();
    QCOMPARE(qint64(file.size()), writer.size());

    QList<quint32> types;
    qsizetype at = 0;
    while (at < file.size()) {
        const quint32 length = le32(file, at + 4);
        QVERIFY(length % 4 == 0);
        QVERIFY(at + length <= quint32(file.size()));
        QCOMPARE(le32(file, at + length - 4), length);
        types << le32(file, at);
        if (types.size() == 1) {
            QCOMPARE(le32(file, at + 8), quint32(0x1A2B3C4D));
            QVERIFY(file.mid(at, length).contains("test app"));
        } else if (types.size() == 2) {
            QCOMPARE(qFromLittleEndian<quint16>(file.constData() + at + 8), PcapngWriter::LinkTypeEthernet);
            QCOMPARE(le32(file, at + 12), PcapngWriter::SnapLength);
        } else if (types.size() == 3) {
            QCOMPARE(qint64(length), PcapngWriter::packetBlockSize(5));
            const quint64 ts = quint64(le32(file, at + 12)) << 32 | le32(file, at + 16);
            QCOMPARE(ts, quint64(1700000000123456));
            QCOMPARE(le32(file, at + 20), 5u);    // captured
            QCOMPARE(le32(file, at + 24), 5u);    // original
            QCOMPARE(file.mid(at + 28, 8), QByteArray("abcde\0\0\0", 8));
        } else {
            QCOMPARE(qint64(length), PcapngWriter::packetBlockSize(3, 9));
            QCOMPARE(le32(file, at + 20), 3u);
            QCOMPARE(le32(file, at + 24), 100u);
            QCOMPARE(qFromLittleEndian<quint16>(file.constData() + at + 32), quint16(1));   // opt_comment
            QCOMPARE(qFromLittleEndian<quint16>(file.constData() + at + 34), quint16(9));
            QCOMPARE(file.mid(at + 36, 9), QByteArray("a comment"));
        }
        at += length;
    }
    QCOMPARE(types, (QList<quint32>{0x0A0D0D0A, 1, 6, 6}));
}

void tst_Capture::synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers_data()
{
    QTest::addColumn<QString>("client");
    QTest::addColumn<QString>("server");
    QTest::addColumn<bool>("ipv6");
    QTest::addRow("IPv4") << "127.0.0.1" << "127.0.0.2" << false;
    QTest::addRow("IPv4-mapped") << "::ffff:10.0.0.1" << "10.0.0.2" << false;
    QTest::addRow("IPv6") << "::1" << "fe80::1" << true;
}

// Every frame's IP header and TCP segment sum to 0xffff with their checksums in (RFC
// 1071), and the sequence numbers run on with the bytes and the SYN and FIN flags.
void tst_Capture::synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers()
{
    QFETCH(QString, client);
    QFETCH(QString, server);
    QFETCH(bool, ipv6);
    TcpSynthesizer tcp(QHostAddress(client), 40000, QHostAddress(server), 8765, 1000, 0xfffffff0u);
    QCOMPARE(tcp.isIPv6(), ipv6);
    QList<QByteArray> frames = tcp.open();
    frames += tcp.data(TcpSynthesizer::Side::Client, "GET / HTTP/1.1\r\n\r\n", 18);
    frames += tcp.data(TcpSynthesizer::Side::Server, "HTTP/1.1 101 x\r\n\r\n!", 19);   // odd: a padded sum
    frames += tcp.close(TcpSynthesizer::Side::Server);
    QCOMPARE(frames.size(), 8);

    struct Expected { quint16 srcPort; quint32 seq; quint32 ack; quint8 flags; qsizetype payload; };
    const QList<Expected> expected = {
        {40000, 1000, 0, 0x02, 0},                  // SYN
        {8765, 0xfffffff0u, 1001, 0x12, 0},          // SYN-ACK
        {40000, 1001, 0xfffffff1u, 0x10, 0},         // ACK
        {40000, 1001, 0xfffffff1u, 0x18, 18},        // PSH-ACK, request
        {8765, 0xfffffff1u, 1019, 0x18, 19},         // PSH-ACK, response
        {8765, 0x4, 1019, 0x11, 0},                  // FIN-ACK (the sequence wrapped)
        {40000, 1019, 0x5, 0x11, 0},                 // FIN-ACK
        {8765, 0x5, 1020, 0x10, 0},                  // ACK
    };
    for (qsizetype i = 0; i < frames.size(); ++i) {
        const QByteArray &f = frames.at(i);
        const qsizetype ipLength = ipv6 ? 40 : 20;
        QCOMPARE(be16(f, 12), quint16(ipv6 ? 0x86dd : 0x0800));
        const char *ip = f.constData() + 14;
        const qsizetype tcpLength = f.size() - 14 - ipLength;
        quint32 pseudo = 6 + quint32(tcpLength);
        const int addressAt = ipv6 ? 8 : 12;
        const int addressLength = ipv6 ? 32 : 8;
        for (int a = 0; a < addressLength; a += 2)
            pseudo += be16(f, 14 + addressAt + a);
        if (!ipv6)
            QCOMPARE(TcpSynthesizer::checksum(ip, 20), quint16(0));
        QCOMPARE(TcpSynthesizer::checksum(ip + ipLength, tcpLength, pseudo), quint16(0));
        const qsizetype t = 14 + ipLength;
        QCOMPARE(be16(f, t), expected.at(i).srcPort);
        QCOMPARE(be32(f, t + 4), expected.at(i).seq);
        QCOMPARE(be32(f, t + 8), expected.at(i).ack);
        QCOMPARE(quint8(f.at(t + 13)), expected.at(i).flags);
        QCOMPARE(TcpSynthesizer::headerLength(f), f.size() - expected.at(i).payload);
    }
}

// One write larger than a segment: several segments, PSH on the last; a long one-way
// stream gets ACKs from the receiver, so Wireshark never sees its window fill.
void tst_Capture::largeWritesAreSplitIntoSegments()
{
    TcpSynthesizer tcp(QHostAddress::LocalHost, 40000, QHostAddress::LocalHost, 8765, 1, 1);
    tcp.open();
    const QByteArray big(3 * TcpSynthesizer::MaxSegmentPayload + 10, 'x');
    const QList<QByteArray> frames = tcp.data(TcpSynthesizer::Side::Server, big.constData(), big.size());
    QCOMPARE(frames.size(), 4);
    qsizetype carried = 0;
    for (const QByteArray &f : frames) {
        QVERIFY(f.size() - 14 <= 65535);
        carried += f.size() - TcpSynthesizer::headerLength(f);
        QCOMPARE(bool(f.at(14 + 20 + 13) & 0x08), &f == &frames.last());
    }
    QCOMPARE(carried, big.size());

    int acks = 0;
    for (int i = 0; i < 40; ++i) {
        for (const QByteArray &f : tcp.data(TcpSynthesizer::Side::Server, big.constData(), big.size()))
            acks += be16(f, 14 + 20) == 40000 ? 1 : 0;   // from the client
    }
    const qint64 sent = 40 * big.size();
    QCOMPARE(acks, int(sent / TcpSynthesizer::AckEvery));
}

// The brief's test: known frames both ways, the upgrade, a refusal, read back by tshark
// while the host runs (proving the once-a-second flush) and again after stop().
void tst_Capture::recordsSessionReadableByTshark()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("session.pcapng"));
    HostConfig config = testConfig();
    config.captureFile = file;
    auto host = startHost(config);
    QVERIFY(host);

    QTcpSocket client;
    QVERIFY(upgradeRaw(client, host->serverPort(), QStringLiteral("/echo")));
    QByteArray buffer;
    QStringList expected;
    auto send = [&](int opcode, const QByteArray &payload, bool fin) {
        client.write(clientFrame(opcode, payload, fin));
        expected << frameRow(opcode, fin, true, payload.size());
    };
    auto receive = [&]() -> std::optional<Frame> {
        std::optional<Frame> frame = readFrame(client, buffer);
        if (frame)
            expected << frameRow(frame->opcode, frame->fin, false, frame->payload.size());
        return frame;
    };

    send(0x1, "Hello", true);
    std::optional<Frame> echo = receive();
    QVERIFY(echo);
    QCOMPARE(echo->payload, QByteArray("Hello"));
    send(0x1, "Frag", false);
    send(0x0, "mented", true);
    echo = receive();
    QVERIFY(echo);
    QCOMPARE(echo->payload, QByteArray("Fragmented"));
    send(0x9, "ping payload", true);
    echo = receive();
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0xA);
    QByteArray binary(300, Qt::Uninitialized);
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char(i * 7);
    send(0x2, binary, true);
    echo = receive();
    QVERIFY(echo);
    QCOMPARE(echo->payload, binary);
    send(0x8, closePayload(4000, "done here"), true);
    echo = receive();
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0x8);
    QVERIFY(waitForDisconnect(client));
    QCOMPARE(expected.size(), 11);

    // A refusal is recorded too: request and response.
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/nowhere")))), 404);

    // Live: nothing above filled the writer's 64 KiB, so only the once-a-second flush
    // puts it on disk.
    QElapsedTimer sinceLastWrite;
    sinceLastWrite.start();
    QCOMPARE(webSocketFramesOnceThere(file, expected), expected);
    qInfo("tshark read the frames %lld ms after the last one was written", qint64(sinceLastWrite.elapsed()));
    // The 16-bit length of the 300-byte message, both ways.
    QCOMPARE(flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                   QStringLiteral("websocket.payload_length_ext_16"), QStringLiteral("-T"),
                                   QStringLiteral("fields"), QStringLiteral("-e"),
                                   QStringLiteral("websocket.payload_length_ext_16")})),
             (QStringList{QStringLiteral("300"), QStringLiteral("300")}));

    const QStringList http = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("http"),
                                                   QStringLiteral("-T"), QStringLiteral("fields"),
                                                   QStringLiteral("-e"), QStringLiteral("http.request.method"),
                                                   QStringLiteral("-e"), QStringLiteral("http.request.uri"),
                                                   QStringLiteral("-e"), QStringLiteral("http.response.code"),
                                                   QStringLiteral("-e"), QStringLiteral("http.upgrade")}));
    QCOMPARE(http, (QStringList{QStringLiteral("GET /echo  websocket"), QStringLiteral("  101 websocket"),
                                QStringLiteral("GET /nowhere  websocket"), QStringLiteral("  404 ")}));

    QVERIFY(stopHost(*host));
    QCOMPARE(webSocketFrames(file), expected);
    const QByteArray complaints = tsharkComplaints(file);
    QVERIFY2(complaints.isEmpty(), complaints.constData());
    // Complete: both connections end with a FIN from each side.
    const QStringList fins = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                                   QStringLiteral("tcp.flags.fin == 1"), QStringLiteral("-T"),
                                                   QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("tcp.stream")}));
    QCOMPARE(fins, (QStringList{QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("1")}));
}

// A broadcast goes to the kernel around the socket (sending.cpp's direct send()):
// every subscriber's connection has it.
void tst_Capture::recordsFanoutWrittenAroundTheSocket()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("fanout.pcapng"));
    HostConfig config = testConfig();
    config.captureFile = file;
    auto host = startHost(config);
    QVERIFY(host);

    QTcpSocket publisher;
    QTcpSocket subscriber;
    QVERIFY(upgradeRaw(publisher, host->serverPort(), QStringLiteral("/broadcast/capture")));
    QVERIFY(upgradeRaw(subscriber, host->serverPort(), QStringLiteral("/broadcast/capture?mode=subscribe")));
    QTRY_COMPARE(host->sessionCount(), 2);
    publisher.write(clientFrame(0x1, "news for everyone"));
    QByteArray publisherBuffer;
    QByteArray subscriberBuffer;
    for (auto [socket, buffer] : {std::pair{&publisher, &publisherBuffer}, std::pair{&subscriber, &subscriberBuffer}}) {
        const std::optional<Frame> frame = readFrame(*socket, *buffer);
        QVERIFY(frame);
        QCOMPARE(frame->payload, QByteArray("news for everyone"));
    }
    QVERIFY(stopHost(*host));

    const QStringList frames = webSocketFrames(file, {QStringLiteral("tcp.stream")});
    // The publisher's frame and its own copy back; the subscriber's copy (the fan-out
    // picks the order of the two copies); then each connection's close at shutdown
    // (1001), which the raw clients do not answer.
    QCOMPARE(frames.filter(QRegularExpression(QStringLiteral("^0 "))),
             (QStringList{QStringLiteral("0 1 1 1 17"), QStringLiteral("0 1 1 0 17"), QStringLiteral("0 8 1 0 22")}));
    QCOMPARE(frames.filter(QRegularExpression(QStringLiteral("^1 "))),
             (QStringList{QStringLiteral("1 1 1 0 17"), QStringLiteral("1 8 1 0 22")}));
    const QByteArray complaints = tsharkComplaints(file);
    QVERIFY2(complaints.isEmpty(), complaints.constData());
}

// A client on ::1: the frames carry IPv6 headers with the real addresses, and the
// TCP checksums (over the IPv6 pseudo-header) are right.
void tst_Capture::recordsIPv6ConnectionsWithIPv6Headers()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("ipv6.pcapng"));
    HostConfig config = testConfig();
    config.address = QHostAddress::LocalHostIPv6;
    config.captureFile = file;
    HostServer host;
    host.setConfig(config);
    if (!host.start())
        QSKIP(qPrintable(QStringLiteral("no IPv6 loopback here: ") + host.errorString()));

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHostIPv6, host.serverPort());
    QVERIFY(client.waitForConnected(5000));
    client.write(handshakeRequest(QStringLiteral("/echo")));
    QCOMPARE(statusCode(readResponseHead(client)), 101);
    client.write(clientFrame(0x1, "over IPv6"));
    QByteArray buffer;
    QVERIFY(readFrame(client, buffer));
    QVERIFY(stopHost(host));

    QCOMPARE(webSocketFrames(file, {QStringLiteral("ipv6.src"), QStringLiteral("ipv6.dst")}),
             (QStringList{QStringLiteral("::1 ::1 1 1 1 9"), QStringLiteral("::1 ::1 1 1 0 9"),
                          QStringLiteral("::1 ::1 8 1 0 22")}));
    const QByteArray complaints = tsharkComplaints(file);
    QVERIFY2(complaints.isEmpty(), complaints.constData());
}

// The admin channel carries the token: neither an attached admin client nor a refused
// admin request (a wrong token, or the admin channel switched off) is in the file.
void tst_Capture::neverRecordsTheAdminChannel()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("admin.pcapng"));
    const QString token = QStringLiteral("captureSecretToken42");
    HostConfig config = testConfig();
    config.captureFile = file;
    config.adminToken = token;
    auto host = startHost(config);
    QVERIFY(host);

    QWebSocket admin;
    QSignalSpy snapshot(&admin, &QWebSocket::textMessageReceived);
    admin.open(host->adminUrl());
    QVERIFY(snapshot.wait(5000));
    QCOMPARE(statusCode(rawRequest(host->serverPort(),
                                   handshakeRequest(QStringLiteral("/_admin?token=captureWrongToken")))), 401);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), "GET /_admin HTTP/1.1 junk\r\nAuthorization: Bearer "
                                   + token.toLatin1() + "\r\n\r\n")), 400);
    QTcpSocket client;
    QVERIFY(upgradeRaw(client, host->serverPort(), QStringLiteral("/echo")));
    client.write(clientFrame(0x1, "a session"));
    QByteArray buffer;
    QVERIFY(readFrame(client, buffer));
    admin.close();
    QVERIFY(stopHost(*host));

    QFile capture(file);
    QVERIFY(capture.open(QIODevice::ReadOnly));
    const QByteArray bytes = capture.readAll();
    capture.close();
    QVERIFY(!bytes.contains("_admin"));
    QVERIFY(!bytes.contains(token.toLatin1()));
    QVERIFY(!bytes.contains("captureWrongToken"));
    QCOMPARE(webSocketFrames(file), (QStringList{QStringLiteral("1 1 1 9"), QStringLiteral("1 1 0 9"),
                                                 QStringLiteral("8 1 0 22")}));

    // With the admin channel off, /_admin is an unknown route (404): still not recorded.
    config.adminEnabled = false;
    host = startHost(config);
    QVERIFY(host);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/_admin?token=") + token))), 404);
    QVERIFY(stopHost(*host));
    QVERIFY(capture.open(QIODevice::ReadOnly));
    QVERIFY(!capture.readAll().contains("_admin"));
    QCOMPARE(tshark({QStringLiteral("-r"), file}), QByteArray());   // not a packet
}

// Clients that reset, give up halfway through the head, are refused, or are still
// there at shutdown: every recorded connection is whole in the file (a FIN from each
// side), and tshark finds nothing wrong with any sequence number.
void tst_Capture::churnResetsAndShutdownLeaveAConsistentFile()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("churn.pcapng"));
    HostConfig config = testConfig();
    config.captureFile = file;
    config.shutdownGraceMs = 200;
    auto host = startHost(config);
    QVERIFY(host);

    constexpr int Resets = 20;
    constexpr int HalfHeads = 10;
    constexpr int Refused = 10;
    constexpr int Open = 5;
    for (int i = 0; i < Resets; ++i) {
        QTcpSocket client;
        QVERIFY(upgradeRaw(client, host->serverPort(), QStringLiteral("/echo")));
        client.write(clientFrame(0x1, QByteArray(100 + i, 'r')));
        QByteArray buffer;
        QVERIFY(readFrame(client, buffer));
        client.write(clientFrame(0x2, QByteArray(5000, 'h')).left(3000));   // half a frame, then RST
        client.flush();
        client.abort();
    }
    for (int i = 0; i < HalfHeads; ++i) {
        QTcpSocket client;
        QVERIFY(connectRaw(client, host->serverPort()));
        client.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        client.flush();
        client.disconnectFromHost();
    }
    for (int i = 0; i < Refused; ++i)
        QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/missing")))), 404);
    std::vector<std::unique_ptr<QTcpSocket>> open;
    for (int i = 0; i < Open; ++i) {
        open.push_back(std::make_unique<QTcpSocket>());
        QVERIFY(upgradeRaw(*open.back(), host->serverPort(), QStringLiteral("/echo")));
    }
    QTRY_COMPARE(host->sessionCount(), Open);
    QTRY_COMPARE(host->pendingHandshakeCount(), 0);
    QVERIFY(stopHost(*host));

    const QByteArray complaints = tsharkComplaints(file);
    QVERIFY2(complaints.isEmpty(), complaints.constData());
    const QStringList streams = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                                      QStringLiteral("tcp.flags.syn == 1 && tcp.flags.ack == 0"),
                                                      QStringLiteral("-T"), QStringLiteral("fields"),
                                                      QStringLiteral("-e"), QStringLiteral("tcp.stream")}));
    QCOMPARE(streams.size(), Resets + Refused + Open);
    const QStringList fins = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                                   QStringLiteral("tcp.flags.fin == 1"), QStringLiteral("-T"),
                                                   QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("tcp.stream")}));
    QCOMPARE(fins.size(), 2 * streams.size());
    // The half frames the resetting clients sent are in the file as they arrived.
    const QStringList halves = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                                     QStringLiteral("tcp.len == 3000"), QStringLiteral("-T"),
                                                     QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("tcp.stream")}));
    QVERIFY2(halves.size() >= Resets / 2, qPrintable(halves.join(QLatin1Char(','))));
}

// A small limit: the file never passes it, the frame that would have is cut to its
// headers with a comment, and one warning says so.
void tst_Capture::stopsAtTheSizeLimit()
{
    REQUIRE_TSHARK();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("limited.pcapng"));
    HostConfig config = testConfig();
    config.captureFile = file;
    config.captureMaxBytes = 8192;
    auto host = startHost(config);
    QVERIFY(host);

    countedPattern = QRegularExpression(QStringLiteral("capture .* reached its limit of 8192 bytes"));
    countedMessages = 0;
    previousHandler = qInstallMessageHandler(countingHandler);
    QTcpSocket client;
    QVERIFY(upgradeRaw(client, host->serverPort(), QStringLiteral("/echo")));
    QByteArray buffer;
    for (int i = 0; i < 10; ++i) {
        client.write(clientFrame(0x2, QByteArray(1000, char('a' + i))));
        QVERIFY(readFrame(client, buffer));
    }
    QVERIFY(stopHost(*host));
    qInstallMessageHandler(previousHandler);
    QCOMPARE(countedMessages, 1);

    QVERIFY(QFileInfo(file).size() <= config.captureMaxBytes);
    QVERIFY(QFileInfo(file).size() > config.captureMaxBytes - 1500);
    const QStringList comments = flattenedRows(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"),
                                                       QStringLiteral("frame.comment"), QStringLiteral("-T"),
                                                       QStringLiteral("fields"), QStringLiteral("-e"),
                                                       QStringLiteral("frame.comment")}));
    QCOMPARE(comments.size(), 1);
    QVERIFY2(comments.first().contains(QLatin1String("limit of 8192 bytes")), qPrintable(comments.first()));
    // What was recorded before the limit is whole.
    QVERIFY(webSocketFrames(file).size() >= 4);
}

void tst_Capture::unopenableFileFailsStart()
{
    HostConfig config = testConfig();
    config.captureFile = QStringLiteral("/nonexistent-directory/capture.pcapng");
    HostServer host;
    host.setConfig(config);
    QVERIFY(!host.start());
    QVERIFY2(host.errorString().startsWith(QLatin1String("cannot open capture file /nonexistent-directory/capture.pcapng")),
             qPrintable(host.errorString()));
    QVERIFY(!host.errorString().contains(QLatin1Char('\n')));
    QVERIFY(!host.isListening());
}

QTEST_GUILESS_MAIN(tst_Capture)
#include "tst_capture.moc"
