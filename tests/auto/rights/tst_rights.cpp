// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Rights without a network: the config's overrides as the host hands them to a plugin
// (PluginRights), and who holds a right (the SDK's header-only Rights). The bundled
// plugins' enforcement is tested end to end in tests/auto/tokens.

#include "pluginrights_p.h"

#include <wsplug/sdk/rights.h>
#include <wsplug/sdk/settingsreader.h>

#include <QJsonDocument>
#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Internal;

namespace {

QList<PluginRight> declared()
{
    QList<PluginRight> rights;
    QString why;
    const QJsonValue json = QJsonDocument::fromJson("{\"publish\": {\"Roles\": [\"publisher\"], \"Routes\": [\"/b/*\"]}, "
                                                    "\"kick\": {\"Roles\": [\"moderator\", \"admin\"]}}").object();
    if (!PluginRights::fromMetadata(json, {QStringLiteral("/b"), QStringLiteral("/b/*")}, &rights, &why))
        qWarning() << why;
    return rights;
}

SessionInfo session(const QString &route, const QStringList &roles, bool token = true)
{
    SessionInfo s;
    s.id = 1;
    s.route = route;
    s.roles = roles;
    if (token)
        s.claims.insert(QStringLiteral("sub"), QStringLiteral("someone"));
    return s;
}

} // namespace

class tst_Rights : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void whoHoldsARight();
    void theConfigGivesOtherRoles();
    void badOverridesAreRefused_data();
    void badOverridesAreRefused();
    void settingsReaderLeavesRightsToTheHost();
};

void tst_Rights::whoHoldsARight()
{
    QVariantMap settings;
    QString why;
    QVERIFY2(PluginRights::effectiveSettings(declared(), {}, &settings, &why), qPrintable(why));
    const Rights rights = Rights::fromSettings(settings);
    QVERIFY(rights.isDeclared(QStringLiteral("publish")));
    // A token with the role; without it; a role of another right.
    QVERIFY(rights.allows(session(QStringLiteral("/b/*"), {QStringLiteral("publisher")}), QStringLiteral("publish")));
    QVERIFY(!rights.allows(session(QStringLiteral("/b/*"), {}), QStringLiteral("publish")));
    QVERIFY(!rights.allows(session(QStringLiteral("/b/*"), {QStringLiteral("moderator")}), QStringLiteral("publish")));
    // A route the right does not govern; a session that presented no token (open route).
    QVERIFY(rights.allows(session(QStringLiteral("/b"), {}), QStringLiteral("publish")));
    QVERIFY(rights.allows(session(QStringLiteral("/b/*"), {}, false), QStringLiteral("publish")));
    // Any of several roles; a right nobody declared.
    QVERIFY(rights.allows(session(QStringLiteral("/b"), {QStringLiteral("x"), QStringLiteral("admin")}), QStringLiteral("kick")));
    QVERIFY(!rights.allows(session(QStringLiteral("/b"), {QStringLiteral("admin")}), QStringLiteral("ban")));
    QVERIFY(!rights.allows(session(QStringLiteral("/b"), {}, false), QStringLiteral("ban")));
    QCOMPARE(rights.roles(QStringLiteral("kick")), (QStringList{QStringLiteral("admin"), QStringLiteral("moderator")}));
}

void tst_Rights::theConfigGivesOtherRoles()
{
    const QVariantMap config{{QStringLiteral("echo"), false},
                             {QStringLiteral("rights"), QVariantMap{{QStringLiteral("publish"), QVariantList{QStringLiteral("editor")}}}}};
    QVariantMap settings;
    QString why;
    QVERIFY2(PluginRights::effectiveSettings(declared(), config, &settings, &why), qPrintable(why));
    QCOMPARE(settings.value(QStringLiteral("echo")), QVariant(false));   // the plugin's own settings stay
    const Rights rights = Rights::fromSettings(settings);
    QVERIFY(!rights.allows(session(QStringLiteral("/b/*"), {QStringLiteral("publisher")}), QStringLiteral("publish")));
    QVERIFY(rights.allows(session(QStringLiteral("/b/*"), {QStringLiteral("editor")}), QStringLiteral("publish")));
    QVERIFY(rights.allows(session(QStringLiteral("/b"), {QStringLiteral("moderator")}), QStringLiteral("kick")));   // untouched
    // An empty list: nobody holds it where tokens are required.
    const QVariantMap nobody{{QStringLiteral("rights"), QVariantMap{{QStringLiteral("kick"), QVariantList{}}}}};
    QVERIFY(PluginRights::effectiveSettings(declared(), nobody, &settings, &why));
    QVERIFY(!Rights::fromSettings(settings).allows(session(QStringLiteral("/b"), {QStringLiteral("moderator")}), QStringLiteral("kick")));
}

void tst_Rights::badOverridesAreRefused_data()
{
    QTest::addColumn<QVariant>("rights");
    QTest::addColumn<QString>("error");
    QTest::addRow("not an object") << QVariant(QStringLiteral("publish")) << QStringLiteral("must be an object");
    QTest::addRow("undeclared right") << QVariant(QVariantMap{{QStringLiteral("ban"), QVariantList{}}})
                                      << QStringLiteral("declares no right \"ban\"");
    QTest::addRow("roles not a list") << QVariant(QVariantMap{{QStringLiteral("kick"), QStringLiteral("moderator")}})
                                      << QStringLiteral("must be a list of roles");
    QTest::addRow("role not a string") << QVariant(QVariantMap{{QStringLiteral("kick"), QVariantList{1}}})
                                       << QStringLiteral("printable ASCII");
    QTest::addRow("role with a space") << QVariant(QVariantMap{{QStringLiteral("kick"), QVariantList{QStringLiteral("a b")}}})
                                       << QStringLiteral("printable ASCII");
}

void tst_Rights::badOverridesAreRefused()
{
    QFETCH(QVariant, rights);
    QFETCH(QString, error);
    QVariantMap settings;
    QString why;
    QVERIFY(!PluginRights::effectiveSettings(declared(), {{QStringLiteral("rights"), rights}}, &settings, &why));
    QVERIFY2(why.contains(error), qPrintable(why));
    // A plugin that declares none gets no "rights" to read.
    QVERIFY(!PluginRights::effectiveSettings({}, {{QStringLiteral("rights"), rights}}, &settings, &why));
    QVERIFY(PluginRights::effectiveSettings({}, {{QStringLiteral("x"), 1}}, &settings, &why));
    QVERIFY(!settings.contains(QStringLiteral("rights")));
}

// A plugin reading its settings strictly does not trip over the host's "rights".
void tst_Rights::settingsReaderLeavesRightsToTheHost()
{
    QVariantMap settings;
    QString why;
    QVERIFY(PluginRights::effectiveSettings(declared(), {{QStringLiteral("echo"), true}}, &settings, &why));
    SettingsReader reader(settings, QString(), &why);
    reader.onlyKeys({QStringLiteral("echo")});
    QVERIFY2(reader.ok(), qPrintable(why));
}

QTEST_GUILESS_MAIN(tst_Rights)
#include "tst_rights.moc"
