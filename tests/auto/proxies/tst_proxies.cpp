// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
//
// The host behind real nginx and haproxy (Debian packages), started on free loopback
// ports with the configurations of docs/deployment.md (short timeouts) and stopped by
// PID: echo through them, the client's own address seen through --trusted-proxy (and a
// spoofed X-Forwarded-For that changes nothing), an idle session kept past the proxy's
// idle timeout by the heartbeat (and closed without it), TLS terminated at the proxy,
// and TLS passed through to the host (haproxy in TCP mode).
#include "proxyconfigs.h"
#include "testcertificates.h"
#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

// The proxy's idle timeout, and the host's heartbeat well inside it.
constexpr int ProxyIdleMs = 1000;
constexpr int PingIntervalMs = 300;
// The address the test's client connects from: not the proxy's (127.0.0.1).
const QHostAddress ClientAddress(QStringLiteral("127.0.0.2"));

} // namespace

class tst_Proxies : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void throughProxy_data();
    void throughProxy();
    void limitsCountTheForwardedClient();

private:
    bool startProxy(const QString &kind);
    void stopProxy();
    //! A raw WebSocket from ClientAddress through \a port: echoes one message, and
    //! returns the address the host gave the session ("" if it failed).
    QString echoFromClientAddress(HostServer *host, quint16 port, const QByteArray &extraHeaders);

    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
    std::unique_ptr<HostServer> m_heartbeatHost;
    std::unique_ptr<HostServer> m_quietHost;
    std::unique_ptr<HostServer> m_tlsHost;
    QProcess m_proxy;
    ProxyPorts m_ports;
};

void tst_Proxies::initTestCase()
{
    QStringList missing;
    for (const char *program : {"nginx", "haproxy"}) {
        if (QStandardPaths::findExecutable(QLatin1String(program), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")}).isEmpty())
            missing << QLatin1String(program);
    }
    if (!QFile::exists(QStringLiteral("/usr/lib/nginx/modules/ngx_stream_module.so")))
        missing << QStringLiteral("nginx's stream module (libnginx-mod-stream)");
    if (!TestCertificates::missing().isEmpty())
        missing << TestCertificates::missing();
    if (!missing.isEmpty()) {
        const QString why = missing.join(QStringLiteral(", ")) + QStringLiteral(" missing (tests/run-all.sh installs them)");
        if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
            QFAIL(qPrintable(why));
        QSKIP(qPrintable(why));
    }
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    const QString error = m_certs->makeServer(QStringLiteral("server"), QStringLiteral("4004"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // haproxy wants the certificate and its key in one file.
    QFile pem(m_dir.filePath(QStringLiteral("haproxy.pem")));
    QVERIFY(pem.open(QIODevice::WriteOnly));
    for (const QString &part : {m_certs->certFile(QStringLiteral("server")), m_certs->keyFile(QStringLiteral("server"))}) {
        QFile f(part);
        QVERIFY(f.open(QIODevice::ReadOnly));
        pem.write(f.readAll());
    }
    pem.close();

    HostConfig c = testConfig();
    c.trustedProxies = {QStringLiteral("127.0.0.1")};
    c.pingIntervalMs = PingIntervalMs;
    c.pongTimeoutMs = 5000;
    m_heartbeatHost = startedHost(c);
    QVERIFY(m_heartbeatHost);
    c.pingIntervalMs = 0;
    m_quietHost = startedHost(c);
    QVERIFY(m_quietHost);
    c.pingIntervalMs = PingIntervalMs;
    c.tlsCertFile = m_certs->certFile(QStringLiteral("server"));
    c.tlsKeyFile = m_certs->keyFile(QStringLiteral("server"));
    m_tlsHost = startedHost(c);
    QVERIFY(m_tlsHost);
}

void tst_Proxies::cleanup()
{
    stopProxy();
}

bool tst_Proxies::startProxy(const QString &kind)
{
    m_ports = {freePort(), freePort(), freePort(), freePort()};
    const ProxyUpstreams up{m_heartbeatHost->serverPort(), m_quietHost->serverPort(), m_tlsHost->serverPort()};
    const QString dir = m_dir.filePath(kind);
    QDir().mkpath(dir);
    QFile conf(dir + (kind == QLatin1String("nginx") ? QStringLiteral("/nginx.conf") : QStringLiteral("/haproxy.cfg")));
    if (!conf.open(QIODevice::WriteOnly))
        return false;
    conf.write(kind == QLatin1String("nginx")
                       ? nginxConfig(dir, m_ports, up, m_certs->certFile(QStringLiteral("server")),
                                     m_certs->keyFile(QStringLiteral("server")), ProxyIdleMs)
                       : haproxyConfig(m_ports, up, m_dir.filePath(QStringLiteral("haproxy.pem")), ProxyIdleMs));
    conf.close();
    m_proxy.setProcessChannelMode(QProcess::MergedChannels);
    if (kind == QLatin1String("nginx")) {
        m_proxy.start(QStringLiteral("/usr/sbin/nginx"), {QStringLiteral("-p"), dir, QStringLiteral("-c"), conf.fileName(),
                                                          QStringLiteral("-e"), dir + QStringLiteral("/error.log")});
    } else {
        m_proxy.start(QStringLiteral("/usr/sbin/haproxy"), {QStringLiteral("-db"), QStringLiteral("-f"), conf.fileName()});
    }
    if (!m_proxy.waitForStarted(10000))
        return false;
    // Ready once every port it serves accepts.
    QElapsedTimer t;
    t.start();
    for (quint16 port : {m_ports.plain, m_ports.noHeartbeat, m_ports.tls}) {
        bool up = false;
        while (!up && t.elapsed() < 10000 && m_proxy.state() == QProcess::Running) {
            QTcpSocket probe;
            QSignalSpy connected(&probe, &QAbstractSocket::connected);
            probe.connectToHost(QHostAddress::LocalHost, port);
            up = connected.wait(200);
            if (!up)
                QTest::qWait(50);
        }
        if (!up) {
            qWarning().noquote() << kind << "did not come up:" << m_proxy.readAll();
            return false;
        }
    }
    return true;
}

void tst_Proxies::stopProxy()
{
    if (m_proxy.state() == QProcess::NotRunning)
        return;
    m_proxy.terminate();   // SIGTERM to its PID
    if (!m_proxy.waitForFinished(5000)) {
        m_proxy.kill();
        m_proxy.waitForFinished(5000);
    }
}

QString tst_Proxies::echoFromClientAddress(HostServer *host, quint16 port, const QByteArray &extraHeaders)
{
    QTcpSocket s;
    if (!s.bind(ClientAddress, 0))
        return QStringLiteral("cannot bind ") + ClientAddress.toString();
    QSignalSpy connected(&s, &QAbstractSocket::connected);
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!connected.wait(5000))
        return {};
    QSignalSpy opened(host, &HostServer::sessionOpened);
    s.write(handshakeRequest(QStringLiteral("/echo"), extraHeaders));
    const QByteArray head = readResponseHead(s);
    if (statusCode(head) != 101)
        return QStringLiteral("status ") + QString::fromLatin1(head.left(40));
    s.write(clientFrame(1, "through the proxy"));
    QByteArray buffer;
    const std::optional<Frame> echo = readFrame(s, buffer);
    if (!echo || echo->payload != "through the proxy")
        return QStringLiteral("no echo");
    if (opened.isEmpty() && !opened.wait(2000))
        return QStringLiteral("no session");
    const QString address = opened.first().first().value<SessionSnapshot>().peerAddress;
    s.abort();
    return address;
}

void tst_Proxies::throughProxy_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addRow("nginx") << "nginx";
    QTest::addRow("haproxy") << "haproxy";
}

void tst_Proxies::throughProxy()
{
    QFETCH(QString, kind);
    QVERIFY(startProxy(kind));

    // The client's own address, through the trusted proxy.
    QCOMPARE(echoFromClientAddress(m_heartbeatHost.get(), m_ports.plain, {}), ClientAddress.toString());
    const HandshakeRecord logged = m_heartbeatHost->handshakeLog().constLast();
    QCOMPARE(logged.peerAddress, ClientAddress.toString());
    QCOMPARE(logged.viaProxy, QStringLiteral("127.0.0.1"));
    QVERIFY(logged.request.toLower().contains("x-forwarded-for"));
    // A header the client wrote itself is to the left of what the proxy adds: ignored.
    QCOMPARE(echoFromClientAddress(m_heartbeatHost.get(), m_ports.plain, "X-Forwarded-For: 6.6.6.6\r\n"),
             ClientAddress.toString());
    // Nor a Forwarded header the client wrote (the proxy drops it: it writes none itself).
    QCOMPARE(echoFromClientAddress(m_heartbeatHost.get(), m_ports.plain, "Forwarded: for=6.6.6.6\r\n"),
             ClientAddress.toString());
    // Straight to the host (an untrusted peer), the header changes nothing either.
    QCOMPARE(echoFromClientAddress(m_heartbeatHost.get(), m_heartbeatHost->serverPort(),
                                   "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n"),
             ClientAddress.toString());
    QVERIFY(m_heartbeatHost->handshakeLog().constLast().viaProxy.isEmpty());

    // Idle longer than the proxy allows: without heartbeats the proxy cuts it ...
    {
        QWebSocket quiet;
        QSignalSpy connected(&quiet, &QWebSocket::connected);
        QSignalSpy disconnected(&quiet, &QWebSocket::disconnected);
        quiet.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/echo").arg(m_ports.noHeartbeat)));
        QVERIFY(connected.wait(5000));
        QVERIFY2(disconnected.wait(4 * ProxyIdleMs), "the proxy's idle timeout did not apply");
    }
    // ... with them (every 300 ms) it stays open well past the proxy's timeout.
    {
        QWebSocket kept;
        QSignalSpy connected(&kept, &QWebSocket::connected);
        QSignalSpy disconnected(&kept, &QWebSocket::disconnected);
        kept.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/echo").arg(m_ports.plain)));
        QVERIFY(connected.wait(5000));
        QTest::qWait(3 * ProxyIdleMs);
        QCOMPARE(disconnected.size(), 0);
        QSignalSpy text(&kept, &QWebSocket::textMessageReceived);
        kept.sendTextMessage(QStringLiteral("still open"));
        QVERIFY(text.wait(5000));
    }

    // TLS terminated at the proxy: wss:// to it, plain to the host.
    {
        QWebSocket wss;
        wss.setSslConfiguration(m_certs->clientConfiguration());
        QSignalSpy connected(&wss, &QWebSocket::connected);
        QSignalSpy text(&wss, &QWebSocket::textMessageReceived);
        wss.open(QUrl(QStringLiteral("wss://localhost:%1/echo").arg(m_ports.tls)));
        QVERIFY2(connected.wait(10000), qPrintable(wss.errorString()));
        wss.sendTextMessage(QStringLiteral("tls at the proxy"));
        QVERIFY(text.wait(5000));
        QCOMPARE(text.first().first().toString(), QStringLiteral("tls at the proxy"));
    }

    // TLS at the host, the proxy passing TCP through (haproxy's mode tcp, nginx's stream).
    {
        QWebSocket wss;
        wss.setSslConfiguration(m_certs->clientConfiguration());
        QSignalSpy connected(&wss, &QWebSocket::connected);
        QSignalSpy text(&wss, &QWebSocket::textMessageReceived);
        wss.open(QUrl(QStringLiteral("wss://localhost:%1/echo").arg(m_ports.passthrough)));
        QVERIFY2(connected.wait(10000), qPrintable(wss.errorString()));
        QCOMPARE(wss.sslConfiguration().peerCertificate().serialNumber(), QByteArray("40:04"));
        wss.sendTextMessage(QStringLiteral("tls at the host"));
        QVERIFY(text.wait(5000));
    }
    QVERIFY2(m_proxy.state() == QProcess::Running, m_proxy.readAll().constData());
}

// The per-address limits count the client a trusted proxy names, not the proxy: here the
// test is the proxy (127.0.0.1, trusted) and writes X-Forwarded-For itself.
void tst_Proxies::limitsCountTheForwardedClient()
{
    HostConfig c = testConfig();
    c.trustedProxies = {QStringLiteral("127.0.0.1")};
    c.maxConnectionsPerIp = 1;
    auto host = startedHost(c);
    QVERIFY(host);
    auto upgrade = [&host](QTcpSocket &s, const QByteArray &client) {
        if (!connectRaw(s, host->serverPort()))
            return -1;
        s.write(handshakeRequest(QStringLiteral("/echo"), "X-Forwarded-For: " + client + "\r\n"));
        return statusCode(readResponseHead(s));
    };
    QTcpSocket first, second, other;
    QCOMPARE(upgrade(first, "203.0.113.1"), 101);
    QCOMPARE(upgrade(second, "203.0.113.1"), 429);   // the same client again: over its limit
    QCOMPARE(upgrade(other, "203.0.113.2"), 101);    // another client behind the same proxy
    QTRY_COMPARE(host->sessionCount(), 2);
    QStringList addresses;
    for (const SessionSnapshot &s : host->sessions())
        addresses << s.peerAddress;
    addresses.sort();
    QCOMPARE(addresses, QStringList({QStringLiteral("203.0.113.1"), QStringLiteral("203.0.113.2")}));
    const HandshakeRecord refused = host->handshakeLog().at(1);
    QCOMPARE(refused.status, 429);
    QCOMPARE(refused.peerAddress, QStringLiteral("203.0.113.1"));
    QCOMPARE(refused.viaProxy, QStringLiteral("127.0.0.1"));
    // Once the first client's session ends, it may connect again.
    first.abort();
    QTRY_COMPARE(host->sessionCount(), 1);
    QTcpSocket again;
    QCOMPARE(upgrade(again, "203.0.113.1"), 101);
}

QTEST_GUILESS_MAIN(tst_Proxies)
#include "tst_proxies.moc"
