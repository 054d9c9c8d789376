// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "redisserver.h"
#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTcpServer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

//! A real QWebSocket client that records the text it receives, in order.
class Client : public QObject
{
public:
    explicit Client(quint16 port, const QString &path)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &t) { received.append(t); });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closeCode = int(socket.closeCode()); });
        socket.open(wsUrl(port, path));
    }
    bool waitOpen()
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    //! What was received, without the warm-up messages ("warm ...").
    QStringList payloads() const
    {
        QStringList out;
        for (const QString &r : received) {
            if (!r.startsWith(QLatin1String("warm")))
                out.append(r);
        }
        return out;
    }
    bool gotWarm() const
    {
        return std::any_of(received.cbegin(), received.cend(), [](const QString &r) { return r.startsWith(QLatin1String("warm")); });
    }
    QWebSocket socket;
    QStringList received;
    int closeCode = -1;
};

//! A GET on a fresh connection; the whole response (the host closes after it).
QByteArray httpGet(quint16 port, const QByteArray &path)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray response;
    waitForDisconnect(socket, 5000, &response);
    return response;
}

//! The value of a metric line in /metrics, or -1.
qint64 metric(quint64 port, const char *name)
{
    const QByteArray body = httpGet(quint16(port), "/metrics");
    const QRegularExpression re(QStringLiteral("^%1 (\\d+)$").arg(QLatin1String(name)), QRegularExpression::MultilineOption);
    const auto m = re.match(QString::fromUtf8(body));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

//! The "cluster" object of the admin channel's snapshot (on attach) or latest tick.
class AdminWatch : public QObject
{
public:
    explicit AdminWatch(quint16 port)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
            if (o.contains(QLatin1String("cluster")))
                cluster = o.value(QLatin1String("cluster")).toObject();
        });
        socket.open(wsUrl(port, QStringLiteral("/_admin?token=cluster-admin-token")));
    }
    QWebSocket socket;
    QJsonObject cluster;
};

//! A chat client: every event it received, parsed.
class ChatClient : public QObject
{
public:
    ChatClient(quint16 port)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &t) {
            events.append(QJsonDocument::fromJson(t.toUtf8()).object());
        });
        socket.open(wsUrl(port, QStringLiteral("/chat")));
    }
    bool waitOpen()
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    void send(const QJsonObject &o) { socket.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact))); }
    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &e : events) {
            if (e.value(QLatin1String("type")).toString() == type)
                out.append(e);
        }
        return out;
    }
    //! The texts of the "message" events, in order.
    //! The answers to this client's own joins ("self": true).
    QList<QJsonObject> selfJoined() const
    {
        QList<QJsonObject> out;
        for (const QJsonObject &e : ofType(QStringLiteral("joined"))) {
            if (e.value(QLatin1String("self")).toBool())
                out.append(e);
        }
        return out;
    }
    QStringList texts() const
    {
        QStringList out;
        for (const QJsonObject &e : ofType(QStringLiteral("message")))
            out.append(e.value(QLatin1String("text")).toString());
        return out;
    }
    QList<qint64> seqs() const
    {
        QList<qint64> out;
        for (const QJsonObject &e : ofType(QStringLiteral("message")))
            out.append(e.value(QLatin1String("seq")).toInteger());
        return out;
    }
    QWebSocket socket;
    QList<QJsonObject> events;
};

QJsonObject join(const QString &room, const QString &nick)
{
    return {{QStringLiteral("type"), QStringLiteral("join")}, {QStringLiteral("room"), room}, {QStringLiteral("nick"), nick}};
}

QJsonObject say(const QString &room, const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("say")}, {QStringLiteral("room"), room}, {QStringLiteral("text"), text}};
}

int readyStatus(quint16 port)
{
    return statusCode(httpGet(port, "/readyz"));
}

} // namespace

class tst_Cluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void publishOnAnyHostReachesEverySubscriberOnEveryHostOnceInOrder();
    void retainedMessageReachesANewSubscriberOnAnotherHost();
    void tickerRunsOnOneHostAndMovesWhenItStops();
    void redisAwayKeepsLocalDeliveryAndQueuedMessagesArriveOnceWhenBack();
    void redisRestartedEmptyIsANewEpoch();
    void badRedisUrlIsRefused();
    void clustersOnTwoDatabasesOfOneRedisDoNotMeet();

    void chatRoomIsOneAcrossHosts();
    void chatClientMovedToAnotherHostResumesExactly();
    void chatResumeAfterRedisCameBackEmptyIsRefusedClearly();
    void chatSayWhileRedisIsAwayIsRefused();
    void chatPresenceSpansHostsAndADeadHostsMembersLeave();
    void hostProgramRefusesABadRedisUrlInOneLine();
    void chatClientOfAKilledHostResumesThroughHaproxyOnTheOther();

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
    HostConfig c = testConfig();
    c.redisUrl = m_redis->url() + QStringLiteral("/%1").arg(db);
    c.nodeId = node;
    c.clusterQueueSize = queue;
    c.clusterTimeoutMs = 1000;
    c.adminToken = QStringLiteral("cluster-admin-token");
    QVariantMap settings = broadcast;
    if (!settings.contains(QStringLiteral("ticker")))
        settings.insert(QStringLiteral("ticker"), QVariantMap{{QStringLiteral("enabled"), false}});
    c.pluginSettings.insert(QStringLiteral("broadcast"), settings);
    auto h = startedHost(c);
    if (!h)
        return nullptr;
    // Up once /readyz says so: both Redis connections made and the epoch read.
    const quint16 port = h->serverPort();
    QDeadlineTimer deadline(10000);
    while (readyStatus(port) != 200 && !deadline.hasExpired())
        QTest::qWait(20);
    return h;
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

void tst_Cluster::chatRoomIsOneAcrossHosts()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    ChatClient alice(a->serverPort());
    ChatClient bob(b->serverPort());
    QVERIFY(alice.waitOpen() && bob.waitOpen());
    alice.send(join(QStringLiteral("lobby"), QStringLiteral("alice")));
    bob.send(join(QStringLiteral("lobby"), QStringLiteral("bob")));
    QTRY_COMPARE(alice.selfJoined().size(), 1);
    QTRY_COMPARE(bob.selfJoined().size(), 1);
    for (int i = 0; i < 20; ++i) {
        alice.send(say(QStringLiteral("lobby"), QStringLiteral("a%1").arg(i)));
        bob.send(say(QStringLiteral("lobby"), QStringLiteral("b%1").arg(i)));
    }
    QTRY_COMPARE_WITH_TIMEOUT(alice.texts().size(), 40, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(bob.texts().size(), 40, 10000);
    // One room: one sequence, 1..40 without a gap, the same order on both hosts.
    QCOMPARE(alice.texts(), bob.texts());
    QList<qint64> expected;
    for (int i = 1; i <= 40; ++i)
        expected.append(i);
    QCOMPARE(alice.seqs(), expected);
    QCOMPARE(bob.seqs(), expected);
    const QJsonObject joined = alice.selfJoined().first();
    QVERIFY(!joined.value(QLatin1String("epoch")).toString().isEmpty());
}

void tst_Cluster::chatClientMovedToAnotherHostResumesExactly()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    auto alice = std::make_unique<ChatClient>(a->serverPort());
    ChatClient bob(b->serverPort());
    QVERIFY(alice->waitOpen() && bob.waitOpen());
    alice->send(join(QStringLiteral("room"), QStringLiteral("alice")));
    bob.send(join(QStringLiteral("room"), QStringLiteral("bob")));
    QTRY_COMPARE(alice->selfJoined().size(), 1);
    QTRY_COMPARE(bob.selfJoined().size(), 1);
    for (int i = 1; i <= 5; ++i)
        bob.send(say(QStringLiteral("room"), QStringLiteral("m%1").arg(i)));
    QTRY_COMPARE(alice->texts().size(), 5);
    const QString epoch = alice->selfJoined().first().value(QLatin1String("epoch")).toString();
    const qint64 lastSeq = alice->seqs().last();
    QCOMPARE(lastSeq, 5);
    alice.reset();   // gone from host A

    for (int i = 6; i <= 10; ++i)
        bob.send(say(QStringLiteral("room"), QStringLiteral("m%1").arg(i)));
    QTRY_COMPARE(bob.texts().size(), 10);

    ChatClient back(b->serverPort());   // on host B now
    QVERIFY(back.waitOpen());
    QJsonObject rejoin = join(QStringLiteral("room"), QStringLiteral("alice"));
    rejoin.insert(QStringLiteral("lastSeq"), lastSeq);
    rejoin.insert(QStringLiteral("epoch"), epoch);
    back.send(rejoin);
    QTRY_COMPARE(back.texts().size(), 5);
    const QJsonObject joined = back.selfJoined().first();
    QCOMPARE(joined.value(QLatin1String("complete")).toBool(), true);
    QCOMPARE(joined.value(QLatin1String("history")).toInt(), 5);
    QCOMPARE(back.texts(), QStringList({QStringLiteral("m6"), QStringLiteral("m7"), QStringLiteral("m8"),
                                        QStringLiteral("m9"), QStringLiteral("m10")}));
    QCOMPARE(back.seqs(), QList<qint64>({6, 7, 8, 9, 10}));
    bob.send(say(QStringLiteral("room"), QStringLiteral("m11")));
    QTRY_COMPARE(back.texts().size(), 6);
    QTest::qWait(200);
    QCOMPARE(back.seqs(), QList<qint64>({6, 7, 8, 9, 10, 11}));   // live after the replay, once
    QVERIFY(back.ofType(QStringLiteral("history_gone")).isEmpty());
}

void tst_Cluster::chatResumeAfterRedisCameBackEmptyIsRefusedClearly()
{
    auto a = host(QStringLiteral("node-a"));
    QVERIFY(a);
    ChatClient alice(a->serverPort());
    QVERIFY(alice.waitOpen());
    alice.send(join(QStringLiteral("room"), QStringLiteral("alice")));
    QTRY_COMPARE(alice.selfJoined().size(), 1);
    for (int i = 1; i <= 3; ++i)
        alice.send(say(QStringLiteral("room"), QStringLiteral("m%1").arg(i)));
    QTRY_COMPARE(alice.texts().size(), 3);
    const QString epoch = alice.selfJoined().first().value(QLatin1String("epoch")).toString();

    QVERIFY2(m_redis->restartEmpty(), qPrintable(m_redis->error()));
    // The members are told at once that what they hold no longer means anything.
    QTRY_COMPARE_WITH_TIMEOUT(alice.ofType(QStringLiteral("history_gone")).size(), 1, 10000);
    QCOMPARE(alice.ofType(QStringLiteral("history_gone")).first().value(QLatin1String("reason")).toString(),
             QStringLiteral("epoch"));

    // A client resuming with the old position gets no history, and is told why.
    ChatClient back(a->serverPort());
    QVERIFY(back.waitOpen());
    QJsonObject rejoin = join(QStringLiteral("room"), QStringLiteral("alice2"));
    rejoin.insert(QStringLiteral("lastSeq"), 3);
    rejoin.insert(QStringLiteral("epoch"), epoch);
    back.send(rejoin);
    QTRY_COMPARE(back.ofType(QStringLiteral("history_gone")).size(), 1);
    const QJsonObject joined = back.selfJoined().first();
    QCOMPARE(joined.value(QLatin1String("complete")).toBool(), false);
    QCOMPARE(joined.value(QLatin1String("history")).toInt(), 0);
    QVERIFY(joined.value(QLatin1String("epoch")).toString() != epoch);
    QVERIFY(back.texts().isEmpty());
}

void tst_Cluster::chatSayWhileRedisIsAwayIsRefused()
{
    auto a = host(QStringLiteral("node-a"));
    QVERIFY(a);
    ChatClient alice(a->serverPort());
    QVERIFY(alice.waitOpen());
    alice.send(join(QStringLiteral("room"), QStringLiteral("alice")));
    QTRY_COMPARE(alice.selfJoined().size(), 1);
    m_redis->kill();
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_up"), 0, 5000);
    alice.send(say(QStringLiteral("room"), QStringLiteral("lost?")));
    QTRY_COMPARE(alice.ofType(QStringLiteral("error")).size(), 1);
    QCOMPARE(alice.ofType(QStringLiteral("error")).first().value(QLatin1String("code")).toString(),
             QStringLiteral("cluster_unavailable"));
    QVERIFY(alice.texts().isEmpty());
}

namespace {
//! wsplug-host with \a args; its port, or 0. The process is the caller's (stopped by its PID there).
quint16 startProgram(QProcess &process, const QStringList &args)
{
    process.start(QStringLiteral(WSPLUG_HOST_PROGRAM), args);
    if (!process.waitForStarted(5000))
        return 0;
    QByteArray out;
    static const QRegularExpression listening(QStringLiteral("listening on ws://[^:]+:(\\d+)"));
    for (int i = 0; i < 100 && process.state() == QProcess::Running; ++i) {
        process.waitForReadyRead(100);
        out += process.readAllStandardOutput();
        if (const auto m = listening.match(QString::fromUtf8(out)); m.hasMatch())
            return quint16(m.captured(1).toUInt());
    }
    return 0;
}
} // namespace

void tst_Cluster::chatPresenceSpansHostsAndADeadHostsMembersLeave()
{
    QTemporaryFile config;
    QVERIFY(config.open());
    config.write(R"({"plugins": {"chat": {"presenceTtlSeconds": 3}, "broadcast": {"ticker": {"enabled": false}}}})");
    config.flush();
    // Host A is a real wsplug-host process, so that it can die as a host dies: SIGKILL.
    QProcess hostA;
    const quint16 portA = startProgram(hostA, {QStringLiteral("--port"), QStringLiteral("0"),
                                                QStringLiteral("--redis"), m_redis->url(),
                                                QStringLiteral("--node-id"), QStringLiteral("node-a"),
                                                QStringLiteral("--plugin-dir"), QStringLiteral(WSPLUG_PLUGIN_DIR),
                                                QStringLiteral("--watch-plugins"), QStringLiteral("off"),
                                                QStringLiteral("--config"), config.fileName()});
    QVERIFY(portA);
    HostConfig c = testConfig();
    c.redisUrl = m_redis->url();
    c.nodeId = QStringLiteral("node-b");
    c.pluginSettings.insert(QStringLiteral("chat"), QVariantMap{{QStringLiteral("presenceTtlSeconds"), 3}});
    auto b = startedHost(c);
    QVERIFY(b);
    QTRY_COMPARE_WITH_TIMEOUT(readyStatus(portA), 200, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(readyStatus(b->serverPort()), 200, 10000);

    ChatClient alice(portA);
    ChatClient bob(b->serverPort());
    QVERIFY(alice.waitOpen() && bob.waitOpen());
    alice.send(join(QStringLiteral("p"), QStringLiteral("alice")));
    QTRY_COMPARE(alice.ofType(QStringLiteral("joined")).size(), 1);
    bob.send(join(QStringLiteral("p"), QStringLiteral("bob")));
    // Each sees the other join, though they are on different hosts.
    QTRY_VERIFY_WITH_TIMEOUT(!bob.ofType(QStringLiteral("joined")).isEmpty(), 5000);
    auto joinedOther = [](const ChatClient &c, const QString &nick) {
        const QList<QJsonObject> joined = c.ofType(QStringLiteral("joined"));
        return std::any_of(joined.cbegin(), joined.cend(), [&nick](const QJsonObject &e) {
            return e.value(QLatin1String("nick")).toString() == nick && !e.contains(QLatin1String("self"));
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(joinedOther(alice, QStringLiteral("bob")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(joinedOther(bob, QStringLiteral("alice")), 5000);
    bob.send({{QStringLiteral("type"), QStringLiteral("members")}, {QStringLiteral("room"), QStringLiteral("p")}});
    QTRY_COMPARE(bob.ofType(QStringLiteral("members")).size(), 1);
    QCOMPARE(bob.ofType(QStringLiteral("members")).first().value(QLatin1String("members")).toArray(),
             QJsonArray({QStringLiteral("alice"), QStringLiteral("bob")}));
    // A nick taken on another host is taken.
    ChatClient carol(b->serverPort());
    QVERIFY(carol.waitOpen());
    carol.send(join(QStringLiteral("p"), QStringLiteral("Alice")));
    QTRY_COMPARE(carol.ofType(QStringLiteral("error")).size(), 1);
    QCOMPARE(carol.ofType(QStringLiteral("error")).first().value(QLatin1String("code")).toString(), QStringLiteral("nick_taken"));

    hostA.kill();   // no goodbye: its members must expire
    QVERIFY(hostA.waitForFinished(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!bob.ofType(QStringLiteral("left")).isEmpty(), 10000);
    const QJsonObject left = bob.ofType(QStringLiteral("left")).first();
    QCOMPARE(left.value(QLatin1String("nick")).toString(), QStringLiteral("alice"));
    QCOMPARE(left.value(QLatin1String("reason")).toString(), QStringLiteral("disconnect"));
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

void tst_Cluster::chatClientOfAKilledHostResumesThroughHaproxyOnTheOther()
{
    const QString haproxy = QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
    if (haproxy.isEmpty())
        QSKIP("haproxy is not installed");
    QProcess hostA;
    const quint16 portA = startProgram(hostA, {QStringLiteral("--port"), QStringLiteral("0"),
                                                QStringLiteral("--redis"), m_redis->url(),
                                                QStringLiteral("--node-id"), QStringLiteral("node-a"),
                                                QStringLiteral("--plugin-dir"), QStringLiteral(WSPLUG_PLUGIN_DIR),
                                                QStringLiteral("--watch-plugins"), QStringLiteral("off")});
    QVERIFY(portA);
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(b);
    QTRY_COMPARE_WITH_TIMEOUT(readyStatus(portA), 200, 10000);

    // docs/scale-out.md's front, with B as a backup so that the first client lands on A.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 front = probe.serverPort();
    probe.close();
    QTemporaryFile config;
    QVERIFY(config.open());
    config.write(QStringLiteral(
        "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n  timeout tunnel 60s\n"
        "  option redispatch\n  retries 3\n"
        "frontend ws\n  bind 127.0.0.1:%1\n  default_backend wsplug\n"
        "backend wsplug\n  balance leastconn\n  option httpchk GET /readyz\n  http-check expect status 200\n"
        "  default-server check inter 200ms fall 1 rise 1\n"
        "  server a 127.0.0.1:%2\n  server b 127.0.0.1:%3 backup\n").arg(front).arg(portA).arg(b->serverPort()).toUtf8());
    config.flush();
    QProcess proxy;
    proxy.setProcessChannelMode(QProcess::ForwardedChannels);
    proxy.start(haproxy, {QStringLiteral("-db"), QStringLiteral("-f"), config.fileName()});
    QVERIFY(proxy.waitForStarted(5000));
    auto stopProxy = qScopeGuard([&proxy] {
        proxy.kill();
        proxy.waitForFinished(5000);
    });
    QTRY_COMPARE_WITH_TIMEOUT(readyStatus(front), 200, 10000);

    auto alice = std::make_unique<ChatClient>(front);
    ChatClient bob(b->serverPort());
    QVERIFY(alice->waitOpen() && bob.waitOpen());
    alice->send(join(QStringLiteral("h"), QStringLiteral("alice")));
    bob.send(join(QStringLiteral("h"), QStringLiteral("bob")));
    QTRY_COMPARE(alice->selfJoined().size(), 1);
    QTRY_COMPARE(bob.selfJoined().size(), 1);
    for (int i = 1; i <= 3; ++i)
        bob.send(say(QStringLiteral("h"), QStringLiteral("m%1").arg(i)));
    QTRY_COMPARE(alice->texts().size(), 3);
    const QString epoch = alice->selfJoined().first().value(QLatin1String("epoch")).toString();

    hostA.kill();   // alice's host dies mid-chat
    QVERIFY(hostA.waitForFinished(5000));
    QTRY_VERIFY(alice->socket.state() == QAbstractSocket::UnconnectedState);
    alice.reset();
    for (int i = 4; i <= 5; ++i)
        bob.send(say(QStringLiteral("h"), QStringLiteral("m%1").arg(i)));
    QTRY_COMPARE(bob.texts().size(), 5);

    // It reconnects to the same address; haproxy sends it to B.
    ChatClient back(front);
    QVERIFY(back.waitOpen());
    QJsonObject rejoin = join(QStringLiteral("h"), QStringLiteral("alice"));
    rejoin.insert(QStringLiteral("lastSeq"), 3);
    rejoin.insert(QStringLiteral("epoch"), epoch);
    back.send(rejoin);
    QTRY_VERIFY2(back.texts().size() == 2, QJsonDocument(back.events.value(0)).toJson().constData());
    QCOMPARE(back.texts(), QStringList({QStringLiteral("m4"), QStringLiteral("m5")}));
    QCOMPARE(back.selfJoined().first().value(QLatin1String("complete")).toBool(), true);
    bob.send(say(QStringLiteral("h"), QStringLiteral("m6")));
    QTRY_COMPARE(back.texts().size(), 3);
    QTest::qWait(200);
    QCOMPARE(back.seqs(), QList<qint64>({4, 5, 6}));
}

QTEST_GUILESS_MAIN(tst_Cluster)
#include "tst_cluster.moc"
