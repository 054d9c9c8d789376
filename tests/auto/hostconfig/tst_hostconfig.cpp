// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

#include <wsplug/hostconfig.h>

#include <QTest>

using namespace WsPlug;

class tst_HostConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsAreSane();
    void loadsEveryKey();
    void absentKeysKeepTheirValue();
    void rejectsBadConfig_data();
    void rejectsBadConfig();
    void validateChecksEveryRangeOfTheTable();
};

void tst_HostConfig::defaultsAreSane()
{
    const HostConfig c;
    QVERIFY(c.validate(nullptr));
    QVERIFY(c.listenBacklog >= 1024);
    QVERIFY(c.maxConnections > 0 && c.maxConnectionsPerIp > 0);
    QVERIFY(c.maxConnectionsPerIp <= c.maxConnections);
    QVERIFY(c.maxFrameBytes <= c.maxMessageBytes);
    QVERIFY(c.pingIntervalMs > 0 && c.pongTimeoutMs > 0);
}

void tst_HostConfig::loadsEveryKey()
{
    HostConfig c;
    QString why;
    const QByteArray json = R"({
        "address": "::1", "port": 9000, "listenBacklog": 2048,
        "pluginDirs": ["/opt/a", "/opt/b"],
        "plugins": { "chat": { "historySize": 50 } },
        "maxConnections": 500, "maxConnectionsPerIp": 20, "handshakeTimeoutMs": 2000,
        "maxRequestHeadBytes": 4096, "maxFrameBytes": 65536, "maxMessageBytes": 1048576,
        "maxSendBacklogBytes": 262144, "pingIntervalMs": 5000, "pongTimeoutMs": 2000,
        "shutdownGraceMs": 1000, "adminEnabled": false, "adminToken": "s3cret-Token_1.x~",
        "maxAdminConnections": 2, "metricsEnabled": false, "handshakeLogSize": 50,
        "statsTickMs": 500, "rateHistorySeconds": 60,
        "captureFile": "/var/tmp/host.pcapng", "captureMaxBytes": 1048576
    })";
    QVERIFY2(c.loadJson(json, &why), qPrintable(why));
    QCOMPARE(c.address, QHostAddress(QStringLiteral("::1")));
    QCOMPARE(c.port, quint16(9000));
    QCOMPARE(c.listenBacklog, 2048);
    QCOMPARE(c.pluginDirs, (QStringList{QStringLiteral("/opt/a"), QStringLiteral("/opt/b")}));
    QCOMPARE(c.pluginSettings.value(QStringLiteral("chat")).toMap().value(QStringLiteral("historySize")).toInt(), 50);
    QCOMPARE(c.maxConnections, 500);
    QCOMPARE(c.maxConnectionsPerIp, 20);
    QCOMPARE(c.handshakeTimeoutMs, 2000);
    QCOMPARE(c.maxRequestHeadBytes, 4096);
    QCOMPARE(c.maxFrameBytes, qint64(65536));
    QCOMPARE(c.maxMessageBytes, qint64(1048576));
    QCOMPARE(c.maxSendBacklogBytes, qint64(262144));
    QCOMPARE(c.pingIntervalMs, 5000);
    QCOMPARE(c.pongTimeoutMs, 2000);
    QCOMPARE(c.shutdownGraceMs, 1000);
    QCOMPARE(c.adminEnabled, false);
    QCOMPARE(c.adminToken, QStringLiteral("s3cret-Token_1.x~"));
    QCOMPARE(c.maxAdminConnections, 2);
    QCOMPARE(c.metricsEnabled, false);
    QCOMPARE(c.handshakeLogSize, 50);
    QCOMPARE(c.statsTickMs, 500);
    QCOMPARE(c.rateHistorySeconds, 60);
    QCOMPARE(c.captureFile, QStringLiteral("/var/tmp/host.pcapng"));
    QCOMPARE(c.captureMaxBytes, qint64(1048576));
}

void tst_HostConfig::absentKeysKeepTheirValue()
{
    HostConfig c;
    c.port = 1234;
    QVERIFY(c.loadJson("{\"maxConnections\": 7}", nullptr));
    QCOMPARE(c.port, quint16(1234));
    QCOMPARE(c.maxConnections, 7);
}

void tst_HostConfig::rejectsBadConfig_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::addRow("truncated") << QByteArray("{\"port\": 80") << QStringLiteral("invalid JSON");
    QTest::addRow("empty file") << QByteArray() << QStringLiteral("invalid JSON");
    QTest::addRow("array") << QByteArray("[1,2]") << QStringLiteral("JSON object");
    QTest::addRow("unknown key") << QByteArray("{\"prot\": 80}") << QStringLiteral("unknown config key \"prot\"");
    QTest::addRow("port string") << QByteArray("{\"port\": \"80\"}") << QStringLiteral("\"port\" must be an integer");
    QTest::addRow("port too big") << QByteArray("{\"port\": 70000}") << QStringLiteral("\"port\" must be an integer from 0 to 65535");
    QTest::addRow("fraction") << QByteArray("{\"maxConnections\": 1.5}") << QStringLiteral("\"maxConnections\"");
    QTest::addRow("negative") << QByteArray("{\"maxConnections\": -1}") << QStringLiteral("\"maxConnections\"");
    QTest::addRow("bad address") << QByteArray("{\"address\": \"localhost:80\"}") << QStringLiteral("\"address\"");
    QTest::addRow("pluginDirs string") << QByteArray("{\"pluginDirs\": \"/opt\"}") << QStringLiteral("\"pluginDirs\"");
    QTest::addRow("pluginDirs number") << QByteArray("{\"pluginDirs\": [1]}") << QStringLiteral("\"pluginDirs\"");
    QTest::addRow("plugin settings not object") << QByteArray("{\"plugins\": {\"chat\": 3}}") << QStringLiteral("plugin \"chat\"");
    QTest::addRow("admin flag as string") << QByteArray("{\"adminEnabled\": \"yes\"}") << QStringLiteral("true or false");
    QTest::addRow("short admin token") << QByteArray("{\"adminToken\": \"abc\"}") << QStringLiteral("at least 8");
    QTest::addRow("admin token with space") << QByteArray("{\"adminToken\": \"abc defgh\"}") << QStringLiteral("letters, digits");
    QTest::addRow("admin token with ampersand") << QByteArray("{\"adminToken\": \"abcd&efgh\"}") << QStringLiteral("letters, digits");
    QTest::addRow("admin token number") << QByteArray("{\"adminToken\": 12345678}") << QStringLiteral("must be a string");
    QTest::addRow("capture file number") << QByteArray("{\"captureFile\": 1}") << QStringLiteral("\"captureFile\" must be a string");
    QTest::addRow("capture limit too small") << QByteArray("{\"captureMaxBytes\": 100}") << QStringLiteral("\"captureMaxBytes\"");
    QTest::addRow("stats tick too fast") << QByteArray("{\"statsTickMs\": 1}") << QStringLiteral("\"statsTickMs\"");
    QTest::addRow("frame over message") << QByteArray("{\"maxFrameBytes\": 4096, \"maxMessageBytes\": 1024}")
                                        << QStringLiteral("frame size");
}

void tst_HostConfig::rejectsBadConfig()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    HostConfig c;
    c.port = 4321;
    QString why;
    QVERIFY(!c.loadJson(json, &why));
    QVERIFY2(why.contains(error), qPrintable(why));
    QVERIFY(!why.contains(QLatin1Char('\n')));
    QCOMPARE(c.port, quint16(4321));   // a failed load changes nothing
}

// validate() takes its ranges from intSettings(), like the config file and the
// flags: a value just outside either end of any setting's range is refused.
void tst_HostConfig::validateChecksEveryRangeOfTheTable()
{
    for (const HostConfig::IntSetting &setting : HostConfig::intSettings()) {
        const QString key = QLatin1String(setting.key);
        HostConfig c;
        // Keep frame <= message while one of them moves through its range.
        if (key == QLatin1String("maxFrameBytes"))
            c.maxMessageBytes = setting.max;
        if (key == QLatin1String("maxMessageBytes"))
            c.maxFrameBytes = setting.min;
        setting.set(c, setting.min);
        QVERIFY2(c.validate(nullptr), qPrintable(key + QStringLiteral(" at its minimum")));
        QString why;
        if (setting.min > 0) {
            HostConfig below = c;
            setting.set(below, setting.min - 1);
            QVERIFY2(setting.get(below) == setting.min - 1, qPrintable(key));
            QVERIFY2(!below.validate(&why), qPrintable(key + QStringLiteral(" below its minimum")));
            QVERIFY2(why.contains(key), qPrintable(why));
        }
        HostConfig above = c;
        setting.set(above, setting.max + 1);
        if (setting.get(above) == setting.max + 1) {   // representable in the field's type
            QVERIFY2(!above.validate(&why), qPrintable(key + QStringLiteral(" above its maximum")));
            QVERIFY2(why.contains(key), qPrintable(why));
        }
    }
}

QTEST_GUILESS_MAIN(tst_HostConfig)
#include "tst_hostconfig.moc"
