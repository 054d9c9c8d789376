// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The host's reader of the client's frames: data messages out as bytes, control frames
// (unmasked) for QWebSocket. End to end (a real host, real and raw clients) it is
// covered by conformance, hostile and utf8text; here, every way a stream can be cut
// into pieces, and every way a frame can fail the connection.

#include "clientframefilter_p.h"

#include "testsupport.h"

#include <QTest>

using namespace WsPlug::Internal;
using namespace WsPlug::Test;

namespace {

//! The same frame as a client would send it, but unmasked: what QWebSocket must see.
QByteArray plainFrame(int opcode, const QByteArray &payload, bool fin = true)
{
    return clientFrame(opcode, payload, fin, false);
}

QByteArray payloadOf(int length, int seed)
{
    QByteArray p(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        p[i] = char(i * 131 + seed);
    return p;
}

//! Text that is valid UTF-8 (ASCII letters), for text frames.
QByteArray textOf(int length, int seed)
{
    QByteArray p(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        p[i] = char('a' + (i * 131 + seed) % 26);
    return p;
}

//! What came out of a filter.
struct Read
{
    QByteArray control;
    QList<ClientFrameFilter::DataMessage> messages;
    bool ok = true;
};

//! Feeds \a stream in pieces of \a piece bytes, until the filter fails.
Read feedInPieces(ClientFrameFilter &filter, const QByteArray &stream, qsizetype piece, Read r = {})
{
    for (qsizetype at = 0; r.ok && at < stream.size(); at += piece)
        r.ok = filter.feed(stream.constData() + at, qMin<qsizetype>(piece, stream.size() - at), &r.control, &r.messages);
    return r;
}

QByteArray text(const QByteArray &payload)
{
    return "[T:" + payload + "]";
}

QByteArray binary(const QByteArray &payload)
{
    return "[B:" + payload + "]";
}

//! The control frames and the messages in the order of the stream, messages as
//! text() and binary() write them.
QByteArray inOrder(const Read &r)
{
    QByteArray out;
    qsizetype at = 0;
    for (const ClientFrameFilter::DataMessage &m : r.messages) {
        out += r.control.mid(at, m.controlEnd - at);
        at = m.controlEnd;
        out += m.text ? text(m.payload) : binary(m.payload);
    }
    return out + r.control.mid(at);
}

} // namespace

class tst_ClientFrameFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unmasksEveryLengthEncoding_data();
    void unmasksEveryLengthEncoding();
    void anySplitOfTheStreamGivesTheSameResult();
    void refusesAnUnmaskedFrameAndKeepsWhatCameBefore();
    void refusesAnUnmaskedFrameAfterPartOfAStream();
    void notesTheCodeOfTheFirstCloseFrame_data();
    void notesTheCodeOfTheFirstCloseFrame();
    void joinsTheFragmentsOfAMessage_data();
    void joinsTheFragmentsOfAMessage();
    void failsProtocolErrors_data();
    void failsProtocolErrors();
    void failsInvalidUtf8AsSoonAsItArrives_data();
    void failsInvalidUtf8AsSoonAsItArrives();
    void keepsALeadingByteOrderMark();
};

void tst_ClientFrameFilter::unmasksEveryLengthEncoding_data()
{
    QTest::addColumn<int>("length");
    for (int len : {0, 1, 3, 7, 8, 9, 125, 126, 127, 4093, 65535, 65536, 200003})
        QTest::addRow("%d", len) << len;
}

void tst_ClientFrameFilter::unmasksEveryLengthEncoding()
{
    QFETCH(int, length);
    const QByteArray payload = payloadOf(length, length);
    ClientFrameFilter fresh;
    const Read r = feedInPieces(fresh, clientFrame(0x2, payload) + clientFrame(0x9, payload.left(125)), 1 << 20);
    QVERIFY(r.ok);
    QCOMPARE(r.messages.size(), 1);
    QVERIFY(!r.messages.first().text);
    QVERIFY(r.messages.first().payload == payload);
    QCOMPARE(r.messages.first().controlEnd, 0);
    QVERIFY(r.control == plainFrame(0x9, payload.left(125)));
    QVERIFY(!fresh.failed());
}

void tst_ClientFrameFilter::anySplitOfTheStreamGivesTheSameResult()
{
    // Headers, keys and payloads cut at every point, in pieces of 1..17 bytes and at
    // every single offset: the key's phase must carry over from piece to piece, and
    // each message keep its place among the control frames.
    QByteArray stream;
    const QByteArray kappa = QString::fromUtf8("κό € 𝄞 ok").toUtf8();
    stream += clientFrame(0x1, "Hel", false) + clientFrame(0x9, "ping") + clientFrame(0x0, "lo")
            + clientFrame(0x2, payloadOf(300, 1)) + clientFrame(0x2, {}) + clientFrame(0x1, textOf(70000, 2))
            + clientFrame(0x1, kappa.left(5), false) + clientFrame(0x0, kappa.mid(5))
            + clientFrame(0x8, QByteArray("\x03\xe8", 2));
    const QByteArray expected = plainFrame(0x9, "ping") + text("Hello") + binary(payloadOf(300, 1)) + binary({})
            + text(textOf(70000, 2)) + text(kappa) + plainFrame(0x8, QByteArray("\x03\xe8", 2));
    for (int piece = 1; piece <= 17; ++piece) {
        ClientFrameFilter filter;
        const Read r = feedInPieces(filter, stream, piece);
        QVERIFY(r.ok);
        QVERIFY2(inOrder(r) == expected, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
    }
    for (qsizetype cut = 0; cut <= stream.size(); cut += (cut < 400 ? 1 : 997)) {
        ClientFrameFilter filter;
        Read r = feedInPieces(filter, stream.left(cut), 1 << 20);
        r = feedInPieces(filter, stream.mid(cut), 1 << 20, r);
        QVERIFY(r.ok);
        QVERIFY2(inOrder(r) == expected, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
}

void tst_ClientFrameFilter::refusesAnUnmaskedFrameAndKeepsWhatCameBefore()
{
    const QByteArray stream = clientFrame(0x1, "first") + clientFrame(0x9, "p") + plainFrame(0x1, "not masked")
            + clientFrame(0x1, "after");
    ClientFrameFilter filter;
    Read r = feedInPieces(filter, stream, 1 << 20);
    QVERIFY(!r.ok);
    QVERIFY(filter.failed());
    QCOMPARE(filter.errorCode(), 1002);
    QVERIFY(filter.error().contains(QLatin1String("masked")));
    QVERIFY(inOrder(r) == text("first") + plainFrame(0x9, "p"));
    // Nothing more is taken.
    r.ok = true;
    r = feedInPieces(filter, clientFrame(0x1, "more"), 1 << 20, r);
    QVERIFY(!r.ok);
    QVERIFY(inOrder(r) == text("first") + plainFrame(0x9, "p"));
}

void tst_ClientFrameFilter::refusesAnUnmaskedFrameAfterPartOfAStream()
{
    // The second header byte (the one with the mask bit) in a piece of its own.
    const QByteArray stream = clientFrame(0x2, payloadOf(10, 3)) + plainFrame(0x9, "p");
    ClientFrameFilter filter;
    const qsizetype second = stream.size() - 3 + 1;
    Read r = feedInPieces(filter, stream.left(second), 1 << 20);
    QVERIFY(r.ok);
    r = feedInPieces(filter, stream.mid(second, 1), 1, r);
    QVERIFY(!r.ok);
    QVERIFY(inOrder(r) == binary(payloadOf(10, 3)));
}

void tst_ClientFrameFilter::notesTheCodeOfTheFirstCloseFrame_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<int>("code");
    const QByteArray data = clientFrame(0x1, "hi") + clientFrame(0x9, "ping");
    QTest::addRow("none") << data << ClientFrameFilter::NoClose;
    QTest::addRow("empty") << data + clientFrame(0x8, {}) << 1005;
    QTest::addRow("1000") << data + clientFrame(0x8, closePayload(1000)) << 1000;
    QTest::addRow("4001 with a reason") << data + clientFrame(0x8, closePayload(4001, "bye")) << 4001;
    QTest::addRow("1002 from the peer") << clientFrame(0x8, closePayload(1002)) << 1002;
    QTest::addRow("one byte") << clientFrame(0x8, QByteArray(1, '\x03')) << 0;
    QTest::addRow("the first of two") << clientFrame(0x8, {}) + clientFrame(0x8, closePayload(1001)) << 1005;
    QTest::addRow("a close code in a text frame") << clientFrame(0x1, QByteArray(" A")) << ClientFrameFilter::NoClose;
}

void tst_ClientFrameFilter::notesTheCodeOfTheFirstCloseFrame()
{
    QFETCH(QByteArray, stream);
    QFETCH(int, code);
    // Byte by byte, so that the code's two bytes come in separate pieces.
    ClientFrameFilter filter;
    QVERIFY(feedInPieces(filter, stream, 1).ok);
    QCOMPARE(filter.peerCloseCode(), code);
    ClientFrameFilter whole;
    QVERIFY(feedInPieces(whole, stream, 1 << 20).ok);
    QCOMPARE(whole.peerCloseCode(), code);
}

void tst_ClientFrameFilter::joinsTheFragmentsOfAMessage_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArray>("expected");   // inOrder()
    QTest::addColumn<int>("dataFrames");

    QTest::addRow("three fragments, pings between")
        << clientFrame(0x1, "Hel", false) + clientFrame(0x9, "p1") + clientFrame(0x0, "lo, ", false)
               + clientFrame(0xA, "p2") + clientFrame(0x0, "world")
        << plainFrame(0x9, "p1") + plainFrame(0xA, "p2") + text("Hello, world") << 3;
    const QByteArray clef = QString::fromUtf8("a𝄞b").toUtf8();   // a 4-byte character
    QTest::addRow("a 4-byte character split over three fragments")
        << clientFrame(0x1, clef.left(2), false) + clientFrame(0x0, clef.mid(2, 2), false) + clientFrame(0x0, clef.mid(4))
        << text(clef) << 3;
    QTest::addRow("empty fragments")
        << clientFrame(0x1, {}, false) + clientFrame(0x0, "x", false) + clientFrame(0x0, {}) << text("x") << 3;
    QTest::addRow("joined beyond 125 and 65535 bytes")
        << clientFrame(0x1, QByteArray(100, 'a'), false) + clientFrame(0x0, QByteArray(70000, 'b'))
        << text(QByteArray(100, 'a') + QByteArray(70000, 'b')) << 2;
    QTest::addRow("binary fragments")
        << clientFrame(0x2, "ab", false) + clientFrame(0x9, {}) + clientFrame(0x0, "\xff\xfe")
        << plainFrame(0x9, {}) + binary("ab\xff\xfe") << 2;
    QTest::addRow("a text message after a binary one")
        << clientFrame(0x2, "ab", false) + clientFrame(0x0, "cd") + clientFrame(0x1, "ef", false) + clientFrame(0x0, "gh")
        << binary("abcd") + text("efgh") << 4;
}

void tst_ClientFrameFilter::joinsTheFragmentsOfAMessage()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArray, expected);
    QFETCH(int, dataFrames);
    for (int piece : {1, 3, 1 << 20}) {
        ClientFrameFilter filter;
        const Read r = feedInPieces(filter, stream, piece);
        QVERIFY(r.ok);
        QVERIFY2(inOrder(r) == expected, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
        const auto received = filter.takeDataReceived();
        QCOMPARE(received.frames, quint64(dataFrames));
        QCOMPARE(filter.takeDataReceived().frames, 0u);
        // Payload bytes of the data frames as they came, control frames' not included.
        quint64 dataBytes = 0;
        for (QByteArray rest = stream; !rest.isEmpty();) {
            const auto frame = takeFrame(rest);
            QVERIFY(frame);
            if (frame->opcode <= 0x2)
                dataBytes += quint64(frame->payload.size());
        }
        QCOMPARE(received.bytes, dataBytes);
    }
}

void tst_ClientFrameFilter::failsProtocolErrors_data()
{
    QTest::addColumn<QByteArray>("good");   // what goes through first
    QTest::addColumn<QByteArray>("bad");    // the frame that fails
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("why");       // in error()

    const QByteArray ok = clientFrame(0x1, "fine") + clientFrame(0x9, "p");
    QTest::addRow("an RSV bit") << ok << clientFrame(0x1, "x", true, true, 4) << 1002 << "RSV";
    QTest::addRow("an RSV bit on a fragment") << ok + clientFrame(0x2, "a", false)
                                              << clientFrame(0x0, "x", true, true, 2) << 1002 << "RSV";
    QTest::addRow("a reserved opcode") << ok << clientFrame(0x3, "x") << 1002 << "reserved opcode";
    QTest::addRow("a continuation with no message open") << ok << clientFrame(0x0, "x") << 1002 << "continuation";
    QTest::addRow("a text frame inside a binary message") << ok + clientFrame(0x2, "a", false)
                                                          << clientFrame(0x1, "x") << 1002 << "inside";
    QTest::addRow("a binary frame inside a text message") << ok + clientFrame(0x1, "a", false)
                                                          << clientFrame(0x2, "x") << 1002 << "inside";
    QTest::addRow("a length not in its shortest form") << ok << clientFrameWithLongLength(0x2, "x") << 1002 << "shortest";
    QTest::addRow("a frame over the frame limit") << ok << clientFrame(0x2, QByteArray(101, 'x')) << 1009 << "frame";
    QTest::addRow("a message over the message limit") << ok + clientFrame(0x1, QByteArray(80, 'x'), false)
                                                      << clientFrame(0x0, QByteArray(80, 'x')) << 1009 << "message";
    // Control frames (RFC 6455 5.5), a close frame as much as a ping: not the peer's close then.
    QTest::addRow("a fragmented ping") << ok << clientFrame(0x9, "p", false) << 1002 << "fragmented";
    QTest::addRow("a fragmented close") << ok << clientFrame(0x8, closePayload(1000), false) << 1002 << "fragmented";
    QTest::addRow("a close with an RSV bit") << ok << clientFrame(0x8, closePayload(1000), true, true, 2) << 1002 << "RSV";
    QTest::addRow("a close of 126 bytes") << ok << clientFrame(0x8, closePayload(1000, QByteArray(124, 'r')))
                                          << 1002 << "125";
    QTest::addRow("a reserved control opcode") << ok << clientFrame(0xB, "x") << 1002 << "reserved opcode";
}

// Each fails the connection at its header, before its payload is stored; what came
// before it was handed over, nothing of it or after it is.
void tst_ClientFrameFilter::failsProtocolErrors()
{
    QFETCH(QByteArray, good);
    QFETCH(QByteArray, bad);
    QFETCH(int, code);
    QFETCH(QString, why);
    ClientFrameFilter reference(100, 150);
    const Read before = feedInPieces(reference, good, 1 << 20);
    QVERIFY(before.ok);
    for (int piece : {1, 5, 1 << 20}) {
        ClientFrameFilter filter(100, 150);
        const Read r = feedInPieces(filter, good + bad + clientFrame(0x1, "after"), piece);
        QVERIFY(!r.ok);
        QCOMPARE(filter.errorCode(), code);
        QVERIFY2(filter.error().contains(why), qPrintable(filter.error()));
        QVERIFY(inOrder(r) == inOrder(before));
        QCOMPARE(filter.peerCloseCode(), ClientFrameFilter::NoClose);
    }
}

void tst_ClientFrameFilter::failsInvalidUtf8AsSoonAsItArrives_data()
{
    QTest::addColumn<QByteArray>("good");      // frames that go through first
    QTest::addColumn<QByteArray>("bad");       // the frame (or its start) that fails

    const QByteArray ok = clientFrame(0x1, "fine");
    QTest::addRow("a whole text frame") << ok << clientFrame(0x1, "bad \xff byte");
    QTest::addRow("the first fragment, before the message ends") << ok << clientFrame(0x1, "bad \xc0\xaf", false);
    QTest::addRow("a middle fragment") << ok + clientFrame(0x1, "ok ", false) << clientFrame(0x0, "\xed\xa0\x80", false);
    QTest::addRow("the start of a long frame") << ok
        << clientFrame(0x1, QByteArray("\xf5") + QByteArray(70000, 'a')).left(200);
    QTest::addRow("a message that ends inside a character") << ok + clientFrame(0x1, "caf\xc3", false) << clientFrame(0x0, {});
    QTest::addRow("an unfragmented one ending inside a character") << ok << clientFrame(0x1, "\xe2\x82");
}

// RFC 6455 8.1: invalid UTF-8 fails the connection at once (1007), not once the
// message ends; the messages before it are handed over, nothing of the bad one is.
void tst_ClientFrameFilter::failsInvalidUtf8AsSoonAsItArrives()
{
    QFETCH(QByteArray, good);
    QFETCH(QByteArray, bad);
    for (int piece : {1, 7, 4096}) {
        ClientFrameFilter filter;
        Read r = feedInPieces(filter, good, 1 << 20);
        QVERIFY(r.ok);
        const QByteArray before = inOrder(r);
        r = feedInPieces(filter, bad, piece, r);
        QVERIFY2(!r.ok, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
        QVERIFY(filter.failed());
        QCOMPARE(filter.errorCode(), 1007);
        QVERIFY(filter.error().contains(QLatin1String("UTF-8")));
        QVERIFY(inOrder(r) == before);
        r.ok = true;
        QVERIFY(!feedInPieces(filter, clientFrame(0x1, "after"), 1 << 20, r).ok);
    }
}

// Text is handed over as the bytes that came: a BOM at the start stays (Qt's decoder
// would drop it).
void tst_ClientFrameFilter::keepsALeadingByteOrderMark()
{
    const QByteArray bom("\xef\xbb\xbf");
    const QByteArray stream = clientFrame(0x1, bom + "hi") + clientFrame(0x1, bom.left(1), false)
            + clientFrame(0x0, bom.mid(1) + "x") + clientFrame(0x1, bom);
    for (int piece : {1, 2, 5, 4096}) {
        ClientFrameFilter filter;
        const Read r = feedInPieces(filter, stream, piece);
        QVERIFY(r.ok);
        QVERIFY(inOrder(r) == text(bom + "hi") + text(bom + "x") + text(bom));
    }
}

QTEST_GUILESS_MAIN(tst_ClientFrameFilter)
#include "tst_clientframefilter.moc"
