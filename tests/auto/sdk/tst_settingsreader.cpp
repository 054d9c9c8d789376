// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The SDK's strict settings reader, on its own: what plugin authors get.

#include <wsplug/sdk/settingsreader.h>

#include <QJsonObject>
#include <QTest>

#include <limits>

using namespace WsPlug;

class tst_SettingsReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void missingKeysKeepTheirDefaults();
    void readsEveryType();
    void refusesBadValues_data();
    void refusesBadValues();
    void keepsTheFirstErrorAndStopsReading();
    void nestedObjectFromJsonOrVariantMap();
    void takesATemporaryMap();
    void worksWithoutAnErrorString();
};

void tst_SettingsReader::missingKeysKeepTheirDefaults()
{
    QString error;
    SettingsReader reader({}, QString(), &error);
    bool flag = true;
    int number = 7;
    double ratio = 0.5;
    QString name = QStringLiteral("default");
    QVariantMap object{{QStringLiteral("kept"), 1}};
    reader.onlyKeys({});
    reader.readBool(QStringLiteral("flag"), &flag);
    reader.readInt(QStringLiteral("number"), 0, 10, &number);
    reader.readDouble(QStringLiteral("ratio"), 0, 1, &ratio);
    reader.readString(QStringLiteral("name"), &name);
    reader.readObject(QStringLiteral("object"), &object);
    QVERIFY(reader.ok());
    QVERIFY(error.isEmpty());
    QCOMPARE(flag, true);
    QCOMPARE(number, 7);
    QCOMPARE(ratio, 0.5);
    QCOMPARE(name, QStringLiteral("default"));
    QCOMPARE(object.value(QStringLiteral("kept")).toInt(), 1);
}

void tst_SettingsReader::readsEveryType()
{
    const QVariantMap map{{QStringLiteral("flag"), false},
                          {QStringLiteral("number"), 10},
                          {QStringLiteral("whole"), 3.0},   // JSON numbers arrive as double
                          {QStringLiteral("ratio"), 0.25},
                          {QStringLiteral("name"), QStringLiteral("x")}};
    QString error;
    SettingsReader reader(map, QString(), &error);
    bool flag = true;
    int number = 0, whole = 0;
    double ratio = 0;
    QString name;
    reader.onlyKeys({QStringLiteral("flag"), QStringLiteral("number"), QStringLiteral("whole"),
                     QStringLiteral("ratio"), QStringLiteral("name")});
    reader.readBool(QStringLiteral("flag"), &flag);
    reader.readInt(QStringLiteral("number"), 0, 10, &number);
    reader.readInt(QStringLiteral("whole"), 0, 10, &whole);
    reader.readDouble(QStringLiteral("ratio"), 0, 1, &ratio);
    reader.readString(QStringLiteral("name"), &name);
    QVERIFY2(reader.ok(), qPrintable(error));
    QCOMPARE(flag, false);
    QCOMPARE(number, 10);
    QCOMPARE(whole, 3);
    QCOMPARE(ratio, 0.25);
    QCOMPARE(name, QStringLiteral("x"));
}

void tst_SettingsReader::refusesBadValues_data()
{
    QTest::addColumn<QVariantMap>("map");
    QTest::addColumn<QString>("error");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::addRow("unknown key") << QVariantMap{{QStringLiteral("numbr"), 1}}
                                 << QStringLiteral("unknown setting \"p.numbr\"");
    QTest::addRow("bool as string") << QVariantMap{{QStringLiteral("flag"), QStringLiteral("true")}}
                                    << QStringLiteral("setting \"p.flag\" must be true or false");
    QTest::addRow("int as string") << QVariantMap{{QStringLiteral("number"), QStringLiteral("5")}}
                                   << QStringLiteral("setting \"p.number\" must be an integer");
    QTest::addRow("int with a fraction") << QVariantMap{{QStringLiteral("number"), 1.5}}
                                         << QStringLiteral("setting \"p.number\" must be an integer");
    QTest::addRow("int too big") << QVariantMap{{QStringLiteral("number"), 11}}
                                 << QStringLiteral("setting \"p.number\" must be between 0 and 10");
    QTest::addRow("int huge") << QVariantMap{{QStringLiteral("number"), 1e300}}
                              << QStringLiteral("setting \"p.number\" must be between 0 and 10");
    QTest::addRow("double NaN") << QVariantMap{{QStringLiteral("ratio"), nan}}
                                << QStringLiteral("setting \"p.ratio\" must be a number between 0 and 1");
    QTest::addRow("double infinite") << QVariantMap{{QStringLiteral("ratio"), inf}}
                                     << QStringLiteral("setting \"p.ratio\" must be a number between 0 and 1");
    QTest::addRow("double below") << QVariantMap{{QStringLiteral("ratio"), -0.1}}
                                  << QStringLiteral("setting \"p.ratio\" must be a number between 0 and 1");
    QTest::addRow("double as bool") << QVariantMap{{QStringLiteral("ratio"), true}}
                                    << QStringLiteral("setting \"p.ratio\" must be a number between 0 and 1");
    QTest::addRow("string as number") << QVariantMap{{QStringLiteral("name"), 3}}
                                      << QStringLiteral("setting \"p.name\" must be a string");
    QTest::addRow("object as list") << QVariantMap{{QStringLiteral("object"), QVariantList{1}}}
                                    << QStringLiteral("setting \"p.object\" must be an object");
}

void tst_SettingsReader::refusesBadValues()
{
    QFETCH(QVariantMap, map);
    QFETCH(QString, error);
    QString message;
    SettingsReader reader(map, QStringLiteral("p."), &message);
    bool flag = true;
    int number = 4;
    double ratio = 0.5;
    QString name = QStringLiteral("n");
    QVariantMap object;
    reader.onlyKeys({QStringLiteral("flag"), QStringLiteral("number"), QStringLiteral("ratio"),
                     QStringLiteral("name"), QStringLiteral("object")});
    reader.readBool(QStringLiteral("flag"), &flag);
    reader.readInt(QStringLiteral("number"), 0, 10, &number);
    reader.readDouble(QStringLiteral("ratio"), 0, 1, &ratio);
    reader.readString(QStringLiteral("name"), &name);
    reader.readObject(QStringLiteral("object"), &object);
    QVERIFY(!reader.ok());
    QCOMPARE(message, error);
    // Nothing was taken from a bad value.
    QCOMPARE(flag, true);
    QCOMPARE(number, 4);
    QCOMPARE(ratio, 0.5);
    QCOMPARE(name, QStringLiteral("n"));
    QVERIFY(object.isEmpty());
}

void tst_SettingsReader::keepsTheFirstErrorAndStopsReading()
{
    const QVariantMap map{{QStringLiteral("a"), QStringLiteral("x")}, {QStringLiteral("b"), 99},
                          {QStringLiteral("c"), 3}};
    QString error;
    SettingsReader reader(map, QString(), &error);
    int a = 0, b = 0, c = 0;
    reader.readInt(QStringLiteral("a"), 0, 10, &a);
    reader.readInt(QStringLiteral("b"), 0, 10, &b);
    reader.readInt(QStringLiteral("c"), 0, 10, &c);   // valid, but after an error
    QVERIFY(!reader.ok());
    QCOMPARE(error, QStringLiteral("setting \"a\" must be an integer"));
    QCOMPARE(c, 0);
}

void tst_SettingsReader::nestedObjectFromJsonOrVariantMap()
{
    const QVariantMap inner{{QStringLiteral("n"), 2}};
    for (const QVariant &value : {QVariant(inner), QVariant(QJsonObject::fromVariantMap(inner))}) {
        QString error;
        SettingsReader top(QVariantMap{{QStringLiteral("nested"), value}}, QString(), &error);
        QVariantMap nested;
        top.readObject(QStringLiteral("nested"), &nested);
        QVERIFY2(top.ok(), qPrintable(error));
        SettingsReader reader(nested, QStringLiteral("nested."), &error);
        int n = 0;
        reader.readInt(QStringLiteral("n"), 0, 1, &n);
        QVERIFY(!reader.ok());
        QCOMPARE(error, QStringLiteral("setting \"nested.n\" must be between 0 and 1"));
    }
}

void tst_SettingsReader::takesATemporaryMap()
{
    // HostContext::settings() returns by value: the reader must not keep a reference.
    auto settings = [] { return QVariantMap{{QStringLiteral("n"), 5}}; };
    QString error;
    SettingsReader reader(settings(), QString(), &error);
    int n = 0;
    reader.readInt(QStringLiteral("n"), 0, 10, &n);
    QVERIFY(reader.ok());
    QCOMPARE(n, 5);
}

void tst_SettingsReader::worksWithoutAnErrorString()
{
    SettingsReader reader(QVariantMap{{QStringLiteral("n"), QStringLiteral("x")}}, QString(), nullptr);
    int n = 1;
    reader.readInt(QStringLiteral("n"), 0, 10, &n);
    QVERIFY(!reader.ok());
    QCOMPARE(n, 1);
}

QTEST_APPLESS_MAIN(tst_SettingsReader)
#include "tst_settingsreader.moc"
