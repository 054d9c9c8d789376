// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Chat across hosts: real redis-server, real hosts (one a wsplug-host process), haproxy.
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
#include <QTemporaryFile>
#include <QTest>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_ClusterChat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void chatRoomIsOneAcrossHosts();
    void chatClientMovedToAnotherHostResumesExactly();
    void chatResumeAfterRedisCameBackEmptyIsRefusedClearly();
    void chatSayWhileRedisIsAwayIsRefused();
    void chatPresenceSpansHostsAndADeadHostsMembersLeave();
    void chatRoomsListsEveryHostsRooms();
    void chatKickReachesAMemberOnAnotherHost();
    void chatClientOfAKilledHostResumesThroughHaproxyOnTheOther();

private:
    std::unique_ptr<HostServer> host(const QString &node) { return clusterHost(m_redis->url(), node); }

    std::unique_ptr<RedisServer> m_redis;
};

void tst_ClusterChat::initTestCase()
{
    if (!RedisServer::available())
        QSKIP("redis-server is not installed (tests/run-all.sh installs it)");
}

void tst_ClusterChat::init()
{
    m_redis = std::make_unique<RedisServer>(true);
    QVERIFY2(m_redis->start(), qPrintable(m_redis->error()));
}

void tst_ClusterChat::cleanup()
{
    m_redis.reset();   // kills its process
}

void tst_ClusterChat::chatRoomIsOneAcrossHosts()
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

void tst_ClusterChat::chatClientMovedToAnotherHostResumesExactly()
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

void tst_ClusterChat::chatResumeAfterRedisCameBackEmptyIsRefusedClearly()
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

void tst_ClusterChat::chatSayWhileRedisIsAwayIsRefused()
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


void tst_ClusterChat::chatPresenceSpansHostsAndADeadHostsMembersLeave()
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
    // A private message to a member on the other host reaches it, and only it.
    bob.send({{QStringLiteral("type"), QStringLiteral("private")}, {QStringLiteral("room"), QStringLiteral("p")},
              {QStringLiteral("to"), QStringLiteral("ALICE")}, {QStringLiteral("text"), QStringLiteral("psst")}});
    QTRY_COMPARE(alice.ofType(QStringLiteral("private")).size(), 1);
    const QJsonObject psst = alice.ofType(QStringLiteral("private")).first();
    QCOMPARE(psst.value(QLatin1String("from")).toString(), QStringLiteral("bob"));
    QCOMPARE(psst.value(QLatin1String("to")).toString(), QStringLiteral("alice"));
    QCOMPARE(psst.value(QLatin1String("text")).toString(), QStringLiteral("psst"));
    QCOMPARE(bob.ofType(QStringLiteral("private")).size(), 1);   // the sender's receipt
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


// A kick names a member of the room wherever it is: the kicker's host checks the right,
// the target's host closes it (4003), and nobody else is touched.
void tst_ClusterChat::chatKickReachesAMemberOnAnotherHost()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    ChatClient alice(a->serverPort());
    ChatClient bob(b->serverPort());
    ChatClient carol(b->serverPort());
    QVERIFY(alice.waitOpen() && bob.waitOpen() && carol.waitOpen());
    alice.send(join(QStringLiteral("k"), QStringLiteral("alice")));
    bob.send(join(QStringLiteral("k"), QStringLiteral("bob")));
    carol.send(join(QStringLiteral("k"), QStringLiteral("carol")));
    // Alice's host knows both of host B's members.
    const auto members = [](ChatClient &who) {
        const qsizetype before = who.ofType(QStringLiteral("members")).size();
        who.send({{QStringLiteral("type"), QStringLiteral("members")}, {QStringLiteral("room"), QStringLiteral("k")}});
        if (!QTest::qWaitFor([&] { return who.ofType(QStringLiteral("members")).size() > before; }, 2000))
            return QJsonArray();
        return who.ofType(QStringLiteral("members")).last().value(QLatin1String("members")).toArray();
    };
    const QJsonArray all{QStringLiteral("alice"), QStringLiteral("bob"), QStringLiteral("carol")};
    QTRY_COMPARE_WITH_TIMEOUT(members(alice), all, 5000);

    QSignalSpy bobClosed(&bob.socket, &QWebSocket::disconnected);
    alice.send({{QStringLiteral("type"), QStringLiteral("kick")}, {QStringLiteral("room"), QStringLiteral("k")},
                {QStringLiteral("name"), QStringLiteral("BOB")}, {QStringLiteral("reason"), QStringLiteral("spam")},
                {QStringLiteral("id"), 5}});
    QTRY_COMPARE(alice.ofType(QStringLiteral("kicked")).size(), 1);
    const QJsonObject answer = alice.ofType(QStringLiteral("kicked")).first();
    QCOMPARE(answer.value(QLatin1String("name")).toString(), QStringLiteral("bob"));
    QCOMPARE(answer.value(QLatin1String("id")).toInt(), 5);
    QTRY_COMPARE_WITH_TIMEOUT(bobClosed.size(), 1, 5000);
    QCOMPARE(int(bob.socket.closeCode()), 4003);
    QCOMPARE(bob.socket.closeReason(), QStringLiteral("kicked by alice: spam"));
    // Alice sees bob leave; carol, on bob's host and in the room, stays.
    QTRY_VERIFY_WITH_TIMEOUT(!alice.ofType(QStringLiteral("left")).isEmpty(), 5000);
    QCOMPARE(alice.ofType(QStringLiteral("left")).first().value(QLatin1String("nick")).toString(), QStringLiteral("bob"));
    QCOMPARE(carol.socket.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE_WITH_TIMEOUT(members(alice), QJsonArray({QStringLiteral("alice"), QStringLiteral("carol")}), 5000);

    // Redis away: a kick of another host's member is refused, not kept for later.
    m_redis->kill();
    QTRY_COMPARE_WITH_TIMEOUT(metric(a->serverPort(), "wsplug_cluster_up"), 0, 5000);
    alice.send({{QStringLiteral("type"), QStringLiteral("kick")}, {QStringLiteral("room"), QStringLiteral("k")},
                {QStringLiteral("name"), QStringLiteral("carol")}, {QStringLiteral("id"), 6}});
    QTRY_COMPARE(alice.ofType(QStringLiteral("error")).size(), 1);
    const QJsonObject refused = alice.ofType(QStringLiteral("error")).first();
    QCOMPARE(refused.value(QLatin1String("code")).toString(), QStringLiteral("cluster_unavailable"));
    QCOMPARE(refused.value(QLatin1String("request")).toString(), QStringLiteral("kick"));
    QCOMPARE(refused.value(QLatin1String("id")).toInt(), 6);
    QCOMPARE(alice.ofType(QStringLiteral("kicked")).size(), 1);
    // Nothing was sent for later: carol is still there and still answered.
    QCOMPARE(members(carol), QJsonArray({QStringLiteral("alice"), QStringLiteral("carol")}));
    QCOMPARE(carol.socket.state(), QAbstractSocket::ConnectedState);
}

// "rooms" on any host names every host's rooms, with every host's members counted.
void tst_ClusterChat::chatRoomsListsEveryHostsRooms()
{
    auto a = host(QStringLiteral("node-a"));
    auto b = host(QStringLiteral("node-b"));
    QVERIFY(a && b);
    ChatClient alice(a->serverPort());
    ChatClient carol(a->serverPort());
    ChatClient bob(b->serverPort());
    QVERIFY(alice.waitOpen() && carol.waitOpen() && bob.waitOpen());
    alice.send(join(QStringLiteral("only-a"), QStringLiteral("alice")));
    carol.send(join(QStringLiteral("lobby"), QStringLiteral("carol")));
    bob.send(join(QStringLiteral("lobby"), QStringLiteral("bob")));
    bob.send(join(QStringLiteral("only-b"), QStringLiteral("bob")));
    QTRY_COMPARE(alice.selfJoined().size(), 1);
    QTRY_COMPARE(carol.selfJoined().size(), 1);
    QTRY_COMPARE(bob.selfJoined().size(), 2);
    const QJsonArray expected{
        QJsonObject{{QStringLiteral("room"), QStringLiteral("lobby")}, {QStringLiteral("members"), 2}, {QStringLiteral("joined"), true}},
        QJsonObject{{QStringLiteral("room"), QStringLiteral("only-a")}, {QStringLiteral("members"), 1}, {QStringLiteral("joined"), false}},
        QJsonObject{{QStringLiteral("room"), QStringLiteral("only-b")}, {QStringLiteral("members"), 1}, {QStringLiteral("joined"), true}}};
    // The directory follows joins within a fraction of a second; asked until it did.
    QJsonArray listed;
    const bool same = QTest::qWaitFor([&] {
        const qsizetype before = bob.ofType(QStringLiteral("rooms")).size();
        bob.send({{QStringLiteral("type"), QStringLiteral("rooms")}});
        if (!QTest::qWaitFor([&] { return bob.ofType(QStringLiteral("rooms")).size() > before; }, 2000))
            return false;
        listed = QJsonArray();
        for (const QJsonValue &v : bob.ofType(QStringLiteral("rooms")).last().value(QLatin1String("rooms")).toArray()) {
            QJsonObject o = v.toObject();
            o.remove(QStringLiteral("lastSeq"));   // known only for rooms with members here
            listed.append(o);
        }
        return listed == expected;
    }, 10000);
    QVERIFY2(same, QJsonDocument(listed).toJson().constData());
    const QJsonArray raw = bob.ofType(QStringLiteral("rooms")).last().value(QLatin1String("rooms")).toArray();
    QVERIFY(raw.at(0).toObject().contains(QLatin1String("lastSeq")));    // lobby: bob is in it here
    QVERIFY(!raw.at(1).toObject().contains(QLatin1String("lastSeq")));   // only-a: nobody here
}

void tst_ClusterChat::chatClientOfAKilledHostResumesThroughHaproxyOnTheOther()
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
    const quint16 front = freePort();
    QVERIFY(front);
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


QTEST_GUILESS_MAIN(tst_ClusterChat)
#include "tst_clusterchat.moc"
