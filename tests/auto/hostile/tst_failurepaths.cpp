// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// When the host's surroundings fail: a truncated config file, a port already in
// use, a plugin directory that is gone before the start or vanishes while running,
// and a plugin that throws from every callback or misuses its HostContext. Each
// case gives a clear one-line message, and the host either keeps serving or
// refuses to start without leaving anything behind.

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>
#include <wsplug/pluginregistry.h>

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

QString refusalFor(const PluginRegistry &registry, const QString &needle)
{
    for (const RefusedPlugin &r : registry.refused()) {
        if (r.fileName.contains(needle))
            return r.reason;
    }
    return {};
}

// Every key a config file may have, so that truncation cuts through each kind of value.
const QByteArray fullConfig = R"({
    "address": "127.0.0.1",
    "port": 0,
    "listenBacklog": 128,
    "pluginDirs": ["/nonexistent/a", "/nonexistent/b"],
    "plugins": { "chat": { "historySize": 50, "nested": { "x": [1, 2.5, "s", null, true] } } },
    "maxConnections": 100,
    "maxConnectionsPerIp": 10,
    "handshakeTimeoutMs": 5000,
    "maxRequestHeadBytes": 4096,
    "maxFrameBytes": 65536,
    "maxMessageBytes": 131072,
    "maxSendBacklogBytes": 1048576,
    "pingIntervalMs": 1000,
    "pongTimeoutMs": 500,
    "shutdownGraceMs": 100
})";

} // namespace

class tst_FailurePaths : public QObject
{
    Q_OBJECT

private:
    //! Raw upgrade on \a path; returns false if the host did not answer 101.
    //! Sends \a text and returns the first text frame that comes back.
    static QByteArray roundTrip(QTcpSocket &socket, QByteArray &buffer, const QByteArray &text);
    static HostConfig faultyConfig();

private Q_SLOTS:
    void truncatedConfigIsRefusedWithOneLine();
    void configErrorNamingAKeyStaysOnOneLine_data();
    void configErrorNamingAKeyStaysOnOneLine();
    void busyPortRefusesToStartCleanly();
    void busyPortRefusesToStartOnAHostThread();
    void pluginDirectoryMissingBeforeStart();
    void pluginDirectoryVanishesWhileRunning();
    void pluginThrowingInSessionOpenedClosesThatSessionWith1011();
    void pluginThrowingANonStdExceptionClosesWith1011();
    void pluginThrowingInSessionClosedIsContained();
    void pluginThrowingInAboutToShutdownDoesNotStopTheStop();
    void pluginMisusingTheContextGetsFalse();
};

QByteArray tst_FailurePaths::roundTrip(QTcpSocket &socket, QByteArray &buffer, const QByteArray &text)
{
    socket.write(clientFrame(0x1, text));
    auto f = readFrame(socket, buffer);
    return f && f->opcode == 0x1 ? f->payload : QByteArray("<no text frame>");
}

HostConfig tst_FailurePaths::faultyConfig()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_FAULTY_PLUGIN_DIR)};
    return config;
}

// ---- config ----------------------------------------------------------------------

void tst_FailurePaths::truncatedConfigIsRefusedWithOneLine()
{
    HostConfig complete;
    QString error;
    QVERIFY2(complete.loadJson(fullConfig, &error), qPrintable(error));
    QCOMPARE(complete.maxConnections, 100);

    // Every proper prefix of the file, as a disk-full or interrupted write leaves it.
    for (qsizetype n = 0; n < fullConfig.size(); ++n) {
        HostConfig config;
        config.port = 4242;   // must survive a refused load untouched
        error.clear();
        const bool ok = config.loadJson(fullConfig.left(n), &error);
        QVERIFY2(!ok, qPrintable(QStringLiteral("a config cut at byte %1 was accepted").arg(n)));
        QVERIFY2(!error.isEmpty() && !error.contains(QLatin1Char('\n')),
                 qPrintable(QStringLiteral("cut at %1: \"%2\"").arg(n).arg(error)));
        QCOMPARE(config.port, quint16(4242));
        QCOMPARE(config.maxConnections, HostConfig().maxConnections);
        QVERIFY(config.pluginDirs.isEmpty());
    }
    // And what else a broken file can hold.
    for (const QByteArray &junk : {QByteArray(), QByteArray("\0\0\0", 3), QByteArray("\xef\xbb\xbf{"),
                                   QByteArray("{\"port\": 80,}"), QByteArray("[]"), QByteArray("null"),
                                   QByteArray(4096, '{')}) {
        HostConfig config;
        error.clear();
        QVERIFY(!config.loadJson(junk, &error));
        QVERIFY2(!error.isEmpty() && !error.contains(QLatin1Char('\n')), qPrintable(error));
    }
}

void tst_FailurePaths::configErrorNamingAKeyStaysOnOneLine_data()
{
    QTest::addColumn<QByteArray>("json");
    // Found by fuzz_hostconfig: a key is echoed into the message as it is.
    QTest::addRow("unknown key with a newline") << QByteArray(R"({"colour\nX-Injected: yes": 1})");
    QTest::addRow("plugin id with a newline") << QByteArray(R"({"plugins": {"chat\r\nx": 3}})");
}

void tst_FailurePaths::configErrorNamingAKeyStaysOnOneLine()
{
    QFETCH(QByteArray, json);
    HostConfig config;
    QString error;
    QVERIFY(!config.loadJson(json, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY2(!error.contains(QLatin1Char('\n')) && !error.contains(QLatin1Char('\r')), qPrintable(error));
}

// ---- port in use --------------------------------------------------------------------

void tst_FailurePaths::busyPortRefusesToStartCleanly()
{
    const int fdsBefore = openFdCount();
    auto squatter = std::make_unique<QTcpServer>();
    QVERIFY(squatter->listen(QHostAddress::LocalHost, 0));
    const quint16 port = squatter->serverPort();
    HostConfig config = testConfig();
    config.port = port;
    {
        HostServer host;
        host.setConfig(config);
        QVERIFY(!host.start());
        const QString error = host.errorString();
        QVERIFY2(error.contains(QString::number(port)) && !error.contains(QLatin1Char('\n')), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("cannot listen")), qPrintable(error));
        QVERIFY(!host.isRunning());
        QVERIFY(!host.isListening());
        QCOMPARE(host.serverPort(), quint16(0));
        QCOMPARE(host.sessionCount(), 0);
        // Nothing was loaded for a host that never started.
        QVERIFY(host.plugins().loaded().isEmpty());
        QCOMPARE(openFdCount(), fdsBefore + 1);   // just the squatter's socket

        // Once the port is free the same object starts.
        squatter.reset();
        QVERIFY2(host.start(), qPrintable(host.errorString()));
        QCOMPARE(host.serverPort(), port);
        QTcpSocket socket;
        QVERIFY(upgradeRaw(socket, port, QStringLiteral("/echo")));
        QByteArray buffer;
        QCOMPARE(roundTrip(socket, buffer, "works now"), QByteArray("works now"));
        QSignalSpy stopped(&host, &HostServer::stopped);
        host.stop();
        QTRY_COMPARE(stopped.size(), 1);
    }
    QTRY_COMPARE(openFdCount(), fdsBefore);
}

void tst_FailurePaths::busyPortRefusesToStartOnAHostThread()
{
    const int fdsBefore = openFdCount();
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    HostConfig config = testConfig();
    config.port = squatter.serverPort();
    {
        HostThread thread;
        QString error;
        QVERIFY(!thread.start(config, &error));
        QVERIFY2(error.contains(QString::number(config.port)) && !error.contains(QLatin1Char('\n')), qPrintable(error));
        QVERIFY(!thread.isRunning());
        QVERIFY(thread.host() == nullptr);
    }
    squatter.close();
    // The thread, its dispatcher and the host's sockets are all gone.
    QTRY_COMPARE(openFdCount(), fdsBefore);
}

// ---- plugin directories -----------------------------------------------------------------

void tst_FailurePaths::pluginDirectoryMissingBeforeStart()
{
    QTemporaryDir tmp;
    const QString gone = tmp.filePath(QStringLiteral("plugins-gone"));
    HostConfig config = testConfig();
    config.pluginDirs = {gone};
    HostServer host;
    host.setConfig(config);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("plugins-gone.*does not exist")));
    // No plugins is not a reason to refuse: the host starts, says why, and answers 404.
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QVERIFY(host.plugins().loaded().isEmpty());
    QVERIFY2(refusalFor(host.plugins(), gone).contains(QLatin1String("does not exist")),
             qPrintable(refusalFor(host.plugins(), gone)));
    QCOMPARE(statusCode(rawRequest(host.serverPort(), handshakeRequest(QStringLiteral("/echo")))), 404);
}

void tst_FailurePaths::pluginDirectoryVanishesWhileRunning()
{
    auto tmp = std::make_unique<QTemporaryDir>();
    const QString dir = tmp->filePath(QStringLiteral("vanishing"));
    QVERIFY(QDir().mkpath(dir));
    const QString echoFile = QStringLiteral(WSPLUG_ECHO_PLUGIN_FILE);
    QVERIFY(QFile::copy(echoFile, dir + QLatin1Char('/') + QFileInfo(echoFile).fileName()));
    HostConfig config = testConfig();
    config.pluginDirs = {dir};
    // Unwatched: a watching host drains and unloads a removed plugin (tst_hotplugins).
    config.watchPlugins = false;
    HostServer host;
    host.setConfig(config);
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QCOMPARE(host.plugins().loaded().size(), 1);

    QTcpSocket before;
    QVERIFY(upgradeRaw(before, host.serverPort(), QStringLiteral("/echo")));
    QByteArray beforeBuffer;
    QCOMPARE(roundTrip(before, beforeBuffer, "one"), QByteArray("one"));

    // The directory and the library file in it are deleted under the running host.
    tmp.reset();
    QVERIFY(!QFileInfo::exists(dir));

    // The host runs its private copy of the file: old and new sessions keep working.
    QCOMPARE(roundTrip(before, beforeBuffer, "two"), QByteArray("two"));
    QTcpSocket after;
    QVERIFY(upgradeRaw(after, host.serverPort(), QStringLiteral("/echo")));
    QByteArray afterBuffer;
    QCOMPARE(roundTrip(after, afterBuffer, "three"), QByteArray("three"));

    // A clean stop with the plugin's file gone.
    QSignalSpy stopped(&host, &HostServer::stopped);
    host.stop();
    QTRY_COMPARE(stopped.size(), 1);
    QVERIFY(waitForDisconnect(before));
    QVERIFY(waitForDisconnect(after));
    QCOMPARE(host.sessionCount(), 0);

    // Starting again finds nothing there and says so, and still starts.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("vanishing.*does not exist")));
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QVERIFY(host.plugins().loaded().isEmpty());
    QVERIFY(refusalFor(host.plugins(), dir).contains(QLatin1String("does not exist")));
    QCOMPARE(statusCode(rawRequest(host.serverPort(), handshakeRequest(QStringLiteral("/echo")))), 404);
}

// ---- plugins that throw or misuse the context ------------------------------------------------

void tst_FailurePaths::pluginThrowingInSessionOpenedClosesThatSessionWith1011()
{
    HostServer host;
    host.setConfig(faultyConfig());
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QSignalSpy opened(&host, &HostServer::sessionOpened);
    QSignalSpy closed(&host, &HostServer::sessionClosed);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*boom in sessionOpened")));
    QTcpSocket victim;
    QVERIFY(upgradeRaw(victim, host.serverPort(), QStringLiteral("/faulty?throw-open")));
    QByteArray buffer;
    auto close = readFrame(victim, buffer);
    QVERIFY2(close, "no close frame after sessionOpened() threw");
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), 1011);
    victim.write(clientFrame(0x8, closePayload(1011)));
    QVERIFY(waitForDisconnect(victim));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().closeCode, quint16(1011));
    // A session that failed to open is never announced as opened.
    QCOMPARE(opened.size(), 0);

    QTcpSocket bystander;
    QVERIFY(upgradeRaw(bystander, host.serverPort(), QStringLiteral("/faulty")));
    QByteArray b;
    QCOMPARE(roundTrip(bystander, b, "fine"), QByteArray("fine"));
}

void tst_FailurePaths::pluginThrowingANonStdExceptionClosesWith1011()
{
    HostServer host;
    host.setConfig(faultyConfig());
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QTcpSocket victim, bystander;
    QVERIFY(upgradeRaw(victim, host.serverPort(), QStringLiteral("/faulty")));
    QVERIFY(upgradeRaw(bystander, host.serverPort(), QStringLiteral("/faulty")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*unknown exception")));
    victim.write(clientFrame(0x1, "throw-int"));
    QByteArray buffer;
    auto close = readFrame(victim, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), 1011);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*boom in messageReceived")));
    QByteArray b;
    bystander.write(clientFrame(0x1, "throw-std"));
    close = readFrame(bystander, b);
    QVERIFY(close);
    QCOMPARE(closeCodeOf(*close), 1011);
    QTcpSocket third;
    QVERIFY(upgradeRaw(third, host.serverPort(), QStringLiteral("/faulty")));
    QByteArray t;
    QCOMPARE(roundTrip(third, t, "still serving"), QByteArray("still serving"));
}

void tst_FailurePaths::pluginThrowingInSessionClosedIsContained()
{
    HostServer host;
    host.setConfig(faultyConfig());
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QSignalSpy closed(&host, &HostServer::sessionClosed);
    {
        QTcpSocket socket;
        QVERIFY(upgradeRaw(socket, host.serverPort(), QStringLiteral("/faulty")));
        QByteArray buffer;
        QCOMPARE(roundTrip(socket, buffer, "throw-on-close"), QByteArray("armed"));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*sessionClosed")));
        socket.write(clientFrame(0x8, closePayload(1000)));
        QVERIFY(waitForDisconnect(socket));
    }
    QTRY_COMPARE(closed.size(), 1);
    const auto snap = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snap.closeCode, quint16(1000));
    QCOMPARE(closeCauseName(snap.closeCause), closeCauseName(CloseCause::Client));
    QCOMPARE(host.sessionCount(), 0);
    QTcpSocket next;
    QVERIFY(upgradeRaw(next, host.serverPort(), QStringLiteral("/faulty")));
    QByteArray n;
    QCOMPARE(roundTrip(next, n, "next"), QByteArray("next"));
}

void tst_FailurePaths::pluginThrowingInAboutToShutdownDoesNotStopTheStop()
{
    HostConfig config = faultyConfig();
    config.pluginSettings.insert(QStringLiteral("faulty"), QVariantMap{{QStringLiteral("throwOnShutdown"), true}});
    HostServer host;
    host.setConfig(config);
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host.serverPort(), QStringLiteral("/faulty")));
    QSignalSpy stopped(&host, &HostServer::stopped);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*aboutToShutdown")));
    host.stop();
    QByteArray buffer;
    auto close = readFrame(socket, buffer);
    QVERIFY(close);
    QCOMPARE(closeCodeOf(*close), 1001);
    socket.write(clientFrame(0x8, closePayload(1001)));
    QTRY_COMPARE(stopped.size(), 1);
    QVERIFY(!host.isRunning());
    QVERIFY(host.plugins().loaded().isEmpty());
    // And it can start again.
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QCOMPARE(host.plugins().loaded().size(), 1);
    // Destroying the running host shuts the plugin down again.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("faulty.*aboutToShutdown")));
}

void tst_FailurePaths::pluginMisusingTheContextGetsFalse()
{
    HostServer host;
    host.setConfig(faultyConfig());
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QSignalSpy closed(&host, &HostServer::sessionClosed);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, host.serverPort(), QStringLiteral("/faulty")));
    QByteArray buffer;
    QCOMPARE(roundTrip(socket, buffer, "send-unknown"), QByteArray("false"));
    QCOMPARE(roundTrip(socket, buffer, "close-unknown"), QByteArray("false"));
    QCOMPARE(roundTrip(socket, buffer, "close-bad-code"), QByteArray("false"));
    QCOMPARE(roundTrip(socket, buffer, "still open?"), QByteArray("still open?"));
    QCOMPARE(host.sessionCount(), 1);

    // A reason longer than a close frame holds is cut at a character boundary.
    socket.write(clientFrame(0x1, "close-long-reason"));
    auto close = readFrame(socket, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), 4000);
    const QByteArray reason = close->payload.mid(2);
    QVERIFY2(close->payload.size() <= 125, qPrintable(QString::number(close->payload.size())));
    QCOMPARE(QString::fromUtf8(reason), QString(reason.size() / 2, QChar(0x00e9)));
    QVERIFY(reason.size() % 2 == 0);
    socket.write(clientFrame(0x8, closePayload(4000)));
    QVERIFY(waitForDisconnect(socket));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().closeCode, quint16(4000));
}

QTEST_GUILESS_MAIN(tst_FailurePaths)
#include "tst_failurepaths.moc"
