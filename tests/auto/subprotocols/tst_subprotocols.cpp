// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Subprotocol negotiation (RFC 6455 1.9, 4.1, 4.2.2): plugins declare what they speak
// ("Subprotocols" in their metadata); the host answers with the first the client
// offered that the route speaks, and refuses with 400 a client that offered only
// others. Raw sockets for the exact bytes; Qt, python websockets, node ws and
// Chromium for what real clients make of it.

#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QWebSocketHandshakeOptions>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_Subprotocols : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void negotiatesOverRawHttp_data();
    void negotiatesOverRawHttp();
    void canUpgradeWithoutOne();
    void qtClientGetsTheOneItAskedFor();
    void pythonWebsockets();
    void nodeWsAndChromium();
};

void tst_Subprotocols::negotiatesOverRawHttp_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("headers");       // the client's Sec-WebSocket-Protocol lines
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("answered");      // the 101's Sec-WebSocket-Protocol, or the 400's reason

    QTest::addRow("the one the route speaks") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: wsplug.chat.v1\r\n") << 101 << QByteArray("wsplug.chat.v1");
    QTest::addRow("the first the route speaks, in the client's order") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: other, wsplug.chat.v1, more\r\n") << 101 << QByteArray("wsplug.chat.v1");
    QTest::addRow("over two header lines") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: other\r\nsec-websocket-protocol: wsplug.chat.v1\r\n") << 101
        << QByteArray("wsplug.chat.v1");
    QTest::addRow("another plugin's route") << QStringLiteral("/broadcast/news")
        << QByteArray("Sec-WebSocket-Protocol: wsplug.chat.v1, wsplug.broadcast.v1\r\n") << 101
        << QByteArray("wsplug.broadcast.v1");
    QTest::addRow("none asked, none answered") << QStringLiteral("/chat") << QByteArray() << 101 << QByteArray();
    QTest::addRow("only others: refused, naming what the route speaks") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: graphql-ws, mqtt\r\n") << 400
        << QByteArray("/chat speaks wsplug.chat.v1; the client offered graphql-ws, mqtt");
    QTest::addRow("another plugin's subprotocol") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: wsplug.broadcast.v1\r\n") << 400
        << QByteArray("/chat speaks wsplug.chat.v1; the client offered wsplug.broadcast.v1");
    QTest::addRow("a route that speaks none") << QStringLiteral("/echo")
        << QByteArray("Sec-WebSocket-Protocol: wsplug.chat.v1\r\n") << 400
        << QByteArray("/echo speaks no subprotocol; the client offered wsplug.chat.v1");
    QTest::addRow("not a token") << QStringLiteral("/chat")
        << QByteArray("Sec-WebSocket-Protocol: wsplug.chat.v1, a/b\r\n") << 400 << QByteArray("not a token");
}

void tst_Subprotocols::negotiatesOverRawHttp()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QFETCH(QByteArray, answered);
    auto host = startedHost();
    QVERIFY(host);
    QSignalSpy opened(host.get(), &HostServer::sessionOpened);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(handshakeRequest(path, headers));
    QByteArray response;
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), status);
    if (status == 101) {
        const QByteArray line = "\r\nSec-WebSocket-Protocol: " + answered + "\r\n";
        if (answered.isEmpty())
            QVERIFY2(!head.contains("Sec-WebSocket-Protocol"), head.constData());
        else
            QVERIFY2(head.contains(line), head.constData());
        QTRY_COMPARE(opened.size(), 1);
        QCOMPARE(opened.first().first().value<SessionSnapshot>().subprotocol, QString::fromLatin1(answered));
        // The log keeps the request as the client sent it, and the answer as sent.
        const HandshakeRecord record = host->handshakeLog().constLast();
        QVERIFY(record.request.contains(headers));
        QCOMPARE(record.response, head);
    } else {
        QVERIFY(waitForDisconnect(socket, 5000, &response));
        response.prepend(head);
        QVERIFY2(response.contains(answered), response.constData());
        QVERIFY2(host->handshakeLog().constLast().reason.contains(QString::fromLatin1(answered)),
                 qPrintable(host->handshakeLog().constLast().reason));
        QCOMPARE(opened.size(), 0);
    }
}

void tst_Subprotocols::canUpgradeWithoutOne()
{
    HostConfig config = testConfig();
    config.upgradeWithoutSubprotocol = true;
    auto host = startedHost(config);
    QVERIFY(host);
    QTcpSocket socket;
    QVERIFY(connectRaw(socket, host->serverPort()));
    socket.write(handshakeRequest(QStringLiteral("/chat"), "Sec-WebSocket-Protocol: graphql-ws\r\n"));
    const QByteArray head = readResponseHead(socket);
    QCOMPARE(statusCode(head), 101);
    QVERIFY2(!head.contains("Sec-WebSocket-Protocol"), head.constData());
}

void tst_Subprotocols::qtClientGetsTheOneItAskedFor()
{
    auto host = startedHost();
    QVERIFY(host);
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("nope"), QStringLiteral("wsplug.chat.v1")});
    client.open(QNetworkRequest(wsUrl(host->serverPort(), QStringLiteral("/chat"))), options);
    QTRY_COMPARE(connected.size(), 1);
    QCOMPARE(client.subprotocol(), QStringLiteral("wsplug.chat.v1"));
    QTRY_COMPARE(host->sessions().size(), 1);
    QCOMPARE(host->sessions().first().subprotocol, QStringLiteral("wsplug.chat.v1"));
}

void tst_Subprotocols::pythonWebsockets()
{
    WSPLUG_REQUIRE_PEERS(missingPythonWebsockets());
    const QString python = QLatin1String(DebianPython);
    auto host = startedHost();
    QVERIFY(host);
    const QString script = QStringLiteral(R"(
import asyncio, sys, websockets
async def main(port):
    for path, offered in [('/chat', ['x', 'wsplug.chat.v1']), ('/broadcast/t', ['wsplug.broadcast.v1']), ('/chat', ['x'])]:
        try:
            async with websockets.connect(f'ws://127.0.0.1:{port}{path}', subprotocols=offered) as ws:
                print(path, '->', ws.subprotocol)
        except Exception as e:
            print(path, '-> refused', getattr(getattr(e, 'response', None), 'status_code', None) or getattr(e, 'status_code', e))
asyncio.run(main(sys.argv[1]))
)");
    const QByteArray out = runProgram(python, {QStringLiteral("-c"), script, QString::number(host->serverPort())});
    QVERIFY2(out.contains("/chat -> wsplug.chat.v1\n"), out.constData());
    QVERIFY2(out.contains("/broadcast/t -> wsplug.broadcast.v1\n"), out.constData());
    QVERIFY2(out.contains("/chat -> refused 400\n"), out.constData());
}

void tst_Subprotocols::nodeWsAndChromium()
{
    const QString dir = QStringLiteral(WSPLUG_BROWSER_TESTS_DIR);
    WSPLUG_REQUIRE_PEERS(missingBrowserPeers(dir));
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    auto host = startedHost();
    QVERIFY(host);
    const QByteArray out = runProgram(node, {QStringLiteral("subprotocols.mjs"), QString::number(host->serverPort())}, dir);
    for (const char *client : {"node", "chromium"}) {
        const QByteArray c(client);
        // node sees the 400; a browser only learns that the connection failed (1006).
        const QByteArray refused = c == "node" ? "refused 400" : "refused 1006";
        for (const QByteArray &line : QList<QByteArray>{c + " /chat [x.unknown,wsplug.chat.v1] -> wsplug.chat.v1\n",
                                       c + " /chat [] -> none\n",
                                       c + " /broadcast/news [wsplug.broadcast.v1] -> wsplug.broadcast.v1\n",
                                       c + " /chat [x.unknown] -> " + refused + "\n",
                                       c + " /echo [x.unknown] -> " + refused + "\n"}) {
            QVERIFY2(out.contains(line), qPrintable(QString::fromUtf8(line + "not in:\n" + out)));
        }
    }
}

QTEST_GUILESS_MAIN(tst_Subprotocols)
#include "tst_subprotocols.moc"
