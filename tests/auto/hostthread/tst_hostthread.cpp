// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The host on a dedicated thread, as the monitor runs it.

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>

#include "testsupport.h"

#include <QSignalSpy>
#include <QElapsedTimer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QWebSocket>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_HostThread : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QThread::currentThread()->setObjectName(QStringLiteral("test-main")); }
    void pluginCallbacksRunOnTheHostThread_data();
    void pluginCallbacksRunOnTheHostThread();
    void mainThreadStaysFreeWhileHostWorks();
    void reportsStartFailure();
    void stopClosesSessionsWith1001AndJoins();
    void restartsAfterStop();
    void stopLaterDoesNotBlock();
};

void tst_HostThread::pluginCallbacksRunOnTheHostThread_data()
{
    QTest::addColumn<HostThread::Dispatcher>("dispatcher");
    QTest::addRow("epoll") << HostThread::Dispatcher::Epoll;
    QTest::addRow("qt") << HostThread::Dispatcher::Qt;
}

void tst_HostThread::pluginCallbacksRunOnTheHostThread()
{
    QFETCH(HostThread::Dispatcher, dispatcher);
    HostThread thread;
    thread.setDispatcher(dispatcher);
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    QString error;
    QVERIFY2(thread.start(config, &error), qPrintable(error));
    QCOMPARE(thread.dispatcher(), dispatcher);
    QVERIFY(thread.serverPort() != 0);
    QCOMPARE(thread.host()->thread(), thread.hostThread());

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/valid")));
    QTRY_COMPARE(connected.size(), 1);
    client.sendTextMessage(QStringLiteral("thread"));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("wsplug-host"));
}

void tst_HostThread::mainThreadStaysFreeWhileHostWorks()
{
    HostThread thread;
    QVERIFY(thread.start(testConfig()));
    // Signals from the host arrive queued on this thread.
    QSignalSpy opened(thread.host(), &HostServer::sessionOpened);
    QSignalSpy closed(thread.host(), &HostServer::sessionClosed);
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(opened.size(), 1);
    for (int i = 0; i < 100; ++i)
        client.sendTextMessage(QString::number(i));
    QTRY_COMPARE(texts.size(), 100);
    QCOMPARE(texts.last().first().toString(), QStringLiteral("99"));
    client.close();
    QTRY_COMPARE(closed.size(), 1);
    int count = -1;
    QMetaObject::invokeMethod(thread.host(), [&] { count = thread.host()->sessionCount(); }, Qt::BlockingQueuedConnection);
    QCOMPARE(count, 0);
}

void tst_HostThread::reportsStartFailure()
{
    HostThread first;
    QVERIFY(first.start(testConfig()));
    HostConfig config = testConfig();
    config.port = first.serverPort();
    HostThread second;
    QString error;
    QVERIFY(!second.start(config, &error));
    QVERIFY2(error.contains(QStringLiteral("cannot listen")), qPrintable(error));
    QVERIFY(!second.isRunning());
    QVERIFY(!second.hostThread()->isRunning());
}

void tst_HostThread::stopClosesSessionsWith1001AndJoins()
{
    HostThread thread;
    QVERIFY(thread.start(testConfig()));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    thread.stop();
    QVERIFY(!thread.isRunning());
    QVERIFY(!thread.hostThread()->isRunning());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1001);
}

void tst_HostThread::restartsAfterStop()
{
    HostThread thread;
    QVERIFY(thread.start(testConfig()));
    thread.stop();
    QVERIFY(thread.start(testConfig()));
    QCOMPARE(statusCode(rawRequest(thread.serverPort(), handshakeRequest(QStringLiteral("/echo")))), 101);
}

void tst_HostThread::stopLaterDoesNotBlock()
{
    HostConfig config = testConfig();
    config.shutdownGraceMs = 1500;
    HostThread thread;
    QVERIFY(thread.start(config));
    // A peer that never answers the close keeps the host waiting for the whole grace period.
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, thread.serverPort(), QStringLiteral("/echo")));
    deaf.setReadBufferSize(1);
    QSignalSpy stopped(&thread, &HostThread::stopped);
    QElapsedTimer clock;
    clock.start();
    thread.stopLater();
    QVERIFY2(clock.elapsed() < 500, "stopLater() waited for the host");
    QVERIFY(thread.isRunning());   // still closing
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
    QVERIFY(!thread.isRunning());
    QVERIFY(!thread.hostThread()->isRunning());
    QVERIFY(thread.start(testConfig()));   // and it can start again
    thread.stopLater();
    thread.stop();   // joins a stop already under way
    QVERIFY(!thread.isRunning());
}

QTEST_GUILESS_MAIN(tst_HostThread)
#include "tst_hostthread.moc"
