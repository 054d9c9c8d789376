// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// ForwardedFor: which client a trusted proxy names (no I/O).
#include "forwardedfor_p.h"

#include <QTest>

using WsPlug::Internal::ForwardedFor;

namespace {
QHostAddress a(const char *text)
{
    return QHostAddress(QLatin1String(text));
}
} // namespace

class tst_ForwardedFor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesRanges_data();
    void parsesRanges();
    void findsClient_data();
    void findsClient();
    void ignoresUntrustedPeersHeaders();
    void parsesForwardedQuotedAndIpv6();
};

void tst_ForwardedFor::parsesRanges_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addRow("v4 cidr") << "10.0.0.0/8" << true;
    QTest::addRow("v6 cidr") << "fd00::/8" << true;
    QTest::addRow("one address") << "127.0.0.1" << true;
    QTest::addRow("v6 address") << "::1" << true;
    QTest::addRow("bad prefix") << "10.0.0.0/33" << false;
    QTest::addRow("name") << "proxy.example.org" << false;
    QTest::addRow("empty") << "" << false;
}

void tst_ForwardedFor::parsesRanges()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QCOMPARE(ForwardedFor::parseRange(text).has_value(), valid);
    QString error;
    QCOMPARE(ForwardedFor::parse({QStringLiteral("127.0.0.1"), text}, &error).has_value(), valid);
    QCOMPARE(error.isEmpty(), valid);
}

void tst_ForwardedFor::findsClient_data()
{
    QTest::addColumn<QString>("peer");
    QTest::addColumn<QByteArrayList>("forwarded");
    QTest::addColumn<QByteArrayList>("xff");
    QTest::addColumn<QString>("client");
    QTest::addRow("one proxy") << "127.0.0.1" << QByteArrayList() << QByteArrayList{"203.0.113.9"} << "203.0.113.9";
    // The leftmost entries are the client's to write: the rightmost untrusted one counts.
    QTest::addRow("spoofed left entry") << "127.0.0.1" << QByteArrayList()
                                        << QByteArrayList{"1.2.3.4, 203.0.113.9"} << "203.0.113.9";
    QTest::addRow("two trusted hops") << "127.0.0.1" << QByteArrayList()
                                      << QByteArrayList{"203.0.113.9, 10.1.2.3"} << "203.0.113.9";
    QTest::addRow("header lines joined") << "127.0.0.1" << QByteArrayList()
                                         << QByteArrayList{"198.51.100.1", "203.0.113.9"} << "203.0.113.9";
    QTest::addRow("port on v4") << "127.0.0.1" << QByteArrayList() << QByteArrayList{"203.0.113.9:5555"} << "203.0.113.9";
    QTest::addRow("bracketed v6") << "127.0.0.1" << QByteArrayList() << QByteArrayList{"[2001:db8::5]:443"} << "2001:db8::5";
    QTest::addRow("garbage stops at the last trusted hop") << "127.0.0.1" << QByteArrayList()
                                                           << QByteArrayList{"203.0.113.9, nonsense, 10.0.0.7"} << "10.0.0.7";
    QTest::addRow("no header: the proxy") << "127.0.0.1" << QByteArrayList() << QByteArrayList() << "127.0.0.1";
    QTest::addRow("all trusted: the leftmost") << "127.0.0.1" << QByteArrayList() << QByteArrayList{"10.0.0.1, 10.0.0.2"}
                                               << "10.0.0.1";
    QTest::addRow("Forwarded wins") << "127.0.0.1" << QByteArrayList{"for=192.0.2.60;proto=https;by=10.0.0.1"}
                                    << QByteArrayList{"203.0.113.9"} << "192.0.2.60";
    QTest::addRow("v4-mapped peer") << "::ffff:127.0.0.1" << QByteArrayList() << QByteArrayList{"203.0.113.9"}
                                    << "203.0.113.9";
}

void tst_ForwardedFor::findsClient()
{
    QFETCH(QString, peer);
    QFETCH(QByteArrayList, forwarded);
    QFETCH(QByteArrayList, xff);
    QFETCH(QString, client);
    const ForwardedFor proxies = *ForwardedFor::parse({QStringLiteral("127.0.0.1"), QStringLiteral("10.0.0.0/8")}, nullptr);
    QCOMPARE(proxies.clientAddress(QHostAddress(peer), forwarded, xff), QHostAddress(client));
}

void tst_ForwardedFor::ignoresUntrustedPeersHeaders()
{
    const ForwardedFor proxies = *ForwardedFor::parse({QStringLiteral("10.0.0.0/8")}, nullptr);
    QCOMPARE(proxies.clientAddress(a("198.51.100.7"), {"for=1.2.3.4"}, {"1.2.3.4"}), a("198.51.100.7"));
    const ForwardedFor none = *ForwardedFor::parse({}, nullptr);
    QVERIFY(none.isEmpty());
    QCOMPARE(none.clientAddress(a("127.0.0.1"), {}, {"1.2.3.4"}), a("127.0.0.1"));
}

void tst_ForwardedFor::parsesForwardedQuotedAndIpv6()
{
    const QList<QHostAddress> chain = ForwardedFor::parseForwarded(
            {"for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=http", "For=\"_hidden\", by=10.0.0.1;for=unknown"});
    QCOMPARE(chain.size(), 4);
    QCOMPARE(chain.at(0), a("192.0.2.43"));
    QCOMPARE(chain.at(1), a("2001:db8:cafe::17"));
    QVERIFY(chain.at(2).isNull());
    QVERIFY(chain.at(3).isNull());
    // A comma inside a quoted value does not split elements.
    QCOMPARE(ForwardedFor::parseForwarded({"for=\"198.51.100.1\";x=\"a,b\""}).size(), 1);
}

QTEST_GUILESS_MAIN(tst_ForwardedFor)
#include "tst_forwardedfor.moc"
