// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The cluster bus under broadcast: real redis-server, real hosts, real clients.
#include "clusterpeers.h"
#include "redisserver.h"

#include <wsplug/hostserver.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryFile>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_Cluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void publishOnAnyHostReachesEverySubscriberOnEveryHostOnceInOrder();
    void retainedMessageReachesANewSubscriberOnAnotherHost();
    void subscribersJoiningWhileMessagesFlowGetEachOnceInOrder();
    void tickerRunsOnOneHostAndMovesWhenItStops();
    void redisAwayKeepsLocalDeliveryAndQueuedMessagesArriveOnceWhenBack();
    void redisRestartedEmptyIsANewEpoch();
    void clusterTotalsAddUpEveryHostsTraffic();
    void fullQueueClosesThePublisherWith1013();
    void badRedisUrlIsRefused();
    void clustersOnTwoDatabasesOfOneRedisDoNotMeet();
    void hostProgramRefusesABadRedisUrlInOneLine();

private:
    std::unique_ptr<HostServer> host(const QString &node, const QVariantMap &broadcast = {}, int queue = 10000,
                                     int db = 0);
    //! Publishes warm-up messages from \a publisher until every one of \a clients got one:
    //! then every host's subscription is live in Redis.
    bool warmUp(Client &publisher, const QList<Client *> &clients);

    std::unique_ptr<RedisServer> m_redis;
};


void tst_Cluster::initTestCase()
{
    if (!RedisServer::available())
        QSKIP("redis-server is not installed (tests/run-all.sh installs it)");
}

void tst_Cluster::init()
{
    m_redis = std::make_unique<RedisServer>(true);
    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
}

void tst_Cluster::cleanup()
{
    m_redis.reset();   // kills its process
}

std::unique_ptr<HostServer> tst_Cluster::host(const QString &node, const QVariantMap &broadcast, int queue, int db)
{
    return clusterHost(m_redis->url() + QStringLiteral("/%1").arg(db), node, broadcast, queue);
}

bool tst_Cluster::warmUp(Client &publisher, const QList<Client *> &clients)
{
    for (int i = 0; i < 500; ++i) {
        publisher.socket.sendTextMessage(QStringLiteral("warm %1").arg(i));
        QTest::qWait(20);
        if (std::all_of(clients.cbegin(), clients.cend(), [](const Client *c) { return c->gotWarm(); }))
            break;
    }
    // The last warm-ups still on their way land before anything sent after this.
    QTest::qWait(100);
    return std::all_of(clients.cbegin(), clients.cend(), [](const Client *c) { return c->gotWarm(); });
}

void tst_Cluster::publishOnAnyHostReachesEverySubscriberOnEveryHostOnceInOrder()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    Client subA1(a->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client subA2(a->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client subB(b->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client pubA(a->serverPort(), QStringLiteral("/broadcast/news"));
    Client pubB(b->serverPort(), QStringLiteral("/broadcast/news"));
    for (Client *c : {&subA1, &subA2, &subB, &pubA, &pubB})
        QVERIFY(c->waitOpen());
    QVERIFY(warmUp(pubB, {&subA1, &subA2, &subB, &pubA}));

    constexpr int Count = 300;
    for (int i = 0; i < Count; ++i) {
        pubA.socket.sendTextMessage(QStringLiteral("a%1").arg(i));
        pubB.socket.sendTextMessage(QStringLiteral("b%1").arg(i));
    }
    for (Client *c : {&subA1, &subA2, &subB, &pubA, &pubB})
        QTRY_COMPARE_WITH_TIMEOUT(c->payloads().size(), 2 * Count, 10000);
    QTest::qWait(200);   // nothing more may come: a duplicate would show up here
    for (Client *c : {&subA1, &subA2, &subB, &pubA, &pubB}) {
        const QStringList got = c->payloads();
        QCOMPARE(got.size(), 2 * Count);
        QStringList fromA, fromB;
        for (const QString &m : got)
            (m.startsWith(QLatin1Char('a')) ? fromA : fromB).append(m);
        for (int i = 0; i < Count; ++i) {
            QCOMPARE(fromA.at(i), QStringLiteral("a%1").arg(i));
            QCOMPARE(fromB.at(i), QStringLiteral("b%1").arg(i));
        }
    }
    QVERIFY(metric(a->serverPort(), "wsplug_cluster_up") == 1);
    QVERIFY(metric(b->serverPort(), "wsplug_cluster_enabled") == 1);
}

void tst_Cluster::retainedMessageReachesANewSubscriberOnAnotherHost()
{
    const QVariantMap retain{{QStringLiteral("retain"), true}};
    auto a = host(QStringLiteral("node-a"), retain);
    auto b = host(QStringLiteral("node-b"), retain);
    QVERIFY(a && b);
    Client pub(a->serverPort(), QStringLiteral("/broadcast/state"));
    QVERIFY(pub.waitOpen());
    pub.socket.sendTextMessage(QStringLiteral("state 1"));
    pub.socket.sendTextMessage(QStringLiteral("state 2"));
    QTRY_COMPARE(pub.received, QStringList({QStringLiteral("state 1"), QStringLiteral("state 2")}));

    Client late(b->serverPort(), QStringLiteral("/broadcast/state?mode=subscribe"));
    QVERIFY(late.waitOpen());
    QTRY_COMPARE(late.received, QStringList{QStringLiteral("state 2")});
    // And then live ones, without the retained one again.
    Client other(b->serverPort(), QStringLiteral("/broadcast/other?mode=subscribe"));
    QVERIFY(other.waitOpen());
    QTest::qWait(300);
    QVERIFY(other.received.isEmpty());   // a topic with nothing retained sends nothing
    pub.socket.sendTextMessage(QStringLiteral("state 3"));
    QTRY_COMPARE(late.received, QStringList({QStringLiteral("state 2"), QStringLiteral("state 3")}));
}

/*
 * A subscriber that joins mid-stream asks for the retained message while live ones are on
 * their way, and the retained one can be one of them (the history read waits for the new
 * subscription, so publishes land in both). Whatever the timing, each subscriber gets an
 * unbroken run of the stream: each message once, in order, nothing skipped after its first.
 */
void tst_Cluster::subscribersJoiningWhileMessagesFlowGetEachOnceInOrder()
{
    const QVariantMap retain{{QStringLiteral("retain"), true}};
    auto a = host(QStringLiteral("node-a"), retain);
    auto b = host(QStringLiteral("node-b"), retain);
    QVERIFY(a && b);
    Client pub(a->serverPort(), QStringLiteral("/broadcast/flow"));
    QVERIFY(pub.waitOpen());
    int sent = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] { pub.socket.sendTextMessage(QString::number(++sent)); });
    ticker.start(1);

    // Half on the publisher's host, half on the other; each opens while the stream runs.
    std::vector<std::unique_ptr<Client>> subscribers;
    for (int i = 0; i < 16; ++i) {
        HostServer *on = (i % 2 ? a : b).get();
        subscribers.push_back(std::make_unique<Client>(on->serverPort(), QStringLiteral("/broadcast/flow?mode=subscribe")));
        QVERIFY(subscribers.back()->waitOpen());
        QTest::qWait(7 * (i % 3));
    }
    QTRY_VERIFY(std::all_of(subscribers.cbegin(), subscribers.cend(), [](const auto &c) { return c->received.size() >= 5; }));
    ticker.stop();
    const QString last = QString::number(sent);
    for (const auto &c : subscribers)
        QTRY_COMPARE(c->received.constLast(), last);
    QTest::qWait(200);   // a late duplicate would show up here

    for (const auto &c : subscribers) {
        QCOMPARE(c->received.constLast(), last);
        const int first = c->received.constFirst().toInt();
        for (qsizetype i = 0; i < c->received.size(); ++i)
            QCOMPARE(c->received.at(i), QString::number(first + int(i)));
    }
}

void tst_Cluster::tickerRunsOnOneHostAndMovesWhenItStops()
{
    const QVariantMap ticker{{QStringLiteral("ticker"), QVariantMap{{QStringLiteral("intervalMs"), 100}}}};
    auto a = host(QStringLiteral("node-a"), ticker);
    auto b = host(QStringLiteral("node-b"), ticker);
    QVERIFY(a && b);
    Client onA(a->serverPort(), QStringLiteral("/broadcast/ticker"));
    Client onB(b->serverPort(), QStringLiteral("/broadcast/ticker"));
    QVERIFY(onA.waitOpen() && onB.waitOpen());
    QTRY_VERIFY_WITH_TIMEOUT(onA.received.size() >= 15 && onB.received.size() >= 15, 10000);
    // One ticker: one sequence, no sample twice, both hosts see the same samples.
    auto seqs = [](const QStringList &samples) {
        QList<qint64> out;
        for (const QString &s : samples)
            out.append(QJsonDocument::fromJson(s.toUtf8()).object().value(QStringLiteral("seq")).toInteger());
        return out;
    };
    const QList<qint64> seqA = seqs(onA.received);
    for (qsizetype i = 1; i < seqA.size(); ++i)
        QCOMPARE(seqA.at(i), seqA.at(i - 1) + 1);
    const QStringList common = onA.received.mid(onA.received.size() - 10);
    for (const QString &s : common)
        QVERIFY(onB.received.contains(s));

    // Stop the host that ticks: the other one takes over once the lease runs out.
    const bool aTicks = metric(a->serverPort(), "wsplug_cluster_published_total")
            > metric(b->serverPort(), "wsplug_cluster_published_total");
    std::unique_ptr<HostServer> &ticking = aTicks ? a : b;
    Client &survivor = aTicks ? onB : onA;
    QSignalSpy stopped(ticking.get(), &HostServer::stopped);
    ticking->stop();
    QTRY_COMPARE(stopped.count(), 1);
    ticking.reset();
    const qsizetype before = survivor.received.size();
    QTRY_VERIFY_WITH_TIMEOUT(survivor.received.size() >= before + 10, 15000);
    const QList<qint64> after = seqs(survivor.received.mid(before + 1));
    for (qsizetype i = 1; i < after.size(); ++i)
        QCOMPARE(after.at(i), after.at(i - 1) + 1);
}

void tst_Cluster::redisAwayKeepsLocalDeliveryAndQueuedMessagesArriveOnceWhenBack()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    Client subA(a->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client subB(b->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client pubA(a->serverPort(), QStringLiteral("/broadcast/news"));
    for (Client *c : {&subA, &subB, &pubA})
        QVERIFY(c->waitOpen());
    QVERIFY(warmUp(pubA, {&subA, &subB}));
    pubA.socket.sendTextMessage(QStringLiteral("before"));
    QTRY_COMPARE(subB.payloads(), QStringList{QStringLiteral("before")});

    AdminWatch admin(a->serverPort());
    QTRY_COMPARE(admin.cluster.value(QLatin1String("node")).toString(), QStringLiteral("node-a"));
    QVERIFY(admin.cluster.value(QLatin1String("up")).toBool());
    // Every node of the cluster, from Redis.
    QTRY_COMPARE(admin.cluster.value(QLatin1String("nodes")).toArray(),
                 QJsonArray({QStringLiteral("node-a"), QStringLiteral("node-b")}));
    // The whole cluster's sessions next to this host's: 2 on A (and the admin client is no
    // session), 1 on B.
    QTRY_COMPARE(admin.cluster.value(QLatin1String("sessions")).toInteger(), 3);

    m_redis->kill();
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_up"), 0, 5000);
    QCOMPARE(readyStatus(a->serverPort()), 503);
    QTRY_VERIFY(!admin.cluster.value(QLatin1String("up")).toBool());   // the monitor sees it in the next tick
    QVERIFY(!admin.cluster.value(QLatin1String("lastError")).toString().isEmpty());
    for (int i = 0; i < 5; ++i)
        pubA.socket.sendTextMessage(QStringLiteral("away %1").arg(i));
    // This host's subscribers still get them; the other host's cannot yet.
    QTRY_COMPARE(subA.payloads().size(), 6);
    QCOMPARE(subB.payloads().size(), 1);
    QTRY_COMPARE(metric(a->serverPort(), "wsplug_cluster_queue_length"), 5);

    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));   // with its data (append-only file)
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_up"), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(readyStatus(b->serverPort()), 200, 10000);
    const QStringList expected{QStringLiteral("before"), QStringLiteral("away 0"), QStringLiteral("away 1"),
                               QStringLiteral("away 2"), QStringLiteral("away 3"), QStringLiteral("away 4")};
    QTRY_COMPARE_WITH_TIMEOUT(subB.payloads(), expected, 10000);
    QTest::qWait(300);
    QCOMPARE(subA.payloads(), expected);   // not twice on the host that queued them
    QCOMPARE(subB.payloads(), expected);
    QCOMPARE(metric(a->serverPort(), "wsplug_cluster_epoch_losses_total"), 0);
    QCOMPARE(metric(a->serverPort(), "wsplug_cluster_queue_length"), 0);
}

// The admin channel's cluster figures are every host's added up, next to this host's own
// stats: here all the incoming traffic is on B, and A's admin channel must show it.
void tst_Cluster::clusterTotalsAddUpEveryHostsTraffic()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    Client subA(a->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client pubB(b->serverPort(), QStringLiteral("/broadcast/news"));
    QVERIFY(subA.waitOpen() && pubB.waitOpen());
    AdminWatch admin(a->serverPort());
    const auto traffic = [&admin](const char *name) {
        return admin.cluster.value(QLatin1String("traffic")).toObject().value(QLatin1String(name)).toDouble();
    };

    // While B takes messages, A's admin channel shows a rate A itself does not have.
    QTimer publishing;
    int sent = 0;
    connect(&publishing, &QTimer::timeout, &pubB.socket, [&pubB, &sent] {
        pubB.socket.sendTextMessage(QStringLiteral("tick %1").arg(sent++));
    });
    publishing.start(25);
    QTRY_VERIFY2_WITH_TIMEOUT(traffic("messagesInPerSecond") > 0, "the cluster's incoming rate never showed B's messages", 5000);
    publishing.stop();
    QCOMPARE(a->stats().in.messages, 0u);

    // Once quiet, the totals are exactly A's and B's own, added up.
    QVERIFY(b->stats().in.messages > 0);
    QTRY_COMPARE_WITH_TIMEOUT(traffic("messagesIn"), double(a->stats().in.messages + b->stats().in.messages), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(traffic("messagesOut"), double(a->stats().out.messages + b->stats().out.messages), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(traffic("bytesIn"), double(a->stats().in.bytes + b->stats().in.bytes), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(traffic("bytesOut"), double(a->stats().out.bytes + b->stats().out.bytes), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(traffic("messagesInPerSecond"), 0.0, 5000);   // rates fall back when traffic stops
}

// While Redis is away the queue is bounded (--cluster-queue): a publish past it is
// refused, and broadcast closes its publisher with 1013 rather than lose it quietly.
void tst_Cluster::fullQueueClosesThePublisherWith1013()
{
    auto a = host(QStringLiteral("node-a"), {}, 2);
    QVERIFY(a);
    Client sub(a->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client pub(a->serverPort(), QStringLiteral("/broadcast/news"));
    QVERIFY(sub.waitOpen() && pub.waitOpen());
    m_redis->kill();
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_up"), 0, 5000);
    QSignalSpy closed(a.get(), &HostServer::sessionClosed);
    for (int i = 0; i < 3; ++i)
        pub.socket.sendTextMessage(QStringLiteral("away %1").arg(i));
    // The host's side: Qt's client reads 1012-2999 as a protocol error (1002), so ask the host.
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    const SessionSnapshot s = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(s.hostClose.code, 1013);
    QVERIFY(s.hostClose.reason.startsWith(QStringLiteral("cluster unavailable")));
    QCOMPARE(sub.payloads(), (QStringList{QStringLiteral("away 0"), QStringLiteral("away 1")}));   // queued, delivered here
    QVERIFY(metric(a->serverPort(), "wsplug_cluster_dropped_total") >= 1);
}

void tst_Cluster::redisRestartedEmptyIsANewEpoch()
{
    auto a = host(QStringLiteral("node-a"));
    QVERIFY(a);
    QCOMPARE(metric(a->serverPort(), "wsplug_cluster_epoch_losses_total"), 0);
    QVERIFY2(m_redis->restartEmpty(), qPrintable(m_redis->error()));
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_epoch_losses_total"), 1, 10000);
    QCOMPARE(metric(a->serverPort(), "wsplug_cluster_up"), 1);
}

void tst_Cluster::clustersOnTwoDatabasesOfOneRedisDoNotMeet()
{
    auto a = host(QStringLiteral("node-a"), {}, 10000, 0);
    auto b = host(QStringLiteral("node-b"), {}, 10000, 0);
    auto other = host(QStringLiteral("node-x"), {}, 10000, 1);
    QVERIFY(a && b && other);
    Client subB(b->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client subOther(other->serverPort(), QStringLiteral("/broadcast/news?mode=subscribe"));
    Client pubA(a->serverPort(), QStringLiteral("/broadcast/news"));
    for (Client *c : {&subB, &subOther, &pubA})
        QVERIFY(c->waitOpen());
    QVERIFY(warmUp(pubA, {&subB}));
    pubA.socket.sendTextMessage(QStringLiteral("db0 only"));
    QTRY_COMPARE(subB.payloads(), QStringList{QStringLiteral("db0 only")});
    QTest::qWait(300);
    QVERIFY(subOther.received.isEmpty());   // Redis pub/sub ignores SELECT; our channel names do not
}

void tst_Cluster::badRedisUrlIsRefused()
{
    HostConfig c = testConfig();
    c.redisUrl = QStringLiteral("redis://:secret@localhost");
    HostServer h;
    h.setConfig(c);
    QVERIFY(!h.start());
    QVERIFY2(h.errorString().startsWith(QLatin1String("redis: ")), qPrintable(h.errorString()));
}


void tst_Cluster::hostProgramRefusesABadRedisUrlInOneLine()
{
    QProcess p;
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), {QStringLiteral("--port"), QStringLiteral("0"),
                                                  QStringLiteral("--redis"), QStringLiteral("redis://localhost:99999")});
    QVERIFY(p.waitForFinished(10000));
    QVERIFY(p.exitCode() != 0);
    const QByteArray err = p.readAllStandardError().trimmed();
    QVERIFY2(err.contains("redis: the port must be a number from 1 to 65535"), err.constData());
    QCOMPARE(err.count('\n'), 0);
}


QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"
