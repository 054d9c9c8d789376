// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatprotocol.h"
#include "tokenbucket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace WsPlug;

namespace {

QJsonObject parse(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

QString json(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// The events \a result sends to \a session, in order.
QList<QJsonObject> eventsFor(const ChatResult &result, SessionId session)
{
    QList<QJsonObject> events;
    for (const ChatOutgoing &out : result.outgoing) {
        if (out.recipients.contains(session))
            events.append(parse(out.text));
    }
    return events;
}

QList<qint64> seqs(const QList<QJsonObject> &events)
{
    QList<qint64> list;
    for (const QJsonObject &event : events) {
        if (event.value(QStringLiteral("type")).toString() == QLatin1String("message"))
            list.append(event.value(QStringLiteral("seq")).toInteger());
    }
    return list;
}

QString joinJson(const QString &room, const QString &nick)
{
    return json({{QStringLiteral("type"), QStringLiteral("join")},
                 {QStringLiteral("room"), room},
                 {QStringLiteral("nick"), nick}});
}

QString sayJson(const QString &room, const QString &text)
{
    return json({{QStringLiteral("type"), QStringLiteral("say")},
                 {QStringLiteral("room"), room},
                 {QStringLiteral("text"), text}});
}

QString resumeJson(const QString &room, qint64 lastSeq)
{
    return json({{QStringLiteral("type"), QStringLiteral("resume")},
                 {QStringLiteral("room"), room},
                 {QStringLiteral("lastSeq"), double(lastSeq)}});
}

const QString lobby = QStringLiteral("lobby");

ChatSettings noRateLimit()
{
    ChatSettings settings;
    settings.messagesPerSecond = 0;
    return settings;
}

} // namespace

class tst_ChatProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenBucketIgnoresAClockThatStepsBack();
    void settingsDefaults();
    void settingsRejected_data();
    void settingsRejected();
    void membersSeeMessagesWithConsecutiveSeq();
    void presenceEvents();
    void nickClashIsRejected_data();
    void nickClashIsRejected();
    void sessionMayBeInSeveralRooms();
    void historyIsReplayedOnJoin();
    void resumeReturnsExactlyTheMissedMessages_data();
    void resumeReturnsExactlyTheMissedMessages();
    void joinWithLastSeqResumes();
    void historyOutlivesEmptyRoomUntilItExpires();
    void privateMessages();
    void listsRoomsAndMembers();
    void badInputIsReported_data();
    void badInputIsReported();
    void badMessagesInARowClose();
    void semanticErrorsDoNotCountAsBad();
    void rateLimitRejectsAndRecovers();
    void floodingCloses();
    void echoesRequestId();
    void fuzzNeverCrashesOrLeaks();
};

void tst_ChatProtocol::settingsDefaults()
{
    ChatSettings settings;
    QString error;
    QVERIFY(ChatSettings::fromVariantMap({}, &settings, &error));
    QCOMPARE(settings.historySize, 100);
    QCOMPARE(settings.historyKeepSeconds, 600);
    QCOMPARE(settings.maxTextLength, 4096);
    QCOMPARE(settings.maxBadMessages, 5);
    QCOMPARE(settings.messagesPerSecond, 20.0);
    QCOMPARE(settings.burst, 40);

    const QVariantMap map{
        {QStringLiteral("historySize"), 7},
        {QStringLiteral("rateLimit"), QVariantMap{{QStringLiteral("messagesPerSecond"), 2.5},
                                                  {QStringLiteral("burst"), qlonglong(3)}}},
        // JSON config files give every number as a double.
        {QStringLiteral("maxBadMessages"), 2.0},
    };
    QVERIFY2(ChatSettings::fromVariantMap(map, &settings, &error), qPrintable(error));
    QCOMPARE(settings.historySize, 7);
    QCOMPARE(settings.messagesPerSecond, 2.5);
    QCOMPARE(settings.burst, 3);
    QCOMPARE(settings.maxBadMessages, 2);
}

void tst_ChatProtocol::settingsRejected_data()
{
    QTest::addColumn<QVariantMap>("map");
    QTest::addColumn<QString>("mentions");

    QTest::addRow("unknown key") << QVariantMap{{QStringLiteral("histroySize"), 3}}
                                 << QStringLiteral("histroySize");
    QTest::addRow("string for int") << QVariantMap{{QStringLiteral("historySize"), QStringLiteral("3")}}
                                    << QStringLiteral("historySize");
    QTest::addRow("bool for int") << QVariantMap{{QStringLiteral("maxTextLength"), true}}
                                  << QStringLiteral("maxTextLength");
    QTest::addRow("fraction") << QVariantMap{{QStringLiteral("historySize"), 1.5}}
                              << QStringLiteral("integer");
    QTest::addRow("negative") << QVariantMap{{QStringLiteral("historySize"), -1}}
                              << QStringLiteral("between");
    QTest::addRow("rateLimit not object") << QVariantMap{{QStringLiteral("rateLimit"), 5}}
                                          << QStringLiteral("rateLimit");
    QTest::addRow("unknown rate key")
        << QVariantMap{{QStringLiteral("rateLimit"), QVariantMap{{QStringLiteral("perSecond"), 5}}}}
        << QStringLiteral("rateLimit.perSecond");
    QTest::addRow("burst zero")
        << QVariantMap{{QStringLiteral("rateLimit"), QVariantMap{{QStringLiteral("burst"), 0}}}}
        << QStringLiteral("rateLimit.burst");
    QTest::addRow("message shorter than text")
        << QVariantMap{{QStringLiteral("maxTextLength"), 5000}, {QStringLiteral("maxMessageLength"), 100}}
        << QStringLiteral("maxMessageLength");
}

void tst_ChatProtocol::settingsRejected()
{
    QFETCH(QVariantMap, map);
    QFETCH(QString, mentions);
    ChatSettings settings;
    settings.historySize = 42;
    QString error;
    QVERIFY(!ChatSettings::fromVariantMap(map, &settings, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    QCOMPARE(settings.historySize, 42);
}

void tst_ChatProtocol::membersSeeMessagesWithConsecutiveSeq()
{
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 1000);
    chat.textReceived(2, joinJson(lobby, QStringLiteral("bob")), 1000);

    QList<QJsonObject> alice;
    QList<QJsonObject> bob;
    for (int i = 0; i < 6; ++i) {
        const SessionId from = i % 2 ? 2 : 1;
        const ChatResult result = chat.textReceived(from, sayJson(lobby, QString::number(i)), 2000 + i);
        QCOMPARE(result.outgoing.size(), 1);   // encoded once for the whole room
        alice += eventsFor(result, 1);
        bob += eventsFor(result, 2);
    }
    QCOMPARE(alice, bob);
    QCOMPARE(seqs(alice), (QList<qint64>{1, 2, 3, 4, 5, 6}));
    const QJsonObject first = alice.first();
    QCOMPARE(first.value(QStringLiteral("from")).toString(), QStringLiteral("alice"));
    QCOMPARE(first.value(QStringLiteral("text")).toString(), QStringLiteral("0"));
    QCOMPARE(first.value(QStringLiteral("room")).toString(), lobby);
    QCOMPARE(first.value(QStringLiteral("ts")).toInteger(), 2000);
    QCOMPARE(alice.at(1).value(QStringLiteral("from")).toString(), QStringLiteral("bob"));
}

void tst_ChatProtocol::presenceEvents()
{
    ChatProtocol chat(noRateLimit());
    ChatResult r = chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    QList<QJsonObject> events = eventsFor(r, 1);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].value(QStringLiteral("type")).toString(), QStringLiteral("joined"));
    QVERIFY(events[0].value(QStringLiteral("self")).toBool());
    QCOMPARE(events[0].value(QStringLiteral("members")).toArray(), QJsonArray{QStringLiteral("alice")});

    r = chat.textReceived(2, joinJson(lobby, QStringLiteral("bob")), 0);
    events = eventsFor(r, 1);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0], (QJsonObject{{QStringLiteral("type"), QStringLiteral("joined")},
                                     {QStringLiteral("room"), lobby},
                                     {QStringLiteral("nick"), QStringLiteral("bob")}}));
    events = eventsFor(r, 2);
    QCOMPARE(events[0].value(QStringLiteral("members")).toArray(),
             (QJsonArray{QStringLiteral("alice"), QStringLiteral("bob")}));

    chat.textReceived(3, joinJson(lobby, QStringLiteral("carol")), 0);
    r = chat.textReceived(2, json({{QStringLiteral("type"), QStringLiteral("leave")},
                                   {QStringLiteral("room"), lobby}}), 0);
    QCOMPARE(eventsFor(r, 1).size(), 1);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("type")).toString(), QStringLiteral("left"));
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("nick")).toString(), QStringLiteral("bob"));
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("reason")).toString(), QStringLiteral("leave"));
    QVERIFY(eventsFor(r, 2)[0].value(QStringLiteral("self")).toBool());

    r = chat.sessionClosed(3, 0);
    QCOMPARE(eventsFor(r, 1).size(), 1);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("nick")).toString(), QStringLiteral("carol"));
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("reason")).toString(), QStringLiteral("disconnect"));
    QVERIFY(eventsFor(r, 3).isEmpty());
}

void tst_ChatProtocol::nickClashIsRejected_data()
{
    QTest::addColumn<QString>("second");
    QTest::addColumn<bool>("clash");
    QTest::addRow("same") << QStringLiteral("alice") << true;
    QTest::addRow("other case") << QStringLiteral("ALICE") << true;
    QTest::addRow("fullwidth") << QStringLiteral("\uFF41lice") << true;
    QTest::addRow("different") << QStringLiteral("alicia") << false;
}

void tst_ChatProtocol::nickClashIsRejected()
{
    QFETCH(QString, second);
    QFETCH(bool, clash);
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    const ChatResult r = chat.textReceived(2, joinJson(lobby, second), 0);
    const QList<QJsonObject> events = eventsFor(r, 2);
    QCOMPARE(events.size(), 1);
    if (clash) {
        QCOMPARE(events[0].value(QStringLiteral("code")).toString(), QStringLiteral("nick_taken"));
        QVERIFY(eventsFor(r, 1).isEmpty());
        // The same nick is free in another room.
        const ChatResult other = chat.textReceived(2, joinJson(QStringLiteral("other"), second), 0);
        QCOMPARE(eventsFor(other, 2)[0].value(QStringLiteral("type")).toString(), QStringLiteral("joined"));
    } else {
        QCOMPARE(events[0].value(QStringLiteral("type")).toString(), QStringLiteral("joined"));
    }
}

void tst_ChatProtocol::sessionMayBeInSeveralRooms()
{
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(QStringLiteral("a"), QStringLiteral("x")), 0);
    chat.textReceived(1, joinJson(QStringLiteral("b"), QStringLiteral("y")), 0);
    chat.textReceived(2, joinJson(QStringLiteral("b"), QStringLiteral("z")), 0);
    ChatResult r = chat.textReceived(1, sayJson(QStringLiteral("b"), QStringLiteral("hi")), 0);
    QCOMPARE(eventsFor(r, 2).size(), 1);
    QCOMPARE(eventsFor(r, 2)[0].value(QStringLiteral("from")).toString(), QStringLiteral("y"));
    r = chat.textReceived(1, sayJson(QStringLiteral("a"), QStringLiteral("hi")), 0);
    QVERIFY(eventsFor(r, 2).isEmpty());
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("seq")).toInteger(), 1);

    r = chat.textReceived(1, joinJson(QStringLiteral("a"), QStringLiteral("again")), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("already_in_room"));

    r = chat.sessionClosed(1, 0);
    QCOMPARE(eventsFor(r, 2).size(), 1);
    QCOMPARE(chat.roomCount(), 1);
}

void tst_ChatProtocol::historyIsReplayedOnJoin()
{
    ChatSettings settings = noRateLimit();
    settings.historySize = 3;
    ChatProtocol chat(settings);
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    for (int i = 1; i <= 5; ++i)
        chat.textReceived(1, sayJson(lobby, QString::number(i)), i);

    const ChatResult r = chat.textReceived(2, joinJson(lobby, QStringLiteral("bob")), 10);
    const QList<QJsonObject> events = eventsFor(r, 2);
    QCOMPARE(events.size(), 4);
    QCOMPARE(events[0].value(QStringLiteral("history")).toInt(), 3);
    QCOMPARE(events[0].value(QStringLiteral("lastSeq")).toInteger(), 5);
    QCOMPARE(seqs(events), (QList<qint64>{3, 4, 5}));
    QCOMPARE(events[3].value(QStringLiteral("text")).toString(), QStringLiteral("5"));
}

void tst_ChatProtocol::resumeReturnsExactlyTheMissedMessages_data()
{
    QTest::addColumn<qint64>("lastSeq");
    QTest::addColumn<QList<qint64>>("expected");
    QTest::addColumn<bool>("complete");
    QTest::addColumn<qint64>("missed");

    // History size 5, ten messages sent: 6..10 are kept.
    QTest::addRow("up to date") << qint64(10) << QList<qint64>{} << true << qint64(0);
    QTest::addRow("missed one") << qint64(9) << QList<qint64>{10} << true << qint64(0);
    QTest::addRow("missed all kept") << qint64(5) << QList<qint64>{6, 7, 8, 9, 10} << true << qint64(0);
    QTest::addRow("some dropped") << qint64(3) << QList<qint64>{6, 7, 8, 9, 10} << false << qint64(2);
    QTest::addRow("from the start") << qint64(0) << QList<qint64>{6, 7, 8, 9, 10} << false << qint64(5);
    QTest::addRow("ahead of room") << qint64(42) << QList<qint64>{6, 7, 8, 9, 10} << false << qint64(0);
}

void tst_ChatProtocol::resumeReturnsExactlyTheMissedMessages()
{
    QFETCH(qint64, lastSeq);
    QFETCH(QList<qint64>, expected);
    QFETCH(bool, complete);
    QFETCH(qint64, missed);

    ChatSettings settings = noRateLimit();
    settings.historySize = 5;
    ChatProtocol chat(settings);
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    for (int i = 1; i <= 10; ++i)
        chat.textReceived(1, sayJson(lobby, QString::number(i)), i);

    const ChatResult r = chat.textReceived(1, resumeJson(lobby, lastSeq), 20);
    const QList<QJsonObject> events = eventsFor(r, 1);
    QCOMPARE(events.size(), expected.size() + 1);
    const QJsonObject resumed = events.first();
    QCOMPARE(resumed.value(QStringLiteral("type")).toString(), QStringLiteral("resumed"));
    QCOMPARE(resumed.value(QStringLiteral("history")).toInt(), expected.size());
    QCOMPARE(resumed.value(QStringLiteral("complete")).toBool(), complete);
    QCOMPARE(resumed.value(QStringLiteral("missed")).toInteger(), missed);
    QCOMPARE(resumed.value(QStringLiteral("lastSeq")).toInteger(), 10);
    QCOMPARE(seqs(events), expected);

    const ChatResult stranger = chat.textReceived(2, resumeJson(lobby, 0), 20);
    QCOMPARE(eventsFor(stranger, 2)[0].value(QStringLiteral("code")).toString(),
             QStringLiteral("not_in_room"));
}

void tst_ChatProtocol::joinWithLastSeqResumes()
{
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    for (int i = 1; i <= 4; ++i)
        chat.textReceived(1, sayJson(lobby, QString::number(i)), i);
    QJsonObject join{{QStringLiteral("type"), QStringLiteral("join")},
                     {QStringLiteral("room"), lobby},
                     {QStringLiteral("nick"), QStringLiteral("bob")},
                     {QStringLiteral("lastSeq"), 2}};
    const QList<QJsonObject> events = eventsFor(chat.textReceived(2, json(join), 5), 2);
    QCOMPARE(events[0].value(QStringLiteral("history")).toInt(), 2);
    QCOMPARE(events[0].value(QStringLiteral("complete")).toBool(), true);
    QCOMPARE(seqs(events), (QList<qint64>{3, 4}));
}

void tst_ChatProtocol::historyOutlivesEmptyRoomUntilItExpires()
{
    ChatSettings settings = noRateLimit();
    settings.historyKeepSeconds = 10;
    ChatProtocol chat(settings);
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    chat.textReceived(1, sayJson(lobby, QStringLiteral("one")), 0);
    chat.textReceived(1, sayJson(lobby, QStringLiteral("two")), 0);
    chat.sessionClosed(1, 1000);
    QCOMPARE(chat.roomCount(), 0);
    QCOMPARE(chat.keptRoomCount(), 1);

    // Back within the keep time: history and numbering continue.
    QList<QJsonObject> events = eventsFor(chat.textReceived(2, joinJson(lobby, QStringLiteral("alice")), 5000), 2);
    QCOMPARE(seqs(events), (QList<qint64>{1, 2}));
    events = eventsFor(chat.textReceived(2, sayJson(lobby, QStringLiteral("three")), 5000), 2);
    QCOMPARE(seqs(events), QList<qint64>{3});
    chat.sessionClosed(2, 6000);

    chat.expireHistory(15999);
    QCOMPARE(chat.keptRoomCount(), 1);
    chat.expireHistory(16000);
    QCOMPARE(chat.keptRoomCount(), 0);

    events = eventsFor(chat.textReceived(3, joinJson(lobby, QStringLiteral("bob")), 17000), 3);
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].value(QStringLiteral("lastSeq")).toInteger(), 0);

    // A room that never had a message is not kept at all.
    chat.textReceived(4, joinJson(QStringLiteral("quiet"), QStringLiteral("x")), 0);
    chat.sessionClosed(4, 0);
    QCOMPARE(chat.keptRoomCount(), 1);
}

void tst_ChatProtocol::privateMessages()
{
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
    chat.textReceived(2, joinJson(lobby, QStringLiteral("Bob")), 0);
    chat.textReceived(3, joinJson(lobby, QStringLiteral("carol")), 0);
    const QJsonObject request{{QStringLiteral("type"), QStringLiteral("private")},
                              {QStringLiteral("room"), lobby},
                              {QStringLiteral("to"), QStringLiteral("bob")},
                              {QStringLiteral("text"), QStringLiteral("psst")}};
    ChatResult r = chat.textReceived(1, json(request), 77);
    QCOMPARE(eventsFor(r, 3).size(), 0);
    QCOMPARE(eventsFor(r, 1), eventsFor(r, 2));
    const QJsonObject event = eventsFor(r, 2).value(0);
    QCOMPARE(event.value(QStringLiteral("type")).toString(), QStringLiteral("private"));
    QCOMPARE(event.value(QStringLiteral("from")).toString(), QStringLiteral("alice"));
    QCOMPARE(event.value(QStringLiteral("to")).toString(), QStringLiteral("Bob"));
    QCOMPARE(event.value(QStringLiteral("text")).toString(), QStringLiteral("psst"));
    QCOMPARE(event.value(QStringLiteral("ts")).toInteger(), 77);
    QVERIFY(!event.contains(QStringLiteral("seq")));

    QJsonObject nobody = request;
    nobody.insert(QStringLiteral("to"), QStringLiteral("dave"));
    r = chat.textReceived(1, json(nobody), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("no_such_nick"));

    QJsonObject elsewhere = request;
    elsewhere.insert(QStringLiteral("room"), QStringLiteral("elsewhere"));
    r = chat.textReceived(1, json(elsewhere), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("not_in_room"));
}

void tst_ChatProtocol::listsRoomsAndMembers()
{
    ChatProtocol chat(noRateLimit());
    chat.textReceived(1, joinJson(QStringLiteral("b"), QStringLiteral("zed")), 0);
    chat.textReceived(2, joinJson(QStringLiteral("b"), QStringLiteral("amy")), 0);
    chat.textReceived(2, joinJson(QStringLiteral("a"), QStringLiteral("amy")), 0);
    chat.textReceived(2, sayJson(QStringLiteral("a"), QStringLiteral("x")), 0);

    ChatResult r = chat.textReceived(1, json({{QStringLiteral("type"), QStringLiteral("rooms")}}), 0);
    const QJsonArray rooms = eventsFor(r, 1)[0].value(QStringLiteral("rooms")).toArray();
    QCOMPARE(rooms.size(), 2);
    QCOMPARE(rooms[0].toObject(), (QJsonObject{{QStringLiteral("room"), QStringLiteral("a")},
                                               {QStringLiteral("members"), 1},
                                               {QStringLiteral("lastSeq"), 1},
                                               {QStringLiteral("joined"), false}}));
    QCOMPARE(rooms[1].toObject().value(QStringLiteral("joined")).toBool(), true);

    r = chat.textReceived(1, json({{QStringLiteral("type"), QStringLiteral("members")},
                                   {QStringLiteral("room"), QStringLiteral("b")}}), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("members")).toArray(),
             (QJsonArray{QStringLiteral("amy"), QStringLiteral("zed")}));
    r = chat.textReceived(1, json({{QStringLiteral("type"), QStringLiteral("members")},
                                   {QStringLiteral("room"), QStringLiteral("a")}}), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("not_in_room"));
}

void tst_ChatProtocol::badInputIsReported_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    const QString longText(ChatSettings().maxTextLength + 1, QLatin1Char('x'));
    QTest::addRow("not json") << QStringLiteral("hello") << QStringLiteral("bad_json") << QString();
    QTest::addRow("truncated") << QStringLiteral("{\"type\":\"say\"") << QStringLiteral("bad_json") << QString();
    QTest::addRow("array") << QStringLiteral("[1,2]") << QStringLiteral("bad_json") << QString();
    QTest::addRow("empty") << QString() << QStringLiteral("bad_json") << QString();
    QTest::addRow("no type") << QStringLiteral("{}") << QStringLiteral("missing_field") << QStringLiteral("type");
    QTest::addRow("type number") << QStringLiteral("{\"type\":1}") << QStringLiteral("bad_field") << QStringLiteral("type");
    QTest::addRow("unknown type") << QStringLiteral("{\"type\":\"dance\"}") << QStringLiteral("unknown_type") << QStringLiteral("type");
    QTest::addRow("join no nick") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\"}") << QStringLiteral("missing_field") << QStringLiteral("nick");
    QTest::addRow("join null room") << QStringLiteral("{\"type\":\"join\",\"room\":null,\"nick\":\"n\"}") << QStringLiteral("missing_field") << QStringLiteral("room");
    QTest::addRow("join room number") << QStringLiteral("{\"type\":\"join\",\"room\":5,\"nick\":\"n\"}") << QStringLiteral("bad_field") << QStringLiteral("room");
    QTest::addRow("join empty nick") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\"\"}") << QStringLiteral("bad_field") << QStringLiteral("nick");
    QTest::addRow("join nick newline") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\"a\\nb\"}") << QStringLiteral("bad_field") << QStringLiteral("nick");
    QTest::addRow("join nick padded") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\" a\"}") << QStringLiteral("bad_field") << QStringLiteral("nick");
    QTest::addRow("join nick too long") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\"%1\"}").arg(QString(33, QLatin1Char('n'))) << QStringLiteral("bad_field") << QStringLiteral("nick");
    QTest::addRow("join lastSeq string") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\"n\",\"lastSeq\":\"3\"}") << QStringLiteral("bad_field") << QStringLiteral("lastSeq");
    QTest::addRow("say no text") << QStringLiteral("{\"type\":\"say\",\"room\":\"r\"}") << QStringLiteral("missing_field") << QStringLiteral("text");
    QTest::addRow("say text object") << QStringLiteral("{\"type\":\"say\",\"room\":\"r\",\"text\":{}}") << QStringLiteral("bad_field") << QStringLiteral("text");
    QTest::addRow("say text too long") << QStringLiteral("{\"type\":\"say\",\"room\":\"r\",\"text\":\"%1\"}").arg(longText) << QStringLiteral("text_too_long") << QStringLiteral("text");
    QTest::addRow("message too long") << QString(ChatSettings().maxMessageLength + 1, QLatin1Char(' ')) << QStringLiteral("message_too_long") << QString();
    QTest::addRow("private no to") << QStringLiteral("{\"type\":\"private\",\"room\":\"r\",\"text\":\"t\"}") << QStringLiteral("missing_field") << QStringLiteral("to");
    QTest::addRow("resume no lastSeq") << QStringLiteral("{\"type\":\"resume\",\"room\":\"r\"}") << QStringLiteral("missing_field") << QStringLiteral("lastSeq");
    QTest::addRow("resume negative") << QStringLiteral("{\"type\":\"resume\",\"room\":\"r\",\"lastSeq\":-1}") << QStringLiteral("bad_field") << QStringLiteral("lastSeq");
    QTest::addRow("resume fraction") << QStringLiteral("{\"type\":\"resume\",\"room\":\"r\",\"lastSeq\":1.5}") << QStringLiteral("bad_field") << QStringLiteral("lastSeq");
    QTest::addRow("members no room") << QStringLiteral("{\"type\":\"members\"}") << QStringLiteral("missing_field") << QStringLiteral("room");
    QTest::addRow("id object") << QStringLiteral("{\"type\":\"rooms\",\"id\":{}}") << QStringLiteral("bad_field") << QStringLiteral("id");
    QTest::addRow("id true") << QStringLiteral("{\"type\":\"members\",\"id\":true}") << QStringLiteral("bad_field") << QStringLiteral("id");
    QTest::addRow("null") << QStringLiteral("null") << QStringLiteral("bad_json") << QString();
    QTest::addRow("a number") << QStringLiteral("42") << QStringLiteral("bad_json") << QString();
    QTest::addRow("a string") << QStringLiteral("\"hi\"") << QStringLiteral("bad_json") << QString();
    QTest::addRow("zero-width space in a nick") << QStringLiteral("{\"type\":\"join\",\"room\":\"r\",\"nick\":\"a\u200bb\"}")
                                                 << QStringLiteral("bad_field") << QStringLiteral("nick");
}

void tst_ChatProtocol::badInputIsReported()
{
    QFETCH(QString, input);
    QFETCH(QString, code);
    QFETCH(QString, field);

    ChatProtocol chat(noRateLimit());
    chat.textReceived(2, joinJson(QStringLiteral("r"), QStringLiteral("other")), 0);
    const ChatResult r = chat.textReceived(1, input, 0);
    QVERIFY(!r.close);
    QCOMPARE(r.outgoing.size(), 1);
    QCOMPARE(r.outgoing[0].recipients, QList<SessionId>{1});
    const QJsonObject error = parse(r.outgoing[0].text);
    QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
    QCOMPARE(error.value(QStringLiteral("field")).toString(), field);
    const QString message = error.value(QStringLiteral("message")).toString();
    QVERIFY(!message.isEmpty());
    QCOMPARE(error.value(QStringLiteral("badInRow")).toInt(), 1);
    // An error names the request it answers whenever the request's type could be read.
    const QJsonObject sent = QJsonDocument::fromJson(input.toUtf8()).object();
    if (sent.value(QStringLiteral("type")).isString())
        QCOMPARE(error.value(QStringLiteral("request")).toString(), sent.value(QStringLiteral("type")).toString());
    // Valid JSON that is not an object is called what it is, not "not valid JSON".
    const QJsonArray wrapped = QJsonDocument::fromJson('[' + input.toUtf8() + ']').array();
    if (wrapped.size() == 1 && !wrapped.first().isObject())
        QVERIFY2(message.startsWith(QLatin1String("expected a JSON object, got ")), qPrintable(message));
    if (input.contains(QChar(0x200B)))
        QVERIFY2(message.contains(QLatin1String("control or format character")), qPrintable(message));
}

void tst_ChatProtocol::badMessagesInARowClose()
{
    ChatSettings settings = noRateLimit();
    settings.maxBadMessages = 3;
    ChatProtocol chat(settings);
    chat.textReceived(1, QStringLiteral("junk"), 0);
    chat.textReceived(1, QStringLiteral("junk"), 0);
    // A good message in between starts the count again.
    QVERIFY(!chat.textReceived(1, json({{QStringLiteral("type"), QStringLiteral("rooms")}}), 0).close);
    QVERIFY(!chat.textReceived(1, QStringLiteral("junk"), 0).close);
    QVERIFY(!chat.binaryReceived(1, 0).close);
    const ChatResult r = chat.textReceived(1, QStringLiteral("{\"type\":\"nope\"}"), 0);
    QVERIFY(r.close);
    QCOMPARE(r.closeCode, quint16(1008));
    QVERIFY(!r.closeReason.isEmpty());
    QVERIFY(r.closeReason.toUtf8().size() <= 123);
    QCOMPARE(eventsFor(r, 1).size(), 1);
    // Once closing, further input is ignored rather than answered.
    QVERIFY(chat.textReceived(1, QStringLiteral("junk"), 0).outgoing.isEmpty());
}

void tst_ChatProtocol::semanticErrorsDoNotCountAsBad()
{
    ChatSettings settings = noRateLimit();
    settings.maxBadMessages = 2;
    ChatProtocol chat(settings);
    chat.textReceived(2, joinJson(lobby, QStringLiteral("alice")), 0);
    for (int i = 0; i < 5; ++i) {
        const ChatResult r = chat.textReceived(1, joinJson(lobby, QStringLiteral("alice")), 0);
        QVERIFY(!r.close);
        QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("nick_taken"));
    }
}

void tst_ChatProtocol::rateLimitRejectsAndRecovers()
{
    ChatSettings settings;
    settings.messagesPerSecond = 10;
    settings.burst = 5;
    settings.floodCloseAfter = 0;
    ChatProtocol chat(settings);
    chat.sessionOpened(1, 0);
    const QString rooms = json({{QStringLiteral("type"), QStringLiteral("rooms")}});
    for (int i = 0; i < 5; ++i)
        QCOMPARE(eventsFor(chat.textReceived(1, rooms, 0), 1)[0].value(QStringLiteral("type")).toString(), QStringLiteral("rooms"));
    QJsonObject error = eventsFor(chat.textReceived(1, rooms, 0), 1)[0];
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
    QCOMPARE(error.value(QStringLiteral("retryAfterMs")).toInteger(), 100);
    // Other sessions have their own bucket.
    QCOMPARE(eventsFor(chat.textReceived(2, rooms, 0), 2)[0].value(QStringLiteral("type")).toString(), QStringLiteral("rooms"));
    // One token per 100 ms.
    QCOMPARE(eventsFor(chat.textReceived(1, rooms, 100), 1)[0].value(QStringLiteral("type")).toString(), QStringLiteral("rooms"));
    QCOMPARE(eventsFor(chat.textReceived(1, rooms, 100), 1)[0].value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
    // Rate-limited input is dropped before parsing, so garbage does not count as bad either.
    for (int i = 0; i < 20; ++i)
        QVERIFY(!chat.textReceived(1, QStringLiteral("junk"), 100).close);
}

void tst_ChatProtocol::floodingCloses()
{
    ChatSettings settings;
    settings.messagesPerSecond = 10;
    settings.burst = 5;
    settings.floodCloseAfter = 10;
    ChatProtocol chat(settings);
    const QString rooms = json({{QStringLiteral("type"), QStringLiteral("rooms")}});

    // Twice the allowed rate never lets the bucket fill up again: rejections pile up.
    ChatResult r;
    int sent = 0;
    qint64 now = 0;
    while (!r.close && sent < 1000) {
        r = chat.textReceived(1, rooms, now);
        now += 50;
        ++sent;
    }
    QVERIFY(r.close);
    QCOMPARE(r.closeCode, quint16(1008));
    QVERIFY(r.closeReason.contains(QStringLiteral("rate limit")));
    QVERIFY(sent < 40);

    // A client that backs off until its bucket is full again starts with a clean slate.
    ChatProtocol polite(settings);
    now = 0;
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < 12; ++i)
            QVERIFY(!polite.textReceived(1, rooms, now).close);
        now += 1000;
    }
}

void tst_ChatProtocol::echoesRequestId()
{
    ChatProtocol chat(noRateLimit());
    ChatResult r = chat.textReceived(1, QStringLiteral("{\"type\":\"rooms\",\"id\":\"q1\"}"), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("id")).toString(), QStringLiteral("q1"));
    r = chat.textReceived(1, QStringLiteral("{\"type\":\"members\",\"id\":7}"), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("id")).toInt(), 7);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("request")).toString(), QStringLiteral("members"));
}

void tst_ChatProtocol::fuzzNeverCrashesOrLeaks()
{
    ChatSettings settings = noRateLimit();
    settings.maxBadMessages = 0;
    ChatProtocol chat(settings);
    chat.textReceived(1, joinJson(lobby, QStringLiteral("bystander")), 0);

    const QStringList seeds{
        joinJson(lobby, QStringLiteral("fuzz")),
        sayJson(lobby, QStringLiteral("hello")),
        resumeJson(lobby, 1),
        QStringLiteral("{\"type\":\"private\",\"room\":\"lobby\",\"to\":\"bystander\",\"text\":\"x\"}"),
        QStringLiteral("{\"type\":\"leave\",\"room\":\"lobby\"}"),
        QStringLiteral("{\"type\":\"rooms\"}"),
        QStringLiteral("{\"type\":\"members\",\"room\":\"lobby\"}"),
    };
    QRandomGenerator random(20260101);
    for (int i = 0; i < 20000; ++i) {
        QString input = seeds.at(random.bounded(int(seeds.size())));
        const int edits = random.bounded(4);
        for (int e = 0; e < edits && !input.isEmpty(); ++e) {
            const int at = random.bounded(int(input.size()));
            switch (random.bounded(3)) {
            case 0: input.remove(at, 1); break;
            case 1: input.insert(at, QChar(char16_t(random.bounded(1, 0x3000)))); break;
            default: input[at] = QChar(char16_t(random.bounded(32, 127))); break;
            }
        }
        const SessionId session = 2 + random.bounded(3);
        const ChatResult r = chat.textReceived(session, input, i);
        for (const ChatOutgoing &out : r.outgoing) {
            QVERIFY(!out.recipients.isEmpty());
            QVERIFY(parse(out.text).contains(QStringLiteral("type")));
        }
        if (random.bounded(200) == 0)
            chat.sessionClosed(session, i);
    }
    for (SessionId s = 2; s < 5; ++s)
        chat.sessionClosed(s, 0);
    QCOMPARE(chat.sessionCount(), 1);
    const ChatResult r = chat.textReceived(1, json({{QStringLiteral("type"), QStringLiteral("members")},
                                                    {QStringLiteral("room"), lobby}}), 0);
    QCOMPARE(eventsFor(r, 1)[0].value(QStringLiteral("members")).toArray(),
             QJsonArray{QStringLiteral("bystander")});
}

void tst_ChatProtocol::tokenBucketIgnoresAClockThatStepsBack()
{
    TokenBucket bucket(1.0, 2, 10000);   // one token a second, two at most
    QVERIFY(bucket.take(10000));
    QVERIFY(bucket.take(10000));
    QVERIFY(!bucket.take(10000));
    QVERIFY(!bucket.take(5000));    // the clock stepped back: no token minted...
    QVERIFY(!bucket.take(10999));   // ...and the refill still counts from 10,000
    QVERIFY(bucket.take(11000));
}

QTEST_GUILESS_MAIN(tst_ChatProtocol)
#include "tst_chatprotocol.moc"
