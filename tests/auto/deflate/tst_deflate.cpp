// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// permessage-deflate (RFC 7692): what the host negotiates, that it inflates what clients
// compress and compresses what it sends, and how it fails the connection on the RFC's
// edge cases. Raw sockets (with zlib on the test's side) for the exact bytes; python
// websockets, node ws and Chromium, which all offer the extension, for real clients.

#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <zlib.h>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

HostConfig deflateConfig()
{
    HostConfig config = testConfig();
    config.deflate = {QStringLiteral("on")};
    return config;
}

//! What a permessage-deflate client inflates \a data to, with a window of \a windowBits.
QByteArray inflateMessage(const QByteArray &data, int windowBits = 15)
{
    z_stream z{};
    inflateInit2(&z, -windowBits);
    const QByteArray in = data + QByteArray("\x00\x00\xff\xff", 4);
    QByteArray out(64 * 1024 * 1024, Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData()));
    z.avail_in = uInt(in.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    inflate(&z, Z_SYNC_FLUSH);
    out.truncate(out.size() - qsizetype(z.avail_out));
    inflateEnd(&z);
    return out;
}

//! A compressible JSON message of about \a size bytes.
QByteArray jsonMessage(int size)
{
    QByteArray json = "[";
    for (int i = 0; json.size() < size - 80; ++i)
        json += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"sensor\",\"value\":" + QByteArray::number(i % 97) + "},";
    json.chop(1);
    return json + "]";
}

//! Upgrades \a socket on \a path offering \a extensions; the response head.
QByteArray upgrade(QTcpSocket &socket, quint16 port, const QByteArray &extensions,
                   const QString &path = QStringLiteral("/echo"))
{
    if (!connectRaw(socket, port))
        return {};
    socket.write(handshakeRequest(path,
                                  extensions.isEmpty() ? QByteArray() : "Sec-WebSocket-Extensions: " + extensions + "\r\n"));
    return readResponseHead(socket);
}

//! The next server frame and its first byte (FIN, RSV, opcode).
std::optional<Frame> readFrameWithFlags(QTcpSocket &socket, QByteArray &buffer, int *firstByte)
{
    // The host runs on this thread: wait with the event loop running.
    (void)QTest::qWaitFor([&] {
        buffer += socket.readAll();
        return buffer.size() >= 2;
    }, 5000);
    *firstByte = buffer.isEmpty() ? -1 : static_cast<unsigned char>(buffer.at(0));
    return readFrame(socket, buffer);
}

const QByteArray Agreed = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

} // namespace

class tst_Deflate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void negotiates_data();
    void negotiates();
    void offNegotiatesNothing();
    void perRoute();
    void notOnEngineIo();
    void echoesCompressedMessages();
    void fanOutIsCompressedOncePerWindow();
    void failsTheConnection_data();
    void failsTheConnection();
    void pythonWebsockets();
    void nodeWsAndChromium();
};

void tst_Deflate::negotiates_data()
{
    QTest::addColumn<QByteArray>("offer");
    QTest::addColumn<QByteArray>("answer");   // empty: no Sec-WebSocket-Extensions

    QTest::addRow("bare") << QByteArray("permessage-deflate") << Agreed;
    QTest::addRow("as browsers offer it") << QByteArray("permessage-deflate; client_max_window_bits") << Agreed;
    QTest::addRow("client window with a value") << QByteArray("permessage-deflate; client_max_window_bits=10") << Agreed;
    QTest::addRow("quoted value") << QByteArray("permessage-deflate; client_max_window_bits=\"12\"") << Agreed;
    QTest::addRow("both no-context-takeovers") << QByteArray(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover") << Agreed;
    QTest::addRow("server window honoured") << QByteArray("permessage-deflate; server_max_window_bits=10")
                                            << Agreed + "; server_max_window_bits=10";
    QTest::addRow("window 8 passed over for the next offer") << QByteArray(
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits") << Agreed;
    QTest::addRow("window 8 alone: not accepted") << QByteArray("permessage-deflate; server_max_window_bits=8") << QByteArray();
    QTest::addRow("server window without a value") << QByteArray("permessage-deflate; server_max_window_bits") << QByteArray();
    QTest::addRow("window 16") << QByteArray("permessage-deflate; client_max_window_bits=16") << QByteArray();
    QTest::addRow("leading zero") << QByteArray("permessage-deflate; server_max_window_bits=09") << QByteArray();
    QTest::addRow("unknown parameter") << QByteArray("permessage-deflate; foo=1") << QByteArray();
    QTest::addRow("parameter twice") << QByteArray(
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover") << QByteArray();
    QTest::addRow("no-context-takeover with a value") << QByteArray("permessage-deflate; server_no_context_takeover=1")
                                                      << QByteArray();
    QTest::addRow("another extension first") << QByteArray("x-webkit-deflate-frame, permessage-deflate") << Agreed;
    QTest::addRow("another extension only") << QByteArray("x-webkit-deflate-frame") << QByteArray();
    QTest::addRow("none offered") << QByteArray() << QByteArray();
}

void tst_Deflate::negotiates()
{
    QFETCH(QByteArray, offer);
    QFETCH(QByteArray, answer);
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray head = upgrade(socket, host->serverPort(), offer);
    // Never a failed handshake: an offer the host cannot honour is just not accepted.
    QCOMPARE(statusCode(head), 101);
    if (answer.isEmpty())
        QVERIFY2(!head.contains("Sec-WebSocket-Extensions"), head.constData());
    else
        QVERIFY2(head.contains(QByteArray("\r\nSec-WebSocket-Extensions: " + answer + "\r\n")), head.constData());
    // The handshake log keeps the answer as sent.
    QTRY_VERIFY(!host->handshakeLog().isEmpty());
    QCOMPARE(host->handshakeLog().constLast().response, head);
}

void tst_Deflate::offNegotiatesNothing()
{
    auto host = startedHost();   // off by default
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray head = upgrade(socket, host->serverPort(), "permessage-deflate; client_max_window_bits");
    QCOMPARE(statusCode(head), 101);
    QVERIFY2(!head.contains("Sec-WebSocket-Extensions"), head.constData());
}

void tst_Deflate::perRoute()
{
    HostConfig config = testConfig();
    config.deflate = {QStringLiteral("on"), QStringLiteral("/echo=off")};
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(!upgrade(socket, host->serverPort(), "permessage-deflate").contains("Sec-WebSocket-Extensions"));
    config.deflate = {QStringLiteral("/echo=on")};
    host = startedHost(config);
    QVERIFY(host);
    QTcpSocket other;
    QVERIFY(upgrade(other, host->serverPort(), "permessage-deflate").contains(QByteArray("Sec-WebSocket-Extensions: " + Agreed)));
    config.deflate = {QStringLiteral("sometimes")};
    QString why;
    QVERIFY(!config.validate(&why));
    QVERIFY2(why.contains(QStringLiteral("sometimes")), qPrintable(why));
}

void tst_Deflate::notOnEngineIo()
{
    // Engine.IO's WebSocket is written by its own transport: it never negotiates.
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(handshakeRequest(QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket"),
                                  "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), 101);
    QVERIFY2(!head.contains("Sec-WebSocket-Extensions"), head.constData());
}

void tst_Deflate::echoesCompressedMessages()
{
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    QTcpSocket socket;
    QCOMPARE(statusCode(upgrade(socket, host->serverPort(), "permessage-deflate")), 101);
    QByteArray buffer;
    int flags = 0;

    // A compressed 16 KiB JSON message in one frame: inflated for the plugin, and its
    // echo compressed (RSV1) to a fraction of it.
    const QByteArray json = jsonMessage(16 * 1024);
    const QByteArray packed = deflateMessage(json);
    QVERIFY(packed.size() < json.size() / 4);
    socket.write(clientFrame(0x1, packed, true, true, 4));
    auto frame = readFrameWithFlags(socket, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(frame->opcode, 0x1);
    QCOMPARE(flags & 0x70, 0x40);
    QVERIFY2(frame->payload.size() < json.size() / 4, QByteArray::number(frame->payload.size()).constData());
    QCOMPARE(inflateMessage(frame->payload), json);

    // Fragmented: RSV1 on the first frame only.
    socket.write(clientFrame(0x1, packed.left(100), false, true, 4) + clientFrame(0x0, packed.mid(100, 1000), false)
                 + clientFrame(0x0, packed.mid(1100), true));
    frame = readFrameWithFlags(socket, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(inflateMessage(frame->payload), json);

    // Uncompressed messages stay legal; a small one is echoed uncompressed (RSV1 clear).
    socket.write(clientFrame(0x1, "hello"));
    frame = readFrameWithFlags(socket, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(flags & 0x70, 0);
    QCOMPARE(frame->payload, QByteArray("hello"));

    // Incompressible binary: compressed by the client (larger than it was), echoed
    // uncompressed since deflate would not make it smaller.
    QByteArray noise(4096, Qt::Uninitialized);
    for (qsizetype i = 0; i < noise.size(); ++i)
        noise[i] = char(QRandomGenerator::global()->generate());
    socket.write(clientFrame(0x2, deflateMessage(noise), true, true, 4));
    frame = readFrameWithFlags(socket, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(frame->opcode, 0x2);
    QCOMPARE(flags & 0x70, 0);
    QCOMPARE(frame->payload, noise);
}

void tst_Deflate::fanOutIsCompressedOncePerWindow()
{
    // A broadcast reaches each subscriber as it agreed: compressed with the window it
    // allowed the host, or plain without the extension.
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    const QString topic = QStringLiteral("/broadcast/lesson");
    QTcpSocket wide, narrow, plain;
    QVERIFY(upgrade(wide, host->serverPort(), "permessage-deflate", topic).contains(Agreed));
    QVERIFY(upgrade(narrow, host->serverPort(), "permessage-deflate; server_max_window_bits=10", topic)
                    .contains("server_max_window_bits=10"));
    QVERIFY(!upgrade(plain, host->serverPort(), QByteArray(), topic).contains("permessage-deflate"));
    QTRY_COMPARE(host->sessionCount(), 3);

    // The same 2 KiB twice: a 32 KiB window reaches back to the first copy, a 1 KiB one
    // cannot, so only a stream made for the narrow window inflates with it.
    QByteArray random(1536, Qt::Uninitialized);
    for (qsizetype i = 0; i < random.size(); ++i)
        random[i] = char(QRandomGenerator::global()->generate());
    const QByteArray message = random.toBase64() + random.toBase64();
    plain.write(clientFrame(0x1, message));   // the broadcast plugin echoes to its publisher too

    QByteArray buffer;
    int flags = 0;
    auto frame = readFrameWithFlags(wide, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(flags & 0x70, 0x40);
    QVERIFY2(frame->payload.size() < message.size() * 6 / 10, QByteArray::number(frame->payload.size()).constData());
    QCOMPARE(inflateMessage(frame->payload), message);
    buffer.clear();
    frame = readFrameWithFlags(narrow, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(flags & 0x70, 0x40);
    QCOMPARE(inflateMessage(frame->payload, 10), message);
    buffer.clear();
    frame = readFrameWithFlags(plain, buffer, &flags);
    QVERIFY(frame);
    QCOMPARE(flags & 0x70, 0);
    QCOMPARE(frame->payload, message);
}

void tst_Deflate::failsTheConnection_data()
{
    QTest::addColumn<bool>("negotiate");
    QTest::addColumn<QByteArray>("frames");
    QTest::addColumn<int>("code");

    // Over the message limit (64 KiB here) once inflated: 1 MiB of zeros in ~1 KiB.
    const QByteArray bomb = deflateMessage(QByteArray(1024 * 1024, '\0'));
    QTest::addRow("bomb") << true << clientFrame(0x2, bomb, true, true, 4) << 1009;
    QTest::addRow("RSV1 on a continuation") << true
        << clientFrame(0x1, deflateMessage("abc"), false, true, 4) + clientFrame(0x0, "d", true, true, 4) << 1002;
    QTest::addRow("RSV1 on an uncompressed message's continuation") << true
        << clientFrame(0x1, "abc", false) + clientFrame(0x0, deflateMessage("d"), true, true, 4) << 1002;
    QTest::addRow("RSV1 on a ping") << true << clientFrame(0x9, "p", true, true, 4) << 1002;
    QTest::addRow("RSV1 not negotiated") << false << clientFrame(0x1, deflateMessage("abc"), true, true, 4) << 1002;
    QTest::addRow("RSV2") << true << clientFrame(0x1, "abc", true, true, 2) << 1002;
    QTest::addRow("not deflate data") << true << clientFrame(0x2, QByteArray("\xff\xff\xff\xff", 4), true, true, 4) << 1007;
    QTest::addRow("compressed invalid UTF-8") << true << clientFrame(0x1, deflateMessage("\xc3\x28"), true, true, 4) << 1007;
    // Cut off inside a block: not a shorter message (RFC 7692 7.2.2: not deflate data).
    // A stored block (level 0) shows it best: zlib would take what came, and the tail the
    // receiver appends, as the block's first bytes and wait for the rest.
    const QByteArray stored = deflateMessage(QByteArray(1000, 'x'), Z_NO_COMPRESSION);
    QTest::addRow("cut-off deflate data") << true << clientFrame(0x2, stored.left(stored.size() / 2), true, true, 4) << 1007;
}

void tst_Deflate::failsTheConnection()
{
    QFETCH(bool, negotiate);
    QFETCH(QByteArray, frames);
    QFETCH(int, code);
    HostConfig config = deflateConfig();
    config.maxMessageBytes = 64 * 1024;
    config.maxFrameBytes = 64 * 1024;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    const QByteArray head = upgrade(socket, host->serverPort(), negotiate ? "permessage-deflate" : "");
    QCOMPARE(statusCode(head), 101);
    QCOMPARE(head.contains("permessage-deflate"), negotiate);
    QTRY_COMPARE(host->sessions().size(), 1);
    socket.write(frames);
    QByteArray buffer;
    std::optional<Frame> frame = readFrame(socket, buffer);
    QVERIFY(frame);
    QCOMPARE(frame->opcode, 0x8);
    QCOMPARE(closeCodeOf(*frame), code);
}

void tst_Deflate::pythonWebsockets()
{
    WSPLUG_REQUIRE_PEERS(missingPythonWebsockets());
    const QString python = QLatin1String(DebianPython);
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    // websockets offers permessage-deflate by default and compresses every message; it
    // fails the connection on a frame it cannot inflate, so an echo checks both ways.
    const QString script = QStringLiteral(R"(
import asyncio, json, os, sys, websockets
async def main(port):
    async with websockets.connect(f'ws://127.0.0.1:{port}/echo', max_size=2**24) as ws:
        print('extensions', ws.response_headers.get('Sec-WebSocket-Extensions'))
        doc = json.dumps([{'id': i, 'name': 'sensor', 'value': i % 97} for i in range(600)])
        noise = os.urandom(20000)
        for m in [doc, noise, 'short', doc * 20]:
            await ws.send(m)
            print('echo', type(m).__name__, len(m), await ws.recv() == m)
        await ws.send([doc[:5000], doc[5000:9000], doc[9000:]])
        print('fragmented echo', await ws.recv() == doc)
asyncio.run(main(sys.argv[1]))
)");
    const QByteArray out = runProgram(python, {QStringLiteral("-c"), script, QString::number(host->serverPort())});
    QVERIFY2(out.contains(QByteArray("extensions " + Agreed + "\n")), out.constData());
    QCOMPARE(out.count("True\n"), 5);
    QVERIFY2(!out.contains("False"), out.constData());
}

void tst_Deflate::nodeWsAndChromium()
{
    const QString dir = QStringLiteral(WSPLUG_BROWSER_TESTS_DIR);
    WSPLUG_REQUIRE_PEERS(missingBrowserPeers(dir));
    auto host = startedHost(deflateConfig());
    QVERIFY(host);
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QByteArray out = runProgram(node, {QStringLiteral("deflate.mjs"), QString::number(host->serverPort())}, dir);
    for (const char *client : {"node", "chromium"}) {
        const QByteArray c(client);
        QVERIFY2(out.contains(QByteArray(c + " extensions permessage-deflate")), out.constData());
        QVERIFY2(out.contains(QByteArray(c + " echo json true\n")), out.constData());
        QVERIFY2(out.contains(QByteArray(c + " echo short true\n")), out.constData());
        QVERIFY2(out.contains(QByteArray(c + " echo binary true\n")), out.constData());
    }
}

QTEST_GUILESS_MAIN(tst_Deflate)
#include "tst_deflate.moc"
