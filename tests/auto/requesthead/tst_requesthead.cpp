// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Unit tests for the I/O-free parts of the handshake path: request head parsing,
// the handshake checks and route matching.

#include "requesthead_p.h"
#include "routetable_p.h"

#include <QTest>

using namespace WsPlug::Internal;

class tst_RequestHead : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsEndOfHead();
    void parsesValidHandshake();
    void rejectsMalformedHeads_data();
    void rejectsMalformedHeads();
    void checksHandshakeFields_data();
    void checksHandshakeFields();
    void refusalResponseIsWellFormed();
    void readsHttp10ForPlainRequestsOnly();
    void routesExactAndPrefix();
    void refusesClaimedOrMalformedRoutes_data();
    void refusesClaimedOrMalformedRoutes();
};

// Every byte of a string literal but its terminating NUL, including NULs inside it.
template<qsizetype N>
static QByteArray bytes(const char (&literal)[N])
{
    return QByteArray(literal, N - 1);
}

static QByteArray validHead()
{
    return "GET /chat?room=a%20b HTTP/1.1\r\n"
           "Host: example.com:8765\r\n"
           "upgrade: WebSocket\r\n"
           "Connection: keep-alive, Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "\r\n";
}

void tst_RequestHead::findsEndOfHead()
{
    QCOMPARE(RequestHead::headLength("GET / HTTP/1.1\r\nHost: x\r\n"), -1);
    const QByteArray head = validHead();
    QCOMPARE(RequestHead::headLength(head + "\x81\x05hello"), head.size());
}

void tst_RequestHead::parsesValidHandshake()
{
    RequestHead head;
    QByteArray why;
    QVERIFY2(head.parse(validHead(), &why), why.constData());
    QCOMPARE(head.method(), QByteArray("GET"));
    QCOMPARE(head.path(), QByteArray("/chat"));
    QCOMPARE(head.query(), QByteArray("room=a%20b"));
    QCOMPARE(head.header("HOST"), QByteArray("example.com:8765"));
    QVERIFY(head.headerHasToken("connection", "upgrade"));   // token in a list, any case
    QVERIFY(head.isWebSocketUpgrade());
    QCOMPARE(head.checkWebSocketHandshake(&why), 0);
    QCOMPARE(head.headers().size(), 5);
}

void tst_RequestHead::rejectsMalformedHeads_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("no final empty line") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n")
                                         << QByteArray("request head does not end with an empty line");
    QTest::addRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: x\n\r\n\r\n")
                             << QByteArray("request line or header not ended by CRLF");
    QTest::addRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\nHost: x\r\n\r\n")
                                << QByteArray("malformed request line");
    QTest::addRow("no version") << QByteArray("GET /\r\nHost: x\r\n\r\n")
                                << QByteArray("malformed request line");
    QTest::addRow("HTTP/0.9") << QByteArray("GET / HTTP/0.9\r\nHost: x\r\n\r\n")
                              << QByteArray("not an HTTP/1.1 or HTTP/1.0 request");
    QTest::addRow("HTTP/2") << QByteArray("GET / HTTP/2\r\nHost: x\r\n\r\n")
                            << QByteArray("not an HTTP/1.1 or HTTP/1.0 request");
    QTest::addRow("absolute-form target") << QByteArray("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n")
                                          << QByteArray("request target must be an absolute path");
    QTest::addRow("fragment") << QByteArray("GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n")
                              << QByteArray("request target must not have a fragment");
    QTest::addRow("control char in target") << QByteArray("GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n")
                                            << QByteArray("request target must be an absolute path");
    QTest::addRow("method with slash") << QByteArray("G/T / HTTP/1.1\r\nHost: x\r\n\r\n")
                                       << QByteArray("malformed method");
    QTest::addRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n")
                                          << QByteArray("malformed header line");
    QTest::addRow("empty header name") << QByteArray("GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n")
                                       << QByteArray("malformed header line");
    QTest::addRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n")
                                        << QByteArray("malformed header name");
    QTest::addRow("folded header") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n  more\r\n\r\n")
                                   << QByteArray("obsolete header line folding");
    // The literal holds a NUL, so its length must come from the array, not from strlen().
    QTest::addRow("NUL in value") << bytes("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n")
                                  << QByteArray("control character in header value");
    QTest::addRow("no Host") << QByteArray("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")
                             << QByteArray("missing Host header");
    QByteArray many = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < RequestHead::MaxHeaders; ++i)
        many += "X-" + QByteArray::number(i) + ": y\r\n";
    QTest::addRow("too many headers") << many + "\r\n" << QByteArray("too many headers");
    QTest::addRow("empty") << QByteArray("\r\n\r\n") << QByteArray("malformed request line");
}

void tst_RequestHead::rejectsMalformedHeads()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, reason);
    RequestHead parsed;
    QByteArray why;
    QVERIFY(!parsed.parse(head, &why));
    QCOMPARE(why, reason);
}

void tst_RequestHead::checksHandshakeFields_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<int>("status");
    const QByteArray good = validHead();
    QTest::addRow("valid") << good << 0;
    QTest::addRow("POST") << QByteArray(good).replace("GET ", "POST ") << 405;
    QTest::addRow("HTTP/1.0") << QByteArray(good).replace("HTTP/1.1", "HTTP/1.0") << 400;
    QTest::addRow("no Upgrade") << QByteArray(good).replace("upgrade: WebSocket\r\n", "") << 400;
    QTest::addRow("Upgrade: h2c") << QByteArray(good).replace("WebSocket", "h2c") << 400;
    QTest::addRow("no Connection upgrade") << QByteArray(good).replace("keep-alive, Upgrade", "keep-alive") << 400;
    QTest::addRow("no key") << QByteArray(good).replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "") << 400;
    QTest::addRow("key not base64") << QByteArray(good).replace("dGhlIHNhbXBsZSBub25jZQ==", "!!!!!!!!!!!!!!!!!!!!!!==") << 400;
    QTest::addRow("key 15 bytes") << QByteArray(good).replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ") << 400;
    QTest::addRow("version 8") << QByteArray(good).replace("Version: 13", "Version: 8") << 426;
    QTest::addRow("no version") << QByteArray(good).replace("Sec-WebSocket-Version: 13\r\n", "") << 426;
}

void tst_RequestHead::checksHandshakeFields()
{
    QFETCH(QByteArray, head);
    QFETCH(int, status);
    RequestHead parsed;
    QByteArray why;
    QVERIFY2(parsed.parse(head, &why), why.constData());
    QCOMPARE(parsed.checkWebSocketHandshake(&why), status);
    if (status)
        QVERIFY(!why.isEmpty());
}

void tst_RequestHead::refusalResponseIsWellFormed()
{
    const QByteArray r = refusalResponse(426, "use version 13");
    QVERIFY(r.startsWith("HTTP/1.1 426 Upgrade Required\r\n"));
    QVERIFY(r.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    QVERIFY(r.contains("\r\nConnection: close\r\n"));
    const qsizetype bodyStart = r.indexOf("\r\n\r\n") + 4;
    QCOMPARE(r.mid(bodyStart), QByteArray("use version 13\n"));
    QVERIFY(r.contains(QByteArray("Content-Length: " + QByteArray::number(r.size() - bodyStart) + "\r\n")));
    QVERIFY(refusalResponse(503, "full").contains("Retry-After: "));
}

void tst_RequestHead::routesExactAndPrefix()
{
    RouteTable routes;
    QString why;
    QVERIFY(routes.add(QStringLiteral("/echo"), QStringLiteral("echo"), &why));
    QVERIFY(routes.add(QStringLiteral("/broadcast"), QStringLiteral("broadcast"), &why));
    QVERIFY(routes.add(QStringLiteral("/broadcast/*"), QStringLiteral("broadcast"), &why));
    QVERIFY(routes.add(QStringLiteral("/broadcast/special/*"), QStringLiteral("special"), &why));
    QVERIFY(routes.add(QStringLiteral("/broadcast/exact"), QStringLiteral("exact"), &why));

    QCOMPARE(routes.match(QStringLiteral("/echo")).pluginId, QStringLiteral("echo"));
    QVERIFY(!routes.match(QStringLiteral("/echo/")).isValid());
    QVERIFY(!routes.match(QStringLiteral("/echoes")).isValid());
    QVERIFY(!routes.match(QStringLiteral("/ECHO")).isValid());
    QCOMPARE(routes.match(QStringLiteral("/broadcast")).pluginId, QStringLiteral("broadcast"));
    QCOMPARE(routes.match(QStringLiteral("/broadcast/")).route, QStringLiteral("/broadcast/*"));
    QCOMPARE(routes.match(QStringLiteral("/broadcast/prices")).pluginId, QStringLiteral("broadcast"));
    QCOMPARE(routes.match(QStringLiteral("/broadcast/special/x")).pluginId, QStringLiteral("special"));   // longest prefix
    QCOMPARE(routes.match(QStringLiteral("/broadcast/exact")).pluginId, QStringLiteral("exact"));         // exact beats prefix
    QVERIFY(!routes.match(QStringLiteral("/broadcasting")).isValid());
    QVERIFY(!routes.match(QString()).isValid());

    routes.removePlugin(QStringLiteral("broadcast"));
    QVERIFY(!routes.match(QStringLiteral("/broadcast/prices")).isValid());
    QCOMPARE(routes.match(QStringLiteral("/broadcast/special/x")).pluginId, QStringLiteral("special"));
}

void tst_RequestHead::refusesClaimedOrMalformedRoutes_data()
{
    QTest::addColumn<QString>("route");
    QTest::addColumn<QString>("error");
    QTest::addRow("claimed exact") << QStringLiteral("/echo") << QStringLiteral("already served by plugin \"echo\"");
    QTest::addRow("claimed prefix") << QStringLiteral("/b/*") << QStringLiteral("already served by plugin \"b\"");
    QTest::addRow("relative") << QStringLiteral("echo") << QStringLiteral("start with");
    QTest::addRow("query") << QStringLiteral("/a?b") << QStringLiteral("printable");
    QTest::addRow("space") << QStringLiteral("/a b") << QStringLiteral("printable");
    QTest::addRow("non-ASCII") << QStringLiteral("/café") << QStringLiteral("printable");
    QTest::addRow("star middle") << QStringLiteral("/a/*/b") << QStringLiteral("'*'");
    QTest::addRow("star without slash") << QStringLiteral("/a*") << QStringLiteral("'*'");
    QTest::addRow("catch-all") << QStringLiteral("/*") << QStringLiteral("swallow");
    QTest::addRow("reserved") << QStringLiteral("/_metrics") << QStringLiteral("reserved");
    QTest::addRow("too long") << QStringLiteral("/") + QString(300, QLatin1Char('a')) << QStringLiteral("256");
}

void tst_RequestHead::refusesClaimedOrMalformedRoutes()
{
    QFETCH(QString, route);
    QFETCH(QString, error);
    RouteTable routes;
    QVERIFY(routes.add(QStringLiteral("/echo"), QStringLiteral("echo"), nullptr));
    QVERIFY(routes.add(QStringLiteral("/b/*"), QStringLiteral("b"), nullptr));
    QString why;
    QVERIFY(!routes.add(route, QStringLiteral("newcomer"), &why));
    QVERIFY2(why.contains(error), qPrintable(why));
}

// HTTP/1.0 is read (health checkers speak it) and needs no Host header, but an
// upgrade over it is refused: RFC 6455 4.1 asks for HTTP/1.1 or higher.
void tst_RequestHead::readsHttp10ForPlainRequestsOnly()
{
    RequestHead head;
    QByteArray why;
    QVERIFY2(head.parse("GET /healthz HTTP/1.0\r\n\r\n", &why), why.constData());
    QVERIFY(head.isHttp10());
    QCOMPARE(head.path(), QByteArray("/healthz"));

    RequestHead upgrade;
    QVERIFY(upgrade.parse("GET /echo HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", &why));
    QCOMPARE(upgrade.checkWebSocketHandshake(&why), 400);
    QCOMPARE(why, QByteArray("a WebSocket upgrade needs HTTP/1.1"));

    RequestHead http11;
    QVERIFY(!http11.parse("GET /healthz HTTP/1.1\r\n\r\n", &why));
    QCOMPARE(why, QByteArray("missing Host header"));
}

QTEST_GUILESS_MAIN(tst_RequestHead)
#include "tst_requesthead.moc"
