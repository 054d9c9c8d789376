// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The wsplug-host program as a user runs it: flags, config file, errors, signals,
// and the installed layout.

#include "testsupport.h"

#include <QFileInfo>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <csignal>

using namespace WsPlug::Test;

class tst_HostProgram : public QObject
{
    Q_OBJECT

private:
    //! Starts the program and waits for its "listening on" line; returns the port or 0.
    static quint16 startHost(QProcess &process, const QStringList &args,
                             const QString &program = QStringLiteral(WSPLUG_HOST_PROGRAM),
                             QByteArray *stdoutSeen = nullptr);
    static void echoWorks(quint16 port);

private Q_SLOTS:
    void helpAndVersion();
    void badInputIsOneLineOnStderr_data();
    void badInputIsOneLineOnStderr();
    void busyPortIsOneLineOnStderr();
    void runsWithBundledPluginsAndStopsOnSigterm_data();
    void runsWithBundledPluginsAndStopsOnSigterm();
    void drainsOnSigusr1();
    void flagsOverrideConfigFile();
    void logsSessionsAndAdminActionsAndPrintsUsableUrls();
    void pluginRefusedAtInitializeIsLoggedOnceAsRefused();
    void findsPluginsAfterInstall();
    void buildsAndLoadsAnOutOfTreePlugin();
};

quint16 tst_HostProgram::startHost(QProcess &process, const QStringList &args, const QString &program,
                                   QByteArray *stdoutSeen)
{
    return startHostProgram(process, program, args, stdoutSeen);
}

void tst_HostProgram::echoWorks(quint16 port)
{
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy connected(&client, &QWebSocket::connected);
    client.open(wsUrl(port, QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    client.sendTextMessage(QStringLiteral("ping?"));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("ping?"));
}

void tst_HostProgram::helpAndVersion()
{
    QProcess p;
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), {QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray help = p.readAllStandardOutput();
    for (const char *flag : {"--address", "--port", "--plugin-dir", "--config", "--max-connections",
                             "--max-connections-per-ip", "--handshake-timeout", "--max-frame-size",
                             "--max-message-size", "--max-send-backlog", "--ping-interval",
                             "--pong-timeout", "--listen-backlog", "--log-level", "--dispatcher"}) {
        QVERIFY2(help.contains(flag), flag);
    }
    // Beyond the flags: the routes of the plugins found, config-only settings, the
    // environment and the exit codes.
    for (const char *text : {"/chat", "chat (subprotocol wsplug.chat.v1)", "/echo", "statsTickMs", "handshakeLogSize",
                             "WSPLUG_PLUGIN_PATH", "WSPLUG_ADMIN_TOKEN", "Exit codes", "--page", "--upgrade-without-subprotocol"}) {
        QVERIFY2(help.contains(text), text);
    }
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), {QStringLiteral("--version")});
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains(WSPLUG_VERSION_STRING));
}

void tst_HostProgram::badInputIsOneLineOnStderr_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("configJson");   // written to a file and passed with --config
    QTest::addColumn<QString>("expected");
    QTest::addRow("unknown flag") << QStringList{QStringLiteral("--bogus")} << QByteArray() << QStringLiteral("bogus");
    QTest::addRow("port not a number") << QStringList{QStringLiteral("--port"), QStringLiteral("eighty")} << QByteArray()
                                       << QStringLiteral("--port");
    QTest::addRow("port out of range") << QStringList{QStringLiteral("--port"), QStringLiteral("70000")} << QByteArray()
                                       << QStringLiteral("--port");
    QTest::addRow("bad address") << QStringList{QStringLiteral("--address"), QStringLiteral("nowhere")} << QByteArray()
                                 << QStringLiteral("--address");
    QTest::addRow("bad log level") << QStringList{QStringLiteral("--log-level"), QStringLiteral("loud")} << QByteArray()
                                   << QStringLiteral("loud");
    QTest::addRow("missing config") << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent/wsplug.json")}
                                    << QByteArray() << QStringLiteral("cannot read config");
    QTest::addRow("truncated config") << QStringList() << QByteArray("{\"port\": 1") << QStringLiteral("invalid JSON");
    QTest::addRow("unknown config key") << QStringList() << QByteArray("{\"colour\": 1}") << QStringLiteral("colour");
    QTest::addRow("bad dispatcher") << QStringList{QStringLiteral("--dispatcher"), QStringLiteral("select")} << QByteArray()
                                    << QStringLiteral("--dispatcher");
    QTest::addRow("unopenable capture file") << QStringList{QStringLiteral("--port"), QStringLiteral("0"),
                                                            QStringLiteral("--capture"), QStringLiteral("/nonexistent/x.pcapng")}
                                             << QByteArray() << QStringLiteral("cannot open capture file /nonexistent/x.pcapng");
    QTest::addRow("capture limit too small") << QStringList{QStringLiteral("--capture-max-bytes"), QStringLiteral("100")}
                                             << QByteArray() << QStringLiteral("--capture-max-bytes");
    QTest::addRow("stray argument") << QStringList{QStringLiteral("extra")} << QByteArray() << QStringLiteral("extra");
}

void tst_HostProgram::badInputIsOneLineOnStderr()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, configJson);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    if (!configJson.isEmpty()) {
        QFile f(tmp.filePath(QStringLiteral("config.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(configJson);
        args << QStringLiteral("--config") << f.fileName();
    }
    QProcess p;
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), args);
    QVERIFY(p.waitForFinished(5000));
    QVERIFY(p.exitCode() != 0);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(err.count(QLatin1Char('\n')), 1);
    QVERIFY2(err.startsWith(QLatin1String("wsplug-host: ")), qPrintable(err));
    QVERIFY2(err.contains(expected), qPrintable(err));
}

void tst_HostProgram::busyPortIsOneLineOnStderr()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    QProcess p;
    p.start(QStringLiteral(WSPLUG_HOST_PROGRAM), {QStringLiteral("--port"), QString::number(squatter.serverPort()),
                                                  QStringLiteral("--log-level"), QStringLiteral("warning")});
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(err.count(QLatin1Char('\n')), 1);
    QVERIFY2(err.contains(QStringLiteral("cannot listen")), qPrintable(err));
}

void tst_HostProgram::runsWithBundledPluginsAndStopsOnSigterm_data()
{
    QTest::addColumn<QString>("dispatcher");
    QTest::addRow("epoll") << QStringLiteral("epoll");
    QTest::addRow("qt") << QStringLiteral("qt");
}

void tst_HostProgram::runsWithBundledPluginsAndStopsOnSigterm()
{
    QFETCH(QString, dispatcher);
    QProcess p;
    const quint16 port = startHost(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dispatcher"), dispatcher});
    QVERIFY(port);
    echoWorks(port);

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(port, QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    ::kill(pid_t(p.processId()), SIGTERM);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1001);
    // The event loop of QTRY_COMPARE may already have seen it exit.
    QVERIFY(p.state() == QProcess::NotRunning || p.waitForFinished(5000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

// SIGUSR1: a graceful drain (1001 to every client, new ones refused with 503, /readyz
// failing); the program runs on until SIGTERM.
void tst_HostProgram::drainsOnSigusr1()
{
    QProcess p;
    const quint16 port = startHost(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--drain-period"),
                                       QStringLiteral("200")});
    QVERIFY(port);
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(port, QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    ::kill(pid_t(p.processId()), SIGUSR1);
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1001);
    QCOMPARE(client.closeReason(), QStringLiteral("server draining"));
    QCOMPARE(statusCode(rawRequest(port, handshakeRequest(QStringLiteral("/echo")))), 503);
    QCOMPARE(statusCode(rawRequest(port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")), 503);
    QCOMPARE(p.state(), QProcess::Running);
    ::kill(pid_t(p.processId()), SIGUSR1);   // a second one changes nothing
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardError().contains("wsplug-host: draining"));
}

void tst_HostProgram::flagsOverrideConfigFile()
{
    QTemporaryDir tmp;
    QFile f(tmp.filePath(QStringLiteral("config.json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"port": 0, "maxConnections": 1, "logLevel": "warning"})");
    f.close();
    QProcess p;
    const quint16 port = startHost(p, {QStringLiteral("--config"), f.fileName(), QStringLiteral("--max-connections"), QStringLiteral("2")});
    QVERIFY(port);
    QTcpSocket a, b;
    for (QTcpSocket *s : {&a, &b}) {
        QVERIFY(connectRaw(*s, port));
        s->write(handshakeRequest(QStringLiteral("/echo")));
        QCOMPARE(statusCode(readResponseHead(*s)), 101);
    }
    QCOMPARE(statusCode(rawRequest(port, handshakeRequest(QStringLiteral("/echo")))), 503);
    p.terminate();
    QVERIFY(p.waitForFinished(5000));
    QCOMPARE(p.exitCode(), 0);
}

// What an operator reads: a URL a client can use even when listening on 0.0.0.0, the
// HTTP endpoints, and one info line per session opened and closed and per admin action.
void tst_HostProgram::logsSessionsAndAdminActionsAndPrintsUsableUrls()
{
    QProcess p;
    QByteArray out;
    const quint16 port = startHost(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--address"),
                                       QStringLiteral("0.0.0.0"), QStringLiteral("--admin-token"),
                                       QStringLiteral("operator-token")},
                                   QStringLiteral(WSPLUG_HOST_PROGRAM), &out);
    QVERIFY(port);

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    QNetworkRequest request(wsUrl(port, QStringLiteral("/echo")));
    request.setRawHeader("Origin", "http://class.example");
    client.open(request);
    QTRY_COMPARE(connected.size(), 1);
    client.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE(disconnected.size(), 1);

    auto victim = openClient(port, QStringLiteral("/chat"));
    QVERIFY(victim);
    QWebSocket admin;
    QSignalSpy adminMessages(&admin, &QWebSocket::textMessageReceived);
    admin.open(wsUrl(port, QStringLiteral("/_admin?token=operator-token")));
    QTRY_VERIFY(adminMessages.size() >= 1);   // the snapshot
    admin.sendTextMessage(QStringLiteral(R"({"id": 7, "cmd": "kick", "session": 2})"));
    QTRY_VERIFY(adminMessages.size() >= 2 && adminMessages.last().first().toString().contains(QLatin1String("\"id\":7")));

    p.terminate();
    QVERIFY(p.waitForFinished(5000));
    out += p.readAllStandardOutput();
    const QString banner = QString::fromUtf8(out);
    const QString log = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(banner.contains(QStringLiteral("url        ws://127.0.0.1:%1\n").arg(port)), qPrintable(banner));
    QVERIFY2(!banner.contains(QLatin1String("url        ws://0.0.0.0")), qPrintable(banner));
    QVERIFY2(banner.contains(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port)), qPrintable(banner));
    for (const QString &line : {QStringLiteral("session 1 opened: 127.0.0.1 port "),
                                QStringLiteral(", /echo (plugin echo), subprotocol none, origin \"http://class.example\""),
                                QStringLiteral("session 1 closed: 1000 \"bye\", cause client, after "),
                                QStringLiteral("session 2 opened: 127.0.0.1 port "),
                                QStringLiteral("session 2 closed: 1006 \"kicked\", cause kick"),
                                QStringLiteral(": kick session 2: done")}) {
        QVERIFY2(log.contains(line), qPrintable(line + QStringLiteral(" not in:\n") + log));
    }
}

// A plugin whose settings are bad is refused in initialize(): the log says so once,
// and never announces it as serving first. The others serve.
void tst_HostProgram::pluginRefusedAtInitializeIsLoggedOnceAsRefused()
{
    QTemporaryDir tmp;
    QFile f(tmp.filePath(QStringLiteral("config.json")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"port": 0, "plugins": {"chat": {"noSuchSetting": 1}}})");
    f.close();
    QProcess p;
    QByteArray out;
    const quint16 port = startHost(p, {QStringLiteral("--config"), f.fileName()}, QStringLiteral(WSPLUG_HOST_PROGRAM), &out);
    QVERIFY(port);
    p.terminate();
    QVERIFY(p.waitForFinished(5000));
    out += p.readAllStandardOutput();
    const QString log = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(log.count(QLatin1String("refused plugin")), 1);
    QVERIFY2(log.contains(QLatin1String("noSuchSetting")), qPrintable(log));
    QVERIFY2(!log.contains(QLatin1String("plugin chat ")), qPrintable(log));
    QVERIFY2(log.contains(QLatin1String("plugin echo ")) && log.contains(QLatin1String(" serves /echo")), qPrintable(log));
    // The banner names it among the refused.
    QVERIFY2(out.contains("refused"), out.constData());
}

void tst_HostProgram::findsPluginsAfterInstall()
{
    QTemporaryDir prefix;
    QProcess install;
    install.start(QStringLiteral(WSPLUG_CMAKE_COMMAND),
                  {QStringLiteral("--install"), QStringLiteral(WSPLUG_BUILD_DIR), QStringLiteral("--prefix"), prefix.path()});
    QVERIFY(install.waitForFinished(60000));
    QVERIFY2(install.exitCode() == 0, install.readAllStandardError().constData());
    QProcess p;
    const quint16 port = startHost(p, {QStringLiteral("--port"), QStringLiteral("0")},
                                   prefix.filePath(QStringLiteral("bin/wsplug-host")));
    QVERIFY(port);
    echoWorks(port);
    p.terminate();
    QVERIFY(p.waitForFinished(5000));
}

// The installable SDK: `cmake --install` gives a CMake package, and examples/shout, a
// plugin project outside the tree whose CMakeLists.txt only does find_package(WsPlug),
// builds against it and is served by the installed host.
void tst_HostProgram::buildsAndLoadsAnOutOfTreePlugin()
{
    QTemporaryDir prefix;
    QTemporaryDir build;
    auto runTool = [](const QStringList &args) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(WSPLUG_CMAKE_COMMAND), args);
        const bool done = p.waitForFinished(240000);
        return std::make_pair(done && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAll());
    };
    auto [installed, installLog] = runTool({QStringLiteral("--install"), QStringLiteral(WSPLUG_BUILD_DIR),
                                            QStringLiteral("--prefix"), prefix.path()});
    QVERIFY2(installed, installLog.constData());
    for (const char *file : {"lib/cmake/WsPlug/WsPlugConfig.cmake", "lib/cmake/WsPlug/WsPlugPlugin.cmake",
                             "include/wsplug/sdk/messagehandlerinterface.h", "include/wsplug/sdk/version.h",
                             "include/wsplug/protocol/types.h", "include/wsplug/hostserver.h"}) {
        QVERIFY2(QFileInfo::exists(prefix.filePath(QLatin1String(file))), file);
    }
    auto [configured, configureLog] = runTool({QStringLiteral("-S"), QStringLiteral(WSPLUG_SOURCE_DIR "/examples/shout"),
                                               QStringLiteral("-B"), build.path(), QStringLiteral("-G"),
                                               QStringLiteral(WSPLUG_CMAKE_GENERATOR),
                                               QStringLiteral("-DCMAKE_PREFIX_PATH=") + prefix.path()});
    QVERIFY2(configured, configureLog.constData());
    auto [built, buildLog] = runTool({QStringLiteral("--build"), build.path()});
    QVERIFY2(built, buildLog.constData());

    QProcess p;
    const quint16 port = startHost(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--plugin-dir"),
                                       build.filePath(QStringLiteral("plugins"))},
                                   prefix.filePath(QStringLiteral("bin/wsplug-host")));
    QVERIFY(port);
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(port, QStringLiteral("/shout")));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    client.sendTextMessage(QStringLiteral("quiet please"));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("QUIET PLEASE"));
    p.terminate();
    QVERIFY(p.waitForFinished(5000));
    // Its metadata carries the installed SDK's version, filled in by wsplug_add_plugin().
    QVERIFY2(p.readAllStandardError().contains("plugin shout 1.0.0 serves /shout"), "not announced");
}

QTEST_GUILESS_MAIN(tst_HostProgram)
#include "tst_hostprogram.moc"
