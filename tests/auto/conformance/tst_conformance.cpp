// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// RFC 6455 conformance, sections 4 to 7, with raw TCP clients against a real host's
// /echo route: the opening handshake, framing and lengths, fragmentation with
// control frames in between, ping/pong, reserved bits and opcodes, masking, UTF-8
// validation and the closing handshake. Where Qt WebSockets departs from the RFC
// the test says so with QEXPECT_FAIL and docs/conformance.md describes the case.

#include <wsplug/hostserver.h>

#include "testsupport.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QtEndian>

#include <memory>
#include <optional>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

// How long a server may take to close TCP after it failed the connection (7.1.7).
constexpr int CloseTcpWithinMs = 5000;

//! The value of response header \a name (case-insensitive), or a null array.
QByteArray headerValue(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

//! A request with every header line given explicitly, so that tests can vary any of them.
QByteArray request(const QByteArray &requestLine, const QList<QByteArray> &headers)
{
    QByteArray r = requestLine + "\r\n";
    for (const QByteArray &h : headers)
        r += h + "\r\n";
    return r + "\r\n";
}

const QList<QByteArray> standardHeaders = {
    "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};

QList<QByteArray> replaced(QList<QByteArray> headers, const QByteArray &prefix, const QByteArray &line)
{
    for (qsizetype i = 0; i < headers.size(); ++i) {
        if (headers.at(i).startsWith(prefix)) {
            if (line.isNull())
                headers.removeAt(i);
            else
                headers[i] = line;
            return headers;
        }
    }
    if (!line.isNull())
        headers.append(line);
    return headers;
}

//! A server frame with what RFC 6455 5.1/5.2 require of its header.
struct ServerFrame
{
    Frame frame;
    bool masked = false;        // a server MUST NOT mask (5.1)
    int rsv = 0;                // no extension negotiated: MUST be 0 (5.2)
    bool minimalLength = true;  // "the minimal number of bytes MUST be used" (5.2)
};

std::optional<ServerFrame> readServerFrame(QTcpSocket &socket, QByteArray &buffer, int timeoutMs = 5000)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        buffer += socket.readAll();
        if (buffer.size() >= 2) {
            ServerFrame sf;
            const auto b0 = quint8(buffer[0]);
            const auto b1 = quint8(buffer[1]);
            sf.masked = (b1 & 0x80) != 0;
            sf.rsv = (b0 >> 4) & 7;
            const int len7 = b1 & 0x7f;
            if (len7 == 126 && buffer.size() >= 4)
                sf.minimalLength = qFromBigEndian<quint16>(buffer.constData() + 2) > 125;
            else if (len7 == 127 && buffer.size() >= 10)
                sf.minimalLength = qFromBigEndian<quint64>(buffer.constData() + 2) > 0xffff;
            if (auto f = takeFrame(buffer)) {
                sf.frame = *f;
                return sf;
            }
        }
        if (deadline.hasExpired() || socket.state() != QAbstractSocket::ConnectedState)
            return std::nullopt;
        QTest::qWait(2);
    }
}

/*! True if the server failed the connection (RFC 6455 7.1.7): a close frame with
    \a code, then TCP closed by the server without waiting for the client's answer. */
bool connectionFailed(QTcpSocket &socket, QByteArray &buffer, int code, QString *why)
{
    std::optional<ServerFrame> close;
    while (auto sf = readServerFrame(socket, buffer, 3000)) {
        if (sf->frame.opcode == 0x8) {
            close = sf;
            break;
        }
        if (sf->frame.opcode < 0x8) {
            *why = QStringLiteral("a data frame came back (%1 bytes) instead of a close").arg(sf->frame.payload.size());
            return false;
        }
    }
    if (!close) {
        *why = QStringLiteral("no close frame");
        return false;
    }
    if (closeCodeOf(close->frame) != code) {
        *why = QStringLiteral("close code %1, expected %2").arg(closeCodeOf(close->frame)).arg(code);
        return false;
    }
    // Do not answer the close: a server that fails a connection closes TCP itself.
    QDeadlineTimer deadline(CloseTcpWithinMs);
    while (socket.state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired()) {
        socket.readAll();
        QTest::qWait(5);
    }
    if (socket.state() != QAbstractSocket::UnconnectedState) {
        *why = QStringLiteral("the server did not close TCP after failing the connection (RFC 6455 7.1.7)");
        return false;
    }
    return true;
}

//! Writes \a data in pieces of \a piece bytes, letting the event loop run in between.
void writeInPieces(QTcpSocket &socket, const QByteArray &data, int piece)
{
    for (qsizetype i = 0; i < data.size(); i += piece) {
        socket.write(data.mid(i, piece));
        socket.flush();
        QTest::qWait(1);
    }
}

QByteArray bytesOfLength(qsizetype n, bool text)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = text ? char('a' + i % 26) : char((i * 31 + 7) & 0xff);
    return b;
}

} // namespace

class tst_Conformance : public QObject
{
    Q_OBJECT

private:
    //! Connects and completes the handshake on /echo.
    void upgrade(QTcpSocket &socket);
    //! Reads server frames until a data message is complete; checks every frame header.
    void readMessage(QTcpSocket &socket, QByteArray &buffer, int *opcode, QByteArray *payload,
                     QList<Frame> *controlFramesBefore = nullptr, int timeoutMs = 10000);
    /*! The server must fail the connection (7.1.7): a close frame with \a code and TCP
        closed by the server, without waiting for the client to answer the close. */
    void expectFailed(QTcpSocket &socket, QByteArray &buffer, int code);
    //! The one session the last test opened ended with \a code and \a cause.
    void expectRecordedClose(QSignalSpy &closed, int code, CloseCause cause);

    std::unique_ptr<HostServer> m_host;
    quint16 m_port = 0;

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    // 4. Opening handshake
    void acceptKeyMatchesRfcExample();
    void acceptKeyForRandomKeys();
    void handshakeVariants_data();
    void handshakeVariants();
    void handshakeInTinyWrites();
    void framesInTinyWrites();

    // 5.2 Base framing: lengths and masking
    void payloadLengths_data();
    void payloadLengths();
    void failsUnmaskedClientFrame_data();
    void failsUnmaskedClientFrame();

    // 5.4 Fragmentation, 5.5 control frames
    void fragmentedMessages_data();
    void fragmentedMessages();
    void pingPayloadsComeBackInPong_data();
    void pingPayloadsComeBackInPong();
    void ignoresUnsolicitedPong();

    // 5.2/5.4/5.5 protocol errors
    void failsOnProtocolError_data();
    void failsOnProtocolError();

    // 8.1 UTF-8
    void acceptsValidUtf8SplitAnywhere();
    void failsOnInvalidUtf8_data();
    void failsOnInvalidUtf8();
    void failsOnInvalidUtf8BeforeTheMessageEnds_data();
    void failsOnInvalidUtf8BeforeTheMessageEnds();
    void keepsTheByteOrderMark_data();
    void keepsTheByteOrderMark();

    // 5.5.1 / 7 Closing handshake
    void echoesValidCloseCodes_data();
    void echoesValidCloseCodes();
    void failsOnInvalidClosePayload_data();
    void failsOnInvalidClosePayload();
    void ignoresDataAfterClose();
    void serverCloseStartsTheClosingHandshake();
};

void tst_Conformance::initTestCase()
{
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(testConfig());
    QVERIFY2(m_host->start(), qPrintable(m_host->errorString()));
    m_port = m_host->serverPort();
}

void tst_Conformance::cleanup()
{
    // Every test closes or drops its connections; nothing may stay behind.
    QTRY_COMPARE(m_host->sessionCount(), 0);
    QTRY_COMPARE(m_host->pendingHandshakeCount(), 0);
}

void tst_Conformance::upgrade(QTcpSocket &socket)
{
    QVERIFY(connectRaw(socket, m_port));
    socket.write(handshakeRequest(QStringLiteral("/echo")));
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), 101);
}

void tst_Conformance::readMessage(QTcpSocket &socket, QByteArray &buffer, int *opcode, QByteArray *payload,
                                  QList<Frame> *controlFramesBefore, int timeoutMs)
{
    *opcode = -1;
    payload->clear();
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        auto sf = readServerFrame(socket, buffer, int(qMax<qint64>(1, deadline.remainingTime())));
        QVERIFY2(sf, "no complete message from the server");
        QVERIFY2(!sf->masked, "RFC 6455 5.1: a server must not mask its frames");
        QCOMPARE(sf->rsv, 0);
        QVERIFY2(sf->minimalLength, "RFC 6455 5.2: the payload length must use the minimal encoding");
        const Frame &f = sf->frame;
        if (f.opcode >= 0x8) {
            QVERIFY2(f.fin, "RFC 6455 5.5: control frames must not be fragmented");
            QVERIFY(f.payload.size() <= 125);
            if (controlFramesBefore)
                controlFramesBefore->append(f);
            QVERIFY2(f.opcode != 0x8, "unexpected close frame");
            continue;
        }
        if (*opcode == -1) {
            QVERIFY2(f.opcode == 0x1 || f.opcode == 0x2, "a message must start with a text or binary frame");
            *opcode = f.opcode;
        } else {
            QCOMPARE(f.opcode, 0x0);
        }
        payload->append(f.payload);
        if (f.fin)
            return;
    }
}

void tst_Conformance::expectFailed(QTcpSocket &socket, QByteArray &buffer, int code)
{
    QString why;
    QVERIFY2(connectionFailed(socket, buffer, code, &why), qPrintable(why));
}

void tst_Conformance::expectRecordedClose(QSignalSpy &closed, int code, CloseCause cause)
{
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(int(snap.closeCode), code);
    QCOMPARE(closeCauseName(snap.closeCause), closeCauseName(cause));
}

// ---- 4. Opening handshake ----------------------------------------------------

void tst_Conformance::acceptKeyMatchesRfcExample()
{
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, m_port));
    socket.write(handshakeRequest(QStringLiteral("/echo")));   // the RFC's sample nonce
    const QByteArray head = readResponseHead(socket);
    QVERIFY2(head.startsWith("HTTP/1.1 101 "), head.constData());
    // RFC 6455 1.3 works this example through.
    QCOMPARE(headerValue(head, "Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    QCOMPARE(headerValue(head, "Upgrade").toLower(), QByteArray("websocket"));
    QVERIFY2(headerValue(head, "Connection").toLower().contains("upgrade"), head.constData());
    // Nothing was asked for, so nothing may be agreed (4.2.2 /subprotocol/, /extensions/).
    QVERIFY2(headerValue(head, "Sec-WebSocket-Protocol").isNull(), head.constData());
    QVERIFY2(headerValue(head, "Sec-WebSocket-Extensions").isNull(), head.constData());
}

void tst_Conformance::acceptKeyForRandomKeys()
{
    for (int i = 0; i < 20; ++i) {
        QByteArray nonce(16, Qt::Uninitialized);
        for (char &c : nonce)
            c = char(QRandomGenerator::global()->bounded(256));
        const QByteArray key = nonce.toBase64();
        QTcpSocket socket;
        QVERIFY(connectRaw(socket, m_port));
        socket.write(request("GET /echo HTTP/1.1",
                             replaced(standardHeaders, "Sec-WebSocket-Key", "Sec-WebSocket-Key: " + key)));
        const QByteArray head = readResponseHead(socket);
        QCOMPARE(statusCode(head), 101);
        QCOMPARE(headerValue(head, "Sec-WebSocket-Accept"), acceptFor(key));
    }
}

void tst_Conformance::handshakeVariants_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray get = "GET /echo HTTP/1.1";
    const auto &h = standardHeaders;

    // 4.2.1: what a server must accept.
    QTest::addRow("standard") << request(get, h) << 101;
    QTest::addRow("lower-case names")
        << request(get, {"host: 127.0.0.1", "upgrade: websocket", "connection: Upgrade",
                         "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version: 13"}) << 101;
    QTest::addRow("upper-case names and values")
        << request(get, {"HOST: 127.0.0.1", "UPGRADE: WEBSOCKET", "CONNECTION: UPGRADE",
                         "SEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==", "SEC-WEBSOCKET-VERSION: 13"}) << 101;
    QTest::addRow("Connection: keep-alive, Upgrade")
        << request(get, replaced(h, "Connection", "Connection: keep-alive, Upgrade")) << 101;
    QTest::addRow("no space after colon")
        << request(get, {"Host:127.0.0.1", "Upgrade:websocket", "Connection:Upgrade",
                         "Sec-WebSocket-Key:dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version:13"}) << 101;
    QTest::addRow("extra whitespace around values")
        << request(get, replaced(replaced(h, "Upgrade", "Upgrade: \t websocket  "), "Connection", "Connection:   Upgrade ")) << 101;
    QTest::addRow("unknown headers and Origin")
        << request(get, h + QList<QByteArray>{"Origin: http://example.com", "X-Whatever: 1",
                                              "User-Agent: conformance"}) << 101;
    QTest::addRow("headers in another order")
        << request(get, {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                         "Connection: Upgrade", "Upgrade: websocket", "Host: 127.0.0.1"}) << 101;
    QTest::addRow("query string") << request("GET /echo?a=1&b=%20 HTTP/1.1", h) << 101;

    // 4.2.1/4.2.2: what a server must refuse (400 unless noted).
    QTest::addRow("missing key") << request(get, replaced(h, "Sec-WebSocket-Key", {})) << 400;
    QTest::addRow("empty key") << request(get, replaced(h, "Sec-WebSocket-Key", "Sec-WebSocket-Key:")) << 400;
    QTest::addRow("key not 16 bytes")
        << request(get, replaced(h, "Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==AAAA")) << 400;
    QTest::addRow("key not base64")
        << request(get, replaced(h, "Sec-WebSocket-Key", "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==")) << 400;
    // 4.4: a version the server does not speak gets 426 and the versions it does.
    QTest::addRow("version 8") << request(get, replaced(h, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 8")) << 426;
    QTest::addRow("version 14") << request(get, replaced(h, "Sec-WebSocket-Version", "Sec-WebSocket-Version: 14")) << 426;
    QTest::addRow("missing version") << request(get, replaced(h, "Sec-WebSocket-Version", {})) << 426;
    // Not GET: 405 Method Not Allowed with "Allow: GET" (methods are case-sensitive).
    QTest::addRow("POST") << request("POST /echo HTTP/1.1", h) << 405;
    QTest::addRow("PUT") << request("PUT /echo HTTP/1.1", h) << 405;
    QTest::addRow("lower-case get") << request("get /echo HTTP/1.1", h) << 405;
    QTest::addRow("HTTP/1.0") << request("GET /echo HTTP/1.0", h) << 400;
    QTest::addRow("missing Host") << request(get, replaced(h, "Host", {})) << 400;
    QTest::addRow("missing Upgrade") << request(get, replaced(h, "Upgrade", {})) << 400;
    QTest::addRow("Upgrade: h2c") << request(get, replaced(h, "Upgrade", "Upgrade: h2c")) << 400;
    QTest::addRow("missing Connection") << request(get, replaced(h, "Connection", {})) << 400;
    QTest::addRow("Connection: keep-alive only")
        << request(get, replaced(h, "Connection", "Connection: keep-alive")) << 400;
    QTest::addRow("absolute URI") << request("GET http://127.0.0.1/echo HTTP/1.1", h) << 400;
    QTest::addRow("unknown path") << request("GET /nothing-here HTTP/1.1", h) << 404;
}

void tst_Conformance::handshakeVariants()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, m_port));
    socket.write(request);
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), status);
    if (status == 426)
        QCOMPARE(headerValue(head, "Sec-WebSocket-Version"), QByteArray("13"));
    if (status != 101) {
        QVERIFY2(waitForDisconnect(socket), "a refused connection was kept open");
        return;
    }
    // The host and Qt both parse the head: an upgrade the host lets through must work.
    QCOMPARE(headerValue(head, "Sec-WebSocket-Accept"), acceptFor("dGhlIHNhbXBsZSBub25jZQ=="));
    socket.write(clientFrame(0x1, "after the handshake"));
    QByteArray buffer;
    int opcode = 0;
    QByteArray payload;
    readMessage(socket, buffer, &opcode, &payload);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(payload, QByteArray("after the handshake"));
}

void tst_Conformance::handshakeInTinyWrites()
{
    for (const int piece : {1, 3, 7}) {
        QTcpSocket socket;
        QVERIFY(connectRaw(socket, m_port));
        writeInPieces(socket, handshakeRequest(QStringLiteral("/echo")), piece);
        const QByteArray head = readResponseHead(socket);
        QCOMPARE(statusCode(head), 101);
        QCOMPARE(headerValue(head, "Sec-WebSocket-Accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        socket.write(clientFrame(0x1, "whole again"));
        QByteArray buffer;
        int opcode = 0;
        QByteArray payload;
        readMessage(socket, buffer, &opcode, &payload);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(payload, QByteArray("whole again"));
    }
}

void tst_Conformance::framesInTinyWrites()
{
    // The head and three frames as one stream, cut into 1-byte writes: every
    // boundary (inside the head, across head/frame, inside headers, masks and
    // extended lengths) is crossed by a read.
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, m_port));
    const QByteArray stream = handshakeRequest(QStringLiteral("/echo")) + clientFrame(0x1, "one")
            + clientFrame(0x2, bytesOfLength(300, false)) + clientFrame(0x9, "p");
    writeInPieces(socket, stream, 1);
    QCOMPARE(statusCode(readResponseHead(socket)), 101);
    QByteArray buffer;
    int opcode = 0;
    QByteArray payload;
    readMessage(socket, buffer, &opcode, &payload);
    QCOMPARE(payload, QByteArray("one"));
    readMessage(socket, buffer, &opcode, &payload);
    QCOMPARE(opcode, 0x2);
    QCOMPARE(payload, bytesOfLength(300, false));
    auto pong = readServerFrame(socket, buffer);
    QVERIFY(pong);
    QCOMPARE(pong->frame.opcode, 0xA);
    QCOMPARE(pong->frame.payload, QByteArray("p"));
}

// ---- 5.2 Base framing ----------------------------------------------------------

void tst_Conformance::payloadLengths_data()
{
    QTest::addColumn<int>("opcode");
    QTest::addColumn<qsizetype>("length");
    // Each side of every boundary of the 7-bit, 16-bit and 64-bit length forms.
    for (const qsizetype n : {qsizetype(0), qsizetype(1), qsizetype(125), qsizetype(126), qsizetype(127),
                              qsizetype(65535), qsizetype(65536), qsizetype(65537), qsizetype(1024 * 1024 + 3),
                              qsizetype(5 * 1024 * 1024)}) {
        QTest::addRow("text %lld", qlonglong(n)) << 0x1 << n;
        QTest::addRow("binary %lld", qlonglong(n)) << 0x2 << n;
    }
}

void tst_Conformance::payloadLengths()
{
    QFETCH(int, opcode);
    QFETCH(qsizetype, length);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    const QByteArray sent = bytesOfLength(length, opcode == 0x1);
    const QByteArray frame = clientFrame(opcode, sent);
    // The header uses the form the RFC prescribes for this length.
    const int len7 = quint8(frame[1]) & 0x7f;
    QCOMPARE(len7, length <= 125 ? int(length) : length <= 0xffff ? 126 : 127);
    socket.write(frame);
    QByteArray buffer;
    int gotOpcode = 0;
    QByteArray got;
    readMessage(socket, buffer, &gotOpcode, &got, nullptr, 30000);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(gotOpcode, opcode);
    QCOMPARE(got.size(), sent.size());
    QVERIFY(got == sent);
}

void tst_Conformance::failsUnmaskedClientFrame_data()
{
    QTest::addColumn<int>("opcode");
    QTest::addRow("text") << 0x1;
    QTest::addRow("binary") << 0x2;
    QTest::addRow("ping") << 0x9;
}

void tst_Conformance::failsUnmaskedClientFrame()
{
    // 5.1: "The server MUST close the connection upon receiving a frame that is not
    // masked", and may send 1002 first.
    QFETCH(int, opcode);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(opcode, "not masked", true, false));
    // Qt 6.4 would accept it: the host's ClientFrameFilter refuses it (docs/conformance.md).
    QByteArray buffer;
    QString why;
    QVERIFY2(connectionFailed(socket, buffer, 1002, &why), qPrintable(why));
}

// ---- 5.4 Fragmentation, 5.5 Control frames -------------------------------------

void tst_Conformance::fragmentedMessages_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<int>("opcode");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QList<QByteArray>>("pongs");   // expected, in order, before the message

    QTest::addRow("text in three")
        << QList<QByteArray>{clientFrame(0x1, "Hel", false), clientFrame(0x0, "lo, ", false),
                             clientFrame(0x0, "world", true)}
        << 0x1 << QByteArray("Hello, world") << QList<QByteArray>{};
    QTest::addRow("binary in three")
        << QList<QByteArray>{clientFrame(0x2, QByteArray("\x00\x01", 2), false),
                             clientFrame(0x0, QByteArray("\xfe", 1), false), clientFrame(0x0, QByteArray("\xff", 1), true)}
        << 0x2 << QByteArray("\x00\x01\xfe\xff", 4) << QList<QByteArray>{};
    QTest::addRow("text with pings between")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrame(0x9, "p1"), clientFrame(0x0, "b", false),
                             clientFrame(0x9, "p2"), clientFrame(0xA, "unsolicited"), clientFrame(0x0, "c", true)}
        << 0x1 << QByteArray("abc") << QList<QByteArray>{"p1", "p2"};
    QTest::addRow("binary with ping before the last")
        << QList<QByteArray>{clientFrame(0x2, "x", false), clientFrame(0x9, QByteArray(125, 'P')),
                             clientFrame(0x0, "y", true)}
        << 0x2 << QByteArray("xy") << QList<QByteArray>{QByteArray(125, 'P')};
    QTest::addRow("empty fragments")
        << QList<QByteArray>{clientFrame(0x1, "", false), clientFrame(0x0, "", false), clientFrame(0x0, "z", false),
                             clientFrame(0x0, "", true)}
        << 0x1 << QByteArray("z") << QList<QByteArray>{};
    QTest::addRow("all fragments empty")
        << QList<QByteArray>{clientFrame(0x2, "", false), clientFrame(0x0, "", true)}
        << 0x2 << QByteArray() << QList<QByteArray>{};
    QList<QByteArray> many{clientFrame(0x1, "0", false)};
    QByteArray manyText("0");
    for (int i = 1; i < 200; ++i) {
        const QByteArray piece = QByteArray::number(i % 10);
        many << clientFrame(0x0, piece, i == 199);
        manyText += piece;
    }
    QTest::addRow("200 fragments") << many << 0x1 << manyText << QList<QByteArray>{};
    QTest::addRow("large fragments")
        << QList<QByteArray>{clientFrame(0x2, bytesOfLength(70000, false), false), clientFrame(0x9, "mid"),
                             clientFrame(0x0, bytesOfLength(70000, false), true)}
        << 0x2 << QByteArray(bytesOfLength(70000, false) + bytesOfLength(70000, false)) << QList<QByteArray>{"mid"};
}

void tst_Conformance::fragmentedMessages()
{
    QFETCH(QList<QByteArray>, frames);
    QFETCH(int, opcode);
    QFETCH(QByteArray, message);
    QFETCH(QList<QByteArray>, pongs);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    int gotOpcode = 0;
    QByteArray got;
    QList<Frame> controls;
    readMessage(socket, buffer, &gotOpcode, &got, &controls);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(gotOpcode, opcode);
    QCOMPARE(got, message);
    // 5.5.2/5.5.3: a pong for each ping, with its payload, and none for a pong.
    QCOMPARE(controls.size(), pongs.size());
    for (qsizetype i = 0; i < pongs.size(); ++i) {
        QCOMPARE(controls.at(i).opcode, 0xA);
        QCOMPARE(controls.at(i).payload, pongs.at(i));
    }
    // A second message on the same connection after the fragmented one.
    socket.write(clientFrame(0x1, "next"));
    readMessage(socket, buffer, &gotOpcode, &got);
    QCOMPARE(got, QByteArray("next"));
}

void tst_Conformance::pingPayloadsComeBackInPong_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addRow("empty") << QByteArray();
    QTest::addRow("one byte") << QByteArray("x");
    QTest::addRow("binary 125") << bytesOfLength(125, false);
    QTest::addRow("invalid UTF-8 is fine in a ping") << QByteArray("\xff\xfe", 2);
}

void tst_Conformance::pingPayloadsComeBackInPong()
{
    QFETCH(QByteArray, payload);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(0x9, payload));
    QByteArray buffer;
    auto pong = readServerFrame(socket, buffer);
    QVERIFY(pong);
    QCOMPARE(pong->frame.opcode, 0xA);
    QVERIFY(pong->frame.fin);
    QVERIFY(!pong->masked);
    QCOMPARE(pong->frame.payload, payload);
}

void tst_Conformance::ignoresUnsolicitedPong()
{
    // 5.5.3: an unsolicited pong serves as a heartbeat and expects no response.
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(0xA, "heartbeat"));
    socket.write(clientFrame(0x1, "after pong"));
    QByteArray buffer;
    int opcode = 0;
    QByteArray got;
    QList<Frame> controls;
    readMessage(socket, buffer, &opcode, &got, &controls);
    QCOMPARE(got, QByteArray("after pong"));
    QVERIFY2(controls.isEmpty(), "the server answered a pong");
}

// ---- Protocol errors ----------------------------------------------------------

void tst_Conformance::failsOnProtocolError_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<int>("code");

    // 5.2: RSV1-3 must be 0 unless an extension was negotiated (none is).
    QTest::addRow("rsv1 on text") << QList<QByteArray>{clientFrame(0x1, "x", true, true, 4)} << 1002;
    QTest::addRow("rsv2 on binary") << QList<QByteArray>{clientFrame(0x2, "x", true, true, 2)} << 1002;
    QTest::addRow("rsv3 on text") << QList<QByteArray>{clientFrame(0x1, "x", true, true, 1)} << 1002;
    QTest::addRow("rsv1 on ping") << QList<QByteArray>{clientFrame(0x9, "x", true, true, 4)} << 1002;
    QTest::addRow("rsv on continuation")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrame(0x0, "b", true, true, 7)} << 1002;
    // 5.2: reserved opcodes.
    for (const int op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF})
        QTest::addRow("opcode 0x%X", op) << QList<QByteArray>{clientFrame(op, "x")} << 1002;
    QTest::addRow("reserved opcode inside a fragmented message")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrame(0x3, "x"), clientFrame(0x0, "b", true)} << 1002;
    // 5.5: control frames carry at most 125 bytes and are never fragmented.
    QTest::addRow("ping of 126") << QList<QByteArray>{clientFrame(0x9, QByteArray(126, 'p'))} << 1002;
    QTest::addRow("pong of 126") << QList<QByteArray>{clientFrame(0xA, QByteArray(126, 'p'))} << 1002;
    QTest::addRow("close of 126") << QList<QByteArray>{clientFrame(0x8, closePayload(1000, QByteArray(124, 'r')))} << 1002;
    QTest::addRow("fragmented ping")
        << QList<QByteArray>{clientFrame(0x9, "a", false), clientFrame(0x0, "b", true)} << 1002;
    QTest::addRow("fragmented close")
        << QList<QByteArray>{clientFrame(0x8, closePayload(1000), false), clientFrame(0x0, "b", true)} << 1002;
    // Qt's own 1002 even though the (invalid) close frame carries 1002 too.
    QTest::addRow("fragmented close carrying 1002")
        << QList<QByteArray>{clientFrame(0x8, closePayload(1002), false), clientFrame(0x0, "b", true)} << 1002;
    // 5.2: "the minimal number of bytes MUST be used to encode the length", also in a
    // fragment the host would otherwise join into one frame.
    QTest::addRow("length not in its shortest form") << QList<QByteArray>{clientFrameWithLongLength(0x1, "ab")} << 1002;
    QTest::addRow("length not in its shortest form, in a fragment")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrameWithLongLength(0x0, "bc")} << 1002;
    // 5.4: a continuation needs a message to continue, and a message needs to end first.
    QTest::addRow("continuation without start") << QList<QByteArray>{clientFrame(0x0, "lost", true)} << 1002;
    QTest::addRow("unfinished continuation without start") << QList<QByteArray>{clientFrame(0x0, "lost", false)} << 1002;
    QTest::addRow("continuation after a finished message")
        << QList<QByteArray>{clientFrame(0x1, "done"), clientFrame(0x0, "more", true)} << 1002;
    QTest::addRow("text while a text message is open")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrame(0x1, "b", true)} << 1002;
    QTest::addRow("binary while a text message is open")
        << QList<QByteArray>{clientFrame(0x1, "a", false), clientFrame(0x2, "b", true)} << 1002;
    // Failed at once, though the text frame is the start of a message the host could join.
    QTest::addRow("text while a binary message is open, unfinished")
        << QList<QByteArray>{clientFrame(0x2, "a", false), clientFrame(0x1, "b", false)} << 1002;
}

void tst_Conformance::failsOnProtocolError()
{
    QFETCH(QList<QByteArray>, frames);
    QFETCH(int, code);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    // "continuation after a finished message" gets its first message echoed.
    const bool firstIsComplete = QByteArray(QTest::currentDataTag()) == "continuation after a finished message";
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    if (firstIsComplete) {
        int opcode = 0;
        QByteArray got;
        readMessage(socket, buffer, &opcode, &got);
        QCOMPARE(got, QByteArray("done"));
    }
    expectFailed(socket, buffer, code);
    if (QTest::currentTestFailed())
        return;
    expectRecordedClose(closed, code, CloseCause::Protocol);
}

// ---- 8.1 UTF-8 --------------------------------------------------------------------

void tst_Conformance::acceptsValidUtf8SplitAnywhere()
{
    // A valid message may split a code point across fragments; only the whole
    // message must be valid UTF-8 (5.6, 8.1). Every cut, on its own connection.
    const QByteArray text = QString::fromUtf8("κό € 𝄞 ok").toUtf8();
    QStringList refused;
    for (qsizetype cut = 1; cut < text.size(); ++cut) {
        QTcpSocket socket;
        upgrade(socket);
        if (QTest::currentTestFailed())
            return;
        socket.write(clientFrame(0x1, text.left(cut), false));
        socket.write(clientFrame(0x0, text.mid(cut), true));
        QByteArray buffer;
        auto reply = readServerFrame(socket, buffer);
        QVERIFY(reply);
        if (reply->frame.opcode == 0x8) {
            refused << QStringLiteral("%1 (close %2)").arg(cut).arg(closeCodeOf(reply->frame));
            continue;
        }
        QCOMPARE(reply->frame.opcode, 0x1);
        QCOMPARE(reply->frame.payload, text);
    }
    // Qt alone fails every cut inside a character; the host joins the fragments of a
    // text message before Qt reads them (docs/conformance.md, C2).
    QVERIFY2(refused.isEmpty(), qPrintable(QStringLiteral("valid UTF-8 refused when cut at byte ") + refused.join(QStringLiteral(", "))));
}

void tst_Conformance::failsOnInvalidUtf8_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    auto whole = [](const QByteArray &b) { return QList<QByteArray>{clientFrame(0x1, b)}; };
    QTest::addRow("0xff") << whole("\xff");
    QTest::addRow("lone continuation byte") << whole("ab\x80" "cd");
    QTest::addRow("overlong slash") << whole("\xc0\xaf");
    QTest::addRow("overlong 3-byte NUL") << whole("\xe0\x80\x80");
    QTest::addRow("UTF-16 surrogate") << whole("\xed\xa0\x80");
    QTest::addRow("above U+10FFFF") << whole("\xf4\x90\x80\x80");
    QTest::addRow("5-byte form") << whole("\xf8\x88\x80\x80\x80");
    QTest::addRow("truncated at the end") << whole("euro \xe2\x82");
    QTest::addRow("invalid in the middle of a long message")
        << whole(QByteArray(5000, 'a') + "\xc3\x28" + QByteArray(5000, 'b'));
    QTest::addRow("split: invalid second fragment")
        << QList<QByteArray>{clientFrame(0x1, "fine ", false), clientFrame(0x0, "\xff", true)};
    QTest::addRow("split: sequence cut and not completed")
        << QList<QByteArray>{clientFrame(0x1, "\xe2\x82", false), clientFrame(0x0, "x", true)};
    QTest::addRow("split: truncated final fragment")
        << QList<QByteArray>{clientFrame(0x1, "ok", false), clientFrame(0x0, "\xf0\x9d", true)};
    QTest::addRow("split: surrogate across fragments")
        << QList<QByteArray>{clientFrame(0x1, "\xed", false), clientFrame(0x0, "\xa0\x80", true)};
}

void tst_Conformance::failsOnInvalidUtf8()
{
    // 8.1: a text message that is not valid UTF-8 fails the connection with 1007.
    QFETCH(QList<QByteArray>, frames);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    expectFailed(socket, buffer, 1007);
    if (QTest::currentTestFailed())
        return;
    expectRecordedClose(closed, 1007, CloseCause::Protocol);
}

void tst_Conformance::failsOnInvalidUtf8BeforeTheMessageEnds_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addRow("in the first fragment")
        << QList<QByteArray>{clientFrame(0x1, "start \xff", false)};
    QTest::addRow("in a middle fragment")
        << QList<QByteArray>{clientFrame(0x1, "start ", false), clientFrame(0x0, "\xc0\xaf", false)};
    QTest::addRow("at the start of a long unfinished frame")
        << QList<QByteArray>{clientFrame(0x1, QByteArray("\xf5") + QByteArray(100000, 'a')).left(1000)};
}

// 8.1 ("fail the connection" when invalid UTF-8 is received) and Autobahn 6.4.1-6.4.4
// ("fail fast"): the connection fails while the message is still unfinished, not once
// it ends. Nothing more is sent after the bad bytes.
void tst_Conformance::failsOnInvalidUtf8BeforeTheMessageEnds()
{
    QFETCH(QList<QByteArray>, frames);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    expectFailed(socket, buffer, 1007);
    if (QTest::currentTestFailed())
        return;
    expectRecordedClose(closed, 1007, CloseCause::Protocol);
}

void tst_Conformance::keepsTheByteOrderMark_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<QByteArray>("text");
    const QByteArray bom("\xef\xbb\xbf");
    QTest::addRow("at the start") << QList<QByteArray>{clientFrame(0x1, bom + "hello")} << bom + "hello";
    QTest::addRow("alone") << QList<QByteArray>{clientFrame(0x1, bom)} << bom;
    QTest::addRow("twice") << QList<QByteArray>{clientFrame(0x1, bom + bom + "x")} << bom + bom + "x";
    QTest::addRow("in the middle") << QList<QByteArray>{clientFrame(0x1, "a" + bom + "b")} << "a" + bom + "b";
    QTest::addRow("starting the first fragment")
        << QList<QByteArray>{clientFrame(0x1, bom + "ab", false), clientFrame(0x0, "cd")} << bom + "abcd";
    QTest::addRow("starting a later fragment")
        << QList<QByteArray>{clientFrame(0x1, "ab", false), clientFrame(0x0, bom + "cd")} << "ab" + bom + "cd";
    QTest::addRow("at the start of a 70,000-byte message")
        << QList<QByteArray>{clientFrame(0x1, bom + QByteArray(70000, 'z'))} << bom + QByteArray(70000, 'z');
}

// U+FEFF is a character like any other in a WebSocket text message (RFC 6455 5.6 has no
// BOM rule): echoed unchanged wherever it is. Qt's decoder alone drops a leading one.
void tst_Conformance::keepsTheByteOrderMark()
{
    QFETCH(QList<QByteArray>, frames);
    QFETCH(QByteArray, text);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    for (const QByteArray &f : frames)
        socket.write(f);
    QByteArray buffer;
    int opcode = -1;
    QByteArray payload;
    readMessage(socket, buffer, &opcode, &payload, nullptr, 5000);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(opcode, 0x1);
    QCOMPARE(payload.size(), text.size());
    QVERIFY(payload == text);
    socket.write(clientFrame(0x8, closePayload(1000)));
    QVERIFY(waitForDisconnect(socket));
}

// ---- 5.5.1, 7 Closing handshake ------------------------------------------------------

void tst_Conformance::echoesValidCloseCodes_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("echoedCode");     // -1: an empty close comes back
    QTest::addColumn<int>("recordedCode");
    QTest::addColumn<QString>("recordedReason");

    // 7.4.1 defined codes a peer may send, and the 3000-4999 ranges (7.4.2).
    for (const int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
        QTest::addRow("code %d", code) << closePayload(quint16(code), "bye") << code << code
                                       << QStringLiteral("bye");
    }
    QTest::addRow("no reason") << closePayload(1000) << 1000 << 1000 << QString();
    QTest::addRow("123-byte reason") << closePayload(4001, QByteArray(123, 'r')) << 4001 << 4001
                                     << QString(123, QLatin1Char('r'));
    QTest::addRow("UTF-8 reason") << closePayload(1000, QString::fromUtf8("tschüß 👋").toUtf8()) << 1000 << 1000
                                  << QString::fromUtf8("tschüß 👋");
    // 5.5.1: a close frame may have no body; 7.1.5 then says "1005 No Status Rcvd".
    QTest::addRow("empty") << QByteArray() << -1 << 1005 << QString();
}

void tst_Conformance::echoesValidCloseCodes()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, echoedCode);
    QFETCH(int, recordedCode);
    QFETCH(QString, recordedReason);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(0x8, payload));
    QByteArray buffer;
    auto reply = readServerFrame(socket, buffer);
    QVERIFY2(reply, "no close frame in reply");
    QCOMPARE(reply->frame.opcode, 0x8);
    // 5.5.1: "it typically echos the status code it received".
    if (echoedCode == -1) {
        QVERIFY2(reply->frame.payload.isEmpty(), reply->frame.payload.toHex().constData());
    } else {
        QCOMPARE(closeCodeOf(reply->frame), echoedCode);
    }
    // 7.1.1: after the closing handshake the server closes TCP first.
    QVERIFY2(waitForDisconnect(socket, CloseTcpWithinMs), "the server kept TCP open after the closing handshake");
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    // Qt reports an empty close as 1000 and a peer's 1002/1007/1009 like its own
    // failures: the host's frame filter saw the peer's close frame (docs/conformance.md, C3).
    QCOMPARE(int(snap.closeCode), recordedCode);
    QCOMPARE(snap.closeReason, recordedReason);
    QCOMPARE(closeCauseName(snap.closeCause), closeCauseName(CloseCause::Client));
}

void tst_Conformance::failsOnInvalidClosePayload_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("code");
    // 5.5.1: a body, if present, starts with a 2-byte code.
    QTest::addRow("one byte") << QByteArray("\x03", 1) << 1002;
    // 7.4.1/7.4.2: codes nobody may send.
    for (const int c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
        QTest::addRow("code %d", c) << closePayload(quint16(c)) << 1002;
    // 5.5.1: the reason is UTF-8.
    QTest::addRow("invalid UTF-8 reason") << closePayload(1000, "\xff\xfe") << 1007;
    QTest::addRow("truncated UTF-8 reason") << closePayload(1000, "ok \xe2\x82") << 1007;
}

void tst_Conformance::failsOnInvalidClosePayload()
{
    QFETCH(QByteArray, payload);
    QFETCH(int, code);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(0x8, payload));
    QByteArray buffer;
    expectFailed(socket, buffer, code);
    if (QTest::currentTestFailed())
        return;
    expectRecordedClose(closed, code, CloseCause::Protocol);
}

void tst_Conformance::ignoresDataAfterClose()
{
    // 5.5.1: after a close frame the peer sends nothing more; anything that still
    // comes is not delivered.
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    socket.write(clientFrame(0x8, closePayload(1000)) + clientFrame(0x1, "too late") + clientFrame(0x9, "late ping"));
    QByteArray buffer;
    auto reply = readServerFrame(socket, buffer);
    QVERIFY(reply);
    QCOMPARE(reply->frame.opcode, 0x8);
    QVERIFY(waitForDisconnect(socket, CloseTcpWithinMs, &buffer));
    QVERIFY2(!takeFrame(buffer), "the server sent a frame after its close frame");
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().in.messages, quint64(0));
}

void tst_Conformance::serverCloseStartsTheClosingHandshake()
{
    // 7.1.2: the server sends its close, the client answers; the server then closes TCP.
    QSignalSpy opened(m_host.get(), &HostServer::sessionOpened);
    QSignalSpy closed(m_host.get(), &HostServer::sessionClosed);
    QTcpSocket socket;
    upgrade(socket);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE(opened.size(), 1);
    const SessionId id = opened.first().first().value<SessionSnapshot>().id;
    QVERIFY(m_host->closeSession(id, 4100, QStringLiteral("server says bye")));
    QByteArray buffer;
    auto close = readServerFrame(socket, buffer);
    QVERIFY(close);
    QCOMPARE(close->frame.opcode, 0x8);
    QCOMPARE(closeCodeOf(close->frame), 4100);
    QCOMPARE(close->frame.payload.mid(2), QByteArray("server says bye"));
    // Frames after our close are still allowed from the client until it answers.
    socket.write(clientFrame(0x8, closePayload(4100)));
    QVERIFY(waitForDisconnect(socket, CloseTcpWithinMs));
    expectRecordedClose(closed, 4100, CloseCause::Server);
}

QTEST_GUILESS_MAIN(tst_Conformance)
#include "tst_conformance.moc"
