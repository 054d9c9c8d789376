// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Plugin discovery and refusal, with small plugins built in the test tree.

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/sdk/messagehandlerinterface.h>

#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_PluginRegistry : public QObject
{
    Q_OBJECT

private:
    static QString refusalFor(const PluginRegistry &registry, const QString &fileStem)
    {
        for (const RefusedPlugin &r : registry.refused()) {
            if (QFileInfo(r.fileName).completeBaseName() == fileStem)
                return r.reason;
        }
        return {};
    }
    static QStringList loadedIds(const PluginRegistry &registry)
    {
        QStringList ids;
        for (const PluginMetadata &p : registry.loaded())
            ids << p.id;
        return ids;
    }

private Q_SLOTS:
    void metadataValidation_data();
    void metadataValidation();
    void apiVersionCompatibility_data();
    void apiVersionCompatibility();
    void interfaceIdCarriesTheMajorOnly();
    void loadsGoodAndRefusesBadWithReasons_data();
    void loadsGoodAndRefusesBadWithReasons();
    void refusesPluginWhoseInitializeFails();
    void pluginExceptionClosesOnlyThatSessionWith1011();
    void pluginGetsItsOwnSettings();
    void sessionClosedIsNeverReentrant();
    void twoHostsInOneProcessDoNotSharePluginState();
    void prefixRouteServesSubpaths();
    void missingPluginDirectoryIsReported();
};

void tst_PluginRegistry::metadataValidation_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");   // empty = valid
    const QByteArray iid = "\"IID\": \"" WsPlugMessageHandlerInterface_iid "\"";
    auto md = [&](const QByteArray &body) -> QByteArray { return "{" + iid + ", \"MetaData\": {" + body + "}}"; };
    const QByteArray base = "\"Id\": \"x\", \"Name\": \"X\", \"Version\": \"1\", \"Description\": \"d\"";
    // The host's own version; apiVersionCompatibility() checks the comparison itself.
    const QByteArray own = "\"ApiVersion\": \"" WSPLUG_SDK_VERSION_STRING "\"";
    const QByteArray newerMinor = QByteArray::number(WSPLUG_SDK_VERSION_MAJOR) + '.' + QByteArray::number(WSPLUG_SDK_VERSION_MINOR + 1);
    const QByteArray nextMajor = QByteArray::number(WSPLUG_SDK_VERSION_MAJOR + 1) + ".0";
    QTest::addRow("valid") << md(base + ", " + own + ", \"Routes\": [\"/x\", \"/y/*\"]") << QString();
    // A minor release may add optional keys: a host that does not know them ignores them.
    QTest::addRow("unknown keys ignored") << md(base + ", " + own + ", \"Routes\": [\"/x\"], \"X-Future\": {\"a\": [1]}, \"Later\": 2")
                                          << QString();
    QTest::addRow("newer minor") << md(base + ", \"ApiVersion\": \"" + newerMinor + "\", \"Routes\": [\"/x\"]")
                                 << QStringLiteral("ApiVersion %1 is not supported").arg(QLatin1String(newerMinor));
    QTest::addRow("other major") << md(base + ", \"ApiVersion\": \"" + nextMajor + "\", \"Routes\": [\"/x\"]")
                                 << QStringLiteral("ApiVersion %1 is not supported").arg(QLatin1String(nextMajor));
    QTest::addRow("api not a version") << md(base + ", \"ApiVersion\": \"one\", \"Routes\": [\"/x\"]") << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("api a number") << md(base + ", \"ApiVersion\": 1.0, \"Routes\": [\"/x\"]") << QStringLiteral("\"ApiVersion\"");
    QTest::addRow("no routes") << md(base + ", " + own) << QStringLiteral("\"Routes\"");
    QTest::addRow("empty routes") << md(base + ", " + own + ", \"Routes\": []") << QStringLiteral("\"Routes\"");
    QTest::addRow("relative route") << md(base + ", " + own + ", \"Routes\": [\"x\"]") << QStringLiteral("must start with '/'");
    QTest::addRow("star inside") << md(base + ", " + own + ", \"Routes\": [\"/a*b\"]") << QStringLiteral("'*'");
    QTest::addRow("catch-all") << md(base + ", " + own + ", \"Routes\": [\"/*\"]") << QStringLiteral("swallow");
    QTest::addRow("reserved") << md(base + ", " + own + ", \"Routes\": [\"/_admin\"]") << QStringLiteral("reserved");
    QTest::addRow("duplicate route") << md(base + ", " + own + ", \"Routes\": [\"/x\", \"/x\"]") << QStringLiteral("twice");
    QTest::addRow("uppercase id") << md("\"Id\": \"X\", \"Name\": \"X\", \"Version\": \"1\", \"Description\": \"d\", " + own + ", \"Routes\": [\"/x\"]")
                                  << QStringLiteral("lowercase");
    QTest::addRow("missing name") << md("\"Id\": \"x\", \"Version\": \"1\", \"Description\": \"d\", " + own + ", \"Routes\": [\"/x\"]")
                                  << QStringLiteral("\"Name\"");
    QTest::addRow("wrong iid") << QByteArray("{\"IID\": \"org.other/1.0\", \"MetaData\": {}}") << QStringLiteral("wrong interface id");
    QTest::addRow("iid with a minor") << QByteArray("{\"IID\": \"" WsPlugMessageHandlerInterface_iid ".0\", \"MetaData\": {}}")
                                      << QStringLiteral("wrong interface id");
    QTest::addRow("no metadata") << QByteArray("{" + iid + "}") << QStringLiteral("no plugin metadata");
    const QByteArray routed = base + ", " + own + ", \"Routes\": [\"/x\"]";
    QTest::addRow("subprotocols") << md(routed + ", \"Subprotocols\": [\"wsplug.chat.v1\", \"v2\"]") << QString();
    QTest::addRow("no subprotocols") << md(routed + ", \"Subprotocols\": []") << QString();
    QTest::addRow("subprotocols not a list") << md(routed + ", \"Subprotocols\": \"v1\"") << QStringLiteral("\"Subprotocols\"");
    QTest::addRow("subprotocol with a space") << md(routed + ", \"Subprotocols\": [\"a b\"]") << QStringLiteral("HTTP token");
    QTest::addRow("subprotocol with a comma") << md(routed + ", \"Subprotocols\": [\"a,b\"]") << QStringLiteral("HTTP token");
    QTest::addRow("subprotocol not ASCII") << md(routed + ", \"Subprotocols\": [\"\u00e9\"]") << QStringLiteral("HTTP token");
    QTest::addRow("subprotocol empty") << md(routed + ", \"Subprotocols\": [\"\"]") << QStringLiteral("HTTP token");
    QTest::addRow("subprotocol not a string") << md(routed + ", \"Subprotocols\": [1]") << QStringLiteral("HTTP token");
    QTest::addRow("subprotocol twice") << md(routed + ", \"Subprotocols\": [\"v\", \"v\"]") << QStringLiteral("twice");
    // Rights (SDK 2.1)
    QTest::addRow("rights") << md(routed + ", \"Rights\": {\"publish\": {\"Roles\": [\"publisher\", \"admin\"], \"Routes\": [\"/x\"], "
                                           "\"Description\": \"d\"}, \"kick\": {\"Roles\": []}}") << QString();
    QTest::addRow("rights on 2.0") << md(base + ", \"ApiVersion\": \"" + QByteArray::number(WSPLUG_SDK_VERSION_MAJOR)
                                         + ".0\", \"Routes\": [\"/x\"], \"Rights\": {\"a\": {\"Roles\": []}}")
                                   << QStringLiteral("\"Rights\" needs ApiVersion");
    QTest::addRow("rights not an object") << md(routed + ", \"Rights\": [\"publish\"]") << QStringLiteral("\"Rights\" must be an object");
    QTest::addRow("right name uppercase") << md(routed + ", \"Rights\": {\"Publish\": {\"Roles\": []}}") << QStringLiteral("a right's name");
    QTest::addRow("right without roles") << md(routed + ", \"Rights\": {\"publish\": {}}") << QStringLiteral("\"Roles\"");
    QTest::addRow("right not an object") << md(routed + ", \"Rights\": {\"publish\": [\"x\"]}") << QStringLiteral("must be an object");
    QTest::addRow("role with a space") << md(routed + ", \"Rights\": {\"publish\": {\"Roles\": [\"a b\"]}}") << QStringLiteral("printable");
    QTest::addRow("role not a string") << md(routed + ", \"Rights\": {\"publish\": {\"Roles\": [1]}}") << QStringLiteral("printable");
    QTest::addRow("right on another route") << md(routed + ", \"Rights\": {\"publish\": {\"Roles\": [], \"Routes\": [\"/y\"]}}")
                                            << QStringLiteral("not one of the plugin's routes");
    QTest::addRow("right with an unknown key") << md(routed + ", \"Rights\": {\"publish\": {\"Roles\": [], \"Role\": []}}")
                                               << QStringLiteral("unknown key \"Role\"");
}

void tst_PluginRegistry::metadataValidation()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const QJsonObject obj = QJsonDocument::fromJson(json).object();
    QVERIFY(!obj.isEmpty());
    PluginMetadata md;
    QString why;
    const bool ok = PluginMetadata::fromPluginMetaData(obj, &md, &why);
    if (error.isEmpty()) {
        QVERIFY2(ok, qPrintable(why));
        QCOMPARE(md.id, QStringLiteral("x"));
    } else {
        QVERIFY(!ok);
        QVERIFY2(why.contains(error), qPrintable(why));
    }
}

void tst_PluginRegistry::apiVersionCompatibility_data()
{
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<int>("hostMajor");
    QTest::addColumn<int>("hostMinor");
    QTest::addColumn<QString>("error");   // empty = accepted
    QTest::addRow("1.0 on 1.0") << QStringLiteral("1.0") << 1 << 0 << QString();
    QTest::addRow("1.1 on 1.0") << QStringLiteral("1.1") << 1 << 0 << QStringLiteral("needs a newer host");
    QTest::addRow("0.9 on 1.0") << QStringLiteral("0.9") << 1 << 0 << QStringLiteral("major version must be 1");
    QTest::addRow("2.0 on 1.0") << QStringLiteral("2.0") << 1 << 0 << QStringLiteral("major version must be 1");
    QTest::addRow("1 on 1.0") << QStringLiteral("1") << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("x.y on 1.0") << QStringLiteral("x.y") << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("1.0.0 on 1.0") << QStringLiteral("1.0.0") << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("empty on 1.0") << QString() << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("spaces on 1.0") << QStringLiteral(" 1.0") << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    QTest::addRow("non-ASCII digits") << QStringLiteral("1.\u0660") << 1 << 0 << QStringLiteral("not MAJOR.MINOR");
    // Too large for int: must not read as minor 0.
    QTest::addRow("huge minor") << QStringLiteral("1.99999999999") << 1 << 0 << QStringLiteral("not supported");
    QTest::addRow("huge major") << QStringLiteral("4294967297.0") << 1 << 0 << QStringLiteral("not supported");
    // What a minor release is for: a 1.1 host runs every 1.0 and 1.1 plugin.
    QTest::addRow("1.0 on 1.1") << QStringLiteral("1.0") << 1 << 1 << QString();
    QTest::addRow("1.1 on 1.1") << QStringLiteral("1.1") << 1 << 1 << QString();
    QTest::addRow("1.2 on 1.1") << QStringLiteral("1.2") << 1 << 1 << QStringLiteral("needs a newer host");
    QTest::addRow("1.10 on 1.9") << QStringLiteral("1.10") << 1 << 9 << QStringLiteral("needs a newer host");
    QTest::addRow("1.9 on 1.10") << QStringLiteral("1.9") << 1 << 10 << QString();
    QTest::addRow("1.0 on 2.0") << QStringLiteral("1.0") << 2 << 0 << QStringLiteral("major version must be 2");
    QTest::addRow("2.3 on 2.5") << QStringLiteral("2.3") << 2 << 5 << QString();
}

void tst_PluginRegistry::apiVersionCompatibility()
{
    QFETCH(QString, apiVersion);
    QFETCH(int, hostMajor);
    QFETCH(int, hostMinor);
    QFETCH(QString, error);
    QString why;
    const bool ok = PluginMetadata::isSupportedApiVersion(apiVersion, hostMajor, hostMinor, &why);
    if (error.isEmpty()) {
        QVERIFY2(ok, qPrintable(why));
    } else {
        QVERIFY(!ok);
        QVERIFY2(why.contains(error), qPrintable(why));
        QVERIFY2(why.contains(apiVersion), qPrintable(why));   // the reason names what was declared
    }
    QVERIFY(PluginMetadata::isSupportedApiVersion(apiVersion, hostMajor, hostMinor, nullptr) == ok);
}

void tst_PluginRegistry::interfaceIdCarriesTheMajorOnly()
{
    QCOMPARE(QStringLiteral(WsPlugMessageHandlerInterface_iid),
             QStringLiteral("org.wsplug.MessageHandler/%1").arg(WSPLUG_SDK_VERSION_MAJOR));
    QCOMPARE(QStringLiteral(WSPLUG_SDK_VERSION_STRING),
             QStringLiteral("%1.%2").arg(WSPLUG_SDK_VERSION_MAJOR).arg(WSPLUG_SDK_VERSION_MINOR));
    // The bundled plugins' metadata carries the same version as the header.
    PluginRegistry registry;
    registry.load({QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)});
    QVERIFY(!registry.loaded().isEmpty());
    for (const PluginMetadata &md : registry.loaded())
        QCOMPARE(md.apiVersion, QStringLiteral(WSPLUG_SDK_VERSION_STRING));
}

void tst_PluginRegistry::loadsGoodAndRefusesBadWithReasons_data()
{
    const QString newerMinor = QStringLiteral("%1.%2").arg(WSPLUG_SDK_VERSION_MAJOR).arg(WSPLUG_SDK_VERSION_MINOR + 1);
    const QString nextMajor = QStringLiteral("%1.0").arg(WSPLUG_SDK_VERSION_MAJOR + 1);
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reason");
    QTest::addRow("not a Qt plugin") << QStringLiteral("notaplugin") << QStringLiteral("not a Qt plugin");
    QTest::addRow("wrong IID") << QStringLiteral("wrongiid") << QStringLiteral("wrong interface id");
    QTest::addRow("IID with a minor") << QStringLiteral("minoriid") << QStringLiteral("wrong interface id");
    QTest::addRow("other major") << QStringLiteral("wrongapiversion")
                                 << QStringLiteral("ApiVersion %1 is not supported").arg(nextMajor);
    QTest::addRow("newer minor") << QStringLiteral("newerminor")
                                 << QStringLiteral("ApiVersion %1 is not supported").arg(newerMinor);
    QTest::addRow("bad metadata") << QStringLiteral("badmetadata") << QStringLiteral("\"Routes\"");
    QTest::addRow("route clash") << QStringLiteral("routeclash") << QStringLiteral("already served by plugin \"echo\"");
    QTest::addRow("unresolved symbol") << QStringLiteral("unresolved") << QStringLiteral("wsplug_test_symbol_that_does_not_exist");
}

void tst_PluginRegistry::loadsGoodAndRefusesBadWithReasons()
{
    QFETCH(QString, file);
    QFETCH(QString, reason);
    PluginRegistry registry;
    registry.load({QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)});
    const QStringList ids = loadedIds(registry);
    QVERIFY2(ids.contains(QStringLiteral("echo")), qPrintable(ids.join(QLatin1Char(','))));
    QVERIFY2(ids.contains(QStringLiteral("valid")), qPrintable(ids.join(QLatin1Char(','))));
    QVERIFY(!ids.contains(file));
    const QString why = refusalFor(registry, file);
    QVERIFY2(why.contains(reason), qPrintable(QStringLiteral("%1: \"%2\"").arg(file, why)));
    QCOMPARE(registry.match(QStringLiteral("/echo")).first, QStringLiteral("echo"));
}

void tst_PluginRegistry::refusesPluginWhoseInitializeFails()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    const QStringList ids = loadedIds(host.plugins());
    QVERIFY(ids.contains(QStringLiteral("valid")));
    QVERIFY(!ids.contains(QStringLiteral("initfails")));
    QVERIFY(!ids.contains(QStringLiteral("initthrows")));
    QVERIFY(refusalFor(host.plugins(), QStringLiteral("initfails")).contains(QStringLiteral("the database is not reachable")));
    QVERIFY(refusalFor(host.plugins(), QStringLiteral("initthrows")).contains(QStringLiteral("boom in initialize")));
    // A refused plugin's routes are not served.
    QCOMPARE(statusCode(rawRequest(host.serverPort(), handshakeRequest(QStringLiteral("/initfails")))), 404);
    QCOMPARE(statusCode(rawRequest(host.serverPort(), handshakeRequest(QStringLiteral("/valid")))), 101);
}

void tst_PluginRegistry::pluginExceptionClosesOnlyThatSessionWith1011()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    QWebSocket victim, bystander;
    QSignalSpy victimUp(&victim, &QWebSocket::connected), bystanderUp(&bystander, &QWebSocket::connected);
    victim.open(wsUrl(host.serverPort(), QStringLiteral("/valid")));
    bystander.open(wsUrl(host.serverPort(), QStringLiteral("/valid")));
    QVERIFY(victimUp.wait() || victimUp.size() == 1);
    QTRY_COMPARE(bystanderUp.size(), 1);
    QSignalSpy victimDown(&victim, &QWebSocket::disconnected);
    victim.sendTextMessage(QStringLiteral("throw"));
    QTRY_COMPARE(victimDown.size(), 1);
    QCOMPARE(int(victim.closeCode()), 1011);
    QSignalSpy echoed(&bystander, &QWebSocket::textMessageReceived);
    bystander.sendTextMessage(QStringLiteral("still here"));
    QTRY_COMPARE(echoed.size(), 1);
    QCOMPARE(host.sessionCount(), 1);
}

void tst_PluginRegistry::pluginGetsItsOwnSettings()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    config.pluginSettings.insert(QStringLiteral("valid"), QVariantMap{{QStringLiteral("greeting"), QStringLiteral("hej")}});
    config.pluginSettings.insert(QStringLiteral("other"), QVariantMap{{QStringLiteral("greeting"), QStringLiteral("wrong")}});
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    QWebSocket client;
    QSignalSpy up(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(host.serverPort(), QStringLiteral("/valid")));
    QTRY_COMPARE(up.size(), 1);
    client.sendTextMessage(QStringLiteral("settings"));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("hej"));
}

void tst_PluginRegistry::sessionClosedIsNeverReentrant()
{
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    config.maxSendBacklogBytes = 1024 * 1024;
    HostServer host;
    host.setConfig(config);
    QVERIFY(host.start());
    QSignalSpy closed(&host, &HostServer::sessionClosed);
    QTcpSocket stalled;   // never reads: the flood passes the backlog limit inside sendText()
    QVERIFY(connectRaw(stalled, host.serverPort()));
    stalled.setReadBufferSize(1);
    stalled.write(handshakeRequest(QStringLiteral("/valid")));
    QTRY_COMPARE(host.sessionCount(), 1);
    stalled.write(clientFrame(0x1, "flood"));
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().closeCause, CloseCause::Backlog);

    QWebSocket probe;
    QSignalSpy up(&probe, &QWebSocket::connected);
    QSignalSpy texts(&probe, &QWebSocket::textMessageReceived);
    probe.open(wsUrl(host.serverPort(), QStringLiteral("/valid")));
    QTRY_COMPARE(up.size(), 1);
    probe.sendTextMessage(QStringLiteral("closed?"));
    probe.sendTextMessage(QStringLiteral("reentered?"));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.at(0).first().toString(), QStringLiteral("1"));   // told, once
    QCOMPARE(texts.at(1).first().toString(), QStringLiteral("no"));  // but not from inside sendText()
}

void tst_PluginRegistry::twoHostsInOneProcessDoNotSharePluginState()
{
    HostServer hosts[2];
    for (int i = 0; i < 2; ++i) {
        HostConfig config = testConfig();
        config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
        config.pluginSettings.insert(QStringLiteral("valid"), QVariantMap{{QStringLiteral("greeting"), QStringLiteral("host %1").arg(i)}});
        hosts[i].setConfig(config);
        QVERIFY(hosts[i].start());
    }
    for (int i = 0; i < 2; ++i) {
        QWebSocket client;
        QSignalSpy up(&client, &QWebSocket::connected);
        QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
        client.open(wsUrl(hosts[i].serverPort(), QStringLiteral("/valid")));
        QTRY_COMPARE(up.size(), 1);
        client.sendTextMessage(QStringLiteral("settings"));
        QTRY_COMPARE(texts.size(), 1);
        QCOMPARE(texts.first().first().toString(), QStringLiteral("host %1").arg(i));
    }
    hosts[0].stop();
    QTRY_VERIFY(!hosts[0].isRunning());
    // The other host's plugin instance is untouched by the first one's shutdown.
    QCOMPARE(statusCode(rawRequest(hosts[1].serverPort(), handshakeRequest(QStringLiteral("/valid")))), 101);
}

void tst_PluginRegistry::prefixRouteServesSubpaths()
{
    PluginRegistry registry;
    registry.load({QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)});
    QCOMPARE(registry.match(QStringLiteral("/valid")), std::make_pair(QStringLiteral("valid"), QStringLiteral("/valid")));
    QCOMPARE(registry.match(QStringLiteral("/valid/a/b")), std::make_pair(QStringLiteral("valid"), QStringLiteral("/valid/*")));
    QCOMPARE(registry.match(QStringLiteral("/validx")).first, QString());
    QCOMPARE(registry.match(QStringLiteral("/")).first, QString());
}

void tst_PluginRegistry::missingPluginDirectoryIsReported()
{
    QTemporaryDir tmp;
    const QString gone = tmp.path() + QStringLiteral("/does-not-exist");
    PluginRegistry registry;
    registry.load({gone, QStringLiteral(WSPLUG_PLUGIN_DIR)});
    QVERIFY(loadedIds(registry).contains(QStringLiteral("echo")));
    QVERIFY(refusalFor(registry, QStringLiteral("does-not-exist")).contains(QStringLiteral("does not exist")));
}

QTEST_GUILESS_MAIN(tst_PluginRegistry)
#include "tst_pluginregistry.moc"
