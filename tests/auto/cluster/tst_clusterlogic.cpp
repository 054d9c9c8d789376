// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "busenvelope_p.h"
#include "channellog_p.h"
#include "clusternodes_p.h"
#include "redisaddress_p.h"

#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Internal;

class tst_ClusterLogic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redisAddress_data();
    void redisAddress();
    void envelopeRoundTrip();
    void envelopeRefusesWhatIsNotOurs_data();
    void envelopeRefusesWhatIsNotOurs();
    void channelLogAssignsOffsetsAndKeepsItsHistorySize();
    void recoveryIsAllOrNothing();
    void channelLogForgetsTheIdlestChannelWhenFull();
    void nodeStampsRoundTripAndAddUp();
    void nodeStampOfAnotherNodeIsNotTrusted();
};

void tst_ClusterLogic::redisAddress_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("db");
    QTest::addRow("host only") << "redis://localhost" << true << "localhost" << 6379 << 0;
    QTest::addRow("ip and port") << "redis://127.0.0.1:7000" << true << "127.0.0.1" << 7000 << 0;
    QTest::addRow("db") << "redis://10.0.0.2:6380/3" << true << "10.0.0.2" << 6380 << 3;
    QTest::addRow("ipv6") << "redis://[::1]:6379/1" << true << "::1" << 6379 << 1;
    QTest::addRow("no scheme") << "localhost:6379" << false << "" << 0 << 0;
    QTest::addRow("other scheme") << "rediss://localhost" << false << "" << 0 << 0;
    QTest::addRow("password") << "redis://:secret@localhost" << false << "" << 0 << 0;
    QTest::addRow("port 0") << "redis://localhost:0" << false << "" << 0 << 0;
    QTest::addRow("port too big") << "redis://localhost:65536" << false << "" << 0 << 0;
    QTest::addRow("empty port") << "redis://localhost:" << false << "" << 0 << 0;
    QTest::addRow("db too big") << "redis://localhost/16" << false << "" << 0 << 0;
    QTest::addRow("db not a number") << "redis://localhost/x" << false << "" << 0 << 0;
    QTest::addRow("empty host") << "redis://:6379" << false << "" << 0 << 0;
    QTest::addRow("bad host") << "redis://a b" << false << "" << 0 << 0;
    QTest::addRow("query") << "redis://localhost?db=1" << false << "" << 0 << 0;
    QTest::addRow("ipv6 not closed") << "redis://[::1" << false << "" << 0 << 0;
    QTest::addRow("not ipv6 in brackets") << "redis://[host]" << false << "" << 0 << 0;
}

void tst_ClusterLogic::redisAddress()
{
    QFETCH(QString, url);
    QFETCH(bool, ok);
    QString why;
    const std::optional<RedisAddress> a = RedisAddress::parse(url, &why);
    QCOMPARE(a.has_value(), ok);
    if (!ok) {
        QVERIFY(!why.isEmpty());
        QVERIFY(!why.contains(QLatin1Char('\n')));
        return;
    }
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, db);
    QCOMPARE(a->host, host);
    QCOMPARE(int(a->port), port);
    QCOMPARE(a->db, db);
    QCOMPARE(RedisAddress::parse(a->toString(), nullptr)->toString(), a->toString());
}

void tst_ClusterLogic::envelopeRoundTrip()
{
    const QByteArray data("line one\nline two \xff binary");
    const QByteArray payload = "42 00ab12cd " + BusEnvelope::originHeader("node-a:8765", true) + '\n' + data;
    const std::optional<BusEnvelope> e = BusEnvelope::decode(payload);
    QVERIFY(e);
    QCOMPARE(e->offset, 42u);
    QCOMPARE(e->epoch, QByteArray("00ab12cd"));
    QCOMPARE(e->node, QByteArray("node-a:8765"));
    QVERIFY(e->deliveredLocally);
    QCOMPARE(e->data, data);
    QVERIFY(!BusEnvelope::decode("7 e n -\n")->deliveredLocally);
    QCOMPARE(BusEnvelope::decode("7 e n -\n")->data, QByteArray());
}

void tst_ClusterLogic::envelopeRefusesWhatIsNotOurs_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addRow("empty") << QByteArray();
    QTest::addRow("no newline") << QByteArray("1 e n -");
    QTest::addRow("offset 0") << QByteArray("0 e n -\nx");
    QTest::addRow("offset not a number") << QByteArray("x e n -\nx");
    QTest::addRow("three fields") << QByteArray("1 e n\nx");
    QTest::addRow("five fields") << QByteArray("1 e n - x\nx");
    QTest::addRow("bad flag") << QByteArray("1 e n Q\nx");
    QTest::addRow("bad node") << QByteArray("1 e n/x -\nx");
    QTest::addRow("header too long") << QByteArray("1 e " + QByteArray(300, 'n') + " -\nx");
}

void tst_ClusterLogic::envelopeRefusesWhatIsNotOurs()
{
    QFETCH(QByteArray, payload);
    QVERIFY(!BusEnvelope::decode(payload));
}

void tst_ClusterLogic::channelLogAssignsOffsetsAndKeepsItsHistorySize()
{
    ChannelLog log(QStringLiteral("e1"), 10);
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(log.append("c", QByteArray::number(i), 3).offset, quint64(i));
    QCOMPARE(log.append("other", "x", 3).offset, 1u);
    // The last 2, as a new subscriber asks.
    BusHistory last = log.read("c", QString(), 0, 2);
    QVERIFY(last.ok && last.reachesBack);
    QCOMPARE(last.messages.size(), 2);
    QCOMPARE(last.messages.at(0).data, QByteArray("4"));
    QCOMPARE(last.messages.at(1).data, QByteArray("5"));
    QCOMPARE(last.topOffset, 5u);
    // From offset 2: 3, 4, 5 are all there.
    BusHistory from2 = log.read("c", QStringLiteral("e1"), 2, 100);
    QVERIFY(from2.reachesBack);
    QCOMPARE(from2.messages.size(), 3);
    QCOMPARE(from2.messages.first().offset, 3u);
    // From offset 1: 2 was trimmed, so nothing at all.
    BusHistory from1 = log.read("c", QStringLiteral("e1"), 1, 100);
    QVERIFY(from1.ok);
    QVERIFY(!from1.reachesBack);
    QVERIFY(from1.messages.isEmpty());
    // Up to date: reaches back, nothing to send.
    BusHistory top = log.read("c", QStringLiteral("e1"), 5, 100);
    QVERIFY(top.reachesBack);
    QVERIFY(top.messages.isEmpty());
}

void tst_ClusterLogic::recoveryIsAllOrNothing()
{
    auto messages = [](quint64 from, quint64 to) {
        QList<BusMessage> list;
        for (quint64 o = from; o <= to; ++o)
            list.append(BusMessage{QStringLiteral("c"), {}, QStringLiteral("e"), o});
        return list;
    };
    const QString e = QStringLiteral("e");
    QVERIFY(ChannelLog::reachesBack(e, 3, e, 6, messages(4, 6)));
    QVERIFY(ChannelLog::reachesBack(e, 6, e, 6, {}));
    QVERIFY(ChannelLog::reachesBack(e, 0, e, 2, messages(1, 2)));
    QVERIFY(!ChannelLog::reachesBack(QStringLiteral("old"), 3, e, 6, messages(4, 6)));   // another epoch
    QVERIFY(!ChannelLog::reachesBack(e, 3, e, 6, messages(5, 6)));   // trimmed
    QVERIFY(!ChannelLog::reachesBack(e, 3, e, 6, messages(4, 5)));   // cut by the limit
    QVERIFY(!ChannelLog::reachesBack(e, 7, e, 6, {}));               // from the future
    QList<BusMessage> gap = messages(4, 6);
    gap[1].offset = 9;
    QVERIFY(!ChannelLog::reachesBack(e, 3, e, 6, gap));
}

void tst_ClusterLogic::channelLogForgetsTheIdlestChannelWhenFull()
{
    ChannelLog log(QStringLiteral("e"), 2);
    log.append("a", "1", 5);
    log.append("b", "1", 5);
    log.append("a", "2", 5);   // b is now the idlest
    log.append("c", "1", 5);
    QCOMPARE(log.channelCount(), 2);
    QCOMPARE(log.forgottenChannels(), 1u);
    QCOMPARE(log.read("a", QStringLiteral("e"), 0, 10).messages.size(), 2);
    QCOMPARE(log.read("b", QStringLiteral("e"), 0, 10).topOffset, 0u);
}

void tst_ClusterLogic::nodeStampsRoundTripAndAddUp()
{
    const ClusterNodes::Figures mine{42, {1000, 2000, 1'000'000'000'000ull, 5, 12.5, 0.25, 4096, 0}};
    const ClusterNodes::Figures back = ClusterNodes::decode(ClusterNodes::encode(mine));
    QCOMPARE(back.sessions, 42);
    QCOMPARE(back.traffic.messagesIn, 1000u);
    QCOMPARE(back.traffic.messagesOut, 2000u);
    QCOMPARE(back.traffic.bytesIn, 1'000'000'000'000ull);
    QCOMPARE(back.traffic.bytesOut, 5u);
    QCOMPARE(back.traffic.messagesInPerSecond, 12.5);
    QCOMPARE(back.traffic.messagesOutPerSecond, 0.25);
    QCOMPARE(back.traffic.bytesInPerSecond, 4096.0);

    ClusterNodes::Figures total;
    ClusterNodes::add(&total, mine);
    ClusterNodes::add(&total, back);
    QCOMPARE(total.sessions, 84);
    QCOMPARE(total.traffic.bytesIn, 2'000'000'000'000ull);
    QCOMPARE(total.traffic.messagesInPerSecond, 25.0);
}

void tst_ClusterLogic::nodeStampOfAnotherNodeIsNotTrusted()
{
    // A stamp of an older version (sessions only), junk, negatives and non-finite rates.
    QCOMPARE(ClusterNodes::decode("17").sessions, 17);
    QCOMPARE(ClusterNodes::decode("17").traffic.messagesIn, 0u);
    const ClusterNodes::Figures junk = ClusterNodes::decode("-5 x -1 3 4 nan inf -2 1e400");
    QCOMPARE(junk.sessions, 0);
    QCOMPARE(junk.traffic.messagesIn, 0u);
    QCOMPARE(junk.traffic.messagesOut, 0u);
    QCOMPARE(junk.traffic.bytesIn, 3u);
    QCOMPARE(junk.traffic.messagesInPerSecond, 0.0);
    QCOMPARE(junk.traffic.messagesOutPerSecond, 0.0);
    QCOMPARE(junk.traffic.bytesInPerSecond, 0.0);
    QCOMPARE(junk.traffic.bytesOutPerSecond, 0.0);
    QCOMPARE(ClusterNodes::decode(QByteArray()).sessions, 0);
}

QTEST_GUILESS_MAIN(tst_ClusterLogic)
#include "tst_clusterlogic.moc"
