// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The stream filter that takes the mask off client frames before QWebSocket reads them.
// End to end (a real host, real and raw clients) it is covered by conformance and
// hostile; here, every way a stream can be cut into pieces.

#include "frameunmasker_p.h"

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

} // namespace

class tst_FrameUnmasker : public QObject
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
};

void tst_FrameUnmasker::unmasksEveryLengthEncoding_data()
{
    QTest::addColumn<int>("length");
    for (int len : {0, 1, 3, 7, 8, 9, 125, 126, 127, 4093, 65535, 65536, 200003})
        QTest::addRow("%d", len) << len;
}

void tst_FrameUnmasker::unmasksEveryLengthEncoding()
{
    QFETCH(int, length);
    const QByteArray payload = payloadOf(length, length);
    FrameUnmasker fresh;
    QByteArray plain;
    const QByteArray frame = clientFrame(0x2, payload);
    QVERIFY(fresh.feed(frame.constData(), frame.size(), &plain));
    QCOMPARE(plain.size(), frame.size() - 4);
    QVERIFY(plain == plainFrame(0x2, payload));
    QVERIFY(!fresh.failed());
}

void tst_FrameUnmasker::anySplitOfTheStreamGivesTheSameFrames()
{
    // Headers, keys and payloads cut at every point, in pieces of 1..17 bytes and at
    // every single offset: the key's phase must carry over from piece to piece.
    QByteArray stream;
    QByteArray expected;
    const QList<std::pair<int, QByteArray>> frames = {
        {0x1, "Hel"}, {0x9, "ping"}, {0x0, "lo"}, {0x2, payloadOf(300, 1)}, {0x2, {}},
        {0x1, payloadOf(70000, 2)}, {0x8, QByteArray("\x03\xe8", 2)},
    };
    for (const auto &f : frames) {
        stream += clientFrame(f.first, f.second);
        expected += plainFrame(f.first, f.second);
    }
    for (int piece = 1; piece <= 17; ++piece) {
        FrameUnmasker unmasker;
        QByteArray out;
        for (qsizetype at = 0; at < stream.size(); at += piece)
            QVERIFY(unmasker.feed(stream.constData() + at, qMin<qsizetype>(piece, stream.size() - at), &out));
        QVERIFY2(out == expected, qPrintable(QStringLiteral("pieces of %1").arg(piece)));
    }
    for (qsizetype cut = 0; cut <= stream.size(); cut += (cut < 400 ? 1 : 997)) {
        FrameUnmasker unmasker;
        QByteArray out;
        QVERIFY(unmasker.feed(stream.constData(), cut, &out));
        QVERIFY(unmasker.feed(stream.constData() + cut, stream.size() - cut, &out));
        QVERIFY2(out == expected, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
}

void tst_FrameUnmasker::refusesAnUnmaskedFrameAndKeepsTheOnesBefore()
{
    const QByteArray stream = clientFrame(0x1, "first") + plainFrame(0x1, "not masked") + clientFrame(0x1, "after");
    FrameUnmasker unmasker;
    QByteArray out;
    QVERIFY(!unmasker.feed(stream.constData(), stream.size(), &out));
    QVERIFY(unmasker.failed());
    QVERIFY(unmasker.error().contains(QLatin1String("masked")));
    QVERIFY(out == plainFrame(0x1, "first"));
    // Nothing more is taken.
    const QByteArray more = clientFrame(0x1, "more");
    QVERIFY(!unmasker.feed(more.constData(), more.size(), &out));
    QVERIFY(out == plainFrame(0x1, "first"));
}

void tst_FrameUnmasker::refusesAnUnmaskedFrameAfterPartOfAStream()
{
    // The second header byte (the one with the mask bit) in a piece of its own.
    const QByteArray stream = clientFrame(0x2, payloadOf(10, 3)) + plainFrame(0x9, "p");
    FrameUnmasker unmasker;
    QByteArray out;
    const qsizetype second = stream.size() - 3 + 1;
    QVERIFY(unmasker.feed(stream.constData(), second, &out));
    QVERIFY(!unmasker.feed(stream.constData() + second, 1, &out));
    QVERIFY(out == plainFrame(0x2, payloadOf(10, 3)));
}

void tst_FrameUnmasker::notesTheCodeOfTheFirstCloseFrame_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<int>("code");
    const QByteArray data = clientFrame(0x1, "hi") + clientFrame(0x9, "ping");
    QTest::addRow("none") << data << FrameUnmasker::NoClose;
    QTest::addRow("empty") << data + clientFrame(0x8, {}) << 1005;
    QTest::addRow("1000") << data + clientFrame(0x8, closePayload(1000)) << 1000;
    QTest::addRow("4001 with a reason") << data + clientFrame(0x8, closePayload(4001, "bye")) << 4001;
    QTest::addRow("1002 from the peer") << clientFrame(0x8, closePayload(1002)) << 1002;
    QTest::addRow("one byte") << clientFrame(0x8, QByteArray(1, '\x03')) << 0;
    QTest::addRow("the first of two") << clientFrame(0x8, {}) + clientFrame(0x8, closePayload(1001)) << 1005;
    QTest::addRow("a close code in a text frame") << clientFrame(0x1, closePayload(1001)) << FrameUnmasker::NoClose;
}

void tst_FrameUnmasker::notesTheCodeOfTheFirstCloseFrame()
{
    QFETCH(QByteArray, stream);
    QFETCH(int, code);
    // Byte by byte, so that the code's two bytes come in separate pieces.
    FrameUnmasker unmasker;
    QByteArray out;
    for (char c : stream)
        QVERIFY(unmasker.feed(&c, 1, &out));
    QCOMPARE(unmasker.peerCloseCode(), code);
    FrameUnmasker whole;
    QVERIFY(whole.feed(stream.constData(), stream.size(), &out));
    QCOMPARE(whole.peerCloseCode(), code);
}

QTEST_GUILESS_MAIN(tst_FrameUnmasker)
#include "tst_frameunmasker.moc"
