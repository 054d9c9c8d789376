// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The stream filter that takes the mask off client frames before QWebSocket reads them.
// End to end (a real host, real and raw clients) it is covered by conformance and
// hostile; here, every way a stream can be cut into pieces.

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

} // namespace

class tst_ClientFrameFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void unmasksEveryLengthEncoding_data();
    void unmasksEveryLengthEncoding();
    void anySplitOfTheStreamGivesTheSameFrames();
    void refusesAnUnmaskedFrameAndKeepsTheOnesBefore();
    void refusesAnUnmaskedFrameAfterPartOfAStream();
    void notesTheCodeOfTheFirstCloseFrame_data();
    void notesTheCodeOfTheFirstCloseFrame();
    void joinsTheFragmentsOfATextMessage_data();
    void joinsTheFragmentsOfATextMessage();
    void joinedStreamsDoNotDependOnHowTheyAreCut();
    void failsInvalidUtf8AsSoonAsItArrives_data();
    void failsInvalidUtf8AsSoonAsItArrives();
    void leavesToQtTheTextOfFramesItRefuses_data();
    void leavesToQtTheTextOfFramesItRefuses();
    void keepsALeadingByteOrderMark_data();
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
    QByteArray plain;
    const QByteArray frame = clientFrame(0x2, payload);
    QVERIFY(fresh.feed(frame.constData(), frame.size(), &plain));
    QCOMPARE(plain.size(), frame.size() - 4);
    QVERIFY(plain == plainFrame(0x2, payload));
    QVERIFY(!fresh.failed());
}

void tst_ClientFrameFilter::anySplitOfTheStreamGivesTheSameFrames()
{
    // Headers, keys and payloads cut at every point, in pieces of 1..17 bytes and at
    // every single offset: the key's phase must carry over from piece to piece.
    QByteArray stream;
    QByteArray expected;
    const QList<std::pair<int, QByteArray>> frames = {
        {0x1, "Hel"}, {0x9, "ping"}, {0x0, "lo"}, {0x2, payloadOf(300, 1)}, {0x2, {}},
        {0x1, textOf(70000, 2)}, {0x8, QByteArray("\x03\xe8", 2)},
    };
    for (const auto &f : frames) {
        stream += clientFrame(f.first, f.second);
        expected += plainFrame(f.first, f.second);
    }
    for (int piece = 1; piece <= 17; ++piece) {
        ClientFrameFilter filter;
        QByteArray out;
        for (qsizetype at = 0; at < stream.size(); at += piece)
            QVERIFY(filter.feed(stream.constData() + at, qMin<qsizetype>(piece, stream.size() - at), &out));
        QVERIFY2(out == expected, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
    }
    for (qsizetype cut = 0; cut <= stream.size(); cut += (cut < 400 ? 1 : 997)) {
        ClientFrameFilter filter;
        QByteArray out;
        QVERIFY(filter.feed(stream.constData(), cut, &out));
        QVERIFY(filter.feed(stream.constData() + cut, stream.size() - cut, &out));
        QVERIFY2(out == expected, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
}

void tst_ClientFrameFilter::refusesAnUnmaskedFrameAndKeepsTheOnesBefore()
{
    const QByteArray stream = clientFrame(0x1, "first") + plainFrame(0x1, "not masked") + clientFrame(0x1, "after");
    ClientFrameFilter filter;
    QByteArray out;
    QVERIFY(!filter.feed(stream.constData(), stream.size(), &out));
    QVERIFY(filter.failed());
    QVERIFY(filter.error().contains(QLatin1String("masked")));
    QVERIFY(out == plainFrame(0x1, "first"));
    // Nothing more is taken.
    const QByteArray more = clientFrame(0x1, "more");
    QVERIFY(!filter.feed(more.constData(), more.size(), &out));
    QVERIFY(out == plainFrame(0x1, "first"));
}

void tst_ClientFrameFilter::refusesAnUnmaskedFrameAfterPartOfAStream()
{
    // The second header byte (the one with the mask bit) in a piece of its own.
    const QByteArray stream = clientFrame(0x2, payloadOf(10, 3)) + plainFrame(0x9, "p");
    ClientFrameFilter filter;
    QByteArray out;
    const qsizetype second = stream.size() - 3 + 1;
    QVERIFY(filter.feed(stream.constData(), second, &out));
    QVERIFY(!filter.feed(stream.constData() + second, 1, &out));
    QVERIFY(out == plainFrame(0x2, payloadOf(10, 3)));
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
    // Close frames Qt refuses (1002) are not the peer's close: Qt's code stands.
    QTest::addRow("a fragmented close") << clientFrame(0x8, closePayload(1002), false) << ClientFrameFilter::NoClose;
    QTest::addRow("a close with an RSV bit") << clientFrame(0x8, closePayload(1002), true, true, 2) << ClientFrameFilter::NoClose;
    QTest::addRow("a close of 126 bytes") << clientFrame(0x8, closePayload(1002, QByteArray(124, 'r'))) << ClientFrameFilter::NoClose;
}

void tst_ClientFrameFilter::notesTheCodeOfTheFirstCloseFrame()
{
    QFETCH(QByteArray, stream);
    QFETCH(int, code);
    // Byte by byte, so that the code's two bytes come in separate pieces.
    ClientFrameFilter filter;
    QByteArray out;
    for (char c : stream)
        QVERIFY(filter.feed(&c, 1, &out));
    QCOMPARE(filter.peerCloseCode(), code);
    ClientFrameFilter whole;
    QVERIFY(whole.feed(stream.constData(), stream.size(), &out));
    QCOMPARE(whole.peerCloseCode(), code);
}

void tst_ClientFrameFilter::joinsTheFragmentsOfATextMessage_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<qint64>("maxJoined");
    QTest::addColumn<QByteArray>("expected");   // what QWebSocket must read
    QTest::addColumn<int>("dataFrames");

    const qint64 big = 1 << 20;
    QTest::addRow("three fragments, pings between")
        << clientFrame(0x1, "Hel", false) + clientFrame(0x9, "p1") + clientFrame(0x0, "lo, ", false)
               + clientFrame(0xA, "p2") + clientFrame(0x0, "world")
        << big << plainFrame(0x9, "p1") + plainFrame(0xA, "p2") + plainFrame(0x1, "Hello, world") << 3;
    // Qt checks UTF-8 per fragment: a character split between fragments must reach it whole.
    const QByteArray kappa = QString::fromUtf8("κό € 𝄞 ok").toUtf8();
    QTest::addRow("a character split between fragments")
        << clientFrame(0x1, kappa.left(1), false) + clientFrame(0x0, kappa.mid(1, 10), false) + clientFrame(0x0, kappa.mid(11))
        << big << plainFrame(0x1, kappa) << 3;
    QTest::addRow("empty fragments")
        << clientFrame(0x1, {}, false) + clientFrame(0x0, "x", false) + clientFrame(0x0, {})
        << big << plainFrame(0x1, "x") << 3;
    QTest::addRow("joined beyond 125 and 65535 bytes")
        << clientFrame(0x1, QByteArray(100, 'a'), false) + clientFrame(0x0, QByteArray(70000, 'b'))
        << big << plainFrame(0x1, QByteArray(100, 'a') + QByteArray(70000, 'b')) << 2;
    QTest::addRow("binary fragments go through as they came")
        << clientFrame(0x2, "ab", false) + clientFrame(0x0, "cd")
        << big << plainFrame(0x2, "ab", false) + plainFrame(0x0, "cd") << 2;
    QTest::addRow("an unfragmented text frame goes through")
        << clientFrame(0x1, "whole") << big << plainFrame(0x1, "whole") << 1;
    // Past the limit, what was joined goes out as the first fragment, the rest as it came.
    QTest::addRow("the limit reached")
        << clientFrame(0x1, "abcd", false) + clientFrame(0x0, "efgh", false) + clientFrame(0x0, "ij", false)
               + clientFrame(0x0, "kl")
        << qint64(8) << plainFrame(0x1, "abcdefgh", false) + plainFrame(0x0, "ij", false) + plainFrame(0x0, "kl") << 4;
    QTest::addRow("a first fragment over the limit")
        << clientFrame(0x1, "abcdefghij", false) + clientFrame(0x0, "k")
        << qint64(8) << plainFrame(0x1, "abcdefghij", false) + plainFrame(0x0, "k") << 2;
    // Out of order: Qt must see the same sequence, and fail it (1002) as it would have.
    QTest::addRow("a new text frame before the last fragment")
        << clientFrame(0x1, "ab", false) + clientFrame(0x1, "cd")
        << big << plainFrame(0x1, "ab", false) + plainFrame(0x1, "cd") << 2;
    QTest::addRow("a fragment with an RSV bit")
        << clientFrame(0x1, "ab", false) + clientFrame(0x0, "cd", true, true, 4)
        << big << plainFrame(0x1, "ab", false) + clientFrame(0x0, "cd", true, false, 4) << 2;
    // A text frame inside a fragmented binary message is Qt's to fail: not joined.
    QTest::addRow("a text frame inside a binary message")
        << clientFrame(0x2, "ab", false) + clientFrame(0x1, "cd", false) + clientFrame(0x0, "ef")
        << big << plainFrame(0x2, "ab", false) + plainFrame(0x1, "cd", false) + plainFrame(0x0, "ef") << 3;
    QTest::addRow("a text message after a binary one is joined")
        << clientFrame(0x2, "ab", false) + clientFrame(0x0, "cd") + clientFrame(0x1, "ef", false) + clientFrame(0x0, "gh")
        << big << plainFrame(0x2, "ab", false) + plainFrame(0x0, "cd") + plainFrame(0x1, "efgh") << 4;
    QTest::addRow("a text frame inside an unjoined text message")
        << clientFrame(0x1, "abcdefghij", false) + clientFrame(0x1, "x", false) + clientFrame(0x0, "k")
        << qint64(8) << plainFrame(0x1, "abcdefghij", false) + plainFrame(0x1, "x", false) + plainFrame(0x0, "k") << 3;
    // Qt refuses a length not in its shortest form: such a fragment is not re-encoded.
    QTest::addRow("a fragment with a needlessly long length")
        << clientFrame(0x1, "ab", false) + clientFrameWithLongLength(0x0, "cd")
        << big << plainFrame(0x1, "ab", false) + clientFrameWithLongLength(0x0, "cd", true, false) << 2;
    QTest::addRow("a reserved opcode before the last fragment")
        << clientFrame(0x1, "ab", false) + clientFrame(0x3, "cd")
        << big << plainFrame(0x1, "ab", false) + plainFrame(0x3, "cd") << 1;
}

void tst_ClientFrameFilter::joinsTheFragmentsOfATextMessage()
{
    QFETCH(QByteArray, stream);
    QFETCH(qint64, maxJoined);
    QFETCH(QByteArray, expected);
    QFETCH(int, dataFrames);
    ClientFrameFilter filter(maxJoined);
    QByteArray out;
    QVERIFY(filter.feed(stream.constData(), stream.size(), &out));
    QCOMPARE(out.size(), expected.size());
    QVERIFY(out == expected);
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

void tst_ClientFrameFilter::joinedStreamsDoNotDependOnHowTheyAreCut()
{
    const QByteArray stream = clientFrame(0x1, "Hel", false) + clientFrame(0x9, "p") + clientFrame(0x0, textOf(300, 4), false)
            + clientFrame(0x0, "end") + clientFrame(0x2, "b", false) + clientFrame(0x0, "in")
            + clientFrame(0x1, textOf(40, 5), false) + clientFrame(0x0, textOf(40, 6), false) + clientFrame(0x0, "x");
    for (const qint64 maxJoined : {qint64(1) << 20, qint64(64)}) {
        ClientFrameFilter whole(maxJoined);
        QByteArray expected;
        QVERIFY(whole.feed(stream.constData(), stream.size(), &expected));
        for (int piece = 1; piece <= 13; ++piece) {
            ClientFrameFilter filter(maxJoined);
            QByteArray out;
            for (qsizetype at = 0; at < stream.size(); at += piece)
                QVERIFY(filter.feed(stream.constData() + at, qMin<qsizetype>(piece, stream.size() - at), &out));
            QVERIFY2(out == expected, qPrintable(QStringLiteral("pieces of %1, limit %2").arg(piece).arg(maxJoined)));
        }
    }
}

void tst_ClientFrameFilter::failsInvalidUtf8AsSoonAsItArrives_data()
{
    QTest::addColumn<QByteArray>("good");      // frames that go through first
    QTest::addColumn<QByteArray>("bad");       // the frame (or its start) that fails
    QTest::addColumn<int>("maxJoined");

    const QByteArray ok = clientFrame(0x1, "fine");
    QTest::addRow("a whole text frame") << ok << clientFrame(0x1, "bad \xff byte") << (1 << 20);
    QTest::addRow("the first fragment, before the message ends")
        << ok << clientFrame(0x1, "bad \xc0\xaf", false) << (1 << 20);
    QTest::addRow("a middle fragment") << ok + clientFrame(0x1, "ok ", false)
                                       << clientFrame(0x0, "\xed\xa0\x80", false) << (1 << 20);
    QTest::addRow("the start of a long frame") << ok
        << clientFrame(0x1, QByteArray("\xf5") + QByteArray(70000, 'a')).left(200) << (1 << 20);
    QTest::addRow("a frame too big to join") << ok + clientFrame(0x1, "abc", false)
        << clientFrame(0x0, QByteArray(61, 'x') + "\x80", false) << 64;
    QTest::addRow("a message that ends inside a character")
        << ok + clientFrame(0x1, "caf\xc3", false) << clientFrame(0x0, {}) << (1 << 20);
    QTest::addRow("an unfragmented one ending inside a character") << ok << clientFrame(0x1, "\xe2\x82") << (1 << 20);
}

// RFC 6455 8.1: invalid UTF-8 fails the connection at once (1007), not once the
// message ends; the frames before it are delivered, nothing of the bad one is.
void tst_ClientFrameFilter::failsInvalidUtf8AsSoonAsItArrives()
{
    QFETCH(QByteArray, good);
    QFETCH(QByteArray, bad);
    QFETCH(int, maxJoined);
    for (int piece : {1, 7, 4096}) {
        ClientFrameFilter filter(maxJoined);
        QByteArray out;
        QVERIFY(filter.feed(good.constData(), good.size(), &out));
        const QByteArray before = out;
        bool ok = true;
        for (qsizetype at = 0; ok && at < bad.size(); at += piece)
            ok = filter.feed(bad.constData() + at, qMin<qsizetype>(piece, bad.size() - at), &out);
        QVERIFY2(!ok, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
        QVERIFY(filter.failed());
        QCOMPARE(filter.errorCode(), 1007);
        QVERIFY(filter.error().contains(QLatin1String("UTF-8")));
        // Whatever went out after the good frames is an incomplete frame Qt waits on.
        QVERIFY(out.startsWith(before));
        QVERIFY(!out.mid(before.size()).contains(QByteArray("\xff")));
        const QByteArray more = clientFrame(0x1, "after");
        QVERIFY(!filter.feed(more.constData(), more.size(), &out));
    }
}

void tst_ClientFrameFilter::leavesToQtTheTextOfFramesItRefuses_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addRow("an RSV bit") << clientFrame(0x1, "\xff", true, true, 4);
    QTest::addRow("a binary frame") << clientFrame(0x2, "\xff\xfe");
    QTest::addRow("a continuation with no message open") << clientFrame(0x0, "\xff");
    QTest::addRow("a text frame inside a binary message") << clientFrame(0x2, "a", false) + clientFrame(0x1, "\xff");
    QTest::addRow("a length not in its shortest form") << clientFrameWithLongLength(0x1, "\xff");
    QTest::addRow("a frame over the frame limit") << clientFrame(0x1, QByteArray(200, '\xff'));
}

// Frames Qt refuses for another reason (or that are not text) are not checked here,
// so that Qt fails them with its own code.
void tst_ClientFrameFilter::leavesToQtTheTextOfFramesItRefuses()
{
    QFETCH(QByteArray, stream);
    ClientFrameFilter filter(100);
    QByteArray out;
    QVERIFY(filter.feed(stream.constData(), stream.size(), &out));
    QVERIFY(!filter.failed());
}

void tst_ClientFrameFilter::keepsALeadingByteOrderMark_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArray>("expected");
    const QByteArray bom("\xef\xbb\xbf");
    QTest::addRow("a text frame") << clientFrame(0x1, bom + "hi") << plainFrame(0x1, bom + bom + "hi");
    QTest::addRow("only a BOM") << clientFrame(0x1, bom) << plainFrame(0x1, bom + bom);
    QTest::addRow("two BOMs") << clientFrame(0x1, bom + bom) << plainFrame(0x1, bom + bom + bom);
    QTest::addRow("a BOM later on") << clientFrame(0x1, "a" + bom) << plainFrame(0x1, "a" + bom);
    QTest::addRow("joined fragments") << clientFrame(0x1, bom, false) + clientFrame(0x0, "x")
                                      << plainFrame(0x1, bom + bom + "x");
    QTest::addRow("a BOM split between fragments") << clientFrame(0x1, bom.left(1), false) + clientFrame(0x0, bom.mid(1))
                                                   << plainFrame(0x1, bom + bom);
    QTest::addRow("a BOM in a later fragment") << clientFrame(0x1, "a", false) + clientFrame(0x0, bom)
                                               << plainFrame(0x1, "a" + bom);
    QTest::addRow("a binary message") << clientFrame(0x2, bom) << plainFrame(0x2, bom);
    QTest::addRow("125 bytes: the length form grows")
        << clientFrame(0x1, bom + QByteArray(122, 'z')) << plainFrame(0x1, bom + bom + QByteArray(122, 'z'));
}

// Qt's decoder drops a BOM at the start of a text message: the filter puts a second
// one in front, so the client's arrives (and only at the start of a message).
void tst_ClientFrameFilter::keepsALeadingByteOrderMark()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArray, expected);
    for (int piece : {1, 2, 5, 4096}) {
        ClientFrameFilter filter;
        QByteArray out;
        for (qsizetype at = 0; at < stream.size(); at += piece)
            QVERIFY(filter.feed(stream.constData() + at, qMin<qsizetype>(piece, stream.size() - at), &out));
        QVERIFY2(out == expected, qPrintable(QStringLiteral("pieces of %1: %2").arg(piece).arg(QString::fromLatin1(out.toHex()))));
    }
}

QTEST_GUILESS_MAIN(tst_ClientFrameFilter)
#include "tst_clientframefilter.moc"
