// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Bearer tokens checked before the upgrade (--require-token), expiry (4001 after the
// grace period) and refresh (chat's "refresh"), through real clients. Tokens are minted
// by an independent implementation, Debian's python3-jwt; keys are made by openssl.

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

// Mints a token with python3-jwt: argv = claims (JSON), algorithm, key file. "HS256-raw"
// signs with the file's bytes as the HMAC key by hand (python3-jwt refuses a PEM as an
// HMAC secret, which is the point of that token: algorithm confusion).
const char *const Minter = R"PY(
import sys, json, hmac, hashlib, base64
import jwt
claims = json.loads(sys.argv[1]); alg = sys.argv[2]
key = open(sys.argv[3], 'rb').read() if sys.argv[3] else None
if alg == 'HS256-raw':
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=')
    signing = b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode()) + b'.' + b64(json.dumps(claims).encode())
    print((signing + b'.' + b64(hmac.new(key, signing, hashlib.sha256).digest())).decode())
elif alg == 'none':
    print(jwt.encode(claims, None, algorithm='none'))
else:
    # The host drops a secret file's trailing newline, as an editor adds one.
    print(jwt.encode(claims, key.decode() if alg != 'HS256' else key.rstrip(b'\r\n'), algorithm=alg))
)PY";

constexpr const char *Python = "/usr/bin/python3";

} // namespace

class tst_Tokens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refusesBeforeTheUpgrade_data();
    void refusesBeforeTheUpgrade();
    void acceptsHeaderQueryAndSubprotocol_data();
    void acceptsHeaderQueryAndSubprotocol();
    void bearerSubprotocolAloneIsNotAnswered();
    void routesWithoutTokenStayOpen();
    void expiredSessionIsClosedWith4001();
    void refreshKeepsTheSessionOpen();
    void refreshWithBadTokenIsRefused();
    void rightsDecideWhoPublishesAndWhoKicks();
    void rightsTakeTheRolesTheConfigGives();

private:
    enum Keys { Hs256, Rs256, Es256 };
    std::unique_ptr<HostServer> host(Keys keys, const QStringList &routes = {QStringLiteral("*")}, int graceMs = 25000);
    QByteArray mint(const QJsonObject &claims, const QString &alg, const QString &keyFile);
    //! A valid token for \a keys, with \a extra claims on top of sub/iss/aud/exp.
    QByteArray good(Keys keys, const QJsonObject &extra = {}, qint64 lifetime = 300);
    QString key(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    QTemporaryDir m_dir;
};

void tst_Tokens::initTestCase()
{
    QProcess probe;
    probe.start(QLatin1String(Python), {QStringLiteral("-c"), QStringLiteral("import jwt, cryptography")});
    const bool python = probe.waitForFinished(10000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0;
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (!python || openssl.isEmpty()) {
        const QString missing = QStringLiteral("%1 missing: the tokens are minted by an independent implementation "
                                               "(apt-get install python3-jwt openssl; tests/run-all.sh installs them)")
                                    .arg(!python ? QStringLiteral("Debian's python3-jwt (/usr/bin/python3 -c 'import jwt')")
                                                 : QStringLiteral("openssl"));
        if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
            QFAIL(qPrintable(missing));
        QSKIP(qPrintable(missing));
    }
    QVERIFY(m_dir.isValid());
    auto run = [&openssl](const QStringList &args) {
        QProcess p;
        p.start(openssl, args);
        return p.waitForFinished(30000) && p.exitCode() == 0;
    };
    QVERIFY(run({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("RSA"),
                 QStringLiteral("-pkeyopt"), QStringLiteral("rsa_keygen_bits:2048"), QStringLiteral("-out"), key("rsa.pem")}));
    QVERIFY(run({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                 QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"), key("ec.pem")}));
    QVERIFY(run({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                 QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"), key("ec-other.pem")}));
    for (const char *name : {"rsa", "ec"}) {
        QVERIFY(run({QStringLiteral("pkey"), QStringLiteral("-in"), key(name) + QStringLiteral(".pem"),
                     QStringLiteral("-pubout"), QStringLiteral("-out"), key(name) + QStringLiteral(".pub")}));
    }
    for (const auto &[name, secret] : {std::pair{"secret", "test-secret-0123456789-abcdefghijklmnop"},
                                       std::pair{"secret-other", "another-secret-0123456789-abcdefghijkl"}}) {
        QFile f(key(name));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(secret) + '\n');
    }
}

std::unique_ptr<HostServer> tst_Tokens::host(Keys keys, const QStringList &routes, int graceMs)
{
    HostConfig c = testConfig();
    c.requireToken = routes;
    if (keys == Hs256)
        c.jwtHs256SecretFile = key("secret");
    else
        c.jwtPublicKeyFile = key(keys == Rs256 ? "rsa.pub" : "ec.pub");
    c.jwtIssuer = QStringLiteral("wsplug-tests");
    c.jwtAudience = QStringLiteral("wsplug");
    c.tokenGraceMs = graceMs;
    return startedHost(c);
}

QByteArray tst_Tokens::mint(const QJsonObject &claims, const QString &alg, const QString &keyFile)
{
    QProcess p;
    p.start(QLatin1String(Python), {QStringLiteral("-c"), QLatin1String(Minter),
                                    QString::fromUtf8(QJsonDocument(claims).toJson(QJsonDocument::Compact)), alg, keyFile});
    if (!p.waitForFinished(10000) || p.exitCode() != 0) {
        qWarning() << "minting failed:" << p.readAllStandardError();
        return {};
    }
    return p.readAllStandardOutput().trimmed();
}

QByteArray tst_Tokens::good(Keys keys, const QJsonObject &extra, qint64 lifetime)
{
    QJsonObject claims{{QStringLiteral("sub"), QStringLiteral("alice")},
                       {QStringLiteral("iss"), QStringLiteral("wsplug-tests")},
                       {QStringLiteral("aud"), QStringLiteral("wsplug")},
                       {QStringLiteral("exp"), double(QDateTime::currentSecsSinceEpoch() + lifetime)}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        claims.insert(it.key(), it.value());
    switch (keys) {
    case Hs256: return mint(claims, QStringLiteral("HS256"), key("secret"));
    case Rs256: return mint(claims, QStringLiteral("RS256"), key("rsa.pem"));
    case Es256: return mint(claims, QStringLiteral("ES256"), key("ec.pem"));
    }
    return {};
}

void tst_Tokens::refusesBeforeTheUpgrade_data()
{
    QTest::addColumn<int>("keys");
    QTest::addColumn<QByteArray>("token");   // empty: none sent
    QTest::addColumn<QString>("reason");     // what the handshake log says

    const double now = double(QDateTime::currentSecsSinceEpoch());
    const QJsonObject base{{QStringLiteral("sub"), QStringLiteral("alice")},
                           {QStringLiteral("iss"), QStringLiteral("wsplug-tests")},
                           {QStringLiteral("aud"), QStringLiteral("wsplug")},
                           {QStringLiteral("exp"), now + 300}};
    auto with = [&base](const char *name, const QJsonValue &value) {
        QJsonObject o = base;
        o.insert(QLatin1String(name), value);
        return o;
    };
    QTest::addRow("no token") << int(Rs256) << QByteArray() << QStringLiteral("no bearer token");
    QTest::addRow("bad signature hs256") << int(Hs256) << mint(base, QStringLiteral("HS256"), key("secret-other"))
                                         << QStringLiteral("bad signature (HS256)");
    QTest::addRow("bad signature es256") << int(Es256) << mint(base, QStringLiteral("ES256"), key("ec-other.pem"))
                                         << QStringLiteral("bad signature (ES256)");
    QTest::addRow("alg none") << int(Hs256) << mint(base, QStringLiteral("none"), QString())
                              << QStringLiteral("alg none refused");
    QTest::addRow("hs256 keyed with the rsa public key") << int(Rs256) << mint(base, QStringLiteral("HS256-raw"), key("rsa.pub"))
                                                         << QStringLiteral("alg HS256 refused");
    QTest::addRow("hs256 keyed with the ec public key") << int(Es256) << mint(base, QStringLiteral("HS256-raw"), key("ec.pub"))
                                                        << QStringLiteral("alg HS256 refused");
    QTest::addRow("rs256 on an hs256 host") << int(Hs256) << mint(base, QStringLiteral("RS256"), key("rsa.pem"))
                                            << QStringLiteral("alg RS256 refused");
    QTest::addRow("es256 on an rs256 host") << int(Rs256) << mint(base, QStringLiteral("ES256"), key("ec.pem"))
                                            << QStringLiteral("alg ES256 refused");
    QTest::addRow("wrong audience") << int(Rs256) << mint(with("aud", QStringLiteral("elsewhere")), QStringLiteral("RS256"), key("rsa.pem"))
                                    << QStringLiteral("wrong audience");
    QTest::addRow("wrong audience in an array") << int(Rs256)
        << mint(with("aud", QJsonArray{QStringLiteral("a"), QStringLiteral("b")}), QStringLiteral("RS256"), key("rsa.pem"))
        << QStringLiteral("wrong audience");
    QTest::addRow("wrong issuer") << int(Rs256) << mint(with("iss", QStringLiteral("mallory")), QStringLiteral("RS256"), key("rsa.pem"))
                                  << QStringLiteral("wrong issuer");
    // Past the 30 s clock-skew allowance either way.
    QTest::addRow("expired") << int(Es256) << mint(with("exp", now - 120), QStringLiteral("ES256"), key("ec.pem"))
                             << QStringLiteral("expired");
    QTest::addRow("not yet valid") << int(Hs256) << mint(with("nbf", now + 300), QStringLiteral("HS256"), key("secret"))
                                   << QStringLiteral("not valid for another");
    QTest::addRow("garbage") << int(Hs256) << QByteArray("not.a.token") << QStringLiteral("base64url");
    QTest::addRow("no claims") << int(Hs256) << mint(QJsonObject(), QStringLiteral("HS256"), key("secret"))
                               << QStringLiteral("the token has no claims");
}

void tst_Tokens::refusesBeforeTheUpgrade()
{
    QFETCH(int, keys);
    QFETCH(QByteArray, token);
    QFETCH(QString, reason);
    if (token.isEmpty() && QByteArray(QTest::currentDataTag()) != "no token")
        QFAIL("minting failed");
    auto h = host(Keys(keys));
    QVERIFY(h);
    QSignalSpy refused(h.get(), &HostServer::handshakeRefused);

    QTcpSocket socket;
    QVERIFY(connectRaw(socket, h->serverPort()));
    socket.write(handshakeRequest(QStringLiteral("/echo"),
                                  token.isEmpty() ? QByteArray() : "Authorization: Bearer " + token + "\r\n"));
    QByteArray received;
    QVERIFY(waitForDisconnect(socket, 5000, &received));
    QCOMPARE(statusCode(received), 401);
    QVERIFY2(received.contains("\r\nWWW-Authenticate: Bearer\r\n"), received.constData());
    // The detail is for the operator, not for the client.
    QVERIFY2(!received.contains(reason.toUtf8()), received.constData());
    QVERIFY(!received.contains(" 101 "));

    QTRY_COMPARE(refused.count(), 1);
    QCOMPARE(refused.at(0).at(1).toInt(), 401);
    QVERIFY2(refused.at(0).at(2).toString().contains(reason), qPrintable(refused.at(0).at(2).toString()));
    const QList<HandshakeRecord> log = h->handshakeLog();
    QVERIFY(!log.isEmpty());
    QCOMPARE(log.last().status, 401);
    QVERIFY2(log.last().reason.contains(reason), qPrintable(log.last().reason));
    // The log is shown to every admin client: the token is masked in it.
    if (token.size() > 20)
        QVERIFY(!log.last().request.contains(token.right(20)));
    QCOMPARE(h->sessions().size(), 0);
}

void tst_Tokens::acceptsHeaderQueryAndSubprotocol_data()
{
    QTest::addColumn<int>("keys");
    QTest::addColumn<QString>("how");
    QTest::addRow("rs256 header") << int(Rs256) << QStringLiteral("header");
    QTest::addRow("es256 header") << int(Es256) << QStringLiteral("header");
    QTest::addRow("hs256 query") << int(Hs256) << QStringLiteral("query");
    QTest::addRow("es256 subprotocol") << int(Es256) << QStringLiteral("subprotocol");
    QTest::addRow("hs256 subprotocol") << int(Hs256) << QStringLiteral("subprotocol");
}

void tst_Tokens::acceptsHeaderQueryAndSubprotocol()
{
    QFETCH(int, keys);
    QFETCH(QString, how);
    auto h = host(Keys(keys));
    QVERIFY(h);
    const QByteArray token = good(Keys(keys), {{QStringLiteral("roles"), QJsonArray{QStringLiteral("reader")}}});
    QVERIFY(!token.isEmpty());

    QNetworkRequest request(wsUrl(h->serverPort(), how == QLatin1String("query")
                                                       ? QStringLiteral("/chat?token=") + QString::fromLatin1(token)
                                                       : QStringLiteral("/chat")));
    if (how == QLatin1String("header"))
        request.setRawHeader("Authorization", "Bearer " + token);
    QWebSocketHandshakeOptions options;
    if (how == QLatin1String("subprotocol"))
        options.setSubprotocols({QStringLiteral("bearer.") + QString::fromLatin1(token), QStringLiteral("wsplug.chat.v1")});
    else
        options.setSubprotocols({QStringLiteral("wsplug.chat.v1")});
    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    ws.open(request, options);
    QTRY_COMPARE_WITH_TIMEOUT(connected.count(), 1, 5000);
    // The client's other subprotocol is the answer, never the bearer entry.
    QCOMPARE(ws.subprotocol(), QStringLiteral("wsplug.chat.v1"));

    QTRY_COMPARE(h->sessions().size(), 1);
    const SessionSnapshot s = h->sessions().first();
    QCOMPARE(s.subject, QStringLiteral("alice"));
    QVERIFY(s.tokenExpiresAt.isValid());
    QVERIFY(qAbs(s.tokenExpiresAt.secsTo(QDateTime::currentDateTimeUtc()) + 300) < 30);
    QVERIFY(!h->handshakeLog().last().request.contains(token.right(20)));
    // Nor is it in the session's query, which the admin protocol and the monitor show.
    QVERIFY2(!s.query.contains(QString::fromLatin1(token.right(20))), qPrintable(s.query));
    ws.close();
}

void tst_Tokens::bearerSubprotocolAloneIsNotAnswered()
{
    auto h = host(Hs256);
    QVERIFY(h);
    const QByteArray token = good(Hs256);
    const QByteArray response = rawRequest(h->serverPort(),
                                           handshakeRequest(QStringLiteral("/echo"), "Sec-WebSocket-Protocol: bearer." + token + "\r\n"));
    QCOMPARE(statusCode(response), 101);
    QVERIFY2(!response.contains("Sec-WebSocket-Protocol"), response.constData());
}

void tst_Tokens::routesWithoutTokenStayOpen()
{
    // Only /chat takes a token: /echo upgrades without one, /chat does not.
    auto h = host(Hs256, {QStringLiteral("/chat")});
    QVERIFY(h);
    QCOMPARE(statusCode(rawRequest(h->serverPort(), handshakeRequest(QStringLiteral("/echo")))), 101);
    QCOMPARE(statusCode(rawRequest(h->serverPort(), handshakeRequest(QStringLiteral("/chat")))), 401);
    QCOMPARE(statusCode(rawRequest(h->serverPort(),
                                   handshakeRequest(QStringLiteral("/chat?token=") + QString::fromLatin1(good(Hs256))))), 101);
    // A "bearer." subprotocol on a route that takes no token is not negotiated, and
    // not shown in the handshake log either.
    const QByteArray token = good(Hs256);
    const QByteArray response = rawRequest(h->serverPort(), handshakeRequest(
        QStringLiteral("/echo"), "Sec-WebSocket-Protocol: bearer." + token + "\r\n"));
    QCOMPARE(statusCode(response), 101);
    QVERIFY(!response.contains("Sec-WebSocket-Protocol"));
    QTRY_VERIFY(!h->handshakeLog().isEmpty() && h->handshakeLog().last().request.contains("bearer."));
    QVERIFY(!h->handshakeLog().last().request.contains(token.right(20)));
}

namespace {

std::unique_ptr<QWebSocket> openWithToken(quint16 port, const QByteArray &token, const QString &path = QStringLiteral("/chat"))
{
    auto ws = std::make_unique<QWebSocket>();
    QNetworkRequest request(wsUrl(port, path));
    request.setRawHeader("Authorization", "Bearer " + token);
    QSignalSpy connected(ws.get(), &QWebSocket::connected);
    ws->open(request);
    if (!connected.wait(5000))
        return nullptr;
    return ws;
}

//! The next text message of type \a type from \a messages (a spy on textMessageReceived).
QJsonObject waitForType(QSignalSpy &messages, const QString &type, int timeoutMs = 5000)
{
    QDeadlineTimer deadline(timeoutMs);
    int seen = 0;
    while (!deadline.hasExpired()) {
        for (; seen < messages.count(); ++seen) {
            const QJsonObject o = QJsonDocument::fromJson(messages.at(seen).at(0).toString().toUtf8()).object();
            if (o.value(QStringLiteral("type")).toString() == type)
                return o;
        }
        messages.wait(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    return {};
}

} // namespace

void tst_Tokens::expiredSessionIsClosedWith4001()
{
    auto h = host(Hs256, {QStringLiteral("/chat")}, 500);
    QVERIFY(h);
    QElapsedTimer clock;
    clock.start();
    auto ws = openWithToken(h->serverPort(), good(Hs256, {}, 2));
    QVERIFY(ws);
    QSignalSpy disconnected(ws.get(), &QWebSocket::disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.count(), 1, 6000);
    QCOMPARE(int(ws->closeCode()), 4001);
    QCOMPARE(ws->closeReason(), QStringLiteral("token expired"));
    // Not before the token's lifetime (whole seconds: at least 1 s) plus the grace.
    QVERIFY2(clock.elapsed() >= 1400, qPrintable(QString::number(clock.elapsed())));
}

void tst_Tokens::refreshKeepsTheSessionOpen()
{
    auto h = host(Hs256, {QStringLiteral("/chat")}, 500);
    QVERIFY(h);
    const qint64 exp = QDateTime::currentSecsSinceEpoch() + 2;
    const QJsonObject shortLived{{QStringLiteral("exp"), double(exp)}};
    auto refreshed = openWithToken(h->serverPort(), good(Hs256, shortLived));
    auto witness = openWithToken(h->serverPort(), good(Hs256, shortLived));
    QVERIFY(refreshed && witness);
    QSignalSpy refreshedGone(refreshed.get(), &QWebSocket::disconnected);
    QSignalSpy witnessGone(witness.get(), &QWebSocket::disconnected);
    QSignalSpy messages(refreshed.get(), &QWebSocket::textMessageReceived);

    const QByteArray fresh = good(Hs256, {}, 60);
    refreshed->sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{
        {QStringLiteral("type"), QStringLiteral("refresh")}, {QStringLiteral("id"), 7},
        {QStringLiteral("token"), QString::fromLatin1(fresh)}}).toJson(QJsonDocument::Compact)));
    const QJsonObject answer = waitForType(messages, QStringLiteral("refreshed"));
    QCOMPARE(answer.value(QStringLiteral("id")).toInt(), 7);
    const QDateTime expiresAt = QDateTime::fromString(answer.value(QStringLiteral("expiresAt")).toString(), Qt::ISODate);
    QVERIFY(expiresAt.toSecsSinceEpoch() > exp + 30);

    // The witness had the same first expiry and no refresh: once it is closed, the
    // refreshed session is past its first deadline, and still open.
    QTRY_COMPARE_WITH_TIMEOUT(witnessGone.count(), 1, 6000);
    QCOMPARE(int(witness->closeCode()), 4001);
    QCoreApplication::processEvents();
    QCOMPARE(refreshedGone.count(), 0);
    QCOMPARE(refreshed->state(), QAbstractSocket::ConnectedState);
    bool found = false;
    for (const SessionSnapshot &s : h->sessions()) {
        if (s.tokenExpiresAt.toSecsSinceEpoch() > exp + 30)
            found = true;
    }
    QVERIFY(found);
}

void tst_Tokens::refreshWithBadTokenIsRefused()
{
    auto h = host(Hs256, {QStringLiteral("/chat")});
    QVERIFY(h);
    auto ws = openWithToken(h->serverPort(), good(Hs256));
    QVERIFY(ws);
    QSignalSpy messages(ws.get(), &QWebSocket::textMessageReceived);
    const QDateTime before = h->sessions().first().tokenExpiresAt;

    const QJsonObject claims{{QStringLiteral("sub"), QStringLiteral("alice")},
                             {QStringLiteral("iss"), QStringLiteral("wsplug-tests")},
                             {QStringLiteral("aud"), QStringLiteral("wsplug")},
                             {QStringLiteral("exp"), double(QDateTime::currentSecsSinceEpoch() + 3600)}};
    QJsonObject otherSubject = claims;
    otherSubject.insert(QStringLiteral("sub"), QStringLiteral("mallory"));
    const QList<QByteArray> bad{mint(claims, QStringLiteral("HS256"), key("secret-other")),   // bad signature
                                mint(claims, QStringLiteral("none"), QString()),
                                good(Hs256, {{QStringLiteral("sub"), QStringLiteral("mallory")}}),
                                QByteArray("garbage")};
    for (int i = 0; i < bad.size(); ++i) {
        QVERIFY(!bad.at(i).isEmpty());
        ws->sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{
            {QStringLiteral("type"), QStringLiteral("refresh")}, {QStringLiteral("id"), i},
            {QStringLiteral("token"), QString::fromLatin1(bad.at(i))}}).toJson(QJsonDocument::Compact)));
        QTRY_COMPARE(messages.count(), i + 1);
        const QJsonObject answer = QJsonDocument::fromJson(messages.at(i).at(0).toString().toUtf8()).object();
        QCOMPARE(answer.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        QCOMPARE(answer.value(QStringLiteral("code")).toString(), QStringLiteral("token_refused"));
        QCOMPARE(answer.value(QStringLiteral("id")).toInt(), i);
    }
    QCOMPARE(h->sessions().first().tokenExpiresAt, before);
    QCOMPARE(h->sessions().first().subject, QStringLiteral("alice"));
    QCOMPARE(ws->state(), QAbstractSocket::ConnectedState);
}

// Broadcast's "publish" and chat's "kick" (their metadata's Rights), with tokens minted
// by python3-jwt: the roles decide where tokens are required; elsewhere all may publish.
void tst_Tokens::rightsDecideWhoPublishesAndWhoKicks()
{
    auto h = host(Hs256, {QStringLiteral("/broadcast/*"), QStringLiteral("/chat")});
    QVERIFY(h);
    const quint16 port = h->serverPort();
    const QJsonArray publisher{QStringLiteral("publisher")};
    auto pub = openWithToken(port, good(Hs256, {{QStringLiteral("roles"), publisher}}), QStringLiteral("/broadcast/news"));
    auto reader = openWithToken(port, good(Hs256, {{QStringLiteral("sub"), QStringLiteral("reader")}}), QStringLiteral("/broadcast/news"));
    QVERIFY(pub && reader);
    QSignalSpy readerGot(reader.get(), &QWebSocket::textMessageReceived);
    pub->sendTextMessage(QStringLiteral("headline"));
    QVERIFY(readerGot.wait(5000));
    QCOMPARE(readerGot.first().first().toString(), QStringLiteral("headline"));
    // A token without the role subscribes, but may not publish.
    QSignalSpy readerGone(reader.get(), &QWebSocket::disconnected);
    reader->sendTextMessage(QStringLiteral("forged headline"));
    QVERIFY(readerGone.wait(5000));
    QCOMPARE(int(reader->closeCode()), 1008);
    QCOMPARE(reader->closeReason(), QStringLiteral("publishing needs the role publisher"));
    QCOMPARE(readerGot.size(), 1);
    // Where no token is asked for (/broadcast), nobody is identified: all may publish.
    auto open = openClient(port, QStringLiteral("/broadcast"));
    QVERIFY(open);
    QSignalSpy echoed(open.get(), &QWebSocket::textMessageReceived);
    open->sendTextMessage(QStringLiteral("anyone"));
    QVERIFY(echoed.wait(5000));

    // Chat: a member may not kick; a moderator may.
    auto mod = openWithToken(port, good(Hs256, {{QStringLiteral("sub"), QStringLiteral("mod")},
                                                {QStringLiteral("roles"), QJsonArray{QStringLiteral("moderator")}}}));
    auto bob = openWithToken(port, good(Hs256, {{QStringLiteral("sub"), QStringLiteral("bob")}}));
    QVERIFY(mod && bob);
    QSignalSpy modGot(mod.get(), &QWebSocket::textMessageReceived);
    QSignalSpy bobGot(bob.get(), &QWebSocket::textMessageReceived);
    mod->sendTextMessage(QStringLiteral(R"({"type":"join","room":"lobby","nick":"mod"})"));
    QVERIFY(!waitForType(modGot, QStringLiteral("joined")).isEmpty());
    bob->sendTextMessage(QStringLiteral(R"({"type":"join","room":"lobby","nick":"bob"})"));
    QVERIFY(!waitForType(bobGot, QStringLiteral("joined")).isEmpty());
    bob->sendTextMessage(QStringLiteral(R"({"type":"kick","room":"lobby","name":"mod","id":7})"));
    const QJsonObject refused = waitForType(bobGot, QStringLiteral("error"));
    QCOMPARE(refused.value(QStringLiteral("code")).toString(), QStringLiteral("forbidden"));
    QCOMPARE(refused.value(QStringLiteral("message")).toString(), QStringLiteral("kicking needs the role moderator"));
    QCOMPARE(refused.value(QStringLiteral("id")).toInt(), 7);
    QCOMPARE(mod->state(), QAbstractSocket::ConnectedState);
    QSignalSpy bobGone(bob.get(), &QWebSocket::disconnected);
    mod->sendTextMessage(QStringLiteral(R"({"type":"kick","room":"lobby","name":"bob","reason":"spam"})"));
    const QJsonObject kicked = waitForType(modGot, QStringLiteral("kicked"));
    QCOMPARE(kicked.value(QStringLiteral("name")).toString(), QStringLiteral("bob"));
    QTRY_COMPARE(bobGone.count(), 1);
    QCOMPARE(int(bob->closeCode()), 4003);
    QCOMPARE(bob->closeReason(), QStringLiteral("kicked by mod: spam"));
    mod->sendTextMessage(QStringLiteral(R"({"type":"kick","room":"lobby","name":"nobody"})"));
    QCOMPARE(waitForType(modGot, QStringLiteral("error")).value(QStringLiteral("code")).toString(), QStringLiteral("no_such_nick"));
}

// The operator gives a right other roles in the config; a right the plugin does not
// declare refuses the plugin, with the reason, while the others load.
void tst_Tokens::rightsTakeTheRolesTheConfigGives()
{
    HostConfig c = testConfig();
    c.requireToken = {QStringLiteral("/broadcast/*")};
    c.jwtHs256SecretFile = key("secret");
    c.jwtIssuer = QStringLiteral("wsplug-tests");
    c.jwtAudience = QStringLiteral("wsplug");
    c.adminToken = QStringLiteral("rights-admin-token");
    c.pluginSettings.insert(QStringLiteral("broadcast"),
                            QVariantMap{{QStringLiteral("rights"), QVariantMap{{QStringLiteral("publish"), QVariantList{QStringLiteral("editor")}}}}});
    c.pluginSettings.insert(QStringLiteral("chat"),
                            QVariantMap{{QStringLiteral("rights"), QVariantMap{{QStringLiteral("ban"), QVariantList{QStringLiteral("x")}}}}});
    auto h = startedHost(c);
    QVERIFY(h);
    bool chatRefused = false;
    for (const RefusedPlugin &r : h->plugins().refused()) {
        if (r.reason.contains(QStringLiteral("settings: the plugin declares no right \"ban\"")))
            chatRefused = true;
    }
    QVERIFY(chatRefused);
    QCOMPARE(statusCode(rawRequest(h->serverPort(), handshakeRequest(QStringLiteral("/chat")))), 404);
    // The admin snapshot shows the rights as the plugin got them.
    QWebSocket admin;
    QSignalSpy snapshot(&admin, &QWebSocket::textMessageReceived);
    admin.open(wsUrl(h->serverPort(), QStringLiteral("/_admin?token=") + c.adminToken));
    QVERIFY(snapshot.wait(5000));
    QJsonArray rolesShown;
    const QJsonObject snap = QJsonDocument::fromJson(snapshot.first().first().toString().toUtf8()).object();
    for (const QJsonValue &p : snap.value(QStringLiteral("plugins")).toObject().value(QStringLiteral("loaded")).toArray()) {
        if (p.toObject().value(QStringLiteral("id")).toString() == QLatin1String("broadcast"))
            rolesShown = p.toObject().value(QStringLiteral("settings")).toObject().value(QStringLiteral("rights")).toObject()
                                 .value(QStringLiteral("publish")).toObject().value(QStringLiteral("roles")).toArray();
    }
    QCOMPARE(rolesShown, QJsonArray{QStringLiteral("editor")});

    const quint16 port = h->serverPort();
    auto publisher = openWithToken(port, good(Hs256, {{QStringLiteral("roles"), QJsonArray{QStringLiteral("publisher")}}}),
                                   QStringLiteral("/broadcast/news"));
    auto editor = openWithToken(port, good(Hs256, {{QStringLiteral("roles"), QStringLiteral("editor other")}}),
                                QStringLiteral("/broadcast/news"));
    QVERIFY(publisher && editor);
    QSignalSpy editorGot(editor.get(), &QWebSocket::textMessageReceived);
    editor->sendTextMessage(QStringLiteral("from the editor"));
    QVERIFY(editorGot.wait(5000));
    QSignalSpy publisherGone(publisher.get(), &QWebSocket::disconnected);
    publisher->sendTextMessage(QStringLiteral("no longer"));
    QVERIFY(publisherGone.wait(5000));
    QCOMPARE(publisher->closeReason(), QStringLiteral("publishing needs the role editor"));
}

QTEST_GUILESS_MAIN(tst_Tokens)
#include "tst_tokens.moc"
