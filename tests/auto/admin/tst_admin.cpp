// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The observability and control plane: handshake log, counters, the /_admin
// channel and /metrics, with a real admin client and real user clients.

#include <wsplug/hostserver.h>
#include <wsplug/protocol/adminprotocol.h>

#include "testsupport.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

const QString token = QStringLiteral("test-token-123");

//! A real admin client: collects every JSON message the host sends.
class AdminClient : public QObject
{
public:
    explicit AdminClient(quint16 port, const QString &query = QStringLiteral("?token=") + token)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        socket.open(wsUrl(port, QStringLiteral("/_admin") + query));
    }
    explicit AdminClient(const QNetworkRequest &request)
    {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
        });
        socket.open(request);
    }
    //! Waits for the first message of \a type for which \a accept is true, from index \a from.
    QJsonObject waitFor(const QString &type, const std::function<bool(const QJsonObject &)> &accept = {},
                        int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            for (; m_next < messages.size(); ++m_next) {
                const QJsonObject &m = messages.at(m_next);
                if (m.value(QStringLiteral("type")).toString() == type && (!accept || accept(m)))
                    return messages.at(m_next++);
            }
            QTest::qWait(5);
        }
        return {};
    }
    QJsonObject command(const QByteArray &json)
    {
        const qint64 id = QJsonDocument::fromJson(json).object().value(QStringLiteral("id")).toInteger();
        socket.sendTextMessage(QString::fromUtf8(json));
        return waitFor(QStringLiteral("reply"), [id](const QJsonObject &m) { return m.value(QStringLiteral("id")).toInteger() == id; });
    }

    QWebSocket socket;
    QList<QJsonObject> messages;

private:
    int m_next = 0;
};

} // namespace

class tst_Admin : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<HostServer> startHost(HostConfig config = testConfig())
    {
        config.adminToken = token;
        config.statsTickMs = 100;
        auto host = std::make_unique<HostServer>();
        host->setConfig(config);
        if (!host->start())
            return nullptr;
        return host;
    }

private Q_SLOTS:
    void snapshotOnAttach();
    void acceptsBearerHeader();
    void refusesWrongTokenWith401_data();
    void refusesWrongTokenWith401();
    void adminIsNotAUserSessionAndBypassesTheLimit();
    void handshakeEventCarriesExactRawBytes();
    void refusedHandshakeEventCarriesStatusAndResponse();
    void countersAfterKnownExchange();
    void closeCommandAsTheClientSeesIt();
    void kickCommandAsTheClientSeesIt();
    void closeFramesOfEachSide_data();
    void closeFramesOfEachSide();
    void readOnlyTokenWatchesButCannotAct();
    void counterUpdatesCarryTextAndBinaryCounts();
    void otherCommands();
    void badCommandsGetErrorReplies_data();
    void badCommandsGetErrorReplies();
    void binaryFrameClosesWith1003EvenWithMoreFramesBehindIt();
    void generatedTokenIsReadableThroughTheApi();
    void tokenIsMaskedHoweverItsKeyIsSpelt_data();
    void tokenIsMaskedHoweverItsKeyIsSpelt();
    void metricsMatchAKnownExchange();
    void healthAndReadiness();
    void metricsCanBeTurnedOff();
    void endpointsAnswerAsHttpMeansIt_data();
    void endpointsAnswerAsHttpMeansIt();
    void coalescesUpdatesUnderLoad();
    void sessionWithinOneTickTravelsOnlyAsClosed();
    void rateHistoryIsBounded();
    void handshakeLogIsBounded();
    void shutdownClosesAdminWith1001();
    void limitsAdminClients();
};

void tst_Admin::snapshotOnAttach()
{
    auto host = startHost();
    QVERIFY(host);
    auto user = openClient(host->serverPort(), QStringLiteral("/echo?x=1"));
    QVERIFY(user);
    QTest::qWait(250);   // a few stats ticks, so there is rate history
    AdminClient admin(host->serverPort());
    const QJsonObject snap = admin.waitFor(QStringLiteral("snapshot"));
    QVERIFY(!snap.isEmpty());
    QCOMPARE(snap.value(QStringLiteral("protocol")).toInt(), Protocol::Version);
    const QJsonObject hostInfo = snap.value(QStringLiteral("host")).toObject();
    QCOMPARE(hostInfo.value(QStringLiteral("port")).toInt(), int(host->serverPort()));
    QCOMPARE(hostInfo.value(QStringLiteral("limits")).toObject().value(QStringLiteral("maxConnections")).toInt(),
             host->config().maxConnections);
    const QJsonArray loaded = snap.value(QStringLiteral("plugins")).toObject().value(QStringLiteral("loaded")).toArray();
    QVERIFY(std::any_of(loaded.begin(), loaded.end(), [](const QJsonValue &v) {
        return v.toObject().value(QStringLiteral("id")).toString() == QLatin1String("echo")
            && v.toObject().value(QStringLiteral("sessions")).toInt() == 1;
    }));
    QVERIFY(snap.value(QStringLiteral("plugins")).toObject().contains(QStringLiteral("refused")));
    const QJsonArray sessions = snap.value(QStringLiteral("sessions")).toArray();
    QCOMPARE(sessions.size(), 1);
    const SessionSnapshot s = Protocol::sessionFromJson(sessions.first().toObject());
    QCOMPARE(s.path, QStringLiteral("/echo"));
    QCOMPARE(s.query, QStringLiteral("x=1"));
    QCOMPARE(s.peerPort, user->localPort());
    const QJsonArray handshakes = snap.value(QStringLiteral("handshakes")).toArray();
    QCOMPARE(handshakes.size(), 2);   // the user's, then the admin's own
    const HandshakeRecord own = Protocol::handshakeFromJson(handshakes.last().toObject());
    QVERIFY(own.admin);
    QVERIFY2(!own.request.contains(token.toLatin1()), "the admin token must not be in the handshake log");
    QVERIFY(own.request.startsWith("GET /_admin?token=**************"));
    const HandshakeRecord r = Protocol::handshakeFromJson(handshakes.first().toObject());
    QCOMPARE(r.status, 101);
    QCOMPARE(r.sessionId, s.id);
    QVERIFY(snap.value(QStringLiteral("rates")).toObject().value(QStringLiteral("samples")).toArray().size() >= 1);
    QCOMPARE(snap.value(QStringLiteral("rates")).toObject().value(QStringLiteral("tickMs")).toInt(), 100);
    QCOMPARE(snap.value(QStringLiteral("stats")).toObject().value(QStringLiteral("currentSessions")).toInt(), 1);
}

void tst_Admin::acceptsBearerHeader()
{
    auto host = startHost();
    QVERIFY(host);
    QNetworkRequest request(wsUrl(host->serverPort(), QStringLiteral("/_admin")));
    request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    AdminClient admin(request);
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    QCOMPARE(host->adminClientCount(), 1);
}

void tst_Admin::refusesWrongTokenWith401_data()
{
    QTest::addColumn<QByteArray>("request");
    const QByteArray base = handshakeRequest(QStringLiteral("/_admin"));
    QTest::addRow("no token") << base;
    QTest::addRow("wrong token") << handshakeRequest(QStringLiteral("/_admin?token=test-token-124"));
    QTest::addRow("prefix of token") << handshakeRequest(QStringLiteral("/_admin?token=test-token"));
    QTest::addRow("longer token") << handshakeRequest(QStringLiteral("/_admin?token=test-token-1234"));
    QTest::addRow("wrong bearer") << handshakeRequest(QStringLiteral("/_admin"), "Authorization: Bearer nope-nope-nope\r\n");
    QTest::addRow("basic auth") << handshakeRequest(QStringLiteral("/_admin"), "Authorization: Basic dGVzdC10b2tlbi0xMjM=\r\n");
}

void tst_Admin::refusesWrongTokenWith401()
{
    QFETCH(QByteArray, request);
    auto host = startHost();
    QVERIFY(host);
    const QByteArray head = rawRequest(host->serverPort(), request);
    QCOMPARE(statusCode(head), 401);
    QVERIFY(head.contains("WWW-Authenticate: Bearer"));
    QTRY_VERIFY(!host->handshakeLog().isEmpty());
    const HandshakeRecord r = host->handshakeLog().last();
    QCOMPARE(r.status, 401);
    QCOMPARE(r.outcome, HandshakeRecord::Outcome::Refused);
    QVERIFY(r.admin);
    // Byte for byte, but with any token masked (same length).
    QCOMPARE(r.request.size(), request.size());
    QVERIFY(!r.request.contains("test-token"));
    QVERIFY(!r.request.contains("nope-nope"));
    QVERIFY(!r.request.contains("dGVzdC10b2tlbi0xMjM"));
    QCOMPARE(host->adminClientCount(), 0);
}

void tst_Admin::adminIsNotAUserSessionAndBypassesTheLimit()
{
    HostConfig config = testConfig();
    config.maxConnections = 1;
    auto host = startHost(config);
    QVERIFY(host);
    auto user = openClient(host->serverPort());
    QVERIFY(user);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/echo")))), 503);
    AdminClient admin(host->serverPort());
    const QJsonObject snap = admin.waitFor(QStringLiteral("snapshot"));
    QVERIFY2(!snap.isEmpty(), "an operator must be able to attach to a full host");
    QCOMPARE(snap.value(QStringLiteral("sessions")).toArray().size(), 1);
    QCOMPARE(host->sessionCount(), 1);
    QCOMPARE(host->adminClientCount(), 1);
    for (const SessionSnapshot &s : host->sessions())
        QVERIFY(s.path != QLatin1String("/_admin"));
}

void tst_Admin::handshakeEventCarriesExactRawBytes()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());

    const QByteArray key = "AQIDBAUGBwgJCgsMDQ4PEA==";
    const QByteArray request = "GET /echo?room=7 HTTP/1.1\r\n"
                               "hOsT: 127.0.0.1\r\n"
                               "UPGRADE: websocket\r\n"
                               "connection: keep-alive, Upgrade\r\n"
                               "Sec-WebSocket-Key: " + key + "\r\n"
                               "Sec-WebSocket-Version: 13\r\n"
                               "X-Odd-Header:   spaced value  \r\n"
                               "\r\n";
    QTcpSocket raw;
    QVERIFY(connectRaw(raw, host->serverPort()));
    raw.write(request);
    const QByteArray responseHead = readResponseHead(raw);
    QCOMPARE(statusCode(responseHead), 101);

    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [](const QJsonObject &m) {
        return m.contains(QStringLiteral("handshakes"));
    });
    QVERIFY(!tick.isEmpty());
    const HandshakeRecord r = Protocol::handshakeFromJson(tick.value(QStringLiteral("handshakes")).toArray().first().toObject());
    QCOMPARE(r.request, request);             // byte for byte, header case and spacing kept
    QCOMPARE(r.response, responseHead);       // exactly what the client read
    QCOMPARE(r.status, 101);
    QCOMPARE(r.outcome, HandshakeRecord::Outcome::Upgraded);
    QCOMPARE(r.path, QStringLiteral("/echo"));
    QCOMPARE(r.peerPort, raw.localPort());
    const QByteArray accept = acceptFor(key);
    QVERIFY2(r.response.contains(QByteArray("Sec-WebSocket-Accept: " + accept)), r.response.constData());
    QVERIFY(r.sessionId > 0);
    QCOMPARE(host->session(r.sessionId).peerPort, raw.localPort());
}

void tst_Admin::refusedHandshakeEventCarriesStatusAndResponse()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    const QByteArray request = handshakeRequest(QStringLiteral("/nobody-here"));
    QTcpSocket raw;
    QVERIFY(connectRaw(raw, host->serverPort()));
    raw.write(request);
    const QByteArray head = readResponseHead(raw);
    QCOMPARE(statusCode(head), 404);
    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [](const QJsonObject &m) {
        return m.contains(QStringLiteral("handshakes"));
    });
    const HandshakeRecord r = Protocol::handshakeFromJson(tick.value(QStringLiteral("handshakes")).toArray().first().toObject());
    QCOMPARE(r.status, 404);
    QCOMPARE(r.outcome, HandshakeRecord::Outcome::Refused);
    QCOMPARE(r.request, request);
    QVERIFY(r.response.startsWith(head));   // head, then the one-line body
    QVERIFY(r.reason.contains(QStringLiteral("/nobody-here")));
}

void tst_Admin::countersAfterKnownExchange()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    auto user = openClient(host->serverPort());
    QVERIFY(user);
    QSignalSpy echoes(user.get(), &QWebSocket::textMessageReceived);
    QSignalSpy binaryEchoes(user.get(), &QWebSocket::binaryMessageReceived);
    for (int i = 0; i < 3; ++i)
        user->sendTextMessage(QStringLiteral("hello"));
    for (int i = 0; i < 2; ++i)
        user->sendBinaryMessage(QByteArray(10, 'b'));
    QTRY_COMPARE(echoes.size() + binaryEchoes.size(), 5);
    const SessionId id = host->sessions().first().id;

    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [id](const QJsonObject &m) {
        for (const Protocol::CounterUpdate &u : Protocol::tickFromJson(m).updated) {
            if (u.id == id && u.messagesIn == 5)
                return true;
        }
        return false;
    });
    QVERIFY2(!tick.isEmpty(), "no counter update for the session");
    SessionSnapshot s;
    s.id = id;
    for (const Protocol::CounterUpdate &u : Protocol::tickFromJson(tick).updated) {
        if (u.id == id)
            QVERIFY(u.applyTo(&s));
    }
    QCOMPARE(s.in.messages, quint64(5));
    QCOMPARE(s.out.messages, quint64(5));
    QCOMPARE(s.in.frames, quint64(5));
    QCOMPARE(s.in.bytes, quint64(3 * 5 + 2 * 10));
    QCOMPARE(s.out.bytes, quint64(3 * 5 + 2 * 10));

    const HostStats st = Protocol::statsFromJson(tick.value(QStringLiteral("stats")).toObject());
    QCOMPARE(st.in.textMessages, quint64(3));
    QCOMPARE(st.in.binaryMessages, quint64(2));
    QCOMPARE(st.out.messages, quint64(5));
    QCOMPARE(st.opened, quint64(1));
    const auto echoRoute = std::find_if(st.routes.cbegin(), st.routes.cend(),
                                        [](const RouteStats &r) { return r.route == QLatin1String("/echo"); });
    QVERIFY(echoRoute != st.routes.cend());
    QCOMPARE(echoRoute->current, 1);
    QCOMPARE(echoRoute->in.bytes, quint64(35));
    QVERIFY(tick.value(QStringLiteral("sample")).toObject().contains(QStringLiteral("messagesIn")));
}

void tst_Admin::closeCommandAsTheClientSeesIt()
{
    auto host = startHost();
    QVERIFY(host);
    auto user = openClient(host->serverPort());
    QVERIFY(user);
    auto bystander = openClient(host->serverPort());
    QVERIFY(bystander);
    AdminClient admin(host->serverPort());
    const QJsonObject snap = admin.waitFor(QStringLiteral("snapshot"));
    SessionId target = 0;
    for (const QJsonValue &v : snap.value(QStringLiteral("sessions")).toArray()) {
        const SessionSnapshot s = Protocol::sessionFromJson(v.toObject());
        if (s.peerPort == user->localPort())
            target = s.id;
    }
    QVERIFY(target);
    QSignalSpy disconnected(user.get(), &QWebSocket::disconnected);
    const QJsonObject reply = admin.command(R"({"id": 7, "cmd": "close", "session": )" + QByteArray::number(target)
                                            + R"(, "code": 4001, "reason": "class is over"})");
    QCOMPARE(reply.value(QStringLiteral("ok")).toBool(), true);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(user->closeCode()), 4001);
    QCOMPARE(user->closeReason(), QStringLiteral("class is over"));
    QCOMPARE(bystander->state(), QAbstractSocket::ConnectedState);

    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [](const QJsonObject &m) {
        return m.contains(QStringLiteral("closed"));
    });
    const SessionSnapshot closed = Protocol::sessionFromJson(tick.value(QStringLiteral("closed")).toArray().first().toObject());
    QCOMPARE(closed.id, target);
    QCOMPARE(closed.closeCode, quint16(4001));
    QCOMPARE(closed.closeReason, QStringLiteral("class is over"));
    QCOMPARE(closed.closeCause, CloseCause::Server);
    QCOMPARE(closed.state, SessionSnapshot::State::Closed);
    // The closing handshake frame by frame: the host's frame first, Qt's client
    // answering with the same code and reason (read while the host lingers for it).
    QCOMPARE(closed.firstClose, QStringLiteral("host"));
    QCOMPARE(closed.hostClose.code, 4001);
    QCOMPARE(closed.hostClose.reason, QStringLiteral("class is over"));
    QCOMPARE(closed.clientClose.code, 4001);
    QCOMPARE(closed.clientClose.reason, QStringLiteral("class is over"));
    QVERIFY(closed.closeFramesApartMs >= 0);
}

// Each side's close frame as the host saw it, for the ways a session ends.
void tst_Admin::closeFramesOfEachSide_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<QString>("first");
    QTest::addColumn<int>("clientCode");
    QTest::addColumn<QString>("clientReason");
    QTest::addColumn<int>("hostCode");
    QTest::newRow("client first, host echoes") << QStringLiteral("client") << QStringLiteral("client") << 4002
                                               << QStringLiteral("bye") << 4002;
    // Answered with an empty close frame too (RFC 6455 5.5.1): no code, 1005.
    QTest::newRow("client close without a code") << QStringLiteral("client-empty") << QStringLiteral("client") << 1005
                                                 << QString() << 1005;
    QTest::newRow("host first, client never answers") << QStringLiteral("host-silent") << QStringLiteral("host") << -1
                                                      << QString() << 4003;
    QTest::newRow("kicked: no frames") << QStringLiteral("kick") << QString() << -1 << QString() << -1;
}

void tst_Admin::closeFramesOfEachSide()
{
    QFETCH(QString, how);
    QFETCH(QString, first);
    QFETCH(int, clientCode);
    QFETCH(QString, clientReason);
    QFETCH(int, hostCode);
    HostConfig config = testConfig();
    config.shutdownGraceMs = 300;   // a client that never answers is cut off soon
    auto host = startHost(config);
    QVERIFY(host);
    QSignalSpy closedSpy(host.get(), &HostServer::sessionClosed);
    QTcpSocket client;
    QVERIFY(upgradeRaw(client, host->serverPort()));
    QTRY_COMPARE(host->sessionCount(), 1);
    const SessionId id = host->sessions().first().id;
    QByteArray buffer;
    if (how == QLatin1String("client")) {
        client.write(clientFrame(0x8, closePayload(4002, "bye")));
    } else if (how == QLatin1String("client-empty")) {
        client.write(clientFrame(0x8, {}));
    } else if (how == QLatin1String("kick")) {
        QVERIFY(host->kickSession(id));
    } else {
        QVERIFY(host->closeSession(id, 4003, QStringLiteral("maintenance")));
        const auto frame = readFrame(client, buffer);
        QVERIFY(frame);
        QCOMPARE(closeCodeOf(*frame), 4003);
    }
    QTRY_COMPARE_WITH_TIMEOUT(closedSpy.size(), 1, 5000);
    const auto closed = closedSpy.first().first().value<SessionSnapshot>();
    QCOMPARE(closed.firstClose, first);
    QCOMPARE(closed.clientClose.code, clientCode);
    QCOMPARE(closed.clientClose.reason, clientReason);
    QCOMPARE(closed.hostClose.code, hostCode);
    QCOMPARE(closed.closeFramesApartMs >= 0, clientCode >= 0 && hostCode >= 0);
    // And it survives the admin protocol's JSON.
    const SessionSnapshot back = Protocol::sessionFromJson(Protocol::toJson(closed));
    QCOMPARE(back.firstClose, closed.firstClose);
    QCOMPARE(back.clientClose.code, closed.clientClose.code);
    QCOMPARE(back.clientClose.reason, closed.clientClose.reason);
    QCOMPARE(back.hostClose.code, closed.hostClose.code);
    QCOMPARE(back.closeFramesApartMs, closed.closeFramesApartMs);
}

// Issue 14's admin roles: a second, read-only token attaches and watches (snapshot,
// list, frames) but every action is refused with a reason, and the session is untouched.
void tst_Admin::readOnlyTokenWatchesButCannotAct()
{
    HostConfig config = testConfig();
    config.adminReadToken = QStringLiteral("watch-only-token");
    // Bad read-only tokens are refused as bad config.
    QString why;
    HostConfig same = config;
    same.adminToken = same.adminReadToken;
    QVERIFY(!same.validate(&why));
    QVERIFY2(why.contains(QStringLiteral("differ")), qPrintable(why));
    HostConfig shortToken = config;
    shortToken.adminReadToken = QStringLiteral("short");
    QVERIFY(!shortToken.validate(&why));
    QVERIFY2(why.contains(QStringLiteral("read-only")), qPrintable(why));

    auto host = startHost(config);
    QVERIFY(host);
    auto user = openClient(host->serverPort());
    QVERIFY(user);
    QTRY_COMPARE(host->sessionCount(), 1);
    const QByteArray id = QByteArray::number(host->sessions().first().id);
    AdminClient watcher(host->serverPort(), QStringLiteral("?token=watch-only-token"));
    QVERIFY(!watcher.waitFor(QStringLiteral("snapshot")).isEmpty());
    QVERIFY(watcher.command(R"({"id":1,"cmd":"list"})").value(QStringLiteral("ok")).toBool());
    QVERIFY(watcher.command("{\"id\":2,\"cmd\":\"watch\",\"session\":" + id + "}").value(QStringLiteral("ok")).toBool());
    const QList<QByteArray> actions = {
        "{\"id\":3,\"cmd\":\"kick\",\"session\":" + id + "}",
        "{\"id\":4,\"cmd\":\"close\",\"session\":" + id + "}",
        "{\"id\":5,\"cmd\":\"send\",\"session\":" + id + ",\"text\":\"hi\"}",
        "{\"id\":6,\"cmd\":\"fault\",\"session\":" + id + ",\"kind\":\"invalidUtf8\"}",
        R"({"id":7,"cmd":"closeRoute","route":"/echo"})",
        R"({"id":8,"cmd":"unloadPlugin","plugin":"echo"})",
    };
    for (const QByteArray &action : actions) {
        const QJsonObject reply = watcher.command(action);
        QVERIFY2(!reply.value(QStringLiteral("ok")).toBool(true), action.constData());
        QVERIFY2(reply.value(QStringLiteral("error")).toString().contains(QStringLiteral("needs the full admin token")),
                 qPrintable(reply.value(QStringLiteral("error")).toString()));
    }
    QTest::qWait(200);
    QCOMPARE(user->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(host->sessionCount(), 1);
    // The full token still acts.
    AdminClient operatorClient(host->serverPort());
    QVERIFY(!operatorClient.waitFor(QStringLiteral("snapshot")).isEmpty());
    QVERIFY(operatorClient.command("{\"id\":9,\"cmd\":\"kick\",\"session\":" + id + "}").value(QStringLiteral("ok")).toBool());
    QTRY_COMPARE(host->sessionCount(), 0);
    // Neither token shows in the handshake log.
    for (const HandshakeRecord &r : host->handshakeLog()) {
        QVERIFY(!r.request.contains("watch-only-token"));
        QVERIFY(!r.request.contains(token.toLatin1()));
    }
}

// The compact counter update carries how many messages were text (a monitor showed
// "1 messages (0 text, 0 binary)" when only updates had brought the message), and still
// reads the ten-field form of older hosts.
void tst_Admin::counterUpdatesCarryTextAndBinaryCounts()
{
    SessionSnapshot s;
    s.id = 4;
    s.in.messages = 5;
    s.in.textMessages = 3;
    s.out.messages = 2;
    s.out.textMessages = 2;
    const QJsonArray json = Protocol::toJson(Protocol::CounterUpdate::of(s));
    QCOMPARE(json.size(), 12);
    Protocol::CounterUpdate back;
    QVERIFY(Protocol::counterUpdateFromJson(json, &back));
    SessionSnapshot target;
    target.id = 4;
    QVERIFY(back.applyTo(&target));
    QCOMPARE(target.in.textMessages, quint64(3));
    QCOMPARE(target.in.binaryMessages, quint64(2));
    QCOMPARE(target.out.textMessages, quint64(2));
    QCOMPARE(target.out.binaryMessages, quint64(0));
    // Ten fields: the message counts move, the text counts stay as they were.
    QJsonArray older = json;
    older.removeLast();
    older.removeLast();
    Protocol::CounterUpdate old;
    QVERIFY(Protocol::counterUpdateFromJson(older, &old));
    QVERIFY(!old.hasTextCounts);
    SessionSnapshot kept;
    kept.id = 4;
    kept.in.textMessages = 1;
    QVERIFY(old.applyTo(&kept));
    QCOMPARE(kept.in.messages, quint64(5));
    QCOMPARE(kept.in.textMessages, quint64(1));
    QJsonArray eleven = json;
    eleven.removeLast();
    QVERIFY(!Protocol::counterUpdateFromJson(eleven, &old));
}

void tst_Admin::sessionWithinOneTickTravelsOnlyAsClosed()
{
    // A connection that comes and goes between two ticks costs one entry (closed), not
    // an opened entry that the same tick's closed entry takes away again.
    HostConfig config = testConfig();
    config.adminToken = token;
    config.statsTickMs = 2000;
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    AdminClient admin(host.serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    QVERIFY(!admin.waitFor(QStringLiteral("tick"), {}, 5000).isEmpty());   // just after a tick
    QSignalSpy closedSpy(&host, &HostServer::sessionClosed);
    {
        QTcpSocket raw;
        QVERIFY(upgradeRaw(raw, host.serverPort(), QStringLiteral("/echo")));
        raw.write(clientFrame(0x8, closePayload(1000)));
        QVERIFY(waitForDisconnect(raw));
    }
    QTRY_COMPARE(closedSpy.size(), 1);
    const SessionId id = closedSpy.first().first().value<SessionSnapshot>().id;
    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [](const QJsonObject &m) {
        return m.contains(QStringLiteral("closed"));
    }, 5000);
    QVERIFY(!tick.isEmpty());
    const QJsonArray closed = tick.value(QStringLiteral("closed")).toArray();
    QCOMPARE(closed.size(), 1);
    QCOMPARE(Protocol::sessionFromJson(closed.first().toObject()).id, id);
    QVERIFY2(!tick.contains(QStringLiteral("opened")), "the session also travelled as opened");
    QVERIFY(!tick.contains(QStringLiteral("omitted")));
}

void tst_Admin::kickCommandAsTheClientSeesIt()
{
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(host->sessionCount(), 1);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    const SessionId id = host->sessions().first().id;
    const QJsonObject reply = admin.command(R"({"id": 8, "cmd": "kick", "session": )" + QByteArray::number(id) + "}");
    QCOMPARE(reply.value(QStringLiteral("ok")).toBool(), true);
    QByteArray rest;
    QVERIFY(waitForDisconnect(raw, 5000, &rest));
    QVERIFY2(!takeFrame(rest), "a kick sends no close frame");
    const QJsonObject tick = admin.waitFor(QStringLiteral("tick"), [](const QJsonObject &m) {
        return m.contains(QStringLiteral("closed"));
    });
    const SessionSnapshot closed = Protocol::sessionFromJson(tick.value(QStringLiteral("closed")).toArray().first().toObject());
    QCOMPARE(closed.closeCause, CloseCause::Kick);
    QCOMPARE(closed.closeCode, quint16(1006));
    // Kicking it again is an error, not a crash.
    QCOMPARE(admin.command(R"({"id": 9, "cmd": "kick", "session": )" + QByteArray::number(id) + "}")
                 .value(QStringLiteral("ok")).toBool(), false);
}

void tst_Admin::otherCommands()
{
    auto host = startHost();
    QVERIFY(host);
    auto a = openClient(host->serverPort());
    auto b = openClient(host->serverPort());
    auto c = openClient(host->serverPort(), QStringLiteral("/chat"));
    QVERIFY(a && b && c);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());

    const QJsonObject list = admin.command(R"({"id": 1, "cmd": "list"})");
    QCOMPARE(list.value(QStringLiteral("result")).toArray().size(), 3);

    SessionId aId = 0;
    for (const SessionSnapshot &s : host->sessions()) {
        if (s.peerPort == a->localPort())
            aId = s.id;
    }
    const QJsonObject get = admin.command(R"({"id": 2, "cmd": "get", "session": )" + QByteArray::number(aId) + "}");
    QCOMPARE(Protocol::sessionFromJson(get.value(QStringLiteral("result")).toObject()).peerPort, a->localPort());

    QSignalSpy aTexts(a.get(), &QWebSocket::textMessageReceived);
    const QJsonObject sent = admin.command(R"({"id": 3, "cmd": "send", "session": )" + QByteArray::number(aId)
                                           + R"(, "text": "from the teacher"})");
    QCOMPARE(sent.value(QStringLiteral("ok")).toBool(), true);
    QTRY_COMPARE(aTexts.size(), 1);
    QCOMPARE(aTexts.first().first().toString(), QStringLiteral("from the teacher"));

    const quint64 handshakeId = host->handshakeLog().first().id;
    const QJsonObject hs = admin.command(R"({"id": 4, "cmd": "handshake", "handshake": )" + QByteArray::number(handshakeId) + "}");
    QCOMPARE(Protocol::handshakeFromJson(hs.value(QStringLiteral("result")).toObject()).request,
             host->handshakeLog().first().request);

    QSignalSpy aDown(a.get(), &QWebSocket::disconnected), bDown(b.get(), &QWebSocket::disconnected);
    const QJsonObject closeRoute = admin.command(R"({"id": 5, "cmd": "closeRoute", "route": "/echo", "code": 1001, "reason": "maintenance"})");
    QCOMPARE(closeRoute.value(QStringLiteral("result")).toObject().value(QStringLiteral("closed")).toInt(), 2);
    QTRY_COMPARE(aDown.size() + bDown.size(), 2);
    QCOMPARE(int(b->closeCode()), 1001);
    QCOMPARE(c->state(), QAbstractSocket::ConnectedState);   // another route: untouched
    // A served route with no sessions: ok, none closed. One nobody serves: an error.
    const QJsonObject empty = admin.command(R"({"id": 7, "cmd": "closeRoute", "route": "/echo"})");
    QVERIFY(empty.value(QStringLiteral("ok")).toBool());
    QCOMPARE(empty.value(QStringLiteral("result")).toObject().value(QStringLiteral("closed")).toInt(), 0);
    const QJsonObject broadcastPath = admin.command(R"({"id": 8, "cmd": "closeRoute", "route": "/broadcast/news"})");
    QVERIFY2(broadcastPath.value(QStringLiteral("ok")).toBool(), "a path a prefix route serves is served");
    const QJsonObject nowhere = admin.command(R"({"id": 9, "cmd": "closeRoute", "route": "/nowhere"})");
    QVERIFY(!nowhere.value(QStringLiteral("ok")).toBool());
    QCOMPARE(nowhere.value(QStringLiteral("error")).toString(), QStringLiteral("no plugin serves /nowhere"));
    QCOMPARE(c->state(), QAbstractSocket::ConnectedState);

    const QJsonObject snapshot = admin.command(R"({"id": 6, "cmd": "snapshot"})");
    QCOMPARE(snapshot.value(QStringLiteral("result")).toObject().value(QStringLiteral("type")).toString(), QStringLiteral("snapshot"));
}

void tst_Admin::badCommandsGetErrorReplies_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::addRow("not JSON") << QByteArray("close 5") << QStringLiteral("not JSON");
    QTest::addRow("array") << QByteArray("[1]") << QStringLiteral("JSON object");
    QTest::addRow("no cmd") << QByteArray(R"({"id": 1})") << QStringLiteral("missing \"cmd\"");
    QTest::addRow("unknown cmd") << QByteArray(R"({"id": 1, "cmd": "reboot"})") << QStringLiteral("unknown command");
    QTest::addRow("close without session") << QByteArray(R"({"id": 1, "cmd": "close"})") << QStringLiteral("\"session\"");
    QTest::addRow("session as string") << QByteArray(R"({"id": 1, "cmd": "kick", "session": "5"})") << QStringLiteral("\"session\"");
    QTest::addRow("reserved code 1005") << QByteArray(R"({"id": 1, "cmd": "close", "session": 1, "code": 1005})") << QStringLiteral("\"code\"");
    QTest::addRow("code 2000") << QByteArray(R"({"id": 1, "cmd": "close", "session": 1, "code": 2000})") << QStringLiteral("\"code\"");
    QTest::addRow("long reason") << QByteArray(R"({"id": 1, "cmd": "close", "session": 1, "reason": ")" + QByteArray(124, 'r') + "\"}")
                                 << QStringLiteral("123 bytes");
    QTest::addRow("unknown session") << QByteArray(R"({"id": 1, "cmd": "close", "session": 99999})") << QStringLiteral("no open session 99999");
    QTest::addRow("send without text") << QByteArray(R"({"id": 1, "cmd": "send", "session": 1})") << QStringLiteral("\"text\"");
    QTest::addRow("forgotten handshake") << QByteArray(R"({"id": 1, "cmd": "handshake", "handshake": 123456})") << QStringLiteral("not in the log");
}

void tst_Admin::badCommandsGetErrorReplies()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    admin.socket.sendTextMessage(QString::fromUtf8(json));
    const QJsonObject reply = admin.waitFor(QStringLiteral("reply"));
    QVERIFY2(!reply.isEmpty(), "a bad command got no reply");
    QCOMPARE(reply.value(QStringLiteral("ok")).toBool(), false);
    QVERIFY2(reply.value(QStringLiteral("error")).toString().contains(error), qPrintable(reply.value(QStringLiteral("error")).toString()));
    QCOMPARE(admin.socket.state(), QAbstractSocket::ConnectedState);   // the channel stays usable
}

void tst_Admin::generatedTokenIsReadableThroughTheApi()
{
    HostConfig config = testConfig();
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    QVERIFY(host.adminToken().size() >= 16);
    QVERIFY(host.adminUrl().query().contains(host.adminToken()));
    QWebSocket admin;
    QSignalSpy texts(&admin, &QWebSocket::textMessageReceived);
    admin.open(host.adminUrl());
    QTRY_VERIFY(texts.size() >= 1);
    HostServer other;
    other.setConfig(config);
    QVERIFY(other.start());
    QVERIFY(other.adminToken() != host.adminToken());   // random per host
}

void tst_Admin::tokenIsMaskedHoweverItsKeyIsSpelt_data()
{
    QTest::addColumn<QString>("key");
    QTest::newRow("plain") << QStringLiteral("token");
    QTest::newRow("percent-encoded letter") << QStringLiteral("%74oken");
    QTest::newRow("all encoded") << QStringLiteral("%74%6F%6B%65%6E");
}

void tst_Admin::tokenIsMaskedHoweverItsKeyIsSpelt()
{
    // The host accepts the token under any spelling of its key that decodes to
    // "token"; the handshake log (shown to every admin client and on the monitor's
    // screen) must mask it under every such spelling too.
    QFETCH(QString, key);
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort(), QStringLiteral("/_admin?x=1&") + key + QLatin1Char('=') + token));
    QTRY_VERIFY(!host->handshakeLog().isEmpty());
    const HandshakeRecord r = host->handshakeLog().last();
    QVERIFY(r.admin);
    QVERIFY2(!r.request.contains(token.toLatin1()), r.request.left(120).constData());
    QVERIFY(r.request.startsWith(QByteArray("GET /_admin?x=1&" + key.toLatin1() + '=')));
}

void tst_Admin::binaryFrameClosesWith1003EvenWithMoreFramesBehindIt()
{
    // The admin channel closes at once on a binary frame; frames that came in the same
    // read must be dropped with the connection, and the host must go on serving.
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, host->serverPort(), QStringLiteral("/_admin?token=") + token));
    raw.write(clientFrame(0x2, "binary") + clientFrame(0x1, R"({"cmd":"ping"})").repeated(20));
    QByteArray buffer;
    std::optional<Frame> close;
    while (auto frame = readFrame(raw, buffer)) {
        if (frame->opcode == 0x8) {
            close = frame;
            break;
        }
    }
    QVERIFY2(close, "no close frame");
    QCOMPARE(closeCodeOf(*close), 1003);
    QVERIFY(waitForDisconnect(raw, 5000));
    auto user = openClient(host->serverPort());
    QVERIFY(user);
}

void tst_Admin::metricsMatchAKnownExchange()
{
    auto host = startHost();
    QVERIFY(host);
    auto user = openClient(host->serverPort());
    QVERIFY(user);
    QSignalSpy echoes(user.get(), &QWebSocket::textMessageReceived);
    for (int i = 0; i < 3; ++i)
        user->sendTextMessage(QStringLiteral("abcd"));
    QTRY_COMPARE(echoes.size(), 3);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/missing")))), 404);
    user->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE(host->sessionCount(), 0);

    QTcpSocket http;
    QVERIFY(connectRaw(http, host->serverPort()));
    http.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    QByteArray response;
    QVERIFY(waitForDisconnect(http, 5000, &response));
    QVERIFY2(response.startsWith("HTTP/1.1 200 OK\r\n"), response.left(100).constData());
    QVERIFY(response.contains("Content-Type: text/plain; version=0.0.4"));
    const QByteArray body = response.mid(response.indexOf("\r\n\r\n") + 4);

    // Parse every sample line: name{labels} value.
    QMap<QString, double> samples;
    static const QRegularExpression line(QStringLiteral("^([a-z_]+)(\\{[^}]*\\})? (\\S+)$"));
    for (const QByteArray &l : body.split('\n')) {
        if (l.isEmpty() || l.startsWith('#'))
            continue;
        const auto m = line.match(QString::fromUtf8(l));
        QVERIFY2(m.hasMatch(), l.constData());
        bool ok = false;
        samples.insert(m.captured(1) + m.captured(2), m.captured(3).toDouble(&ok));
        QVERIFY2(ok || m.captured(3) == QLatin1String("+Inf"), l.constData());
    }
    QCOMPARE(samples.value(QStringLiteral("wsplug_messages_total{route=\"/echo\",direction=\"in\",kind=\"text\"}")), 3.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_messages_total{route=\"/echo\",direction=\"out\",kind=\"text\"}")), 3.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_bytes_total{route=\"/echo\",direction=\"in\"}")), 12.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_connections_opened_total{route=\"/echo\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_connections_closed_total{route=\"/echo\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_connections{route=\"/echo\",plugin=\"echo\"}")), 0.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_handshakes_total{status=\"101\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_handshakes_total{status=\"404\"}")), 1.0);
    QCOMPARE(samples.value(QStringLiteral("wsplug_closes_total{code=\"1000\",cause=\"client\"}")), 1.0);
    QVERIFY(samples.contains(QStringLiteral("wsplug_ping_rtt_seconds_bucket{le=\"+Inf\"}")));
    QVERIFY(samples.contains(QStringLiteral("wsplug_ping_rtt_seconds_count")));
    // /metrics itself is not an upgrade attempt.
    QCOMPARE(host->handshakeLog().size(), 2);
}

void tst_Admin::healthAndReadiness()
{
    auto host = startHost();
    QVERIFY(host);
    for (const char *path : {"/healthz", "/readyz"}) {
        QTcpSocket http;
        QVERIFY(connectRaw(http, host->serverPort()));
        http.write(QByteArray("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray response;
        QVERIFY(waitForDisconnect(http, 5000, &response));
        QVERIFY2(response.startsWith("HTTP/1.1 200 OK"), path);
    }
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral("/nonexistent")};
    auto empty = startHost(config);
    QVERIFY(empty);
    QCOMPARE(statusCode(rawRequest(empty->serverPort(), "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")), 503);
}

void tst_Admin::endpointsAnswerAsHttpMeansIt_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("header");   // a header line the response must have
    QTest::addColumn<QByteArray>("body");     // the exact body; "-" for "any, but not empty"

    QTest::addRow("HEAD /healthz") << QByteArray("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n") << 200
                                   << QByteArray("Content-Length: 3") << QByteArray();
    QTest::addRow("HEAD /readyz") << QByteArray("HEAD /readyz HTTP/1.1\r\nHost: x\r\n\r\n") << 200
                                  << QByteArray("Content-Length: 6") << QByteArray();
    QTest::addRow("HEAD /metrics") << QByteArray("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n") << 200
                                   << QByteArray("Content-Type: text/plain; version=0.0.4") << QByteArray();
    QTest::addRow("POST /metrics") << QByteArray("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                                   << 405 << QByteArray("Allow: GET, HEAD") << QByteArray("-");
    QTest::addRow("DELETE /healthz") << QByteArray("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                                     << 405 << QByteArray("Allow: GET, HEAD") << QByteArray("-");
    QTest::addRow("HTTP/1.0 GET /healthz") << QByteArray("GET /healthz HTTP/1.0\r\n\r\n") << 200
                                           << QByteArray("Connection: close") << QByteArray("ok\n");
    QTest::addRow("HTTP/1.0 with Host") << QByteArray("GET /readyz HTTP/1.0\r\nHost: x\r\n\r\n") << 200
                                        << QByteArray("Connection: close") << QByteArray("ready\n");
    QTest::addRow("Connection: close asked") << QByteArray("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                                             << 200 << QByteArray("Connection: close") << QByteArray("ok\n");
    QTest::addRow("HEAD of an unknown path") << QByteArray("HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n") << 404
                                             << QByteArray("Content-Length: ") << QByteArray();
    QTest::addRow("POST to a plugin route") << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("GET ", "POST "))
                                            << 405 << QByteArray("Allow: GET") << QByteArray("-");
    QTest::addRow("HTTP/1.0 upgrade") << QByteArray(handshakeRequest(QStringLiteral("/echo")).replace("HTTP/1.1", "HTTP/1.0"))
                                      << 400 << QByteArray("Connection: close") << QByteArray("-");
}

void tst_Admin::endpointsAnswerAsHttpMeansIt()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, body);
    auto host = startHost();
    QVERIFY(host);
    QTcpSocket http;
    QVERIFY(connectRaw(http, host->serverPort()));
    http.write(request);
    QByteArray response;
    QVERIFY(waitForDisconnect(http, 5000, &response));   // the host closes after one answer
    QCOMPARE(statusCode(response), status);
    const qsizetype end = response.indexOf("\r\n\r\n");
    QVERIFY2(end > 0, response.constData());
    const QByteArray head = response.left(end + 2);
    QVERIFY2(head.contains(QByteArray("\r\n").append(header)), head.constData());
    QVERIFY2(head.contains("\r\nConnection: close\r\n"), head.constData());
    const QByteArray received = response.mid(end + 4);
    if (body == "-")
        QVERIFY2(!received.isEmpty(), head.constData());
    else
        QCOMPARE(received, body);
    if (request.startsWith("HEAD ")) {
        // Content-Length says what a GET would have sent (RFC 9110 9.3.2), never 0 here.
        QVERIFY2(!head.contains("Content-Length: 0\r\n"), head.constData());
    }
}

void tst_Admin::metricsCanBeTurnedOff()
{
    HostConfig config = testConfig();
    config.metricsEnabled = false;
    config.adminEnabled = false;
    auto host = startHost(config);
    QVERIFY(host);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")), 404);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/_admin?token=") + token))), 404);
    QVERIFY(host->adminUrl().isEmpty());
}

void tst_Admin::coalescesUpdatesUnderLoad()
{
    HostConfig config = testConfig();
    config.maxConnectionsPerIp = 5000;
    auto host = startHost(config);   // 100 ms ticks: at most ~10 ticks a second
    QVERIFY(host);
    constexpr int Clients = 1000;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    int echoes = 0;
    for (int i = 0; i < Clients; ++i) {
        auto c = std::make_unique<QWebSocket>();
        connect(c.get(), &QWebSocket::textMessageReceived, this, [&echoes, raw = c.get()](const QString &t) {
            ++echoes;
            raw->sendTextMessage(t);   // keep every session busy
        });
        connect(c.get(), &QWebSocket::connected, this, [raw = c.get()] { raw->sendTextMessage(QStringLiteral("go")); });
        c->open(wsUrl(host->serverPort(), QStringLiteral("/echo")));
        clients.push_back(std::move(c));
    }
    QTRY_COMPARE_WITH_TIMEOUT(host->sessionCount(), Clients, 60000);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot"), {}, 20000).isEmpty());
    const int before = admin.messages.size();
    const int echoesBefore = echoes;
    QElapsedTimer timer;
    timer.start();
    QTest::qWait(2000);
    const double seconds = timer.elapsed() / 1000.0;
    const int received = admin.messages.size() - before;
    const int exchanged = echoes - echoesBefore;
    qInfo("%d sessions exchanged %d messages in %.1f s; the admin client got %d messages (%.1f/s)",
          Clients, exchanged, seconds, received, received / seconds);
    QVERIFY2(exchanged > 2 * Clients, "the sessions were not busy");
    // One tick message per stats tick (10/s here), however busy the sessions are.
    QVERIFY2(received <= int(seconds * 10) + 3, qPrintable(QString::number(received)));
    QVERIFY(received >= 5);
    // Every busy session's counters travel, spread over the ticks of each second (a
    // tenth of them per tick here) rather than all in one. A loaded machine may skip
    // ticks, so wait for the ten shares to have come round.
    QSet<qint64> updatedIds;
    int largestTick = 0;
    auto collect = [&] {
        updatedIds.clear();
        for (auto m = admin.messages.cbegin() + before; m != admin.messages.cend(); ++m) {
            const QJsonArray updated = m->value(QStringLiteral("updated")).toArray();
            largestTick = std::max(largestTick, int(updated.size()));
            for (const QJsonValue &u : updated)
                updatedIds.insert(u.toArray().at(0).toInteger());
        }
        return updatedIds.size() == Clients;
    };
    QTRY_VERIFY_WITH_TIMEOUT(collect(), 10000);
    QVERIFY2(largestTick <= Clients / 5, qPrintable(QString::number(largestTick)));
    for (auto &c : clients)
        c->disconnect(this);
}

void tst_Admin::rateHistoryIsBounded()
{
    HostConfig config = testConfig();
    config.statsTickMs = 50;
    config.rateHistorySeconds = 1;   // 20 samples
    auto host = std::make_unique<HostServer>();
    host->setConfig(config);
    QVERIFY(host->start());
    QTRY_VERIFY_WITH_TIMEOUT(host->rateHistory().size() >= 20, 5000);
    QTest::qWait(300);
    QCOMPARE(host->rateHistory().size(), 20);
    const auto history = host->rateHistory();
    QVERIFY(history.first().timeMs < history.last().timeMs);
}

void tst_Admin::handshakeLogIsBounded()
{
    HostConfig config = testConfig();
    config.handshakeLogSize = 5;
    auto host = startHost(config);
    QVERIFY(host);
    for (int i = 0; i < 8; ++i)
        QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/nope") + QString::number(i)))), 404);
    QTRY_COMPARE(host->stats().handshakesByStatus.value(404), quint64(8));
    const auto log = host->handshakeLog();
    QCOMPARE(log.size(), 5);
    QCOMPARE(log.first().path, QStringLiteral("/nope3"));   // the oldest were dropped
    QCOMPARE(log.last().path, QStringLiteral("/nope7"));
}

void tst_Admin::shutdownClosesAdminWith1001()
{
    auto host = startHost();
    QVERIFY(host);
    AdminClient admin(host->serverPort());
    QVERIFY(!admin.waitFor(QStringLiteral("snapshot")).isEmpty());
    QSignalSpy down(&admin.socket, &QWebSocket::disconnected);
    QSignalSpy stopped(host.get(), &HostServer::stopped);
    host->stop();
    QTRY_COMPARE(down.size(), 1);
    QCOMPARE(int(admin.socket.closeCode()), 1001);
    QTRY_COMPARE(stopped.size(), 1);
}

void tst_Admin::limitsAdminClients()
{
    HostConfig config = testConfig();
    config.maxAdminConnections = 1;
    auto host = startHost(config);
    QVERIFY(host);
    AdminClient first(host->serverPort());
    QVERIFY(!first.waitFor(QStringLiteral("snapshot")).isEmpty());
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/_admin?token=") + token))), 503);
    first.socket.close();
    QTRY_COMPARE(host->adminClientCount(), 0);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/_admin?token=") + token))), 101);
}

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
