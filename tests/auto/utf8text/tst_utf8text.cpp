// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Text from the client to the plugin and back, against a real host: a plugin with
// Utf8TextInterface (SDK 2.2) gets exactly the bytes the client sent, however they
// were cut into fragments, and sends them back unchanged; a 2.1 plugin gets the same
// text as QString; invalid UTF-8 still fails the connection with 1007; and a message
// keeps its place among the control frames (a ping before it is answered first).

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "testsupport.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

QStringList textLog()
{
    return qApp->property("wsplugTextLog").toStringList();
}

QString hexOf(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

} // namespace

class tst_Utf8Text : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void capablePluginGetsExactlyTheBytesSent_data();
    void capablePluginGetsExactlyTheBytesSent();
    void binaryStillComesAsAMessage();
    void invalidUtf8StillClosesWith1007_data();
    void invalidUtf8StillClosesWith1007();
    void pluginWithoutTheCapabilityGetsQString();
    void aPingBeforeAMessageIsAnsweredFirst();

private:
    std::unique_ptr<HostServer> m_host;
};

void tst_Utf8Text::init()
{
    qApp->setProperty("wsplugTextLog", QStringList());
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEXT_PLUGIN_DIR)};
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    QVERIFY2(m_host->start(), qPrintable(m_host->errorString()));
    QCOMPARE(m_host->plugins().loaded().size(), 2);
}

void tst_Utf8Text::cleanup()
{
    if (m_host)
        m_host->stop();
    m_host.reset();
}

void tst_Utf8Text::capablePluginGetsExactlyTheBytesSent_data()
{
    QTest::addColumn<QList<QByteArray>>("fragments");
    const QByteArray bom("\xef\xbb\xbf");
    const QByteArray clef = QString::fromUtf8("a𝄞b").toUtf8();   // U+1D11E: four bytes
    QTest::addRow("ASCII") << QList<QByteArray>{"hello"};
    QTest::addRow("a leading BOM") << QList<QByteArray>{bom + "hi"};
    QTest::addRow("only a BOM") << QList<QByteArray>{bom};
    QTest::addRow("a 4-byte character split over three fragments")
        << QList<QByteArray>{clef.left(2), clef.mid(2, 2), clef.mid(4)};
    QTest::addRow("a BOM split over two fragments") << QList<QByteArray>{bom.left(2), bom.mid(2) + "x"};
    QTest::addRow("empty") << QList<QByteArray>{QByteArray()};
    QTest::addRow("70,000 bytes in two fragments")
        << QList<QByteArray>{QByteArray(30000, 'a'), QString(20000, QChar(0x20AC)).toUtf8().left(39999)};
}

void tst_Utf8Text::capablePluginGetsExactlyTheBytesSent()
{
    QFETCH(QList<QByteArray>, fragments);
    QByteArray whole;
    QByteArray stream;
    for (qsizetype i = 0; i < fragments.size(); ++i) {
        whole += fragments.at(i);
        stream += clientFrame(i == 0 ? 0x1 : 0x0, fragments.at(i), i == fragments.size() - 1);
    }
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, m_host->serverPort(), QStringLiteral("/bytes")));
    // Byte by byte: every fragment and character is cut at every point on the way.
    if (stream.size() < 200) {
        for (char c : stream) {
            socket.write(&c, 1);
            socket.flush();
        }
    } else {
        socket.write(stream);
    }
    QByteArray buffer;
    const auto echo = readFrame(socket, buffer, 10000);
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0x1);
    QVERIFY(echo->payload == whole);
    QCOMPARE(textLog(), QStringList{QStringLiteral("utf8 ") + hexOf(whole)});
}

void tst_Utf8Text::binaryStillComesAsAMessage()
{
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, m_host->serverPort(), QStringLiteral("/bytes")));
    socket.write(clientFrame(0x2, QByteArray("\xff\x00", 2), false) + clientFrame(0x0, "\xfe"));
    QByteArray buffer;
    const auto echo = readFrame(socket, buffer);
    QVERIFY(echo);
    QCOMPARE(echo->opcode, 0x2);
    QVERIFY(echo->payload == QByteArray("\xff\x00\xfe", 3));
    QCOMPARE(textLog(), QStringList{QStringLiteral("binary ff00fe")});
}

void tst_Utf8Text::invalidUtf8StillClosesWith1007_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("stream");
    for (const QString &path : {QStringLiteral("/bytes"), QStringLiteral("/qstring")}) {
        QTest::addRow("%s: a stray byte", qPrintable(path)) << path << clientFrame(0x1, "ok \xff");
        QTest::addRow("%s: a surrogate in a fragment", qPrintable(path))
            << path << clientFrame(0x1, "ok", false) + clientFrame(0x0, "\xed\xa0\x80");
        QTest::addRow("%s: ends inside a character", qPrintable(path))
            << path << clientFrame(0x1, "\xf0\x9d", false) + clientFrame(0x0, "\x84");
    }
}

void tst_Utf8Text::invalidUtf8StillClosesWith1007()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, stream);
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, m_host->serverPort(), path));
    socket.write(clientFrame(0x1, "before") + stream);
    QByteArray buffer;
    const auto echo = readFrame(socket, buffer);
    QVERIFY(echo);
    QVERIFY(echo->payload == "before");
    const auto close = readFrame(socket, buffer);
    QVERIFY(close);
    QCOMPARE(close->opcode, 0x8);
    QCOMPARE(closeCodeOf(*close), 1007);
    QCOMPARE(textLog().size(), 1);   // "before" only
}

void tst_Utf8Text::pluginWithoutTheCapabilityGetsQString()
{
    const QString text = QStringLiteral("\uFEFF") + QString::fromUtf8("κόσμε 𝄞 €");
    auto client = openClient(m_host->serverPort(), QStringLiteral("/qstring"));
    QVERIFY(client);
    QSignalSpy echoes(client.get(), &QWebSocket::textMessageReceived);
    client->sendTextMessage(text);
    QTRY_COMPARE(echoes.size(), 1);
    QCOMPARE(textLog(), QStringList{QStringLiteral("qstring ") + hexOf(text.toUtf8())});
    // Qt's decoder drops a leading BOM on the client's side: the rest came back.
    QCOMPARE(echoes.first().first().toString(), text.mid(1));
}

void tst_Utf8Text::aPingBeforeAMessageIsAnsweredFirst()
{
    // One write: the ping goes to Qt, the message past it; the pong must still come first.
    QTcpSocket socket;
    QVERIFY(upgradeRaw(socket, m_host->serverPort(), QStringLiteral("/bytes")));
    socket.write(clientFrame(0x1, "one") + clientFrame(0x9, "p") + clientFrame(0x1, "two"));
    QByteArray buffer;
    const auto first = readFrame(socket, buffer);
    const auto pong = readFrame(socket, buffer);
    const auto second = readFrame(socket, buffer);
    QVERIFY(first && pong && second);
    QCOMPARE(first->payload, QByteArray("one"));
    QCOMPARE(pong->opcode, 0xA);
    QCOMPARE(second->payload, QByteArray("two"));
}

QTEST_GUILESS_MAIN(tst_Utf8Text)
#include "tst_utf8text.moc"
