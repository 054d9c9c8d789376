// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "testsupport.h"

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;

namespace {

QString json(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject joinRequest(const QString &room, const QString &nick)
{
    return {{QStringLiteral("type"), QStringLiteral("join")},
            {QStringLiteral("room"), room},
            {QStringLiteral("nick"), nick}};
}

QJsonObject sayRequest(const QString &room, const QString &text)
{
    return {{QStringLiteral("type"), QStringLiteral("say")},
            {QStringLiteral("room"), room},
            {QStringLiteral("text"), text}};
}

const QString lobby = QStringLiteral("lobby");

/*
 * A chat client over a real QWebSocket that records every event it receives. It is
 * driven by the test's event loop, like the host.
 */
class ChatClient : public QObject
{
public:
    explicit ChatClient(QObject *parent = nullptr) : QObject(parent)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            events.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] { disconnected = true; });
    }

    bool open(quint16 port)
    {
        socket.open(Test::wsUrl(port, QStringLiteral("/chat")));
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, 10000);
    }

    void send(const QJsonObject &request) { socket.sendTextMessage(json(request)); }

    QList<QJsonObject> ofType(const QString &type) const
    {
        QList<QJsonObject> list;
        for (const QJsonObject &event : events) {
            if (event.value(QStringLiteral("type")).toString() == type)
                list.append(event);
        }
        return list;
    }

    int count(const QString &type) const { return int(ofType(type).size()); }

    QList<qint64> messageSeqs() const
    {
        QList<qint64> seqs;
        for (const QJsonObject &event : ofType(QStringLiteral("message")))
            seqs.append(event.value(QStringLiteral("seq")).toInteger());
        return seqs;
    }

    QStringList errorCodes() const
    {
        QStringList codes;
        for (const QJsonObject &event : ofType(QStringLiteral("error")))
            codes.append(event.value(QStringLiteral("code")).toString());
        return codes;
    }

    QWebSocket socket;
    QList<QJsonObject> events;
    bool disconnected = false;
};

} // namespace

class tst_Chat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void membersSeeTheSameOrderAndPresence();
    void privateMessageReachesOnlyTheTarget();
    void historyIsReplayedOnJoin();
    void reconnectingClientResumes_data();
    void reconnectingClientResumes();
    void nickClashIsRefused();
    void badInputGetsAnErrorAndKeepsTheConnection_data();
    void badInputGetsAnErrorAndKeepsTheConnection();
    void tooManyBadMessagesClose1008();
    void rateLimitAnswersWithErrors();
    void floodingCloses1008();
    void badSettingsRefuseThePlugin();
    void messageLimitCountsCharactersNotBytes_data();
    void messageLimitCountsCharactersNotBytes();

private:
    bool startHost(const QVariantMap &chatSettings = {});
    ChatClient *connectClient();

    std::unique_ptr<HostServer> m_host;
    QList<ChatClient *> m_clients;
};

bool tst_Chat::startHost(const QVariantMap &chatSettings)
{
    HostConfig config = Test::testConfig();
    config.pluginSettings.insert(QStringLiteral("chat"), chatSettings);
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    if (!m_host->start()) {
        qWarning() << "host did not start:" << m_host->errorString();
        return false;
    }
    return true;
}

ChatClient *tst_Chat::connectClient()
{
    auto *client = new ChatClient(this);
    m_clients.append(client);
    if (!client->open(m_host->serverPort()))
        return nullptr;
    return client;
}

void tst_Chat::cleanup()
{
    qDeleteAll(m_clients);
    m_clients.clear();
    m_host.reset();
}

void tst_Chat::membersSeeTheSameOrderAndPresence()
{
    QVERIFY(startHost());
    ChatClient *alice = connectClient();
    ChatClient *bob = connectClient();
    QVERIFY(alice && bob);

    alice->send(joinRequest(lobby, QStringLiteral("alice")));
    QTRY_COMPARE(alice->count(QStringLiteral("joined")), 1);
    bob->send(joinRequest(lobby, QStringLiteral("bob")));
    QTRY_COMPARE(alice->count(QStringLiteral("joined")), 2);
    QCOMPARE(alice->ofType(QStringLiteral("joined")).at(1).value(QStringLiteral("nick")).toString(),
             QStringLiteral("bob"));
    QTRY_COMPARE(bob->count(QStringLiteral("joined")), 1);
    const QJsonObject bobJoined = bob->ofType(QStringLiteral("joined")).first();
    QVERIFY(bobJoined.value(QStringLiteral("self")).toBool());
    QCOMPARE(bobJoined.value(QStringLiteral("members")).toArray(),
             (QJsonArray{QStringLiteral("alice"), QStringLiteral("bob")}));

    // Both talk at once, without waiting for each other.
    const int perClient = 15;
    for (int i = 0; i < perClient; ++i) {
        alice->send(sayRequest(lobby, QStringLiteral("a%1").arg(i)));
        bob->send(sayRequest(lobby, QStringLiteral("b%1").arg(i)));
    }
    QTRY_COMPARE(alice->count(QStringLiteral("message")), 2 * perClient);
    QTRY_COMPARE(bob->count(QStringLiteral("message")), 2 * perClient);
    QCOMPARE(alice->ofType(QStringLiteral("message")), bob->ofType(QStringLiteral("message")));

    QList<qint64> expectedSeqs;
    for (int i = 1; i <= 2 * perClient; ++i)
        expectedSeqs.append(i);
    QCOMPARE(alice->messageSeqs(), expectedSeqs);

    // Each sender's messages keep the order it sent them in.
    QStringList fromAlice;
    for (const QJsonObject &m : alice->ofType(QStringLiteral("message"))) {
        QVERIFY(m.value(QStringLiteral("ts")).toInteger() > 0);
        if (m.value(QStringLiteral("from")).toString() == QLatin1String("alice"))
            fromAlice.append(m.value(QStringLiteral("text")).toString());
    }
    QCOMPARE(fromAlice.size(), perClient);
    for (int i = 0; i < perClient; ++i)
        QCOMPARE(fromAlice.at(i), QStringLiteral("a%1").arg(i));

    bob->socket.close();
    QTRY_COMPARE(alice->count(QStringLiteral("left")), 1);
    const QJsonObject left = alice->ofType(QStringLiteral("left")).first();
    QCOMPARE(left.value(QStringLiteral("nick")).toString(), QStringLiteral("bob"));
    QCOMPARE(left.value(QStringLiteral("reason")).toString(), QStringLiteral("disconnect"));
}

void tst_Chat::privateMessageReachesOnlyTheTarget()
{
    QVERIFY(startHost());
    ChatClient *alice = connectClient();
    ChatClient *bob = connectClient();
    ChatClient *carol = connectClient();
    QVERIFY(alice && bob && carol);
    alice->send(joinRequest(lobby, QStringLiteral("alice")));
    bob->send(joinRequest(lobby, QStringLiteral("bob")));
    carol->send(joinRequest(lobby, QStringLiteral("carol")));
    QTRY_COMPARE(alice->count(QStringLiteral("joined")), 3);

    alice->send({{QStringLiteral("type"), QStringLiteral("private")},
                 {QStringLiteral("room"), lobby},
                 {QStringLiteral("to"), QStringLiteral("bob")},
                 {QStringLiteral("text"), QStringLiteral("psst")}});
    QTRY_COMPARE(bob->count(QStringLiteral("private")), 1);
    QTRY_COMPARE(alice->count(QStringLiteral("private")), 1);
    QCOMPARE(bob->ofType(QStringLiteral("private")).first().value(QStringLiteral("from")).toString(),
             QStringLiteral("alice"));
    // carol hears nothing of it: her next event is alice's public message.
    alice->send(sayRequest(lobby, QStringLiteral("public")));
    QTRY_COMPARE(carol->count(QStringLiteral("message")), 1);
    QCOMPARE(carol->count(QStringLiteral("private")), 0);
}

void tst_Chat::historyIsReplayedOnJoin()
{
    QVERIFY(startHost({{QStringLiteral("historySize"), 5}}));
    ChatClient *alice = connectClient();
    QVERIFY(alice);
    alice->send(joinRequest(lobby, QStringLiteral("alice")));
    for (int i = 1; i <= 8; ++i)
        alice->send(sayRequest(lobby, QString::number(i)));
    QTRY_COMPARE(alice->count(QStringLiteral("message")), 8);

    ChatClient *bob = connectClient();
    QVERIFY(bob);
    bob->send(joinRequest(lobby, QStringLiteral("bob")));
    QTRY_COMPARE(bob->count(QStringLiteral("message")), 5);
    QCOMPARE(bob->events.first().value(QStringLiteral("type")).toString(), QStringLiteral("joined"));
    QCOMPARE(bob->events.first().value(QStringLiteral("history")).toInt(), 5);
    QCOMPARE(bob->events.first().value(QStringLiteral("lastSeq")).toInteger(), 8);
    QCOMPARE(bob->messageSeqs(), (QList<qint64>{4, 5, 6, 7, 8}));
    QCOMPARE(bob->ofType(QStringLiteral("message")).last(), alice->ofType(QStringLiteral("message")).last());
}

void tst_Chat::reconnectingClientResumes_data()
{
    QTest::addColumn<bool>("lastSeqOnJoin");
    QTest::addRow("join, then resume") << false;
    QTest::addRow("join with lastSeq") << true;
}

void tst_Chat::reconnectingClientResumes()
{
    QFETCH(bool, lastSeqOnJoin);
    QVERIFY(startHost());
    ChatClient *alice = connectClient();
    ChatClient *bob = connectClient();
    QVERIFY(alice && bob);
    alice->send(joinRequest(lobby, QStringLiteral("alice")));
    bob->send(joinRequest(lobby, QStringLiteral("bob")));
    for (int i = 1; i <= 3; ++i)
        alice->send(sayRequest(lobby, QStringLiteral("before %1").arg(i)));
    QTRY_COMPARE(bob->count(QStringLiteral("message")), 3);
    const qint64 lastSeen = bob->messageSeqs().last();
    QCOMPARE(lastSeen, 3);

    // bob's connection drops; alice keeps talking.
    bob->socket.abort();
    QTRY_COMPARE(alice->count(QStringLiteral("left")), 1);
    for (int i = 1; i <= 4; ++i)
        alice->send(sayRequest(lobby, QStringLiteral("missed %1").arg(i)));
    QTRY_COMPARE(alice->count(QStringLiteral("message")), 7);

    ChatClient *again = connectClient();
    QVERIFY(again);
    QJsonObject join = joinRequest(lobby, QStringLiteral("bob"));
    if (lastSeqOnJoin)
        join.insert(QStringLiteral("lastSeq"), double(lastSeen));
    again->send(join);
    QTRY_COMPARE(again->count(QStringLiteral("joined")), 1);

    QList<QJsonObject> replayed;
    if (lastSeqOnJoin) {
        const QJsonObject joined = again->ofType(QStringLiteral("joined")).first();
        QCOMPARE(joined.value(QStringLiteral("history")).toInt(), 4);
        QVERIFY(joined.value(QStringLiteral("complete")).toBool());
        QTRY_COMPARE(again->count(QStringLiteral("message")), 4);
        replayed = again->ofType(QStringLiteral("message"));
    } else {
        // A plain join replays the whole history; resume then names exactly the gap.
        QTRY_COMPARE(again->count(QStringLiteral("message")), 7);
        const int before = int(again->events.size());
        again->send({{QStringLiteral("type"), QStringLiteral("resume")},
                     {QStringLiteral("room"), lobby},
                     {QStringLiteral("lastSeq"), double(lastSeen)},
                     {QStringLiteral("id"), QStringLiteral("r1")}});
        QTRY_COMPARE(again->events.size(), before + 5);
        const QJsonObject resumed = again->events.at(before);
        QCOMPARE(resumed.value(QStringLiteral("type")).toString(), QStringLiteral("resumed"));
        QCOMPARE(resumed.value(QStringLiteral("id")).toString(), QStringLiteral("r1"));
        QCOMPARE(resumed.value(QStringLiteral("history")).toInt(), 4);
        QCOMPARE(resumed.value(QStringLiteral("missed")).toInt(), 0);
        QVERIFY(resumed.value(QStringLiteral("complete")).toBool());
        replayed = again->events.mid(before + 1);
    }
    QCOMPARE(replayed, alice->ofType(QStringLiteral("message")).mid(3));
    QCOMPARE(replayed.first().value(QStringLiteral("text")).toString(), QStringLiteral("missed 1"));
}

void tst_Chat::nickClashIsRefused()
{
    QVERIFY(startHost());
    ChatClient *first = connectClient();
    ChatClient *second = connectClient();
    QVERIFY(first && second);
    first->send(joinRequest(lobby, QStringLiteral("alice")));
    QTRY_COMPARE(first->count(QStringLiteral("joined")), 1);

    second->send(joinRequest(lobby, QStringLiteral("Alice")));
    QTRY_COMPARE(second->errorCodes(), QStringList{QStringLiteral("nick_taken")});
    QCOMPARE(second->ofType(QStringLiteral("error")).first().value(QStringLiteral("field")).toString(),
             QStringLiteral("nick"));
    // Still connected, and free to pick another nick.
    second->send(joinRequest(lobby, QStringLiteral("alice2")));
    QTRY_COMPARE(second->count(QStringLiteral("joined")), 1);
    QTRY_COMPARE(first->count(QStringLiteral("joined")), 2);
    QVERIFY(!second->disconnected);
}

void tst_Chat::badInputGetsAnErrorAndKeepsTheConnection_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("binary");
    QTest::addColumn<QString>("code");

    QTest::addRow("not json") << QStringLiteral("hello?") << false << QStringLiteral("bad_json");
    QTest::addRow("json array") << QStringLiteral("[\"join\"]") << false << QStringLiteral("bad_json");
    QTest::addRow("unknown type") << QStringLiteral("{\"type\":\"shout\"}") << false << QStringLiteral("unknown_type");
    QTest::addRow("missing type") << QStringLiteral("{\"room\":\"lobby\"}") << false << QStringLiteral("missing_field");
    QTest::addRow("missing text") << QStringLiteral("{\"type\":\"say\",\"room\":\"lobby\"}") << false << QStringLiteral("missing_field");
    QTest::addRow("mistyped room") << QStringLiteral("{\"type\":\"say\",\"room\":[],\"text\":\"x\"}") << false << QStringLiteral("bad_field");
    QTest::addRow("mistyped lastSeq") << QStringLiteral("{\"type\":\"resume\",\"room\":\"lobby\",\"lastSeq\":\"7\"}") << false << QStringLiteral("bad_field");
    QTest::addRow("oversized text")
        << json(sayRequest(lobby, QString(4097, QLatin1Char('x')))) << false << QStringLiteral("text_too_long");
    QTest::addRow("oversized message") << QString(40000, QLatin1Char('{')) << false << QStringLiteral("message_too_long");
    QTest::addRow("binary frame") << QStringLiteral("{\"type\":\"rooms\"}") << true << QStringLiteral("binary_not_supported");
    QTest::addRow("not in room") << json(sayRequest(QStringLiteral("elsewhere"), QStringLiteral("x"))) << false << QStringLiteral("not_in_room");
}

void tst_Chat::badInputGetsAnErrorAndKeepsTheConnection()
{
    QFETCH(QString, text);
    QFETCH(bool, binary);
    QFETCH(QString, code);

    QVERIFY(startHost());
    ChatClient *bystander = connectClient();
    ChatClient *culprit = connectClient();
    QVERIFY(bystander && culprit);
    bystander->send(joinRequest(lobby, QStringLiteral("bystander")));
    culprit->send(joinRequest(lobby, QStringLiteral("culprit")));
    QTRY_COMPARE(bystander->count(QStringLiteral("joined")), 2);
    const int bystanderEvents = int(bystander->events.size());

    if (binary)
        culprit->socket.sendBinaryMessage(text.toUtf8());
    else
        culprit->socket.sendTextMessage(text);
    QTRY_COMPARE(culprit->count(QStringLiteral("error")), 1);
    const QJsonObject error = culprit->ofType(QStringLiteral("error")).first();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
    QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());

    // The connection stays usable and nobody else noticed anything.
    culprit->send(sayRequest(lobby, QStringLiteral("sorry")));
    QTRY_COMPARE(bystander->count(QStringLiteral("message")), 1);
    QCOMPARE(bystander->events.size(), bystanderEvents + 1);
    QVERIFY(!culprit->disconnected);
    QCOMPARE(culprit->socket.state(), QAbstractSocket::ConnectedState);
}

void tst_Chat::tooManyBadMessagesClose1008()
{
    QVERIFY(startHost({{QStringLiteral("maxBadMessages"), 3}}));
    ChatClient *bystander = connectClient();
    ChatClient *culprit = connectClient();
    QVERIFY(bystander && culprit);
    bystander->send(joinRequest(lobby, QStringLiteral("bystander")));
    QTRY_COMPARE(bystander->count(QStringLiteral("joined")), 1);

    culprit->socket.sendTextMessage(QStringLiteral("junk"));
    culprit->socket.sendBinaryMessage(QByteArrayLiteral("\x00\x01"));
    culprit->socket.sendTextMessage(QStringLiteral("{\"type\":42}"));
    QTRY_VERIFY(culprit->disconnected);
    QCOMPARE(culprit->errorCodes(),
             (QStringList{QStringLiteral("bad_json"), QStringLiteral("binary_not_supported"),
                          QStringLiteral("bad_field")}));
    QCOMPARE(int(culprit->socket.closeCode()), 1008);
    QVERIFY2(culprit->socket.closeReason().contains(QStringLiteral("bad messages")),
             qPrintable(culprit->socket.closeReason()));

    // The others carry on.
    bystander->send(sayRequest(lobby, QStringLiteral("still here")));
    QTRY_COMPARE(bystander->count(QStringLiteral("message")), 1);
}

void tst_Chat::rateLimitAnswersWithErrors()
{
    QVERIFY(startHost({{QStringLiteral("rateLimit"),
                        QVariantMap{{QStringLiteral("messagesPerSecond"), 0.5},
                                    {QStringLiteral("burst"), 3},
                                    {QStringLiteral("floodCloseAfter"), 0}}}}));
    ChatClient *client = connectClient();
    ChatClient *other = connectClient();
    QVERIFY(client && other);
    for (int i = 0; i < 6; ++i)
        client->send({{QStringLiteral("type"), QStringLiteral("rooms")}});
    QTRY_COMPARE(client->events.size(), 6);
    QCOMPARE(client->count(QStringLiteral("rooms")), 3);
    QCOMPARE(client->errorCodes(), QStringList(3, QStringLiteral("rate_limited")));
    QVERIFY(client->ofType(QStringLiteral("error")).first().value(QStringLiteral("retryAfterMs")).toInt() > 0);
    QVERIFY(!client->disconnected);
    // The limit is per session.
    other->send({{QStringLiteral("type"), QStringLiteral("rooms")}});
    QTRY_COMPARE(other->count(QStringLiteral("rooms")), 1);
}

void tst_Chat::floodingCloses1008()
{
    QVERIFY(startHost({{QStringLiteral("rateLimit"),
                        QVariantMap{{QStringLiteral("messagesPerSecond"), 1},
                                    {QStringLiteral("burst"), 5},
                                    {QStringLiteral("floodCloseAfter"), 10}}}}));
    ChatClient *flooder = connectClient();
    ChatClient *bystander = connectClient();
    QVERIFY(flooder && bystander);
    bystander->send(joinRequest(lobby, QStringLiteral("bystander")));
    for (int i = 0; i < 100; ++i)
        flooder->send({{QStringLiteral("type"), QStringLiteral("rooms")}});
    QTRY_VERIFY(flooder->disconnected);
    QCOMPARE(int(flooder->socket.closeCode()), 1008);
    QVERIFY2(flooder->socket.closeReason().contains(QStringLiteral("rate limit")),
             qPrintable(flooder->socket.closeReason()));
    // Five from the burst, maybe one more if a token was refilled meanwhile.
    QVERIFY(flooder->count(QStringLiteral("rooms")) >= 5);
    QVERIFY(flooder->count(QStringLiteral("rooms")) <= 6);
    QCOMPARE(flooder->errorCodes(), QStringList(10, QStringLiteral("rate_limited")));

    bystander->send(sayRequest(lobby, QStringLiteral("quiet here")));
    QTRY_COMPARE(bystander->count(QStringLiteral("message")), 1);
}

void tst_Chat::badSettingsRefuseThePlugin()
{
    QVERIFY(startHost({{QStringLiteral("historySize"), QStringLiteral("lots")}}));
    const QList<RefusedPlugin> refused = m_host->plugins().refused();
    bool found = false;
    for (const RefusedPlugin &plugin : refused) {
        if (plugin.reason.contains(QStringLiteral("historySize")))
            found = true;
    }
    QVERIFY(found);
    QVERIFY(!m_host->plugins().handler(QStringLiteral("chat")));
}

void tst_Chat::messageLimitCountsCharactersNotBytes_data()
{
    QTest::addColumn<QString>("character");
    QTest::addRow("ASCII") << QStringLiteral("a");
    QTest::addRow("two bytes") << QStringLiteral("\u00e9");
    QTest::addRow("three bytes") << QStringLiteral("\u20ac");
    QTest::addRow("four bytes, a surrogate pair") << QString::fromUtf8("\xf0\x9d\x84\x9e");
}

// Chat parses the client's UTF-8 as it came (SDK 2.2); its message limit still counts
// characters as QString has them (UTF-16 code units), not bytes.
void tst_Chat::messageLimitCountsCharactersNotBytes()
{
    QFETCH(QString, character);
    const int limit = 200;
    QVERIFY(startHost({{QStringLiteral("maxMessageLength"), limit}, {QStringLiteral("maxTextLength"), limit}}));
    ChatClient *alice = connectClient();
    QVERIFY(alice);
    alice->send(joinRequest(lobby, QStringLiteral("alice")));
    QTRY_COMPARE(alice->count(QStringLiteral("joined")), 1);
    const int overhead = int(json(sayRequest(lobby, QString())).size());
    const QString atLimit = character.repeated((limit - overhead) / int(character.size()));
    QVERIFY(json(sayRequest(lobby, atLimit)).size() <= limit);
    alice->send(sayRequest(lobby, atLimit));
    QTRY_COMPARE(alice->count(QStringLiteral("message")), 1);
    QCOMPARE(alice->ofType(QStringLiteral("message")).first().value(QStringLiteral("text")).toString(), atLimit);
    alice->send(sayRequest(lobby, atLimit + character + character));
    QTRY_COMPARE(alice->errorCodes(), QStringList{QStringLiteral("message_too_long")});
}

QTEST_GUILESS_MAIN(tst_Chat)
#include "tst_chat.moc"
