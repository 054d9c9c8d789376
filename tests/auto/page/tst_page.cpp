// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The client page a host serves at GET / (resources/page/index.html), over raw HTTP
// and driven in headless Chromium (tests/browser/page.mjs, playwright-core).

#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_Page : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void servesThePage_data();
    void servesThePage();
    void canBeTurnedOff();
    void worksInChromium();
};

void tst_Page::servesThePage_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<bool>("body");
    QTest::addRow("GET /") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << true;
    QTest::addRow("GET /?connect=/echo") << QByteArray("GET /?connect=/echo HTTP/1.1\r\nHost: x\r\n\r\n") << true;
    QTest::addRow("HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << true;
    QTest::addRow("HEAD /") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n") << false;
}

void tst_Page::servesThePage()
{
    QFETCH(QByteArray, request);
    QFETCH(bool, body);
    auto host = startedHost();
    QVERIFY(host);
    QTcpSocket http;
    QVERIFY(connectRaw(http, host->serverPort()));
    http.write(request);
    QByteArray response;
    QVERIFY(waitForDisconnect(http, 5000, &response));
    QCOMPARE(statusCode(response), 200);
    const qsizetype end = response.indexOf("\r\n\r\n");
    const QByteArray head = response.left(end + 2);
    const QByteArray content = response.mid(end + 4);
    QVERIFY2(head.contains("\r\nContent-Type: text/html; charset=utf-8\r\n"), head.constData());
    // No external scripts, and the page may only talk WebSocket, and HTTP to this host
    // (its Engine.IO polling switch).
    QVERIFY2(head.contains("\r\nContent-Security-Policy: default-src 'none';"), head.constData());
    QVERIFY2(head.contains("connect-src ws: wss: 'self';"), head.constData());
    QVERIFY(head.contains("\r\nX-Content-Type-Options: nosniff\r\n"));
    if (!body) {
        QVERIFY(content.isEmpty());
        QVERIFY(!head.contains("Content-Length: 0\r\n"));
        return;
    }
    QVERIFY2(head.contains(QByteArray("\r\nContent-Length: ").append(QByteArray::number(content.size())).append("\r\n")), head.constData());
    QVERIFY(content.startsWith("<!DOCTYPE html>"));
    QVERIFY(content.contains("<title>wsplug"));
    QVERIFY2(!content.contains("<script src") && !content.contains("http://") && !content.contains("https://"),
             "the page must work offline: nothing from elsewhere");
    // Not an upgrade attempt: not in the handshake log.
    QVERIFY(host->handshakeLog().isEmpty());
}

void tst_Page::canBeTurnedOff()
{
    HostConfig config = testConfig();
    config.pageEnabled = false;
    auto host = startedHost(config);
    QVERIFY(host);
    QCOMPARE(statusCode(rawRequest(host->serverPort(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")), 404);
    // The other endpoints are not affected.
    QCOMPARE(statusCode(rawRequest(host->serverPort(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")), 200);
}

// The whole page in a real browser: the link connects, text and binary go out and
// come back, the close code and reason are shown, another route, a refused route.
void tst_Page::worksInChromium()
{
    const QString dir = QStringLiteral(WSPLUG_BROWSER_TESTS_DIR);
    WSPLUG_REQUIRE_PEERS(missingBrowserPeers(dir));
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    auto host = startedHost();
    QVERIFY(host);
    QProcess browser;
    browser.setWorkingDirectory(dir);
    browser.setProcessChannelMode(QProcess::MergedChannels);
    browser.start(node, {QStringLiteral("page.mjs"), QString::number(host->serverPort())});
    QVERIFY(browser.waitForStarted(10000));
    // The host runs on this thread: keep its event loop turning while the browser works.
    QTRY_VERIFY_WITH_TIMEOUT(browser.state() == QProcess::NotRunning, 120000);
    const QByteArray output = browser.readAll();
    QVERIFY2(browser.exitStatus() == QProcess::NormalExit && browser.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("every step passed"), output.constData());
}

QTEST_GUILESS_MAIN(tst_Page)
#include "tst_page.moc"
