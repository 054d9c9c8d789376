// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The admin protocol's text: what the host writes must read back as exactly what it
// meant, whatever the strings hold (the monitor and every other client parse it).
#include <wsplug/protocol/adminprotocol.h>

#include <QJsonDocument>
#include <QTest>

#include <cmath>
#include <limits>

using namespace WsPlug;
using namespace WsPlug::Protocol;

class tst_Protocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tickReadsBackExactly_data();
    void tickReadsBackExactly();
    void timesReadBackToTheMillisecond_data();
    void timesReadBackToTheMillisecond();
    void snapshotReadsBack();
    void numbersAreJsonNumbers();
    void repliesCarryTheirResultsExactly();
};

namespace {

SessionSnapshot session(const QString &text)
{
    SessionSnapshot s;
    s.id = 9007199254740991ull;   // 2^53 - 1: the largest id a JSON double holds exactly
    s.path = QStringLiteral("/chat/") + text;
    s.query = text;
    s.route = QStringLiteral("/chat");
    s.pluginId = QStringLiteral("chat");
    s.peerAddress = QStringLiteral("::1");
    s.peerPort = 65535;
    s.subprotocol = text;
    s.connectedAt = QDateTime::fromMSecsSinceEpoch(1765056600123, Qt::UTC);
    s.lastActivity = QDateTime::fromMSecsSinceEpoch(1765056601999, Qt::UTC);
    s.state = SessionSnapshot::State::Closed;
    s.in = {10, 11, 12345, 7, 3};
    s.out = {20, 21, 1ull << 40, 19, 1};
    s.pingRttMs = -1;
    s.closeCode = 4000;
    s.closeReason = text;
    s.closeCause = CloseCause::Client;
    s.clientClose = {4000, text};
    s.hostClose = {-1, {}};
    s.firstClose = QStringLiteral("client");
    s.closeFramesApartMs = 12;
    s.subject = text;
    s.tokenExpiresAt = QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    s.transport = QStringLiteral("polling→websocket");
    return s;
}

void compareSessions(const SessionSnapshot &a, const SessionSnapshot &b)
{
    QCOMPARE(a.id, b.id);
    QCOMPARE(a.path, b.path);
    QCOMPARE(a.query, b.query);
    QCOMPARE(a.subprotocol, b.subprotocol);
    QCOMPARE(a.connectedAt, b.connectedAt);
    QCOMPARE(a.lastActivity, b.lastActivity);
    QCOMPARE(a.state, b.state);
    QCOMPARE(a.in.bytes, b.in.bytes);
    QCOMPARE(a.out.bytes, b.out.bytes);
    QCOMPARE(a.out.textMessages, b.out.textMessages);
    QCOMPARE(a.pingRttMs, b.pingRttMs);
    QCOMPARE(a.closeCode, b.closeCode);
    QCOMPARE(a.closeReason, b.closeReason);
    QCOMPARE(a.closeCause, b.closeCause);
    QCOMPARE(a.clientClose.code, b.clientClose.code);
    QCOMPARE(a.clientClose.reason, b.clientClose.reason);
    QCOMPARE(a.hostClose.code, b.hostClose.code);
    QCOMPARE(a.firstClose, b.firstClose);
    QCOMPARE(a.closeFramesApartMs, b.closeFramesApartMs);
    QCOMPARE(a.subject, b.subject);
    QCOMPARE(a.tokenExpiresAt, b.tokenExpiresAt);
    QCOMPARE(a.transport, b.transport);
}

} // namespace

void tst_Protocol::tickReadsBackExactly_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("rawHead");
    QTest::addRow("plain") << QStringLiteral("room") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    QTest::addRow("json syntax") << QStringLiteral("\"}],{\\\"x\":") << QByteArray("GET /\"\\ HTTP/1.1\r\n\r\n");
    QTest::addRow("control characters") << QString::fromUtf8("a\x01\x1f\b\f\n\r\t\x7f z", 13)
                                        << QByteArray("\x00\x01\x1f\x7f", 4);
    QTest::addRow("beyond ascii") << QStringLiteral("é€𝄞 日本 \U0001F600") << QByteArray("\x80\xa0\xe9\xff", 4);
    QTest::addRow("empty") << QString() << QByteArray();
}

void tst_Protocol::tickReadsBackExactly()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, rawHead);
    Tick tick;
    tick.sample.timeMs = 1765056600250;
    tick.sample.messagesIn = 12.5;
    tick.opened.append(session(text));
    tick.closed.append(session(text + text));
    HandshakeRecord h;
    h.id = 42;
    h.time = QDateTime::fromMSecsSinceEpoch(1765056600001, Qt::UTC);
    h.peerAddress = QStringLiteral("127.0.0.1");
    h.status = 429;
    h.outcome = HandshakeRecord::Outcome::Refused;
    h.reason = text;
    h.durationMs = 3;
    h.path = text;
    h.viaProxy = text;
    h.admin = true;
    h.request = rawHead;
    h.response = rawHead + rawHead;
    tick.handshakes.append(h);
    CounterUpdate u;
    u.id = 7;
    u.state = SessionSnapshot::State::Open;
    u.messagesIn = 1;
    u.bytesOut = 1ull << 50;
    u.lastActivityMs = 1765056600000;
    u.pingRttMs = 5;
    u.textIn = 1;
    u.textOut = 2;
    tick.updated.append(u);
    tick.omittedClosed = 3;

    const QByteArray wire = encode(tick);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(wire, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + QLatin1String(": ") + QString::fromUtf8(wire)));
    QVERIFY(!wire.contains('\n'));   // one compact line, as the wire expects
    const Tick back = tickFromJson(doc.object());
    QCOMPARE(messageType(doc.object()), MessageType::Tick);
    QCOMPARE(back.sample.timeMs, tick.sample.timeMs);
    QCOMPARE(back.sample.messagesIn, 12.5);
    QCOMPARE(back.opened.size(), 1);
    QCOMPARE(back.closed.size(), 1);
    compareSessions(back.opened.at(0), tick.opened.at(0));
    compareSessions(back.closed.at(0), tick.closed.at(0));
    QCOMPARE(back.handshakes.size(), 1);
    const HandshakeRecord &hb = back.handshakes.at(0);
    QCOMPARE(hb.time, h.time);
    QCOMPARE(hb.status, 429);
    QCOMPARE(hb.outcome, h.outcome);
    QCOMPARE(hb.reason, text);
    QCOMPARE(hb.path, text);
    QCOMPARE(hb.viaProxy, text);
    QCOMPARE(hb.admin, true);
    QCOMPARE(hb.request, rawHead);   // every byte, as one code point each
    QCOMPARE(hb.response, rawHead + rawHead);
    QCOMPARE(back.updated.size(), 1);
    QCOMPARE(back.updated.at(0).bytesOut, 1ull << 50);
    QCOMPARE(back.updated.at(0).textOut, 2u);
    QVERIFY(back.updated.at(0).hasTextCounts);
    QCOMPARE(back.omittedClosed, 3);
    QCOMPARE(back.omittedOpened, 0);
    // The object form is the same text read back: one definition of the message.
    QCOMPARE(toJson(tick), doc.object());
}

void tst_Protocol::timesReadBackToTheMillisecond_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addRow("epoch") << qint64(0);
    QTest::addRow("before it") << qint64(-1);
    QTest::addRow("leap day") << QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), Qt::UTC).toMSecsSinceEpoch();
    QTest::addRow("century not leap") << QDateTime(QDate(2100, 3, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    QTest::addRow("year 2000") << QDateTime(QDate(2000, 2, 29), QTime(12, 30, 5, 7), Qt::UTC).toMSecsSinceEpoch();
    QTest::addRow("year 1") << QDateTime(QDate(1, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    QTest::addRow("year 9999") << QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), Qt::UTC).toMSecsSinceEpoch();
}

void tst_Protocol::timesReadBackToTheMillisecond()
{
    QFETCH(qint64, ms);
    HandshakeRecord h;
    h.time = QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
    Tick tick;
    tick.handshakes.append(h);
    const QJsonObject o = QJsonDocument::fromJson(encode(tick)).object();
    const QString written = o.value(QLatin1String("handshakes")).toArray().at(0).toObject().value(QLatin1String("time")).toString();
    // Exactly what Qt writes for it, so every reader of ISO 8601 reads it back.
    QCOMPARE(written, h.time.toString(Qt::ISODateWithMs));
    QCOMPARE(tickFromJson(o).handshakes.at(0).time.toMSecsSinceEpoch(), ms);
    // A local time is written as the same instant in UTC.
    h.time = QDateTime::fromMSecsSinceEpoch(ms, Qt::OffsetFromUTC, 5 * 3600);
    tick.handshakes = {h};
    const QJsonObject local = QJsonDocument::fromJson(encode(tick)).object();
    QCOMPARE(tickFromJson(local).handshakes.at(0).time.toMSecsSinceEpoch(), ms);
}

void tst_Protocol::snapshotReadsBack()
{
    Snapshot s;
    s.protocol = 3;
    s.tickMs = 250;
    for (int i = 0; i < 3; ++i)
        s.sessions.append(session(QString::number(i)));
    s.handshakes.append(HandshakeRecord());
    s.samples.append(RateSample());
    s.cluster.nodes = {QStringLiteral("a")};
    const QByteArray wire = encode(s);
    const QJsonObject o = QJsonDocument::fromJson(wire).object();
    QCOMPARE(messageType(o), MessageType::Snapshot);
    const Snapshot back = snapshotFromJson(o);
    QCOMPARE(back.protocol, 3);
    QCOMPARE(back.sessions.size(), 3);
    compareSessions(back.sessions.at(2), s.sessions.at(2));
    QCOMPARE(back.handshakes.size(), 1);
    QCOMPARE(back.samples.size(), 1);
    QCOMPARE(back.cluster.nodes, s.cluster.nodes);
    QCOMPARE(toJson(s), o);
}

void tst_Protocol::numbersAreJsonNumbers()
{
    Tick tick;
    tick.sample.bytesIn = std::numeric_limits<double>::quiet_NaN();   // never a bare NaN on the wire
    tick.sample.bytesOut = 0.1;
    SessionSnapshot s = session(QStringLiteral("x"));
    s.pingRttMs = -1;
    tick.opened.append(s);
    const QJsonObject o = QJsonDocument::fromJson(encode(tick)).object();
    QVERIFY(!o.isEmpty());
    QCOMPARE(o.value(QLatin1String("sample")).toObject().value(QLatin1String("bytesOut")).toDouble(), 0.1);
    const QJsonObject opened = o.value(QLatin1String("opened")).toArray().at(0).toObject();
    QVERIFY(opened.value(QLatin1String("id")).isDouble());
    QCOMPARE(opened.value(QLatin1String("id")).toDouble(), 9007199254740991.0);
    QCOMPARE(opened.value(QLatin1String("pingRttMs")).toDouble(), -1.0);
}

void tst_Protocol::repliesCarryTheirResultsExactly()
{
    const QList<SessionSnapshot> sessions{session(QStringLiteral("a\"b")), session(QStringLiteral("é"))};
    const Reply list = replyFromJson(decode(replyOk(41, sessions)));
    QCOMPARE(list.id, 41);
    QVERIFY(list.ok);
    const QList<SessionSnapshot> back = sessionsFromJson(list.result);
    QCOMPARE(back.size(), 2);
    compareSessions(back.at(0), sessions.at(0));
    compareSessions(back.at(1), sessions.at(1));
    QCOMPARE(replyFromJson(decode(replyOk(42, QList<SessionSnapshot>()))).result.toArray().size(), 0);

    const Reply one = replyFromJson(decode(replyOk(43, sessions.at(1))));
    compareSessions(sessionFromJson(one.result.toObject()), sessions.at(1));

    Snapshot s;
    s.protocol = 3;
    s.sessions = sessions;
    const Reply snap = replyFromJson(decode(replyOk(44, s)));
    QCOMPARE(snap.id, 44);
    QCOMPARE(snapshotFromJson(snap.result.toObject()).sessions.size(), 2);
    QCOMPARE(snap.result.toObject(), toJson(s));
}

QTEST_GUILESS_MAIN(tst_Protocol)
#include "tst_protocol.moc"
