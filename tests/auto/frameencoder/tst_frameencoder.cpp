// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The pre-encoded server frames the host writes for sends and broadcasts.

#include "frameencoder_p.h"

#include "testsupport.h"

#include <QTest>

using namespace WsPlug::Internal;
using namespace WsPlug::Test;

class tst_FrameEncoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lengthEncodings_data();
    void lengthEncodings();
    void fragmentsLargeMessages();
    void binaryOpcode();
};

void tst_FrameEncoder::lengthEncodings_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("headerSize");
    for (auto [len, header] : {std::pair{0, 2}, {1, 2}, {125, 2}, {126, 4}, {127, 4}, {65535, 4}, {65536, 10}, {200000, 10}})
        QTest::addRow("%d", len) << len << header;
}

void tst_FrameEncoder::lengthEncodings()
{
    QFETCH(int, length);
    QFETCH(int, headerSize);
    QByteArray payload(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        payload[i] = char(i * 31);
    const EncodedMessage m = encodeMessage(FrameOpcode::Text, payload, 1 << 20);
    QCOMPARE(m.frames, 1);
    QCOMPARE(m.payloadBytes, qint64(length));
    QCOMPARE(m.bytes.size(), qsizetype(length + headerSize));
    QCOMPARE(quint8(m.bytes[0]), quint8(0x81));          // FIN + text, RSV clear
    QCOMPARE(quint8(m.bytes[1]) & 0x80, 0);               // a server never masks
    QByteArray buffer = m.bytes;
    const auto frame = takeFrame(buffer);
    QVERIFY(frame);
    QCOMPARE(frame->payload, payload);
    QVERIFY(buffer.isEmpty());
}

void tst_FrameEncoder::fragmentsLargeMessages()
{
    const QByteArray payload(2500, 'x');
    const EncodedMessage m = encodeMessage(FrameOpcode::Text, payload, 1000);
    QCOMPARE(m.frames, 3);
    QByteArray buffer = m.bytes;
    QByteArray joined;
    for (int i = 0; i < 3; ++i) {
        const auto f = takeFrame(buffer);
        QVERIFY(f);
        QCOMPARE(f->opcode, i == 0 ? 0x1 : 0x0);         // then continuations
        QCOMPARE(f->fin, i == 2);
        joined += f->payload;
    }
    QCOMPARE(joined, payload);
    QVERIFY(buffer.isEmpty());
}

void tst_FrameEncoder::binaryOpcode()
{
    const EncodedMessage empty = encodeMessage(FrameOpcode::Binary, QByteArray());
    QCOMPARE(empty.bytes, QByteArray("\x82\x00", 2));
    QCOMPARE(empty.frames, 1);
}

QTEST_GUILESS_MAIN(tst_FrameEncoder)
#include "tst_frameencoder.moc"
