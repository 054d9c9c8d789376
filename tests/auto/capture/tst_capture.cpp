// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The pieces of --capture that do no I/O: the pcapng writer's blocks and the
// synthesized TCP frames (checksums, sequence numbers, segmentation).

#include "pcapngwriter_p.h"
#include "tcpsynthesizer_p.h"

#include <QBuffer>
#include <QTest>
#include <QtEndian>

using namespace WsPlug::Internal;

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

} // namespace

class tst_Capture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writerLaysOutBlocks();
    void synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers_data();
    void synthesizedSegmentsHaveValidChecksumsAndSequenceNumbers();
    void largeWritesAreSplitIntoSegments();
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

QTEST_GUILESS_MAIN(tst_Capture)
#include "tst_capture.moc"
