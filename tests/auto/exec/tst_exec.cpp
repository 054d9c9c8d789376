// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Routes served by a program (--exec, websocketd's model), driven by real clients:
// shell scripts as handlers, one process per connection.

#include "testsupport.h"

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_Exec : public QObject
{
    Q_OBJECT

private:
    QString script(const QString &name, const QByteArray &body);
    std::unique_ptr<HostServer> startHost(const QList<HostConfig::ExecRoute> &routes, int maxProcesses = 64);
    //! A client on \a path whose received texts land in \a texts from the first one on (a
    //! program may answer before the client would otherwise have attached a spy).
    static std::unique_ptr<QWebSocket> connectWithSpy(quint16 port, const QString &path,
                                                      std::unique_ptr<QSignalSpy> *texts);
    QTemporaryDir m_dir;

private Q_SLOTS:
    void linesInLinesOut();
    void eachConnectionHasItsOwnProcess();
    void childThatExitsClosesTheClient_data();
    void childThatExitsClosesTheClient();
    void childIsTerminatedWhenTheClientLeaves();
    void environmentDescribesTheRequest();
    void noShellUnlessConfigured();
    void binaryMode();
    void refusesWith503OverTheProcessLimit();
    void stderrGoesToTheLog();
    void badConfigIsRefused();
};

QString tst_Exec::script(const QString &name, const QByteArray &body)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write("#!/bin/sh\n" + body + '\n');
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
    return path;
}

std::unique_ptr<HostServer> tst_Exec::startHost(const QList<HostConfig::ExecRoute> &routes, int maxProcesses)
{
    HostConfig config = testConfig();
    config.execRoutes = routes;
    config.maxExecProcesses = maxProcesses;
    auto host = std::make_unique<HostServer>();
    host->setConfig(config);
    if (!host->start())
        return nullptr;
    return host;
}

std::unique_ptr<QWebSocket> tst_Exec::connectWithSpy(quint16 port, const QString &path,
                                                     std::unique_ptr<QSignalSpy> *texts)
{
    auto client = std::make_unique<QWebSocket>();
    *texts = std::make_unique<QSignalSpy>(client.get(), &QWebSocket::textMessageReceived);
    QSignalSpy connected(client.get(), &QWebSocket::connected);
    client->open(wsUrl(port, path));
    if (!connected.wait(5000) && connected.isEmpty())
        return nullptr;
    return client;
}

void tst_Exec::linesInLinesOut()
{
    const QString rev = script(QStringLiteral("rev.sh"), "while IFS= read -r line; do printf '%s\\n' \"$line\" | rev; done");
    auto host = startHost({{QStringLiteral("/rev"), {rev}}});
    QVERIFY(host);
    auto client = openClient(host->serverPort(), QStringLiteral("/rev"));
    QVERIFY(client);
    QSignalSpy texts(client.get(), &QWebSocket::textMessageReceived);
    client->sendTextMessage(QStringLiteral("hello"));
    client->sendTextMessage(QStringLiteral("wsplug über"));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(0).first().toString(), QStringLiteral("olleh"));
    QCOMPARE(texts.at(1).first().toString(), QStringLiteral("rebü gulpsw"));
    // A binary message to a line route is refused.
    QSignalSpy closed(client.get(), &QWebSocket::disconnected);
    client->sendBinaryMessage(QByteArray("x"));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(int(client->closeCode()), 1003);
}

void tst_Exec::eachConnectionHasItsOwnProcess()
{
    const QString counter = script(QStringLiteral("count.sh"),
                                   "n=0; while IFS= read -r line; do n=$((n+1)); echo \"$n: $line\"; done");
    auto host = startHost({{QStringLiteral("/count"), {counter}}});
    QVERIFY(host);
    auto a = openClient(host->serverPort(), QStringLiteral("/count"));
    auto b = openClient(host->serverPort(), QStringLiteral("/count"));
    QVERIFY(a && b);
    QSignalSpy aTexts(a.get(), &QWebSocket::textMessageReceived), bTexts(b.get(), &QWebSocket::textMessageReceived);
    a->sendTextMessage(QStringLiteral("x"));
    a->sendTextMessage(QStringLiteral("y"));
    b->sendTextMessage(QStringLiteral("z"));
    QTRY_COMPARE(aTexts.size(), 2);
    QTRY_COMPARE(bTexts.size(), 1);
    QCOMPARE(aTexts.at(1).first().toString(), QStringLiteral("2: y"));
    QCOMPARE(bTexts.at(0).first().toString(), QStringLiteral("1: z"));
}

void tst_Exec::childThatExitsClosesTheClient_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("last");
    QTest::addRow("exit 0: 1000") << QByteArray("read -r line; echo \"bye $line\"; exit 0") << 1000 << QStringLiteral("bye now");
    QTest::addRow("exit 3: 1011") << QByteArray("read -r line; echo \"no $line\"; exit 3") << 1011 << QStringLiteral("no now");
    QTest::addRow("a last line without newline") << QByteArray("read -r line; printf 'end'") << 1000 << QStringLiteral("end");
    QTest::addRow("killed: 1011") << QByteArray("read -r line; echo dying; kill -9 $$") << 1011 << QStringLiteral("dying");
}

void tst_Exec::childThatExitsClosesTheClient()
{
    QFETCH(QByteArray, body);
    QFETCH(int, code);
    QFETCH(QString, last);
    auto host = startHost({{QStringLiteral("/once"), {script(QStringLiteral("once.sh"), body)}}});
    QVERIFY(host);
    auto client = openClient(host->serverPort(), QStringLiteral("/once"));
    QVERIFY(client);
    QSignalSpy texts(client.get(), &QWebSocket::textMessageReceived);
    QSignalSpy closed(client.get(), &QWebSocket::disconnected);
    client->sendTextMessage(QStringLiteral("now"));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), last);
    QCOMPARE(int(client->closeCode()), code);
}

void tst_Exec::childIsTerminatedWhenTheClientLeaves()
{
    // The child tells its pid, then would sleep for ever; it ignores nothing.
    const QString sleeper = script(QStringLiteral("sleeper.sh"), "echo $$; exec sleep 1000");
    auto host = startHost({{QStringLiteral("/sleep"), {sleeper}}});
    QVERIFY(host);
    std::unique_ptr<QSignalSpy> texts;
    auto client = connectWithSpy(host->serverPort(), QStringLiteral("/sleep"), &texts);
    QVERIFY(client);
    QTRY_COMPARE(texts->size(), 1);
    const QString pid = texts->first().first().toString();
    QVERIFY(QFileInfo::exists(QStringLiteral("/proc/") + pid));
    client->abort();   // the client vanishes, no close frame
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(QStringLiteral("/proc/") + pid), 10000);
    QTRY_COMPARE(host->sessionCount(), 0);
}

void tst_Exec::environmentDescribesTheRequest()
{
    const QString env = script(QStringLiteral("env.sh"),
                               "echo \"$REMOTE_ADDR|$SCRIPT_NAME|$PATH_INFO|$QUERY_STRING|$REQUEST_URI|$GATEWAY_INTERFACE|$WSPLUG_SESSION_ID\"");
    auto host = startHost({{QStringLiteral("/env/*"), {env}}});
    QVERIFY(host);
    std::unique_ptr<QSignalSpy> texts;
    auto client = connectWithSpy(host->serverPort(), QStringLiteral("/env/a/b?x=1&y=2"), &texts);
    QVERIFY(client);
    QTRY_COMPARE(texts->size(), 1);
    // The host's first session; the script has ended (and its session closed) since.
    QCOMPARE(texts->first().first().toString(),
             QStringLiteral("127.0.0.1|/env|/a/b|x=1&y=2|/env/a/b?x=1&y=2|websocketd-CGI/0.1|1"));
}

void tst_Exec::noShellUnlessConfigured()
{
    HostConfig::ExecRoute plain{QStringLiteral("/plain"), {QStringLiteral("echo"), QStringLiteral("$HOME;"), QStringLiteral("id")}};
    HostConfig::ExecRoute shell{QStringLiteral("/shell"), {QStringLiteral("echo"), QStringLiteral("shell-$((1+1))")}, true};
    auto host = startHost({plain, shell});
    QVERIFY(host);
    std::unique_ptr<QSignalSpy> aTexts, bTexts;
    auto a = connectWithSpy(host->serverPort(), QStringLiteral("/plain"), &aTexts);
    auto b = connectWithSpy(host->serverPort(), QStringLiteral("/shell"), &bTexts);
    QVERIFY(a && b);
    QTRY_COMPARE(aTexts->size(), 1);
    QTRY_COMPARE(bTexts->size(), 1);
    QCOMPARE(aTexts->first().first().toString(), QStringLiteral("$HOME; id"));   // no expansion, no second command
    QCOMPARE(bTexts->first().first().toString(), QStringLiteral("shell-2"));
}

void tst_Exec::binaryMode()
{
    HostConfig::ExecRoute cat{QStringLiteral("/cat"), {QStringLiteral("cat")}, false, true};
    auto host = startHost({cat});
    QVERIFY(host);
    auto client = openClient(host->serverPort(), QStringLiteral("/cat"));
    QVERIFY(client);
    QByteArray received;
    connect(client.get(), &QWebSocket::binaryMessageReceived, this, [&received](const QByteArray &b) { received += b; });
    const QByteArray bytes("\x00\x01\xff\n\x7f", 5);
    client->sendBinaryMessage(bytes);
    QTRY_COMPARE(received, bytes);
}

void tst_Exec::refusesWith503OverTheProcessLimit()
{
    const QString sleeper = script(QStringLiteral("wait.sh"), "exec sleep 1000");
    auto host = startHost({{QStringLiteral("/wait"), {sleeper}}}, 1);
    QVERIFY(host);
    auto first = openClient(host->serverPort(), QStringLiteral("/wait"));
    QVERIFY(first);
    const QByteArray response = rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/wait")));
    QCOMPARE(statusCode(response), 503);
    // The other routes are not limited by it.
    QVERIFY(openClient(host->serverPort(), QStringLiteral("/echo")));
    // Once the first is gone, the next gets in.
    first->close();
    QTRY_COMPARE(host->sessionCount(), 0);
    // Its program gets SIGTERM (SIGKILL after 2 s); once it is gone its slot is free.
    // (Not QTRY_VERIFY: it evaluates the expression once more at the end, and a second
    // upgrade would meet the first one's process.)
    QVERIFY(QTest::qWaitFor([&] {
        return statusCode(rawRequest(host->serverPort(), handshakeRequest(QStringLiteral("/wait")))) == 101;
    }, 15000));
}

void tst_Exec::stderrGoesToTheLog()
{
    static QStringList logged;
    logged.clear();
    const QtMessageHandler previous = qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &m) {
        logged.append(m);
    });
    const QString noisy = script(QStringLiteral("noisy.sh"), "echo 'something went wrong' >&2; read -r line; echo ok");
    auto host = startHost({{QStringLiteral("/noisy"), {noisy}}});
    QVERIFY(host);
    auto client = openClient(host->serverPort(), QStringLiteral("/noisy"));
    QVERIFY(client);
    QTRY_VERIFY(std::any_of(logged.cbegin(), logged.cend(),
                            [](const QString &m) { return m.contains(QLatin1String("stderr: something went wrong")); }));
    qInstallMessageHandler(previous);
}

void tst_Exec::badConfigIsRefused()
{
    HostConfig config = testConfig();
    QString why;
    QVERIFY(!config.loadJson(R"({"exec": [{"route": "/x"}]})", &why));
    QVERIFY2(why.contains(QLatin1String("\"exec\"")), qPrintable(why));
    QVERIFY(!config.loadJson(R"({"exec": [{"route": "/x", "command": ["a"], "colour": 1}]})", &why));
    QVERIFY(!config.loadJson(R"({"exec": {"route": "/x"}})", &why));
    QVERIFY(config.loadJson(R"({"exec": [{"route": "/x", "command": ["rev"], "binary": true}]})", &why));
    QCOMPARE(config.execRoutes.size(), 1);
    QVERIFY(config.execRoutes.first().binary);
    // A route a plugin already serves: the exec route is refused, the plugin keeps it.
    config.execRoutes = {{QStringLiteral("/echo"), {QStringLiteral("cat")}}};
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    QVERIFY(std::any_of(host.plugins().refused().cbegin(), host.plugins().refused().cend(),
                        [](const RefusedPlugin &r) { return r.reason.contains(QLatin1String("already served")); }));
}

QTEST_GUILESS_MAIN(tst_Exec)
#include "tst_exec.moc"
