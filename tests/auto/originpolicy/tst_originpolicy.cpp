// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// --allowed-origins: the policy on its own, then a real host answering raw handshakes
// with and without an Origin header.

#include <wsplug/hostserver.h>

#include "originpolicy_p.h"
#include "testsupport.h"

#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Test;
using Internal::OriginPolicy;

class tst_OriginPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matches_data();
    void matches();
    void badEntriesAreRefused_data();
    void badEntriesAreRefused();
    void hostRefusesWith403BeforeTheUpgrade();
};

void tst_OriginPolicy::matches_data()
{
    QTest::addColumn<QStringList>("entries");
    QTest::addColumn<QString>("route");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<bool>("allowed");
    const QStringList general{QStringLiteral("https://class.example.org,https://*.school.edu")};
    QTest::newRow("exact") << general << "/echo" << "https://class.example.org" << true;
    QTest::newRow("exact, other case") << general << "/echo" << "HTTPS://Class.Example.org" << true;
    QTest::newRow("other host") << general << "/echo" << "https://evil.example.org" << false;
    QTest::newRow("other scheme") << general << "/echo" << "http://class.example.org" << false;
    QTest::newRow("other port") << general << "/echo" << "https://class.example.org:8443" << false;
    QTest::newRow("subdomain") << general << "/echo" << "https://a.school.edu" << true;
    QTest::newRow("deeper subdomain") << general << "/echo" << "https://b.a.school.edu" << true;
    QTest::newRow("not the domain itself") << general << "/echo" << "https://school.edu" << false;
    QTest::newRow("a lookalike") << general << "/echo" << "https://evilschool.edu" << false;
    QTest::newRow("suffix trick") << general << "/echo" << "https://school.edu.evil.com" << false;
    QTest::newRow("no Origin: not a browser") << general << "/echo" << "" << true;
    QTest::newRow("null origin") << general << "/echo" << "null" << false;
    const QStringList perRoute{QStringLiteral("https://class.example.org"), QStringLiteral("/chat=https://chat.example.org")};
    QTest::newRow("route rule replaces the general") << perRoute << "/chat" << "https://class.example.org" << false;
    QTest::newRow("route rule") << perRoute << "/chat" << "https://chat.example.org" << true;
    QTest::newRow("other routes keep the general") << perRoute << "/echo" << "https://class.example.org" << true;
    QTest::newRow("any") << QStringList{QStringLiteral("*")} << "/echo" << "https://anything.example" << true;
    QTest::newRow("rules for other routes only") << QStringList{QStringLiteral("/chat=https://chat.example.org")}
                                                 << "/echo" << "https://x.example" << true;
    QTest::newRow("no policy") << QStringList() << "/echo" << "https://x.example" << true;
}

void tst_OriginPolicy::matches()
{
    QFETCH(QStringList, entries);
    QFETCH(QString, route);
    QFETCH(QString, origin);
    QFETCH(bool, allowed);
    QString why;
    const auto policy = OriginPolicy::parse(entries, &why);
    QVERIFY2(policy, qPrintable(why));
    QCOMPARE(policy->allows(route, route, origin), allowed);
}

void tst_OriginPolicy::badEntriesAreRefused_data()
{
    QTest::addColumn<QString>("entry");
    QTest::newRow("no scheme") << QStringLiteral("class.example.org");
    QTest::newRow("a path") << QStringLiteral("https://class.example.org/page");
    QTest::newRow("star in the middle") << QStringLiteral("https://a.*.org");
    QTest::newRow("route without a slash") << QStringLiteral("chat=https://a.org");
    QTest::newRow("route without origins") << QStringLiteral("/chat=");
    QTest::newRow("a space inside") << QStringLiteral("https://a b.org");
}

void tst_OriginPolicy::badEntriesAreRefused()
{
    QFETCH(QString, entry);
    QString why;
    QVERIFY(!OriginPolicy::parse({entry}, &why));
    QVERIFY2(why.startsWith(QStringLiteral("allowed-origins:")), qPrintable(why));
    // And through the config, so that the programs refuse to start with it.
    HostConfig config = testConfig();
    config.allowedOrigins = {entry};
    QVERIFY(!config.validate(&why));
}

void tst_OriginPolicy::hostRefusesWith403BeforeTheUpgrade()
{
    HostConfig config = testConfig();
    config.allowedOrigins = {QStringLiteral("https://class.example.org"), QStringLiteral("/chat=*")};
    config.adminToken = QStringLiteral("origin-admin-token");
    auto host = startedHost(config);
    QVERIFY(host);
    const quint16 port = host->serverPort();
    auto status = [port](const QString &path, const QByteArray &origin) {
        return statusCode(rawRequest(port, handshakeRequest(path, origin.isEmpty() ? QByteArray() : "Origin: " + origin + "\r\n")));
    };
    QCOMPARE(status(QStringLiteral("/echo"), "https://class.example.org"), 101);
    const QByteArray refused = rawRequest(port, handshakeRequest(QStringLiteral("/echo"), "Origin: https://evil.example\r\n"));
    QCOMPARE(statusCode(refused), 403);
    QCOMPARE(status(QStringLiteral("/echo"), QByteArray()), 101);   // not a browser
    QCOMPARE(status(QStringLiteral("/chat"), "https://evil.example"), 101);   // /chat allows any
    // The admin channel is guarded by its token, not by browser origins.
    QCOMPARE(status(QStringLiteral("/_admin?token=origin-admin-token"), "https://evil.example"), 101);
    // The refusal is in the handshake log with the origin and the route.
    bool logged = false;
    for (const HandshakeRecord &r : host->handshakeLog()) {
        if (r.status == 403 && r.reason.contains(QStringLiteral("https://evil.example")) && r.reason.contains(QStringLiteral("/echo")))
            logged = true;
    }
    QVERIFY(logged);
}

QTEST_GUILESS_MAIN(tst_OriginPolicy)
#include "tst_originpolicy.moc"
