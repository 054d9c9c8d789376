// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// TLS on the host's port (--tls-cert, --tls-key): wss:// and https with real clients
// (QWebSocket, Debian's python3-websockets, openssl s_client, headless Chromium), the
// refusals (plain text, a silent client, TLS 1.1) and certificate reloads with a session
// open. The certificates are made at test time by openssl on the command line.
#include "testcertificates.h"
#include "testsupport.h"
#include "tsharksupport.h"

#include <wsplug/hostserver.h>

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

// Echoes one message over wss:// with Python's own TLS (OpenSSL through ssl), trusting
// only the CA: argv = url, CA file. Prints what came back.
constexpr const char *PythonClient = R"(
import asyncio, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx) as ws:
        await ws.send("hello from python")
        print(await ws.recv())
asyncio.run(main())
)";

// The same with permessage-deflate (which websockets offers by default): a compressible
// 16 KiB JSON echo through TLS. Prints the negotiated extension and whether it came back.
constexpr const char *PythonDeflateClient = R"(
import asyncio, json, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx) as ws:
        doc = json.dumps([{'id': i, 'name': 'sensor', 'value': i % 97} for i in range(400)])
        await ws.send(doc)
        print(ws.response_headers.get('Sec-WebSocket-Extensions'), await ws.recv() == doc)
asyncio.run(main())
)";

QByteArray serialOf(const QString &certFile)
{
    const QList<QSslCertificate> certs = QSslCertificate::fromPath(certFile);
    return certs.isEmpty() ? QByteArray() : certs.first().serialNumber();
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refusesCertificateWithoutKey();
    void refusesKeyOfAnotherCertificate();
    void echoesOverWss();
    void servesHttpsEndpoints();
    void answersPlainTextHttpWith400();
    void dropsClientThatNeverStartsTls();
    void refusesTls11();
    void keepsAcceptingAfterFailedHandshakes();
    void pythonWebsocketsOverWss();
    void deflateOverWss();
    void chromiumOverWss();
    void reloadsChangedFilesWithSessionOpen();
    void badNewCertificateKeepsTheOld();
    void programRefusesHalfTheFlags();
    void programReloadsOnSighup();
    void captureRecordsPlaintext();

private:
    HostConfig tlsConfig() const;
    //! A QWebSocket over wss:// to \a port that trusts the test CA, or nullptr.
    std::unique_ptr<QWebSocket> openWss(quint16 port, const QString &path = QStringLiteral("/echo"));
    //! The serial of the certificate a new TLS connection to \a port is shown.
    QByteArray servedSerial(quint16 port);
    //! GET \a path over https; the whole response.
    QByteArray httpsGet(quint16 port, const QByteArray &path);
    //! Runs Debian's python3 with \a script against wss://localhost:\a port/echo (trusting
    //! the test CA): what it printed, trimmed, with "exit code N" when it failed.
    QByteArray runPythonClient(const char *script, quint16 port);

    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void tst_Tls::initTestCase()
{
    if (const QString missing = TestCertificates::missing(); !missing.isEmpty()) {
        if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
            QFAIL(qPrintable(missing + QStringLiteral(" missing")));
        QSKIP(qPrintable(missing + QStringLiteral(" missing (tests/run-all.sh installs it)")));
    }
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    const QString error = m_certs->makeServer(QStringLiteral("server"), QStringLiteral("1001"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(m_certs->makeServer(QStringLiteral("other"), QStringLiteral("3003")).isEmpty());
}

HostConfig tst_Tls::tlsConfig() const
{
    HostConfig c = testConfig();
    c.tlsCertFile = m_certs->certFile(QStringLiteral("server"));
    c.tlsKeyFile = m_certs->keyFile(QStringLiteral("server"));
    c.pluginSettleMs = 100;
    return c;
}

std::unique_ptr<QWebSocket> tst_Tls::openWss(quint16 port, const QString &path)
{
    auto ws = std::make_unique<QWebSocket>();
    ws->setSslConfiguration(m_certs->clientConfiguration());
    QSignalSpy connected(ws.get(), &QWebSocket::connected);
    QList<QSslError> errors;
    connect(ws.get(), &QWebSocket::sslErrors, ws.get(), [&errors](const QList<QSslError> &e) { errors += e; });
    ws->open(QUrl(QStringLiteral("wss://localhost:%1%2").arg(port).arg(path)));
    if (!connected.wait(10000)) {
        qWarning() << "wss connect failed:" << ws->errorString() << errors;
        return nullptr;
    }
    return ws;
}

QByteArray tst_Tls::servedSerial(quint16 port)
{
    // The host runs on this thread: wait by turning the event loop, never blocking.
    QSslSocket s;
    s.setSslConfiguration(m_certs->clientConfiguration());
    QSignalSpy encrypted(&s, &QSslSocket::encrypted);
    s.connectToHostEncrypted(QStringLiteral("localhost"), port);
    if (!encrypted.wait(10000))
        return "not encrypted: " + s.errorString().toUtf8();
    const QByteArray serial = s.peerCertificate().serialNumber();
    s.abort();
    return serial;
}

QByteArray tst_Tls::httpsGet(quint16 port, const QByteArray &path)
{
    QSslSocket s;
    s.setSslConfiguration(m_certs->clientConfiguration());
    QSignalSpy encrypted(&s, &QSslSocket::encrypted);
    s.connectToHostEncrypted(QStringLiteral("localhost"), port);
    if (!encrypted.wait(10000))
        return "not encrypted: " + s.errorString().toUtf8();
    s.write("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QByteArray response;
    // The host closes after its answer.
    QSignalSpy disconnected(&s, &QAbstractSocket::disconnected);
    connect(&s, &QIODevice::readyRead, &s, [&] { response += s.readAll(); });
    disconnected.wait(10000);
    return response + s.readAll();
}

void tst_Tls::refusesCertificateWithoutKey()
{
    HostConfig c = testConfig();
    c.tlsCertFile = m_certs->certFile(QStringLiteral("server"));
    QString error;
    QVERIFY(!c.validate(&error));
    QVERIFY2(error.contains(QLatin1String("--tls-key")), qPrintable(error));
    c.tlsCertFile.clear();
    c.tlsKeyFile = m_certs->keyFile(QStringLiteral("server"));
    QVERIFY(!c.validate(&error));
}

void tst_Tls::refusesKeyOfAnotherCertificate()
{
    HostConfig c = tlsConfig();
    c.tlsKeyFile = m_certs->keyFile(QStringLiteral("other"));
    HostServer host;
    host.setConfig(c);
    QVERIFY(!host.start());
    QVERIFY2(host.errorString().contains(QLatin1String("does not belong")), qPrintable(host.errorString()));
    c.tlsCertFile = m_dir.filePath(QStringLiteral("missing.pem"));
    host.setConfig(c);
    QVERIFY(!host.start());
    QVERIFY2(host.errorString().contains(QLatin1String("missing.pem")), qPrintable(host.errorString()));
}

void tst_Tls::echoesOverWss()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    QVERIFY(host->isTls());
    QCOMPARE(host->adminUrl().scheme(), QStringLiteral("wss"));
    auto ws = openWss(host->serverPort());
    QVERIFY(ws);
    QCOMPARE(ws->sslConfiguration().peerCertificate().serialNumber(), serialOf(m_certs->certFile(QStringLiteral("server"))));
    QVERIFY(ws->sslConfiguration().sessionProtocol() >= QSsl::TlsV1_2);
    QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
    QSignalSpy binary(ws.get(), &QWebSocket::binaryMessageReceived);
    for (int i = 0; i < 10; ++i)
        ws->sendTextMessage(QStringLiteral("hello %1").arg(i));
    // Larger than a TLS record (16 KiB): several records each way.
    const QByteArray big(200000, 'x');
    ws->sendBinaryMessage(big);
    QTRY_COMPARE_WITH_TIMEOUT(text.size(), 10, 10000);
    QCOMPARE(text.at(9).at(0).toString(), QStringLiteral("hello 9"));
    QTRY_COMPARE_WITH_TIMEOUT(binary.size(), 1, 10000);
    QCOMPARE(binary.at(0).at(0).toByteArray(), big);
    QCOMPARE(host->sessionCount(), 1);
    // A graceful close over TLS: the host sees the client's 1000.
    QSignalSpy closed(host.get(), &HostServer::sessionClosed);
    ws->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
    QCOMPARE(closed.at(0).at(0).value<SessionSnapshot>().closeCode, 1000);

    // The host closes one: the close frame gets through the TLS session's end
    // (close_notify after the queued bytes) and the client's answer is seen.
    auto other = openWss(host->serverPort());
    QVERIFY(other);
    QSignalSpy otherClosed(other.get(), &QWebSocket::disconnected);
    QTRY_COMPARE(host->sessionCount(), 1);
    QVERIFY(host->closeSession(host->sessions().constFirst().id, 4000, QStringLiteral("from the host")));
    QVERIFY(otherClosed.wait(10000));
    QCOMPARE(int(other->closeCode()), 4000);
    QCOMPARE(other->closeReason(), QStringLiteral("from the host"));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 2, 10000);
    QCOMPARE(host->stats().tlsHandshakeFailures, quint64(0));
}

void tst_Tls::servesHttpsEndpoints()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    const QByteArray health = httpsGet(host->serverPort(), "/healthz");
    QVERIFY2(health.startsWith("HTTP/1.1 200"), health.constData());
    const QByteArray metrics = httpsGet(host->serverPort(), "/metrics");
    QVERIFY2(metrics.contains("wsplug_tls_handshake_failures_total 0"), metrics.constData());
    const QByteArray page = httpsGet(host->serverPort(), "/");
    QVERIFY2(page.startsWith("HTTP/1.1 200") && page.contains("<html"), page.left(200).constData());
}

void tst_Tls::answersPlainTextHttpWith400()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    QElapsedTimer t;
    t.start();
    QTcpSocket s;
    QVERIFY(connectRaw(s, host->serverPort()));
    s.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QByteArray received;
    QVERIFY(waitForDisconnect(s, 5000, &received));
    QVERIFY2(received.startsWith("HTTP/1.1 400 Bad Request\r\n"), received.constData());
    QVERIFY2(received.contains("this port speaks TLS"), received.constData());
    // At once, not after a timeout.
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QTRY_COMPARE(host->stats().tlsHandshakeFailures, quint64(1));
    // And a plain WebSocket client: the same answer.
    QTcpSocket ws;
    QVERIFY(connectRaw(ws, host->serverPort()));
    ws.write(handshakeRequest(QStringLiteral("/echo")));
    received.clear();
    QVERIFY(waitForDisconnect(ws, 5000, &received));
    QCOMPARE(statusCode(received), 400);
    QTRY_COMPARE(host->stats().tlsHandshakeFailures, quint64(2));
}

void tst_Tls::dropsClientThatNeverStartsTls()
{
    HostConfig c = tlsConfig();
    c.handshakeTimeoutMs = 300;
    auto host = startedHost(c);
    QVERIFY(host);
    const int fdsBefore = openFdCount();
    QElapsedTimer t;
    t.start();
    QTcpSocket silent;
    QVERIFY(connectRaw(silent, host->serverPort()));
    QVERIFY(waitForDisconnect(silent, 5000));
    QVERIFY2(t.elapsed() >= 250 && t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    // One that starts a ClientHello and stops half way: QSslServer's handshake timeout.
    QTcpSocket stalled;
    QVERIFY(connectRaw(stalled, host->serverPort()));
    stalled.write(QByteArray::fromHex("160301"));
    QVERIFY(waitForDisconnect(stalled, 5000));
    QTRY_COMPARE(host->stats().tlsHandshakeFailures, quint64(2));
    QTRY_COMPARE(openFdCount(), fdsBefore);
}

void tst_Tls::refusesTls11()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    QProcess client;
    client.setProcessChannelMode(QProcess::MergedChannels);
    client.start(QStringLiteral("openssl"), {QStringLiteral("s_client"), QStringLiteral("-connect"),
                                             QStringLiteral("127.0.0.1:%1").arg(host->serverPort()),
                                             QStringLiteral("-tls1_1"), QStringLiteral("-cipher"), QStringLiteral("DEFAULT@SECLEVEL=0")});
    QVERIFY(client.waitForStarted());
    client.closeWriteChannel();
    QTRY_VERIFY_WITH_TIMEOUT(client.state() == QProcess::NotRunning, 20000);
    const QByteArray out = client.readAll();
    // The host answered the TLS 1.1 ClientHello with a protocol_version alert (70).
    QVERIFY2(out.contains("alert protocol version") || out.contains("alert number 70"), out.constData());
    QTRY_COMPARE(host->stats().tlsHandshakeFailures, quint64(1));
    QCOMPARE(host->sessionCount(), 0);
}

void tst_Tls::keepsAcceptingAfterFailedHandshakes()
{
    // Two handshakes in flight reach the maximum: the listener pauses. They then fail
    // (a malformed ClientHello), and it must accept again, long before any timeout.
    HostConfig c = tlsConfig();
    c.maxConnections = 2;
    c.handshakeTimeoutMs = 30000;
    auto host = startedHost(c);
    QVERIFY(host);
    QTcpSocket bad[2];
    for (QTcpSocket &s : bad) {
        QVERIFY(connectRaw(s, host->serverPort()));
        s.write(QByteArray::fromHex("160301"));   // a TLS record begins, and stops
    }
    QTest::qWait(300);
    for (QTcpSocket &s : bad)
        s.write(QByteArray::fromHex("00050100000100"));   // a ClientHello of one byte
    for (QTcpSocket &s : bad)
        QVERIFY(waitForDisconnect(s, 5000));
    QTRY_COMPARE(host->stats().tlsHandshakeFailures, quint64(2));
    QElapsedTimer t;
    t.start();
    auto ws = openWss(host->serverPort());
    QVERIFY(ws);
    QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
}

QByteArray tst_Tls::runPythonClient(const char *script, quint16 port)
{
    return runProgram(QLatin1String(DebianPython),
                      {QStringLiteral("-c"), QLatin1String(script), QStringLiteral("wss://localhost:%1/echo").arg(port),
                       m_certs->caFile()}).trimmed();
}

void tst_Tls::pythonWebsocketsOverWss()
{
    WSPLUG_REQUIRE_PEERS(missingPythonWebsockets());
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    QCOMPARE(runPythonClient(PythonClient, host->serverPort()), QByteArray("hello from python"));
    QTRY_COMPARE(host->stats().closed, quint64(1));
}

void tst_Tls::deflateOverWss()
{
    WSPLUG_REQUIRE_PEERS(missingPythonWebsockets());
    HostConfig c = tlsConfig();
    c.deflate = {QStringLiteral("on")};
    auto host = startedHost(c);
    QVERIFY(host);
    QCOMPARE(runPythonClient(PythonDeflateClient, host->serverPort()),
             QByteArray("permessage-deflate; server_no_context_takeover; client_no_context_takeover True"));
}

void tst_Tls::chromiumOverWss()
{
    const QString dir = QStringLiteral(WSPLUG_BROWSER_TESTS_DIR);
    WSPLUG_REQUIRE_PEERS(missingBrowserPeers(dir));
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    // Chromium is told to accept exactly this key (SHA-256 of its SubjectPublicKeyInfo),
    // not to ignore certificate errors at large.
    const QSslCertificate cert = QSslCertificate::fromPath(m_certs->certFile(QStringLiteral("server"))).value(0);
    const QByteArray spki = QCryptographicHash::hash(cert.publicKey().toDer(), QCryptographicHash::Sha256).toBase64();
    QProcess browser;
    browser.setWorkingDirectory(dir);
    browser.setProcessChannelMode(QProcess::MergedChannels);
    browser.start(QStandardPaths::findExecutable(QStringLiteral("node")),
                  {QStringLiteral("tls.mjs"), QString::number(host->serverPort()), QString::fromLatin1(spki)});
    QVERIFY(browser.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(browser.state() == QProcess::NotRunning, 120000);
    const QByteArray output = browser.readAll();
    QVERIFY2(browser.exitCode() == 0 && output.contains("every step passed"), output.constData());
}

void tst_Tls::reloadsChangedFilesWithSessionOpen()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    const QByteArray oldSerial = serialOf(m_certs->certFile(QStringLiteral("server")));
    auto ws = openWss(host->serverPort());
    QVERIFY(ws);
    QCOMPARE(servedSerial(host->serverPort()), oldSerial);

    // A new pair, renamed into place over the old files: the watcher picks it up.
    QVERIFY(m_certs->makeServer(QStringLiteral("server"), QStringLiteral("2002")).isEmpty());
    const QByteArray newSerial = serialOf(m_certs->certFile(QStringLiteral("server")));
    QVERIFY(newSerial != oldSerial);
    QTRY_COMPARE_WITH_TIMEOUT(servedSerial(host->serverPort()), newSerial, 10000);

    // The session from before is still open and still served.
    QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("still here"));
    QTRY_COMPARE_WITH_TIMEOUT(text.size(), 1, 5000);
    QCOMPARE(ws->sslConfiguration().peerCertificate().serialNumber(), oldSerial);
    QCOMPARE(host->sessionCount(), 1);
    // The SIGHUP path (HostServer::reloadTlsCertificate()) reads the same files again.
    QVERIFY(host->reloadTlsCertificate());
    QCOMPARE(servedSerial(host->serverPort()), newSerial);
}

void tst_Tls::badNewCertificateKeepsTheOld()
{
    auto host = startedHost(tlsConfig());
    QVERIFY(host);
    const QByteArray serial = serialOf(m_certs->certFile(QStringLiteral("server")));
    auto ws = openWss(host->serverPort());
    QVERIFY(ws);
    {
        QFile cert(m_certs->certFile(QStringLiteral("server")));
        QVERIFY(cert.open(QIODevice::ReadOnly));
        const QByteArray good = cert.readAll();
        cert.close();
        QVERIFY(cert.open(QIODevice::WriteOnly | QIODevice::Truncate));
        cert.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        cert.close();
        QString why;
        QVERIFY(!host->reloadTlsCertificate(&why));
        QVERIFY2(why.contains(QLatin1String("no PEM certificate")), qPrintable(why));
        // The watcher's reload fails the same way; the old pair stays in use.
        QTest::qWait(400);
        QCOMPARE(servedSerial(host->serverPort()), serial);
        QVERIFY(cert.open(QIODevice::WriteOnly | QIODevice::Truncate));
        cert.write(good);
    }
    QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("unharmed"));
    QTRY_COMPARE_WITH_TIMEOUT(text.size(), 1, 5000);
}

void tst_Tls::programRefusesHalfTheFlags()
{
    QProcess p;
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--tls-cert"),
                                                  m_certs->certFile(QStringLiteral("server"))});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError().trimmed();
    QCOMPARE(err.count('\n'), 0);
    QVERIFY2(err.contains("--tls-key"), err.constData());
}

void tst_Tls::programReloadsOnSighup()
{
    // Its own files, and a settle time longer than the test: only SIGHUP reloads them.
    TestCertificates certs(m_dir.path());
    QVERIFY(certs.makeServer(QStringLiteral("hup"), QStringLiteral("6006")).isEmpty());
    QFile config(m_dir.filePath(QStringLiteral("hup.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("{\"pluginSettleMs\": 60000}");
    config.close();
    QProcess host;
    QByteArray out;
    const quint16 port = startHostProgram(host, QStringLiteral(WSPLUG_HOST_PROGRAM),
                                          {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--config"), config.fileName(),
                                           QStringLiteral("--plugin-dir"), QStringLiteral(WSPLUG_PLUGIN_DIR),
                                           QStringLiteral("--tls-cert"), certs.certFile(QStringLiteral("hup")),
                                           QStringLiteral("--tls-key"), certs.keyFile(QStringLiteral("hup"))},
                                          &out);
    QVERIFY2(port != 0, out.constData());
    QCOMPARE(servedSerial(port), QByteArray("60:06"));
    QVERIFY(certs.makeServer(QStringLiteral("hup"), QStringLiteral("7007")).isEmpty());
    QTest::qWait(300);
    QCOMPARE(servedSerial(port), QByteArray("60:06"));   // not reloaded by itself
    QVERIFY(::kill(pid_t(host.processId()), SIGHUP) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(servedSerial(port), QByteArray("70:07"), 10000);
    host.terminate();
    QVERIFY(host.waitForFinished(10000));
    QCOMPARE(host.exitCode(), 0);
}

// Issue 13: --capture records a wss:// session as plaintext that tshark dissects as
// WebSocket, as for ws:// (the frame inspector and the admin recording use the same taps).
void tst_Tls::captureRecordsPlaintext()
{
    REQUIRE_TSHARK();
    HostConfig config = tlsConfig();
    const QString file = m_dir.filePath(QStringLiteral("tls.pcapng"));
    config.captureFile = file;
    config.adminToken = QStringLiteral("tls-capture-token");
    auto host = startedHost(config);
    QVERIFY(host);
    auto ws = openWss(host->serverPort());
    QVERIFY(ws);
    QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
    ws->sendTextMessage(QStringLiteral("secret in transit"));
    QVERIFY(text.wait(5000));
    ws->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE(host->sessionCount(), 0);
    QSignalSpy stopped(host.get(), &HostServer::stopped);
    host->stop();
    QVERIFY(stopped.count() > 0 || stopped.wait(10000));
    QCOMPARE(webSocketFrames(file), (QStringList{frameRow(1, true, true, 17), frameRow(1, true, false, 17),
                                                 frameRow(8, true, true, 5), frameRow(8, true, false, 5)}));
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("websocket.opcode == 1 && websocket.mask == 1"),
                     QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("websocket.payload.text")}),
             QByteArray("secret in transit\n"));
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
