// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "broadcastsettings.h"
#include "tickermodel.h"
#include "topicregistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

using namespace WsPlug;

class tst_BroadcastLogic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void topicFromPath_data();
    void topicFromPath();
    void modeFromQuery_data();
    void modeFromQuery();
    void registryTracksSubscribers();
    void settingsDefaults();
    void settingsRejected_data();
    void settingsRejected();
    void tickerWalksWithSequenceAndTimestamp();
};

void tst_BroadcastLogic::topicFromPath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("route");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("topic");

    const QString exact = QStringLiteral("/broadcast");
    const QString prefix = QStringLiteral("/broadcast/*");
    QTest::addRow("plain") << exact << exact << true << QStringLiteral("default");
    QTest::addRow("topic") << QStringLiteral("/broadcast/prices") << prefix << true << QStringLiteral("prices");
    QTest::addRow("nested") << QStringLiteral("/broadcast/eu/prices") << prefix << true << QStringLiteral("eu/prices");
    QTest::addRow("percent") << QStringLiteral("/broadcast/caf%C3%A9%20bar") << prefix << true << QStringLiteral("caf\u00e9 bar");
    QTest::addRow("encoded slash") << QStringLiteral("/broadcast/a%2Fb") << prefix << true << QStringLiteral("a/b");
    QTest::addRow("trailing slash") << QStringLiteral("/broadcast/") << prefix << false << QString();
    QTest::addRow("empty segment") << QStringLiteral("/broadcast/a//b") << prefix << false << QString();
    QTest::addRow("bad utf8") << QStringLiteral("/broadcast/%C3") << prefix << false << QString();
    QTest::addRow("control") << QStringLiteral("/broadcast/a%0Ab") << prefix << false << QString();
    QTest::addRow("too long") << QStringLiteral("/broadcast/") + QString(129, QLatin1Char('t')) << prefix << false << QString();
    QTest::addRow("longest") << QStringLiteral("/broadcast/") + QString(128, QLatin1Char('t')) << prefix << true << QString(128, QLatin1Char('t'));
    QTest::addRow("other path") << QStringLiteral("/broadcaster") << prefix << false << QString();
}

void tst_BroadcastLogic::topicFromPath()
{
    QFETCH(QString, path);
    QFETCH(QString, route);
    QFETCH(bool, valid);
    QFETCH(QString, topic);

    QString result;
    QString why;
    QCOMPARE(TopicRegistry::topicFromPath(path, route, QStringLiteral("default"), 128, &result, &why),
             valid);
    if (valid)
        QCOMPARE(result, topic);
    else
        QVERIFY(!why.isEmpty());
}

void tst_BroadcastLogic::modeFromQuery_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("subscribeOnly");
    QTest::addColumn<QString>("why");   // what the refusal names

    QTest::addRow("none") << QString() << true << false << QString();
    QTest::addRow("subscribe") << QStringLiteral("mode=subscribe") << true << true << QString();
    QTest::addRow("publish") << QStringLiteral("mode=publish") << true << false << QString();
    QTest::addRow("other keys") << QStringLiteral("token=x&mode=subscribe") << true << true << QString();
    QTest::addRow("unknown") << QStringLiteral("mode=lurk") << false << false << QStringLiteral("lurk");
    QTest::addRow("values are case-sensitive") << QStringLiteral("mode=Subscribe") << false << false << QStringLiteral("Subscribe");
    QTest::addRow("keys are case-sensitive") << QStringLiteral("Mode=subscribe") << true << false << QString();
    QTest::addRow("twice, the same") << QStringLiteral("mode=subscribe&mode=subscribe") << false << false << QStringLiteral("2 times");
    QTest::addRow("twice, different") << QStringLiteral("mode=subscribe&mode=publish") << false << false << QStringLiteral("2 times");
    QTest::addRow("percent-encoded") << QStringLiteral("mode=%73ubscribe") << true << true << QString();
    QTest::addRow("empty") << QStringLiteral("mode=") << true << false << QString();
}

void tst_BroadcastLogic::modeFromQuery()
{
    QFETCH(QString, query);
    QFETCH(bool, valid);
    QFETCH(bool, subscribeOnly);
    QFETCH(QString, why);
    const QString expectedWhy = why;
    bool result = !subscribeOnly;
    why.clear();
    QCOMPARE(TopicRegistry::subscribeOnlyFromQuery(query, &result, &why), valid);
    if (valid)
        QCOMPARE(result, subscribeOnly);
    else
        QVERIFY2(why.contains(expectedWhy), qPrintable(why));
}

void tst_BroadcastLogic::registryTracksSubscribers()
{
    TopicRegistry registry;
    const QString a = QStringLiteral("a");
    const QString b = QStringLiteral("b");
    registry.add(1, {a, false});
    registry.add(2, {a, true});
    registry.add(3, {b, false});

    QList<SessionId> list = registry.subscribers(a);
    std::sort(list.begin(), list.end());
    QCOMPARE(list, (QList<SessionId>{1, 2}));
    QCOMPARE(registry.subscribers(b), QList<SessionId>{3});
    QVERIFY(registry.subscribers(QStringLiteral("nobody")).isEmpty());
    QVERIFY(registry.find(2)->subscribeOnly);
    QVERIFY(!registry.find(4));

    QVERIFY(registry.remove(1));
    QVERIFY(!registry.remove(1));
    QCOMPARE(registry.subscribers(a), QList<SessionId>{2});
    // Re-adding moves a session.
    registry.add(2, {b, false});
    QCOMPARE(registry.topicCount(), 1);
    QCOMPARE(registry.subscribers(b).size(), 2);
    registry.remove(2);
    registry.remove(3);
    QCOMPARE(registry.topicCount(), 0);
    QCOMPARE(registry.sessionCount(), 0);
}

void tst_BroadcastLogic::settingsDefaults()
{
    BroadcastSettings settings;
    QString error;
    QVERIFY(BroadcastSettings::fromVariantMap({}, &settings, &error));
    QVERIFY(!settings.subscribeOnly);
    QVERIFY(settings.echo);
    QVERIFY(settings.tickerEnabled);
    QCOMPARE(settings.tickerTopic, QStringLiteral("ticker"));
    QCOMPARE(settings.tickerIntervalMs, 1000);

    const QVariantMap map{
        {QStringLiteral("subscribeOnly"), true},
        {QStringLiteral("ticker"), QVariantMap{{QStringLiteral("enabled"), false},
                                               {QStringLiteral("intervalMs"), 250.0},
                                               {QStringLiteral("topic"), QStringLiteral("fx/eur")}}},
    };
    QVERIFY2(BroadcastSettings::fromVariantMap(map, &settings, &error), qPrintable(error));
    QVERIFY(settings.subscribeOnly);
    QVERIFY(!settings.tickerEnabled);
    QCOMPARE(settings.tickerIntervalMs, 250);
    QCOMPARE(settings.tickerTopic, QStringLiteral("fx/eur"));
}

void tst_BroadcastLogic::settingsRejected_data()
{
    QTest::addColumn<QVariantMap>("map");
    QTest::addColumn<QString>("mentions");

    QTest::addRow("unknown") << QVariantMap{{QStringLiteral("subscribe"), true}} << QStringLiteral("\"subscribe\"");
    QTest::addRow("string bool") << QVariantMap{{QStringLiteral("subscribeOnly"), QStringLiteral("yes")}} << QStringLiteral("subscribeOnly");
    QTest::addRow("int bool") << QVariantMap{{QStringLiteral("echo"), 1}} << QStringLiteral("echo");
    QTest::addRow("ticker not object") << QVariantMap{{QStringLiteral("ticker"), true}} << QStringLiteral("ticker");
    QTest::addRow("ticker unknown") << QVariantMap{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("interval"), 5}}}} << QStringLiteral("ticker.interval");
    QTest::addRow("interval string") << QVariantMap{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("intervalMs"), QStringLiteral("1000")}}}} << QStringLiteral("ticker.intervalMs");
    QTest::addRow("interval tiny") << QVariantMap{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("intervalMs"), 1}}}} << QStringLiteral("between");
    QTest::addRow("bad topic") << QVariantMap{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("topic"), QString()}}}} << QStringLiteral("ticker.topic");
    QTest::addRow("bad default topic") << QVariantMap{{QStringLiteral("defaultTopic"), QStringLiteral("a//b")}} << QStringLiteral("defaultTopic");
}

void tst_BroadcastLogic::settingsRejected()
{
    QFETCH(QVariantMap, map);
    QFETCH(QString, mentions);
    BroadcastSettings settings;
    QString error;
    QVERIFY(!BroadcastSettings::fromVariantMap(map, &settings, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

void tst_BroadcastLogic::tickerWalksWithSequenceAndTimestamp()
{
    TickerModel one(QStringLiteral("ticker"), QStringLiteral("ABC"), 100.0, 42);
    TickerModel two(QStringLiteral("ticker"), QStringLiteral("ABC"), 100.0, 42);
    double previous = 100.0;
    for (int i = 1; i <= 1000; ++i) {
        const QString text = one.next(1000 + i);
        QCOMPARE(text, two.next(1000 + i));   // same seed, same walk
        const QJsonObject sample = QJsonDocument::fromJson(text.toUtf8()).object();
        QCOMPARE(sample.value(QStringLiteral("type")).toString(), QStringLiteral("tick"));
        QCOMPARE(sample.value(QStringLiteral("symbol")).toString(), QStringLiteral("ABC"));
        QCOMPARE(sample.value(QStringLiteral("seq")).toInteger(), i);
        QCOMPARE(sample.value(QStringLiteral("ts")).toInteger(), 1000 + i);
        const double price = sample.value(QStringLiteral("price")).toDouble();
        QVERIFY(price > 0);
        QVERIFY(qAbs(price - previous) <= previous * 0.006 + 0.01);
        previous = price;
    }
}

QTEST_GUILESS_MAIN(tst_BroadcastLogic)
#include "tst_broadcastlogic.moc"
