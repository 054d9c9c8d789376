// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// EngineIoCodec: Engine.IO v4 as bytes (https://socket.io/docs/v4/engine-io-protocol/),
// with the protocol page's own examples where it gives them.

#include "engineiocodec_p.h"

#include <QTest>

using namespace WsPlug::Internal;

class tst_EngineIoCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodesPayloadsAsTheSpecShows();
    void decodesValidPayloads();
    void refusesMalformedPayloads_data();
    void refusesMalformedPayloads();
    void roundTripsAnyBinary();
    void readsTheQuery();
    void checksTheQueryInEngineIosOrder_data();
    void checksTheQueryInEngineIosOrder();
    void splitsThePath_data();
    void splitsThePath();
    void errorBodiesAreEngineIos();
    void openPacket();
    void sidsAreFreshAndUrlSafe();
    void decodesWebSocketText();
};

void tst_EngineIoCodec::encodesPayloadsAsTheSpecShows()
{
    // The spec's example: "hello", a binary <01 02 03 04> and "€" in one payload.
    EngineIoPacket hello{EngineIoPacket::Message, false, "hello"};
    EngineIoPacket binary{EngineIoPacket::Message, true, QByteArray("\x01\x02\x03\x04", 4)};
    EngineIoPacket euro{EngineIoPacket::Message, false, "\xe2\x82\xac"};
    QCOMPARE(EngineIoCodec::encodePayload({hello, binary, euro}), QByteArray("4hello\x1e" "bAQIDBA==\x1e" "4\xe2\x82\xac"));
    QCOMPARE(EngineIoCodec::encodePayload({EngineIoPacket{EngineIoPacket::Ping, false, {}}}), QByteArray("2"));
    QCOMPARE(EngineIoCodec::encodePayload({}), QByteArray());
    QCOMPARE(EngineIoCodec::encodeText(EngineIoPacket{EngineIoPacket::Pong, false, "probe"}), QByteArray("3probe"));
}

void tst_EngineIoCodec::decodesValidPayloads()
{
    QList<EngineIoPacket> packets;
    QByteArray why;
    QVERIFY(EngineIoCodec::decodePayload("4hello\x1e" "bAQIDBA==\x1e" "3\x1e" "6\x1e" "1\x1e" "4", 100, &packets, &why));
    QCOMPARE(packets.size(), 6);
    QCOMPARE(packets.at(0).type, EngineIoPacket::Message);
    QCOMPARE(packets.at(0).data, QByteArray("hello"));
    QVERIFY(packets.at(1).binary);
    QCOMPARE(packets.at(1).data, QByteArray("\x01\x02\x03\x04", 4));
    QCOMPARE(packets.at(2).type, EngineIoPacket::Pong);
    QCOMPARE(packets.at(3).type, EngineIoPacket::Noop);
    QCOMPARE(packets.at(4).type, EngineIoPacket::Close);
    QCOMPARE(packets.at(5).data, QByteArray());   // an empty message is a message
    // A message exactly at the limit passes.
    QVERIFY(EngineIoCodec::decodePayload("4" + QByteArray(100, 'x'), 100, &packets, &why));
}

void tst_EngineIoCodec::refusesMalformedPayloads_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("why");
    QTest::addRow("empty") << QByteArray() << QByteArray("empty packet");
    QTest::addRow("leading separator") << QByteArray("\x1e" "4a") << QByteArray("empty packet");
    QTest::addRow("trailing separator") << QByteArray("4a\x1e") << QByteArray("empty packet");
    QTest::addRow("open") << QByteArray("0{}") << QByteArray("unknown packet type");
    QTest::addRow("upgrade") << QByteArray("5") << QByteArray("unknown packet type");
    QTest::addRow("not a type") << QByteArray("x") << QByteArray("unknown packet type");
    QTest::addRow("bad base64") << QByteArray("b@@") << QByteArray("binary packet that is not base64");
    QTest::addRow("invalid UTF-8") << QByteArray("4\xc0\xaf") << QByteArray("text that is not UTF-8");
    QTest::addRow("surrogate") << QByteArray("4\xed\xa0\x80") << QByteArray("text that is not UTF-8");
    QTest::addRow("too large") << QByteArray("4" + QByteArray(101, 'x')) << QByteArray("message larger than 100 bytes");
    QTest::addRow("binary too large") << QByteArray("b" + QByteArray(101, 'x').toBase64())
                                      << QByteArray("message larger than 100 bytes");
}

void tst_EngineIoCodec::refusesMalformedPayloads()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, why);
    QList<EngineIoPacket> packets;
    QByteArray reason;
    QVERIFY(!EngineIoCodec::decodePayload(body, 100, &packets, &reason));
    QCOMPARE(reason, why);
}

void tst_EngineIoCodec::roundTripsAnyBinary()
{
    // Every byte value, separators included: base64 keeps them out of the framing.
    QByteArray all;
    for (int i = 0; i < 256; ++i)
        all += char(i);
    const QList<EngineIoPacket> sent{{EngineIoPacket::Message, true, all}, {EngineIoPacket::Message, false, "after"}};
    QList<EngineIoPacket> got;
    QByteArray why;
    QVERIFY(EngineIoCodec::decodePayload(EngineIoCodec::encodePayload(sent), 1000, &got, &why));
    QCOMPARE(got.size(), 2);
    QCOMPARE(got.at(0).data, all);
    QCOMPARE(got.at(1).data, QByteArray("after"));
}

void tst_EngineIoCodec::readsTheQuery()
{
    const auto q = EngineIoCodec::parseQuery("room=a%20b&EIO=4&transport=polling&t=OsQ3aBc&sid=abc%2Bd&token=xyz");
    QCOMPARE(q.eio, QByteArray("4"));
    QCOMPARE(q.transport, QByteArray("polling"));
    QCOMPARE(q.sid, QByteArray("abc+d"));
    // What the plugin sees: its own parameters, as sent; Engine.IO's and the cache-buster gone.
    QCOMPARE(q.userQuery, QStringLiteral("room=a%20b&token=xyz"));
    QCOMPARE(EngineIoCodec::parseQuery("").userQuery, QString());
}

void tst_EngineIoCodec::checksTheQueryInEngineIosOrder_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("error");   // -1: none
    QTest::addRow("polling") << QByteArray("EIO=4&transport=polling") << -1;
    QTest::addRow("websocket") << QByteArray("EIO=4&transport=websocket") << -1;
    QTest::addRow("no transport") << QByteArray("EIO=4") << int(EngineIoCodec::UnknownTransport);
    QTest::addRow("webtransport") << QByteArray("EIO=4&transport=webtransport") << int(EngineIoCodec::UnknownTransport);
    QTest::addRow("v3") << QByteArray("EIO=3&transport=polling") << int(EngineIoCodec::UnsupportedProtocolVersion);
    QTest::addRow("no version") << QByteArray("transport=polling") << int(EngineIoCodec::UnsupportedProtocolVersion);
    QTest::addRow("both wrong: transport first") << QByteArray("EIO=3&transport=x") << int(EngineIoCodec::UnknownTransport);
}

void tst_EngineIoCodec::checksTheQueryInEngineIosOrder()
{
    QFETCH(QByteArray, query);
    QFETCH(int, error);
    const auto result = EngineIoCodec::checkQuery(EngineIoCodec::parseQuery(query));
    QCOMPARE(result ? int(*result) : -1, error);
}

void tst_EngineIoCodec::splitsThePath_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("base");   // empty: not Engine.IO
    QTest::addRow("route") << QStringLiteral("/echo/engine.io/") << QStringLiteral("/echo");
    QTest::addRow("without the last slash") << QStringLiteral("/echo/engine.io") << QStringLiteral("/echo");
    QTest::addRow("prefix route") << QStringLiteral("/broadcast/news/engine.io/") << QStringLiteral("/broadcast/news");
    QTest::addRow("root") << QStringLiteral("/engine.io/") << QStringLiteral("/");
    QTest::addRow("plain route") << QStringLiteral("/echo") << QString();
    QTest::addRow("lookalike") << QStringLiteral("/echo/xengine.io/") << QString();
    QTest::addRow("deeper") << QStringLiteral("/echo/engine.io/x") << QString();
}

void tst_EngineIoCodec::splitsThePath()
{
    QFETCH(QString, path);
    QFETCH(QString, base);
    QString got;
    QCOMPARE(EngineIoCodec::splitPath(path, &got), !base.isEmpty());
    QCOMPARE(got, base);
}

void tst_EngineIoCodec::errorBodiesAreEngineIos()
{
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::UnknownSid), QByteArray(R"({"code":1,"message":"Session ID unknown"})"));
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::UnknownTransport), QByteArray(R"({"code":0,"message":"Transport unknown"})"));
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::BadHandshakeMethod), QByteArray(R"({"code":2,"message":"Bad handshake method"})"));
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::BadRequest), QByteArray(R"({"code":3,"message":"Bad request"})"));
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::Forbidden), QByteArray(R"({"code":4,"message":"Forbidden"})"));
    QCOMPARE(EngineIoCodec::errorBody(EngineIoCodec::UnsupportedProtocolVersion),
             QByteArray(R"({"code":5,"message":"Unsupported protocol version"})"));
    QCOMPARE(EngineIoCodec::errorStatus(EngineIoCodec::Forbidden), 403);
    QCOMPARE(EngineIoCodec::errorStatus(EngineIoCodec::UnknownSid), 400);
}

void tst_EngineIoCodec::openPacket()
{
    QCOMPARE(EngineIoCodec::openJson("lv_VI97HAXpY6yYWAAAC", true, 25000, 20000, 1000000),
             QByteArray(R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
                        R"("pingTimeout":20000,"maxPayload":1000000})"));
    QVERIFY(EngineIoCodec::openJson("x", false, 1, 2, 3).contains(R"("upgrades":[])"));
}

void tst_EngineIoCodec::sidsAreFreshAndUrlSafe()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        const QByteArray sid = EngineIoCodec::newSid();
        QCOMPARE(sid.size(), 20);
        for (const char c : sid)
            QVERIFY2(QChar::fromLatin1(c).isLetterOrNumber() || c == '-' || c == '_', sid.constData());
        seen.insert(sid);
    }
    QCOMPARE(seen.size(), 1000);
}

void tst_EngineIoCodec::decodesWebSocketText()
{
    const auto probe = EngineIoCodec::decodeText("2probe");
    QVERIFY(probe);
    QCOMPARE(probe->type, EngineIoPacket::Ping);
    QCOMPARE(probe->data, QByteArray("probe"));
    QCOMPARE(EngineIoCodec::decodeText("5")->type, EngineIoPacket::Upgrade);
    QVERIFY(!EngineIoCodec::decodeText(""));
    QVERIFY(!EngineIoCodec::decodeText("7"));
    QVERIFY(!EngineIoCodec::decodeText("hello"));
}

QTEST_GUILESS_MAIN(tst_EngineIoCodec)
#include "tst_engineiocodec.moc"
