// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The frame inspector: the decoder on hand-built frames, then a real host watched
// over the admin channel while a raw-socket client sends known frames.

#include <wsplug/hostserver.h>
#include <wsplug/protocol/adminprotocol.h>

#include "framedecoder_p.h"
#include "framewatch_p.h"
#include "engineiohttp.h"
#include "testsupport.h"
#include "tsharksupport.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <functional>

using namespace WsPlug;
using namespace WsPlug::Test;
using Protocol::Direction;
using Protocol::FrameHeader;
using Protocol::FrameRecord;

namespace {

const QString token = QStringLiteral("frames-token");

//! A server frame (unmasked) with the length in the given form (7, 16 or 64 bits).
QByteArray serverFrame(int opcode, const QByteArray &payload, bool fin = true, int rsv = 0, int lengthBits = 0)
{
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | (rsv << 4) | opcode));
    const quint64 n = quint64(payload.size());
    if (lengthBits == 0)
        lengthBits = n < 126 ? 7 : n <= 0xFFFF ? 16 : 64;
    if (lengthBits == 7) {
        f.append(char(n));
    } else if (lengthBits == 16) {
        f.append(char(126));
        f.append(char(n >> 8));
        f.append(char(n & 0xFF));
    } else {
        f.append(char(127));
        for (int i = 7; i >= 0; --i)
            f.append(char((n >> (8 * i)) & 0xFF));
    }
    return f + payload;
}

FrameHeader headerOf(const FrameRecord &r)
{
    FrameHeader h;
    if (!Protocol::parseFrameHeader(r.header, &h))
        qWarning("unparsable header %s", r.header.toHex().constData());
    return h;
}

//! Feeds \a bytes to a decoder in pieces of \a piece bytes; returns what it reported.
QList<FrameRecord> decode(const QByteArray &bytes, int piece, Direction direction = Direction::HostToClient)
{
    QList<FrameRecord> out;
    Internal::FrameDecoder decoder(direction, [&out](FrameRecord &&r) { out.append(std::move(r)); });
    for (qsizetype at = 0; at < bytes.size(); at += piece)
        decoder.feed(bytes.constData() + at, qMin<qsizetype>(piece, bytes.size() - at), 1000);
    return out;
}

//! A real admin client that collects the host's messages.
class AdminClient : public QObject
{
public:
    explicit AdminClient(quint16 port)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
            if (Protocol::messageType(m) == Protocol::MessageType::Frames) {
                const Protocol::FramesReport r = Protocol::framesFromJson(m);
                frames.append(r.frames);
                for (const Protocol::FrameOmission &o : r.omitted)
                    omittedFrames += o.frames;
                rawFrames.append(m);
            } else {
                messages.append(m);
            }
        });
        socket.open(wsUrl(port, QStringLiteral("/_admin?token=") + token));
    }
    bool waitAttached() { return QTest::qWaitFor([this] { return !messages.isEmpty(); }, 5000); }
    QJsonObject command(const QByteArray &json)
    {
        const qint64 id = QJsonDocument::fromJson(json).object().value(QStringLiteral("id")).toInteger();
        socket.sendTextMessage(QString::fromUtf8(json));
        QJsonObject reply;
        (void)QTest::qWaitFor([&] {
            for (const QJsonObject &m : std::as_const(messages)) {
                if (m.value(QStringLiteral("type")).toString() == QLatin1String("reply")
                    && m.value(QStringLiteral("id")).toInteger() == id) {
                    reply = m;
                    return true;
                }
            }
            return false;
        }, 5000);
        return reply;
    }
    bool ok(const QByteArray &json) { return command(json).value(QStringLiteral("ok")).toBool(); }
    //! Command \a cmd with \a fields, numbered here; the reply.
    QJsonObject ask(const QString &cmd, QJsonObject fields = {})
    {
        fields.insert(QStringLiteral("id"), ++m_lastId);
        fields.insert(QStringLiteral("cmd"), cmd);
        return command(QJsonDocument(fields).toJson(QJsonDocument::Compact));
    }
    bool ok(const QString &cmd, const QJsonObject &fields) { return ask(cmd, fields).value(QStringLiteral("ok")).toBool(); }
    //! The same for one session: \a cmd with "session" and \a fields.
    bool ok(const QString &cmd, Protocol::SessionId session, QJsonObject fields = {})
    {
        fields.insert(QStringLiteral("session"), double(session));
        return ok(cmd, fields);
    }
    QList<FrameRecord> of(Protocol::SessionId session, Direction direction) const
    {
        QList<FrameRecord> out;
        for (const FrameRecord &f : frames) {
            if (f.session == session && f.direction == direction)
                out.append(f);
        }
        return out;
    }

    QWebSocket socket;
    QList<QJsonObject> messages;
    QList<QJsonObject> rawFrames;
    QList<FrameRecord> frames;
    quint64 omittedFrames = 0;

private:
    int m_lastId = 100;
};

} // namespace

class tst_Frames : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<HostServer> startHost()
    {
        HostConfig config = testConfig();
        config.adminToken = token;
        config.statsTickMs = 50;
        return startedHost(config);
    }
    //! \a client upgraded on /echo as a raw socket: the id of its session, or 0.
    static Protocol::SessionId upgradeRawSession(QTcpSocket &client, HostServer &host)
    {
        const int before = host.sessionCount();
        if (!upgradeRaw(client, host.serverPort(), QStringLiteral("/echo"))
            || !QTest::qWaitFor([&host, before] { return host.sessionCount() > before; }, 5000))
            return 0;
        return newestSession(host);
    }
    //! The id of the newest open session.
    static Protocol::SessionId newestSession(HostServer &host)
    {
        Protocol::SessionId id = 0;
        for (const SessionSnapshot &s : host.sessions())
            id = qMax(id, s.id);
        return id;
    }

private Q_SLOTS:
    // The decoder
    void headerFields_data();
    void headerFields();
    void everyOpcodeAndLengthFormByteByByte();
    void maskedPayloadIsShownUnmasked();
    void longPayloadIsCutButItsLengthKept();
    void fragmentsAreNumbered();
    void refusedFramesAreSkipped();
    void resumesInTheMiddleOfAFrame();
    // Through the host and the admin channel
    void watchedSessionReportsEveryFrameBothWaysInOrder();
    void routeWatchSeesNewSessionsFromTheirFirstFrame();
    void unwatchedSessionsAreNotReported();
    void watchStartedMidFrameFindsTheNextFrame();
    void fanOutToAWatchedSubscriberIsSeen();
    void compressedMessagesAreShownInflated();
    void engineIoSessionIsSeenOnceOnItsWebSocket();
    void floodIsSampledAndTheHostStaysResponsive();
    void badWatchCommandsGetErrors_data();
    void badWatchCommandsGetErrors();
    // Teaching actions
    void pingWithAPayloadAndItsPong();
    void messagesInFramesAndBinary();
    void holdingTheHostsPongs();
    void holdingTheClientsPongsLetsTheHeartbeatReapIt();
    void faultsMakeACompliantClientFail_data();
    void faultsMakeACompliantClientFail();
    void badTeachingCommandsGetErrors_data();
    void badTeachingCommandsGetErrors();
    // Recording the watched sessions as pcapng ("record")
    void recordingOfAWatchedSessionReadsBackInTshark();
    void routeRecordingHasTheUpgradeAndComesInChunks();
    void recordingJoinedMidFrameStartsAtTheNextFrame();
    void recordingStopsAtItsLimit();
    void oneRecordingAtATime();
};

void tst_Frames::headerFields_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("fin");
    QTest::addColumn<int>("rsv");
    QTest::addColumn<int>("opcode");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<int>("lengthBits");
    QTest::addColumn<quint64>("length");
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("nonMinimal");

    QTest::newRow("text 5") << QByteArray::fromHex("810548656c6c6f") << true << 0 << 1 << false << 7 << quint64(5) << 2 << false;
    QTest::newRow("masked text 5") << QByteArray::fromHex("818537fa213d7f9f4d5158") << true << 0 << 1 << true << 7 << quint64(5) << 6 << false;
    QTest::newRow("binary 256, 16-bit") << QByteArray::fromHex("827e0100") << true << 0 << 2 << false << 16 << quint64(256) << 4 << false;
    QTest::newRow("binary 65536, 64-bit") << QByteArray::fromHex("827f0000000000010000") << true << 0 << 2 << false << 64 << quint64(65536) << 10 << false;
    QTest::newRow("masked 64-bit") << QByteArray::fromHex("82ff000000000001000001020304") << true << 0 << 2 << true << 64 << quint64(65536) << 14 << false;
    QTest::newRow("non-minimal 16-bit") << QByteArray::fromHex("817e0005") << true << 0 << 1 << false << 16 << quint64(5) << 4 << true;
    QTest::newRow("non-minimal 64-bit") << QByteArray::fromHex("817f0000000000000005") << true << 0 << 1 << false << 64 << quint64(5) << 10 << true;
    QTest::newRow("first fragment, RSV1") << QByteArray::fromHex("4100") << false << 4 << 1 << false << 7 << quint64(0) << 2 << false;
    QTest::newRow("RSV2 RSV3 continuation") << QByteArray::fromHex("b000") << true << 3 << 0 << false << 7 << quint64(0) << 2 << false;
    QTest::newRow("reserved opcode 0xB") << QByteArray::fromHex("8b00") << true << 0 << 0xB << false << 7 << quint64(0) << 2 << false;
    QTest::newRow("ping 4") << QByteArray::fromHex("8904") << true << 0 << 9 << false << 7 << quint64(4) << 2 << false;
    QTest::newRow("pong masked") << QByteArray::fromHex("8a8001020304") << true << 0 << 10 << true << 7 << quint64(0) << 6 << false;
    QTest::newRow("close 2") << QByteArray::fromHex("880203e8") << true << 0 << 8 << false << 7 << quint64(2) << 2 << false;
}

void tst_Frames::headerFields()
{
    QFETCH(QByteArray, bytes);
    FrameHeader h;
    QVERIFY(Protocol::parseFrameHeader(bytes, &h));
    QTEST(h.fin, "fin");
    QTEST(h.rsv, "rsv");
    QTEST(h.opcode, "opcode");
    QTEST(h.masked, "masked");
    QTEST(h.lengthBits, "lengthBits");
    QTEST(h.payloadLength, "length");
    QTEST(h.size, "size");
    QTEST(Protocol::isNonMinimalLength(h), "nonMinimal");
    QCOMPARE(h.maskingKey.size(), h.masked ? 4 : 0);
    // Any shorter prefix is not a whole header.
    FrameHeader partial;
    QVERIFY(!Protocol::parseFrameHeader(bytes.left(h.size - 1), &partial));
}

void tst_Frames::everyOpcodeAndLengthFormByteByByte()
{
    struct Case { int opcode; QByteArray payload; int lengthBits; bool fin; int rsv; };
    const QList<Case> cases = {
        {0x1, "hello", 7, true, 0},          {0x2, QByteArray(300, 'b'), 16, true, 0},
        {0x2, QByteArray(70000, 'c'), 64, true, 0}, {0x9, "ping!", 7, true, 0},
        {0xA, "", 7, true, 0},               {0x8, QByteArray::fromHex("03e8") + "bye", 7, true, 0},
        {0x1, "short in 16", 16, true, 0},  {0x3, "reserved", 7, true, 0},
        {0x1, "rsv", 7, true, 5},            {0x0, "cont", 7, false, 0},
    };
    QByteArray stream;
    for (const Case &c : cases)
        stream += serverFrame(c.opcode, c.payload, c.fin, c.rsv, c.lengthBits);
    for (int piece : {1, 3, 4096, int(stream.size())}) {
        const QList<FrameRecord> got = decode(stream, piece);
        QCOMPARE(got.size(), cases.size());
        for (int i = 0; i < cases.size(); ++i) {
            const FrameHeader h = headerOf(got.at(i));
            QCOMPARE(h.opcode, cases.at(i).opcode);
            QCOMPARE(h.lengthBits, cases.at(i).lengthBits);
            QCOMPARE(h.fin, cases.at(i).fin);
            QCOMPARE(h.rsv, cases.at(i).rsv);
            QCOMPARE(got.at(i).payloadLength, quint64(cases.at(i).payload.size()));
            QCOMPARE(got.at(i).payload, cases.at(i).payload.left(Protocol::MaxFramePayloadShown));
            QCOMPARE(got.at(i).direction, Direction::HostToClient);
            QCOMPARE(got.at(i).timeUs, qint64(1000));
        }
    }
}

void tst_Frames::maskedPayloadIsShownUnmasked()
{
    // RFC 6455 5.7's example: a masked "Hello".
    const QByteArray frame = QByteArray::fromHex("818537fa213d7f9f4d5158");
    for (int piece : {1, 2, 7, 11}) {
        const QList<FrameRecord> got = decode(frame + clientFrame(0x2, QByteArray(2000, 'z')), piece, Direction::ClientToHost);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(0).payload, QByteArray("Hello"));
        QCOMPARE(headerOf(got.at(0)).maskingKey, QByteArray::fromHex("37fa213d"));
        QCOMPARE(got.at(0).header, frame.left(6));
        QCOMPARE(got.at(1).payload, QByteArray(Protocol::MaxFramePayloadShown, 'z'));
        QCOMPARE(got.at(1).direction, Direction::ClientToHost);
    }
}

void tst_Frames::longPayloadIsCutButItsLengthKept()
{
    const QByteArray big(5 * 1024 * 1024, 'x');
    const QList<FrameRecord> got = decode(serverFrame(0x2, big) + serverFrame(0x1, "after"), 64 * 1024);
    QCOMPARE(got.size(), 2);
    QCOMPARE(got.at(0).payloadLength, quint64(big.size()));
    QCOMPARE(got.at(0).payload.size(), Protocol::MaxFramePayloadShown);
    QCOMPARE(got.at(1).payload, QByteArray("after"));
}

void tst_Frames::fragmentsAreNumbered()
{
    const QByteArray stream = serverFrame(0x1, "one") + serverFrame(0x1, "tw", false) + serverFrame(0x9, "p")
            + serverFrame(0x0, "o", false) + serverFrame(0x0, "!", true) + serverFrame(0x2, "bin");
    const QList<FrameRecord> got = decode(stream, 2);
    QCOMPARE(got.size(), 6);
    QCOMPARE(got.at(0).message, quint64(1));
    QCOMPARE(got.at(0).fragment, 0);
    QCOMPARE(got.at(1).message, quint64(2));
    QCOMPARE(got.at(1).fragment, 0);
    QCOMPARE(got.at(2).fragment, -1);   // a ping between fragments belongs to no message
    QCOMPARE(got.at(3).message, quint64(2));
    QCOMPARE(got.at(3).fragment, 1);
    QCOMPARE(got.at(4).message, quint64(2));
    QCOMPARE(got.at(4).fragment, 2);
    QCOMPARE(got.at(5).message, quint64(3));
    QCOMPARE(got.at(5).fragment, 0);
}

void tst_Frames::refusedFramesAreSkipped()
{
    QList<FrameRecord> out;
    int asked = 0;
    Internal::FrameDecoder decoder(Direction::HostToClient, [&out](FrameRecord &&r) { out.append(std::move(r)); },
                                   [&asked](quint64) { return ++asked % 2 == 1; });
    QByteArray stream;
    for (int i = 0; i < 6; ++i)
        stream += serverFrame(0x1, QByteArray::number(i).repeated(200));
    decoder.feed(stream.constData(), stream.size(), 0);
    QCOMPARE(asked, 6);
    QCOMPARE(out.size(), 3);
    QCOMPARE(out.at(0).payload.left(1), QByteArray("0"));
    QCOMPARE(out.at(1).payload.left(1), QByteArray("2"));
    QCOMPARE(out.at(2).payload.left(1), QByteArray("4"));
    QCOMPARE(out.at(2).message, quint64(5));   // numbered whether shown or not
}

void tst_Frames::resumesInTheMiddleOfAFrame()
{
    const QByteArray first = clientFrame(0x2, QByteArray(500, 'a'));
    const QByteArray second = clientFrame(0x1, "next");
    // In the payload: 100 bytes of it are left.
    {
        QList<FrameRecord> out;
        Internal::FrameDecoder d(Direction::ClientToHost, [&out](FrameRecord &&r) { out.append(std::move(r)); });
        d.resume({}, 100, 0);
        const QByteArray rest = first.right(100) + second;
        d.feed(rest.constData(), rest.size(), 0);
        QCOMPARE(out.size(), 1);
        QCOMPARE(out.at(0).payload, QByteArray("next"));
    }
    // In the header: its first 3 bytes went by.
    {
        QList<FrameRecord> out;
        Internal::FrameDecoder d(Direction::ClientToHost, [&out](FrameRecord &&r) { out.append(std::move(r)); });
        d.resume(first.left(3), 0, 0);
        const QByteArray rest = first.mid(3) + second;
        d.feed(rest.constData(), rest.size(), 0);
        QCOMPARE(out.size(), 2);
        QCOMPARE(out.at(0).payload, QByteArray(500, 'a'));
        QCOMPARE(out.at(1).payload, QByteArray("next"));
    }
}

void tst_Frames::watchedSessionReportsEveryFrameBothWaysInOrder()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));

    // What the client sends: a text message in three fragments, a ping with a payload
    // between them, a 300-byte binary message, and a close with a code and a reason.
    const QByteArray binary = QByteArray(300, '\x5a');
    QByteArray sent = clientFrame(0x1, "Hel", false) + clientFrame(0x0, "lo, ", false) + clientFrame(0x9, "are you there")
            + clientFrame(0x0, "class", true) + clientFrame(0x2, binary);
    client.write(sent);
    QByteArray buffer;
    // The echo of the text (joined) and of the binary, and the pong.
    QList<Frame> replies;
    while (replies.size() < 3) {
        auto f = readFrame(client, buffer, 5000);
        QVERIFY2(f, "the host did not answer");
        replies.append(*f);
    }
    client.write(clientFrame(0x8, closePayload(1000, "bye")));
    QVERIFY(waitForDisconnect(client, 5000, &buffer));

    // In: exactly what was sent, in order, with every field.
    QTRY_VERIFY_WITH_TIMEOUT(admin.of(id, Direction::ClientToHost).size() >= 6, 5000);
    const QList<FrameRecord> in = admin.of(id, Direction::ClientToHost);
    QCOMPARE(in.size(), 6);
    const QList<int> inOpcodes = {0x1, 0x0, 0x9, 0x0, 0x2, 0x8};
    const QList<bool> inFin = {false, false, true, true, true, true};
    const QList<QByteArray> inPayload = {"Hel", "lo, ", "are you there", "class", binary, closePayload(1000, "bye")};
    for (int i = 0; i < in.size(); ++i) {
        const FrameHeader h = headerOf(in.at(i));
        QCOMPARE(h.opcode, inOpcodes.at(i));
        QCOMPARE(h.fin, inFin.at(i));
        QVERIFY(h.masked);
        QCOMPARE(h.maskingKey.size(), 4);
        QCOMPARE(in.at(i).payload, inPayload.at(i));
        QCOMPARE(in.at(i).payloadLength, quint64(inPayload.at(i).size()));
        QCOMPARE(in.at(i).route, QStringLiteral("/echo"));
    }
    QCOMPARE(headerOf(in.at(4)).lengthBits, 16);   // 300 bytes take the 16-bit form
    QCOMPARE(in.at(0).message, in.at(3).message);   // the fragments and their message
    QCOMPARE(in.at(3).fragment, 2);
    // The header bytes are the ones on the wire.
    QCOMPARE(in.at(0).header, clientFrame(0x1, "Hel", false).left(6).left(2) + in.at(0).header.mid(2));
    QCOMPARE(in.at(4).header.left(4), QByteArray::fromHex("82fe012c"));

    // Out: the pong (Qt's own), the echoes, and the host's close frame answering the client's.
    QTRY_VERIFY_WITH_TIMEOUT(admin.of(id, Direction::HostToClient).size() >= 4, 5000);
    const QList<FrameRecord> out = admin.of(id, Direction::HostToClient);
    QCOMPARE(out.size(), 4);
    QList<int> outOpcodes;
    for (const FrameRecord &f : out) {
        QVERIFY(!headerOf(f).masked);
        outOpcodes.append(headerOf(f).opcode);
    }
    QCOMPARE(outOpcodes, (QList<int>{0xA, 0x1, 0x2, 0x8}));
    QCOMPARE(out.at(0).payload, QByteArray("are you there"));
    QCOMPARE(out.at(1).payload, QByteArray("Hello, class"));
    QCOMPARE(out.at(2).payload, binary);
    QCOMPARE(out.at(3).payload.left(2), QByteArray::fromHex("03e8"));
    // What the client received is what the inspector showed going out.
    QCOMPARE(replies.at(0).opcode, 0xA);
    QCOMPARE(replies.at(1).payload, out.at(1).payload);
    // Time order within each direction, and the pong after the ping.
    for (int i = 1; i < in.size(); ++i)
        QVERIFY(in.at(i).timeUs >= in.at(i - 1).timeUs);
    QVERIFY(out.at(0).timeUs >= in.at(2).timeUs);
    // Fields also travel decoded, for readers without a parser.
    const QJsonObject firstIn = admin.rawFrames.first().value(QStringLiteral("frames")).toArray().first().toObject();
    QCOMPARE(firstIn.value(QStringLiteral("dir")).toString(), QStringLiteral("in"));
    QCOMPARE(firstIn.value(QStringLiteral("opcode")).toInt(), 1);
    QCOMPARE(firstIn.value(QStringLiteral("fin")).toBool(), false);
    QCOMPARE(firstIn.value(QStringLiteral("key")).toString().size(), 8);
}

void tst_Frames::routeWatchSeesNewSessionsFromTheirFirstFrame()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QVERIFY(admin.ok(R"({"id":1,"cmd":"watch","route":"/chat"})"));
    // Chat greets a new member at once: that first frame is seen.
    auto chat = openClient(host->serverPort(), QStringLiteral("/chat?name=ada"));
    QVERIFY(chat);
    auto echo = openClient(host->serverPort(), QStringLiteral("/echo"));
    QVERIFY(echo);
    echo->sendTextMessage(QStringLiteral("not watched"));
    chat->sendTextMessage(QStringLiteral("{\"type\":\"message\",\"text\":\"hi\"}"));
    QTRY_VERIFY_WITH_TIMEOUT(admin.frames.size() >= 2, 5000);
    QTest::qWait(300);
    QSet<Protocol::SessionId> sessions;
    for (const FrameRecord &f : std::as_const(admin.frames)) {
        sessions.insert(f.session);
        QCOMPARE(f.route, QStringLiteral("/chat"));
    }
    QCOMPARE(sessions.size(), 1);
    const QList<FrameRecord> out = admin.of(*sessions.cbegin(), Direction::HostToClient);
    QVERIFY(!out.isEmpty());
    QCOMPARE(out.first().message, quint64(1));   // from the session's very first message on
}

void tst_Frames::unwatchedSessionsAreNotReported()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    auto a = openClient(host->serverPort());
    QVERIFY(a);
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    auto b = openClient(host->serverPort());
    QVERIFY(b);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    a->sendTextMessage(QStringLiteral("watched"));
    b->sendTextMessage(QStringLiteral("not watched"));
    QTRY_COMPARE_WITH_TIMEOUT(admin.of(id, Direction::HostToClient).size(), 1, 5000);
    QVERIFY(admin.ok(QStringLiteral("unwatch"), id));
    const int seen = int(admin.frames.size());
    a->sendTextMessage(QStringLiteral("after unwatch"));
    QSignalSpy echoed(a.get(), &QWebSocket::textMessageReceived);
    QVERIFY(echoed.wait(5000));
    QTest::qWait(200);   // four ticks
    QCOMPARE(admin.frames.size(), seen);
    for (const FrameRecord &f : std::as_const(admin.frames))
        QCOMPARE(f.session, id);
}

void tst_Frames::watchStartedMidFrameFindsTheNextFrame()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    // Half a frame before the watch starts, the rest and another one after.
    const QByteArray first = clientFrame(0x2, QByteArray(400, 'h'));
    client.write(first.left(150));
    client.flush();
    QTest::qWait(100);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    client.write(first.mid(150) + clientFrame(0x1, "whole"));
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(id, Direction::ClientToHost).isEmpty(), 5000);
    QTest::qWait(200);
    const QList<FrameRecord> in = admin.of(id, Direction::ClientToHost);
    QCOMPARE(in.size(), 1);
    QCOMPARE(in.first().payload, QByteArray("whole"));
    QCOMPARE(headerOf(in.first()).opcode, 1);
}

void tst_Frames::fanOutToAWatchedSubscriberIsSeen()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    auto subscriber = openClient(host->serverPort(), QStringLiteral("/broadcast/class"));
    QVERIFY(subscriber);
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    auto publisher = openClient(host->serverPort(), QStringLiteral("/broadcast/class"));
    QVERIFY(publisher);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    QSignalSpy received(subscriber.get(), &QWebSocket::textMessageReceived);
    publisher->sendTextMessage(QStringLiteral("to everyone"));
    QVERIFY(received.wait(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(id, Direction::HostToClient).isEmpty(), 5000);
    const FrameRecord f = admin.of(id, Direction::HostToClient).first();
    QVERIFY2(f.payload.contains("to everyone"), f.payload.constData());
    QCOMPARE(f.payloadLength, quint64(f.payload.size()));
}

// An Engine.IO session watched while it polls (there are no frames to see then) is seen
// from its upgrade on: the watch follows the session onto its WebSocket.
void tst_Frames::compressedMessagesAreShownInflated()
{
    // With permessage-deflate, RSV1 marks a compressed message (RFC 7692 6): the
    // inspector says the session agreed on it, and shows what a message in one frame
    // inflates to beside the deflate stream that crossed the wire.
    HostConfig config = testConfig();
    config.adminToken = token;
    config.statsTickMs = 50;
    config.deflate = {QStringLiteral("on")};
    auto host = startedHost(config);
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    QVERIFY(connectRaw(client, host->serverPort()));
    client.write(handshakeRequest(QStringLiteral("/echo"), "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    QVERIFY(readResponseHead(client).contains("permessage-deflate"));
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));

    QByteArray json = "[";
    for (int i = 0; json.size() < 2000; ++i)
        json += "{\"id\":" + QByteArray::number(i) + ",\"name\":\"sensor\"},";
    json.back() = ']';
    const QByteArray packed = deflateMessage(json);
    QVERIFY(!packed.isEmpty() && packed.size() < Protocol::MaxFramePayloadShown);
    // One frame; then the same message in two fragments (RSV1 on the first only).
    client.write(clientFrame(0x1, packed, true, true, 4));
    client.write(clientFrame(0x1, packed.left(50), false, true, 4) + clientFrame(0x0, packed.mid(50), true));
    QByteArray buffer;
    for (int i = 0; i < 2; ++i)
        QVERIFY2(readFrame(client, buffer, 5000), "the host did not echo");

    QTRY_VERIFY_WITH_TIMEOUT(admin.of(id, Direction::ClientToHost).size() >= 3, 5000);
    const QList<FrameRecord> in = admin.of(id, Direction::ClientToHost);
    QCOMPARE(in.size(), 3);
    for (const FrameRecord &f : in)
        QVERIFY(f.deflate);
    QCOMPARE(headerOf(in.at(0)).rsv, 4);
    QVERIFY(Protocol::isCompressedMessage(in.at(0), headerOf(in.at(0))));
    QCOMPARE(in.at(0).payload, packed);   // the wire's bytes, unmasked
    QCOMPARE(in.at(0).inflatedLength, qint64(json.size()));
    QCOMPARE(in.at(0).inflated, json.left(Protocol::MaxFramePayloadShown));
    // In fragments it cannot be inflated frame by frame: shown as it came.
    QVERIFY(Protocol::isCompressedMessage(in.at(1), headerOf(in.at(1))));
    QCOMPARE(in.at(1).inflatedLength, qint64(-1));
    QVERIFY(!Protocol::isCompressedMessage(in.at(2), headerOf(in.at(2))));

    // The host's echoes are compressed too, and shown inflated.
    QTRY_VERIFY_WITH_TIMEOUT(admin.of(id, Direction::HostToClient).size() >= 2, 5000);
    for (const FrameRecord &f : admin.of(id, Direction::HostToClient)) {
        QVERIFY(f.deflate);
        QCOMPARE(headerOf(f).rsv, 4);
        QCOMPARE(f.inflatedLength, qint64(json.size()));
        QCOMPARE(f.inflated, json.left(Protocol::MaxFramePayloadShown));
    }
    // Without the extension a session's frames say so.
    QTcpSocket plain;
    const Protocol::SessionId plainId = upgradeRawSession(plain, *host);
    QVERIFY(plainId);
    QVERIFY(admin.ok(QStringLiteral("watch"), plainId));
    plain.write(clientFrame(0x1, "plain"));
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(plainId, Direction::ClientToHost).isEmpty(), 5000);
    QVERIFY(!admin.of(plainId, Direction::ClientToHost).first().deflate);
}

void tst_Frames::engineIoSessionIsSeenOnceOnItsWebSocket()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket polling;
    const QByteArray sid = rawEngineIoHandshake(polling, host->serverPort());
    QVERIFY(!sid.isEmpty());
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    auto ws = openClient(host->serverPort(), QStringLiteral("/echo/engine.io/?EIO=4&transport=websocket&sid=") + QString::fromLatin1(sid));
    QVERIFY(ws);
    QSignalSpy texts(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("2probe"));
    QTRY_COMPARE(texts.size(), 1);
    ws->sendTextMessage(QStringLiteral("5"));
    // The watch starts with the upgrade: what came in the same read as "5" went by before it.
    QTRY_COMPARE(host->sessions().value(0).transport, QStringLiteral("polling→websocket"));
    ws->sendTextMessage(QStringLiteral("4watched"));
    QTRY_COMPARE(texts.size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(id, Direction::HostToClient).isEmpty(), 5000);
    const QList<FrameRecord> out = admin.of(id, Direction::HostToClient);
    QCOMPARE(out.last().payload, QByteArray("4watched"));
    const QList<FrameRecord> in = admin.of(id, Direction::ClientToHost);
    QVERIFY(!in.isEmpty());
    QCOMPARE(in.last().payload, QByteArray("4watched"));
}

void tst_Frames::floodIsSampledAndTheHostStaysResponsive()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket flooder;
    const Protocol::SessionId id = upgradeRawSession(flooder, *host);
    QVERIFY(id);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    constexpr int Flood = 5000;
    QByteArray burst;
    for (int i = 0; i < Flood; ++i)
        burst += clientFrame(0x1, "x");
    flooder.write(burst);
    // Another client is served meanwhile.
    auto other = openClient(host->serverPort());
    QVERIFY(other);
    QSignalSpy echoed(other.get(), &QWebSocket::textMessageReceived);
    other->sendTextMessage(QStringLiteral("still there?"));
    QVERIFY(echoed.wait(5000));
    // Every frame both ways is either shown or counted as left out; a second's worth at most is shown.
    QTRY_COMPARE_WITH_TIMEOUT(quint64(admin.of(id, Direction::ClientToHost).size() + admin.of(id, Direction::HostToClient).size())
                                      + admin.omittedFrames, quint64(2 * Flood), 15000);
    QVERIFY2(admin.omittedFrames > 0, "nothing was sampled out");
    QVERIFY(admin.frames.size() <= 3 * Internal::FrameWatch::MaxFramesPerSecond);
}

void tst_Frames::badWatchCommandsGetErrors_data()
{
    QTest::addColumn<QByteArray>("command");
    QTest::addColumn<QString>("error");
    QTest::newRow("nothing to watch") << QByteArray(R"({"id":1,"cmd":"watch"})") << QStringLiteral("needs \"session\"");
    QTest::newRow("no such session") << QByteArray(R"({"id":1,"cmd":"watch","session":999})") << QStringLiteral("no open session 999");
    QTest::newRow("no such route") << QByteArray(R"({"id":1,"cmd":"watch","route":"/nope"})") << QStringLiteral("no plugin serves /nope");
    QTest::newRow("both") << QByteArray(R"({"id":1,"cmd":"watch","route":"/echo","session":1})") << QStringLiteral("not both");
    QTest::newRow("route not a path") << QByteArray(R"({"id":1,"cmd":"watch","route":"echo"})") << QStringLiteral("starting with /");
}

void tst_Frames::badWatchCommandsGetErrors()
{
    QFETCH(QByteArray, command);
    QFETCH(QString, error);
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    const QJsonObject reply = admin.command(command);
    QCOMPARE(reply.value(QStringLiteral("ok")).toBool(true), false);
    const QString got = reply.value(QStringLiteral("error")).toString();
    QVERIFY2(got.contains(error), qPrintable(got));
}

void tst_Frames::pingWithAPayloadAndItsPong()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    QVERIFY(admin.ok(QStringLiteral("ping"), id, {{QStringLiteral("payload"), QStringLiteral("RFC 6455 5.5.2")}}));
    QByteArray buffer;
    const auto ping = readFrame(client, buffer);
    QVERIFY(ping);
    QCOMPARE(ping->opcode, 0x9);
    QCOMPARE(ping->payload, QByteArray("RFC 6455 5.5.2"));
    client.write(clientFrame(0xA, ping->payload));
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(id, Direction::ClientToHost).isEmpty(), 5000);
    const FrameRecord out = admin.of(id, Direction::HostToClient).first();
    const FrameRecord in = admin.of(id, Direction::ClientToHost).first();
    QCOMPARE(headerOf(out).opcode, 0x9);
    QCOMPARE(headerOf(in).opcode, 0xA);
    QCOMPARE(in.payload, QByteArray("RFC 6455 5.5.2"));
    // The pong is the host's too: it measured the round trip.
    QTRY_VERIFY(host->sessions().first().pingRttMs >= 0);
}

void tst_Frames::messagesInFramesAndBinary()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    auto send = [&admin, id](QJsonObject fields) {
        fields.insert(QStringLiteral("session"), double(id));
        return admin.ask(QStringLiteral("send"), fields);
    };
    const QJsonObject reply = send({{QStringLiteral("text"), QStringLiteral("abcdefghij")}, {QStringLiteral("frames"), 3}});
    QVERIFY(reply.value(QStringLiteral("ok")).toBool());
    QCOMPARE(reply.value(QStringLiteral("result")).toObject().value(QStringLiteral("frames")).toInt(), 3);
    QByteArray buffer;
    const QList<std::pair<int, QByteArray>> expected = {{0x1, "abcd"}, {0x0, "efgh"}, {0x0, "ij"}};
    for (int i = 0; i < expected.size(); ++i) {
        const auto f = readFrame(client, buffer);
        QVERIFY(f);
        QCOMPARE(f->opcode, expected.at(i).first);
        QCOMPARE(f->payload, expected.at(i).second);
        QCOMPARE(f->fin, i == expected.size() - 1);
    }
    // Binary, in one frame: 300 bytes take the 16-bit length form.
    const QByteArray bytes(300, '\xab');
    QVERIFY(send({{QStringLiteral("binary"), QString::fromLatin1(bytes.toBase64())}}).value(QStringLiteral("ok")).toBool());
    const auto binary = readFrame(client, buffer);
    QVERIFY(binary);
    QCOMPARE(binary->opcode, 0x2);
    QCOMPARE(binary->payload, bytes);
    // More frames than bytes: one byte each.
    const QJsonObject few = send({{QStringLiteral("text"), QStringLiteral("ab")}, {QStringLiteral("frames"), 5}});
    QCOMPARE(few.value(QStringLiteral("result")).toObject().value(QStringLiteral("frames")).toInt(), 2);
}

void tst_Frames::holdingTheHostsPongs()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    QSignalSpy pongs(client.get(), &QWebSocket::pong);
    client->ping("before");
    QVERIFY(pongs.wait(5000));
    QVERIFY(admin.ok(QStringLiteral("hold"), id, {{QStringLiteral("what"), QStringLiteral("hostPongs")}}));
    client->ping("held");
    QVERIFY(!pongs.wait(700));
    QCOMPARE(pongs.size(), 1);
    QVERIFY(admin.ok(QStringLiteral("hold"), id, {{QStringLiteral("what"), QStringLiteral("hostPongs")}, {QStringLiteral("on"), false}}));
    client->ping("after");
    QVERIFY(pongs.wait(5000));
    QCOMPARE(pongs.last().at(1).toByteArray(), QByteArray("after"));
    // Messages kept flowing all along.
    QSignalSpy echoed(client.get(), &QWebSocket::textMessageReceived);
    client->sendTextMessage(QStringLiteral("still here"));
    QVERIFY(echoed.wait(5000));
}

void tst_Frames::holdingTheClientsPongsLetsTheHeartbeatReapIt()
{
    HostConfig config = testConfig();
    config.adminToken = token;
    config.statsTickMs = 50;
    config.pingIntervalMs = 200;
    config.pongTimeoutMs = 300;
    auto host = startedHost(config);
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    auto reaped = openClient(host->serverPort());
    QVERIFY(reaped);
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    auto kept = openClient(host->serverPort());
    QVERIFY(kept);
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QVERIFY(admin.ok(QStringLiteral("hold"), id, {{QStringLiteral("what"), QStringLiteral("clientPongs")}}));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    const auto session = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(session.id, id);
    QCOMPARE(session.closeCause, Protocol::CloseCause::Timeout);
    QTest::qWait(800);   // several heartbeats: the other client answers them
    QCOMPARE(closed.size(), 1);
    QCOMPARE(kept->state(), QAbstractSocket::ConnectedState);
}

void tst_Frames::faultsMakeACompliantClientFail_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("clientCloseCode");
    QTest::newRow("oversized control") << QStringLiteral("oversizedControl") << 1002;
    QTest::newRow("fragmented control") << QStringLiteral("fragmentedControl") << 1002;
    QTest::newRow("invalid UTF-8") << QStringLiteral("invalidUtf8") << 1007;
    QTest::newRow("reserved opcode") << QStringLiteral("reservedOpcode") << 1002;
    QTest::newRow("reserved bits") << QStringLiteral("reservedBits") << 1002;
    QTest::newRow("non-minimal length") << QStringLiteral("nonMinimalLength") << 1002;
}

void tst_Frames::faultsMakeACompliantClientFail()
{
    QFETCH(QString, kind);
    QFETCH(int, clientCloseCode);
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    // Qt's client is the compliant one here: it fails the connection with a close frame.
    auto client = openClient(host->serverPort());
    QVERIFY(client);
    QTRY_COMPARE(host->sessionCount(), 1);
    const Protocol::SessionId id = newestSession(*host);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    QVERIFY(admin.ok(QStringLiteral("fault"), id, {{QStringLiteral("kind"), kind}}));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    const auto session = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(int(session.closeCode), clientCloseCode);
    QCOMPARE(session.closeCause, Protocol::CloseCause::Client);
    // The inspector shows the faulty frame going out and the client's close coming back.
    QTRY_VERIFY_WITH_TIMEOUT(!admin.of(id, Direction::ClientToHost).isEmpty(), 5000);
    const FrameRecord fault = admin.of(id, Direction::HostToClient).first();
    const FrameHeader h = headerOf(fault);
    if (kind == QLatin1String("nonMinimalLength"))
        QVERIFY(Protocol::isNonMinimalLength(h));
    if (kind == QLatin1String("reservedBits"))
        QCOMPARE(h.rsv, 4);
    if (kind == QLatin1String("reservedOpcode"))
        QCOMPARE(h.opcode, 0x3);
    if (kind == QLatin1String("oversizedControl"))
        QCOMPARE(fault.payloadLength, quint64(126));
    const FrameRecord answer = admin.of(id, Direction::ClientToHost).first();
    QCOMPARE(headerOf(answer).opcode, 0x8);
    QCOMPARE(closeCodeOf(Frame{true, 0x8, answer.payload}), clientCloseCode);
}

void tst_Frames::badTeachingCommandsGetErrors_data()
{
    QTest::addColumn<QByteArray>("command");
    QTest::addColumn<QString>("error");
    QTest::newRow("ping too long") << QByteArray(R"({"id":1,"cmd":"ping","session":1,"payload":")") + QByteArray(126, 'x') + "\"}"
                                   << QStringLiteral("longer than 125 bytes");
    QTest::newRow("text and binary") << QByteArray(R"({"id":1,"cmd":"send","session":1,"text":"a","binary":"YQ=="})") << QStringLiteral("one of them");
    QTest::newRow("not base64") << QByteArray(R"({"id":1,"cmd":"send","session":1,"binary":"***"})") << QStringLiteral("must be base64");
    QTest::newRow("zero frames") << QByteArray(R"({"id":1,"cmd":"send","session":1,"text":"a","frames":0})") << QStringLiteral("from 1 to 1000");
    QTest::newRow("hold what") << QByteArray(R"({"id":1,"cmd":"hold","session":1,"what":"pings"})") << QStringLiteral("\"hostPongs\" or \"clientPongs\"");
    QTest::newRow("unknown fault") << QByteArray(R"({"id":1,"cmd":"fault","session":1,"kind":"boom"})") << QStringLiteral("must be one of oversizedControl");
    QTest::newRow("no such session") << QByteArray(R"({"id":1,"cmd":"fault","session":77,"kind":"invalidUtf8"})") << QStringLiteral("no open session 77");
}

void tst_Frames::badTeachingCommandsGetErrors()
{
    badWatchCommandsGetErrors();
}


namespace {

//! Stops \a admin's recording and fetches it chunk by chunk into \a file; the
//! "recordStop" reply's result, or an empty object if anything failed.
QJsonObject stopAndFetchRecording(AdminClient &admin, const QString &file)
{
    const QJsonObject stop = admin.ask(QStringLiteral("recordStop"));
    if (!stop.value(QStringLiteral("ok")).toBool()) {
        qWarning() << "recordStop:" << stop;
        return {};
    }
    const QJsonObject result = stop.value(QStringLiteral("result")).toObject();
    const qint64 size = result.value(QStringLiteral("bytes")).toInteger();
    QByteArray data;
    int chunks = 0;
    while (data.size() < size) {
        const QJsonObject r = admin.ask(QStringLiteral("recordFetch"), {{QStringLiteral("offset"), double(data.size())}});
        const QJsonObject chunk = r.value(QStringLiteral("result")).toObject();
        if (!r.value(QStringLiteral("ok")).toBool() || chunk.value(QStringLiteral("bytes")).toInteger() != size) {
            qWarning() << "recordFetch:" << r;
            return {};
        }
        data += QByteArray::fromBase64(chunk.value(QStringLiteral("data")).toString().toLatin1());
        ++chunks;
    }
    QFile out(file);
    if (data.size() != size || !out.open(QIODevice::WriteOnly) || out.write(data) != size)
        return {};
    QJsonObject withChunks = result;
    withChunks.insert(QStringLiteral("chunks"), chunks);
    return withChunks;
}

} // namespace

// A watched raw session recorded while it sends a text message, a 300-byte binary
// message, a ping and a close: tshark finds exactly those frames both ways, with the
// upgrade (drawn from the handshake log) in front, and nothing to complain about.
void tst_Frames::recordingOfAWatchedSessionReadsBackInTshark()
{
    REQUIRE_TSHARK();
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    const QJsonObject started = admin.ask(QStringLiteral("record"));
    QVERIFY2(started.value(QStringLiteral("ok")).toBool(), QJsonDocument(started).toJson().constData());
    QCOMPARE(started.value(QStringLiteral("result")).toObject().value(QStringLiteral("maxBytes")).toInteger(),
             Protocol::DefaultRecordingBytes);

    QByteArray buffer;
    const QByteArray binary(300, '\x33');
    for (const QByteArray &frame : {clientFrame(0x1, "hello"), clientFrame(0x2, binary), clientFrame(0x9, "ping")}) {
        client.write(frame);
        QVERIFY2(readFrame(client, buffer, 5000), "the host did not answer");
    }
    client.write(clientFrame(0x8, closePayload(1000, "bye")));
    QVERIFY(waitForDisconnect(client, 5000, &buffer));
    QTRY_COMPARE(host->sessionCount(), 0);

    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("watched.pcapng"));
    const QJsonObject result = stopAndFetchRecording(admin, file);
    QVERIFY(!result.isEmpty());
    QCOMPARE(result.value(QStringLiteral("sessions")).toInt(), 1);
    QCOMPARE(result.value(QStringLiteral("reachedLimit")).toBool(), false);
    QCOMPARE(webSocketFrames(file), (QStringList{frameRow(1, true, true, 5), frameRow(1, true, false, 5),
                                                 frameRow(2, true, true, 300), frameRow(2, true, false, 300),
                                                 frameRow(9, true, true, 4), frameRow(10, true, false, 4),
                                                 frameRow(8, true, true, 5), frameRow(8, true, false, 5)}));
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("http.response"),
                     QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("http.response.code")}),
             QByteArray("101\n"));
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("http.request"),
                     QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("http.request.uri")}),
             QByteArray("/echo\n"));
    QCOMPARE(tsharkComplaints(file), QByteArray());
    // The unmasked payload, as Wireshark shows it.
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("websocket.opcode == 1 && websocket.mask == 1"),
                     QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("websocket.payload.text")}),
             QByteArray("hello\n"));
}

// A route watch records the sessions that open on it from their upgrade on; a large
// echo makes a file that travels in several chunks.
void tst_Frames::routeRecordingHasTheUpgradeAndComesInChunks()
{
    REQUIRE_TSHARK();
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QVERIFY(admin.ok(R"({"id":1,"cmd":"watch","route":"/echo"})"));
    QVERIFY(admin.ask(QStringLiteral("record")).value(QStringLiteral("ok")).toBool());
    auto echo = openClient(host->serverPort(), QStringLiteral("/echo?lesson=1"));
    QVERIFY(echo);
    const QByteArray big(300 * 1024, 'b');
    QSignalSpy echoed(echo.get(), &QWebSocket::binaryMessageReceived);
    echo->sendBinaryMessage(big);
    QVERIFY(echoed.wait(5000));
    echo->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("done"));
    QTRY_COMPARE(host->sessionCount(), 0);

    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("route.pcapng"));
    const QJsonObject result = stopAndFetchRecording(admin, file);
    QVERIFY(!result.isEmpty());
    QVERIFY(result.value(QStringLiteral("bytes")).toInteger() > 600 * 1024);
    QVERIFY(result.value(QStringLiteral("chunks")).toInt() >= 3);
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("http.request"),
                     QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("http.request.uri")}),
             QByteArray("/echo?lesson=1\n"));
    const QStringList frames = webSocketFrames(file, {QStringLiteral("websocket.payload_length_ext_64")});
    QCOMPARE(frames.size(), 4);
    QCOMPARE(frames.at(0), QStringLiteral("%1 %2").arg(big.size()).arg(frameRow(2, true, true, big.size())));
    QCOMPARE(frames.at(1), QStringLiteral("%1 %2").arg(big.size()).arg(frameRow(2, true, false, big.size())));
    QCOMPARE(tsharkComplaints(file), QByteArray());
}

// Half of a client frame went by before recording started: the file starts at the
// next frame (a reader could not tell where the half ends), the host's side at once.
void tst_Frames::recordingJoinedMidFrameStartsAtTheNextFrame()
{
    REQUIRE_TSHARK();
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QTcpSocket client;
    const Protocol::SessionId id = upgradeRawSession(client, *host);
    QVERIFY(id);
    QVERIFY(admin.ok(QStringLiteral("watch"), id));
    const QByteArray first = clientFrame(0x2, QByteArray(400, 'h'));
    client.write(first.left(150));
    client.flush();
    QTest::qWait(100);
    QVERIFY(admin.ask(QStringLiteral("record")).value(QStringLiteral("ok")).toBool());
    client.write(first.mid(150) + clientFrame(0x1, "whole"));
    QByteArray buffer;
    QVERIFY(readFrame(client, buffer, 5000));
    QVERIFY(readFrame(client, buffer, 5000));
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("mid.pcapng"));
    QVERIFY(!stopAndFetchRecording(admin, file).isEmpty());
    // The rest of the binary frame and the text frame came in one segment; then the
    // host's echoes of both.
    QCOMPARE(webSocketFrames(file), (QStringList{frameRow(1, true, true, 5), frameRow(2, true, false, 400),
                                                 frameRow(1, true, false, 5)}));
}

// The file never passes its limit; the frame that would is cut to its headers, and
// the reply says the limit was reached.
void tst_Frames::recordingStopsAtItsLimit()
{
    REQUIRE_TSHARK();
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(admin.waitAttached());
    QVERIFY(admin.ok(R"({"id":1,"cmd":"watch","route":"/echo"})"));
    QVERIFY(admin.ok(R"({"id":2,"cmd":"record","maxBytes":8192})"));
    auto echo = openClient(host->serverPort());
    QVERIFY(echo);
    QSignalSpy echoed(echo.get(), &QWebSocket::binaryMessageReceived);
    echo->sendBinaryMessage(QByteArray(20000, 'x'));
    QVERIFY(echoed.wait(5000));
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("limit.pcapng"));
    const QJsonObject result = stopAndFetchRecording(admin, file);
    QVERIFY(!result.isEmpty());
    QCOMPARE(result.value(QStringLiteral("reachedLimit")).toBool(), true);
    QVERIFY(result.value(QStringLiteral("bytes")).toInteger() <= 8192);
    const QByteArray comments = tshark({QStringLiteral("-r"), file, QStringLiteral("-T"), QStringLiteral("fields"),
                                        QStringLiteral("-e"), QStringLiteral("frame.comment")});
    QVERIFY2(comments.contains("reached its limit of 8192 bytes"), comments.constData());
    QVERIFY2(comments.contains("joined this recording"), comments.constData());
}

// One recording at a time; the commands in the wrong order get errors; a client
// that leaves gives way; a finished recording nobody fetched gives way too.
void tst_Frames::oneRecordingAtATime()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient first(host->serverPort());
    QVERIFY(first.waitAttached());
    auto second = std::make_unique<AdminClient>(host->serverPort());
    QVERIFY(second->waitAttached());
    auto errorOf = [](const QJsonObject &reply) {
        return reply.value(QStringLiteral("ok")).toBool() ? QStringLiteral("(ok)") : reply.value(QStringLiteral("error")).toString();
    };
    QCOMPARE(errorOf(first.ask(QStringLiteral("recordStop"))), QStringLiteral("this client is not recording"));
    QVERIFY(errorOf(first.ask(QStringLiteral("recordFetch"), {{QStringLiteral("offset"), 0}})).startsWith(QLatin1String("no finished recording")));
    QVERIFY(errorOf(first.ask(QStringLiteral("record"), {{QStringLiteral("maxBytes"), 10}})).contains(QLatin1String("maxBytes")));
    QVERIFY(errorOf(first.ask(QStringLiteral("record"), {{QStringLiteral("maxBytes"), 1e12}})).contains(QLatin1String("maxBytes")));
    QVERIFY(errorOf(first.ask(QStringLiteral("recordFetch"))).contains(QLatin1String("offset")));

    QVERIFY(first.ask(QStringLiteral("record")).value(QStringLiteral("ok")).toBool());
    QCOMPARE(errorOf(first.ask(QStringLiteral("record"))), QStringLiteral("this client is recording already"));
    QVERIFY(errorOf(second->ask(QStringLiteral("record"))).startsWith(QLatin1String("another admin client is recording")));
    QVERIFY(errorOf(first.ask(QStringLiteral("recordFetch"), {{QStringLiteral("offset"), 0}})).startsWith(QLatin1String("no finished recording")));
    // An empty recording is a valid file: the section and interface headers.
    const QJsonObject stopped = first.ask(QStringLiteral("recordStop"));
    QVERIFY(stopped.value(QStringLiteral("ok")).toBool());
    QCOMPARE(stopped.value(QStringLiteral("result")).toObject().value(QStringLiteral("sessions")).toInt(), 0);
    QVERIFY(errorOf(first.ask(QStringLiteral("recordFetch"), {{QStringLiteral("offset"), 1e6}})).startsWith(QLatin1String("offset 1000000 is past")));
    // The finished one gives way to another client's; that one ends with its client.
    QVERIFY(second->ask(QStringLiteral("record")).value(QStringLiteral("ok")).toBool());
    QVERIFY(first.ask(QStringLiteral("recordFetch"), {{QStringLiteral("offset"), 0}}).value(QStringLiteral("error")).toString().startsWith(QLatin1String("no finished")));
    QVERIFY(!first.ask(QStringLiteral("record")).value(QStringLiteral("ok")).toBool());
    second.reset();
    QString error;
    const bool recording = QTest::qWaitFor([&] { return (error = errorOf(first.ask(QStringLiteral("record")))) == QLatin1String("(ok)"); }, 5000);
    QVERIFY2(recording, qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_Frames)
#include "tst_frames.moc"
