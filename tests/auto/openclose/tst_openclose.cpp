// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Opening and closing cost the same however many sessions are open. Not a timed test:
// it counts what makes a step cost more with every session open. Qt walks a
// receiver's whole list of incoming connections to find QObject::sender(), and a
// parent's whole list of children to let one go; so no object the sessions share may
// collect a connection or a child per session.

#include <wsplug/hostserver.h>

#include "heaptrimmer_p.h"
#include "testsupport.h"

#include <QPointer>
#include <QTest>
#include <QTcpServer>

#include <memory>
#include <vector>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

QStringList *dumpLines = nullptr;

void collect(QtMsgType, const QMessageLogContext &, const QString &message)
{
    dumpLines->append(message);
}

//! The connections made to \a object (its senders), as QObject::dumpObjectInfo() lists them.
int incomingConnections(const QObject *object)
{
    QStringList lines;
    dumpLines = &lines;
    const QtMessageHandler previous = qInstallMessageHandler(collect);
    object->dumpObjectInfo();
    qInstallMessageHandler(previous);
    dumpLines = nullptr;
    const qsizetype in = lines.indexOf(QStringLiteral("  SIGNALS IN"));
    if (in < 0)
        return -1;
    int count = 0;
    for (qsizetype i = in + 1; i < lines.size(); ++i)
        count += lines.at(i).trimmed().startsWith(QLatin1String("<--")) ? 1 : 0;
    return count;
}

struct Most
{
    int connections = 0;
    QString connectionsAt;
    int children = 0;
    QString childrenAt;
};

//! The most incoming connections and the most children of any object in the host's tree.
Most mostPerObject(HostServer *host)
{
    QList<QObject *> objects = host->findChildren<QObject *>();
    objects.prepend(host);
    Most most;
    for (QObject *o : std::as_const(objects)) {
        const QString name = QString::fromLatin1(o->metaObject()->className());
        if (const int n = incomingConnections(o); n > most.connections) {
            most.connections = n;
            most.connectionsAt = name;
        }
        if (const int n = int(o->children().size()); n > most.children) {
            most.children = n;
            most.childrenAt = name;
        }
    }
    return most;
}

} // namespace

class tst_OpenClose : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void countsTheConnectionsItMeasures();
    void sharedObjectsDoNotGrowWithOpenSessions();
    void closingLeavesNothingBehind();
    void trimsTheHeapOnlyAfterALargeDrain_data();
    void trimsTheHeapOnlyAfterALargeDrain();

private:
    bool openSessions(HostServer *host, int count);
    std::vector<std::unique_ptr<QTcpSocket>> m_peers;
};

bool tst_OpenClose::openSessions(HostServer *host, int count)
{
    const int target = host->sessionCount() + count;
    for (int i = 0; i < count; ++i) {
        m_peers.push_back(std::make_unique<QTcpSocket>());
        if (!upgradeRaw(*m_peers.back(), host->serverPort()))
            return false;
    }
    return QTest::qWaitFor([&] { return host->sessionCount() == target; }, 5000);
}

void tst_OpenClose::countsTheConnectionsItMeasures()
{
    // The measuring stick: dumpObjectInfo() lists incoming connections in release builds too.
    QObject receiver;
    std::vector<std::unique_ptr<QObject>> senders;
    for (int i = 0; i < 5; ++i) {
        senders.push_back(std::make_unique<QObject>());
        connect(senders.back().get(), &QObject::objectNameChanged, &receiver, [] {});
    }
    QCOMPARE(incomingConnections(&receiver), 5);
    senders.clear();
    QCOMPARE(incomingConnections(&receiver), 0);
}

void tst_OpenClose::sharedObjectsDoNotGrowWithOpenSessions()
{
    m_peers.clear();
    HostServer host;
    HostConfig config = testConfig();
    config.maxConnectionsPerIp = 1000;
    host.setConfig(config);
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    QVERIFY(host.findChild<QTcpServer *>());   // the listener every connection comes through

    QVERIFY(openSessions(&host, 10));
    const Most few = mostPerObject(&host);
    QVERIFY(openSessions(&host, 100));
    const Most many = mostPerObject(&host);
    qInfo("with 10 sessions: at most %d connections into one object (%s), %d children (%s)",
          few.connections, qPrintable(few.connectionsAt), few.children, qPrintable(few.childrenAt));
    qInfo("with 110 sessions: at most %d connections into one object (%s), %d children (%s)",
          many.connections, qPrintable(many.connectionsAt), many.children, qPrintable(many.childrenAt));
    // Qt's own QWebSocketServer (which the host no longer uses) kept one per upgraded
    // socket, and looked through them on every handshake and every close; the host
    // kept every session as its child.
    QVERIFY2(many.connections <= few.connections,
             qPrintable(QStringLiteral("%1 collects a connection per session").arg(many.connectionsAt)));
    QVERIFY2(many.children <= few.children,
             qPrintable(QStringLiteral("%1 collects a child per session").arg(many.childrenAt)));
    m_peers.clear();
    QTRY_COMPARE(host.sessionCount(), 0);
}

void tst_OpenClose::closingLeavesNothingBehind()
{
    // What a session takes goes when it closes: the socket under it too, now that the
    // host (not Qt's server) deletes it.
    m_peers.clear();
    HostServer host;
    host.setConfig(testConfig());
    QVERIFY2(host.start(), qPrintable(host.errorString()));
    const int objectsBefore = int(host.findChildren<QObject *>().size());
    const int fdsBefore = openFdCount();
    QVERIFY(openSessions(&host, 20));
    m_peers.clear();
    QTRY_COMPARE(host.sessionCount(), 0);
    QTRY_COMPARE(openFdCount(), fdsBefore);
    // Deferred deletes run once the loop is back.
    QTRY_COMPARE(int(host.findChildren<QObject *>().size()), objectsBefore);
}

void tst_OpenClose::trimsTheHeapOnlyAfterALargeDrain_data()
{
    QTest::addColumn<int>("peak");
    QTest::addColumn<int>("openNow");
    QTest::addColumn<bool>("trim");
    QTest::addRow("nothing open ever") << 0 << 0 << false;
    QTest::addRow("a few hundred gone") << 500 << 0 << false;
    QTest::addRow("5,000 down to none") << 5000 << 0 << true;
    QTest::addRow("5,000 down to half") << 5000 << 2500 << true;
    QTest::addRow("5,000 down to 3,000") << 5000 << 3000 << false;
    QTest::addRow("19,900 down to 18,000") << 19900 << 18000 << false;
    QTest::addRow("1,500 down to 400") << 1500 << 400 << true;
}

void tst_OpenClose::trimsTheHeapOnlyAfterALargeDrain()
{
    QFETCH(int, peak);
    QFETCH(int, openNow);
    QFETCH(bool, trim);
    Internal::HeapTrimmer trimmer;
    for (int open = 1; open <= peak; open += std::max(1, peak / 7))
        trimmer.opened(open);
    trimmer.opened(peak);
    QCOMPARE(trimmer.closed(openNow), trim);
    // Once trimmed, the next drain is counted from there.
    trimmer.trimmed(openNow);
    QVERIFY(!trimmer.closed(openNow));
}

QTEST_GUILESS_MAIN(tst_OpenClose)
#include "tst_openclose.moc"
