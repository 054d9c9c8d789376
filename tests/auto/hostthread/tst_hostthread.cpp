// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The host on a dedicated thread, as the monitor runs it.

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>

#include "testsupport.h"

#include <QAbstractEventDispatcher>
#include <QElapsedTimer>
#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QWebSocket>

#include <sys/socket.h>

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
    void readsTheClientsStreamOnEitherDispatcher_data();
    void readsTheClientsStreamOnEitherDispatcher();
    void aNestedEventLoopInAPluginKeepsTheStreamInOrder_data();
    void aNestedEventLoopInAPluginKeepsTheStreamInOrder();
    void aSessionEndedInsideAPluginsNestedLoopOutlivesIt_data();
    void aSessionEndedInsideAPluginsNestedLoopOutlivesIt();
    void aSessionClosedAfterAPausedReadHearsTheClientsClose_data();
    void aSessionClosedAfterAPausedReadHearsTheClientsClose();
    void reportsStartFailure();
    void stopClosesSessionsWith1001AndJoins();
    void restartsAfterStop();
    void stopLaterDoesNotBlock();
    void startLaterReturnsAtOnceAndReportsThePort();
    void startLaterReportsABusyPort();
    void stopLaterWhileStartingStopsWithoutStarting();
    void stopLaterReturnsWhileAClientIsClosedWith1001();
    void deleteWhenStoppedDrainsInTheBackground();
    void waitForBackgroundStopsJoinsTheDrains();
    void applicationEndStopsADrainLeftRunning_data();
    void applicationEndStopsADrainLeftRunning();
};

namespace {
// Well under any grace period used below: a call that took this long waited for the host.
constexpr qint64 ReturnsAtOnceMs = 250;

//! Starts \a thread on \a dispatcher with the test plugins (the "valid" one on /valid).
bool startWithTestPlugins(HostThread &thread, HostThread::Dispatcher dispatcher)
{
    thread.setDispatcher(dispatcher);
    HostConfig config = testConfig();
    config.pluginDirs = {QStringLiteral(WSPLUG_TEST_PLUGIN_DIR)};
    return thread.start(config);
}
} // namespace

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
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(opened.size(), 1);
    // The host's signal may come before the client has read the 101; QWebSocket drops
    // what it is given to send until then.
    QTRY_COMPARE(connected.size(), 1);
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

void tst_HostThread::readsTheClientsStreamOnEitherDispatcher_data()
{
    pluginCallbacksRunOnTheHostThread_data();
}

void tst_HostThread::readsTheClientsStreamOnEitherDispatcher()
{
    // The host reads an upgraded socket itself: under its epoll dispatcher the
    // activations come to it directly, under Qt's through an event filter. Either way
    // every frame is answered in the stream's order (pongs between echoes), what came
    // before the client's end of stream too, and the end is seen (1006: no close frame).
    QFETCH(HostThread::Dispatcher, dispatcher);
    HostThread thread;
    thread.setDispatcher(dispatcher);
    QVERIFY(thread.start(testConfig()));
    QCOMPARE(thread.dispatcher(), dispatcher);
    QSignalSpy closed(thread.host(), &HostServer::sessionClosed);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, thread.serverPort()));
    const QByteArray big(200 * 1024, 'b');
    raw.write(clientFrame(0x1, "one") + clientFrame(0x9, "p1") + clientFrame(0x2, big) + clientFrame(0x9, "p2"));
    QByteArray buffer;
    const QList<std::pair<int, QByteArray>> expected = {{0x1, "one"}, {0xA, "p1"}, {0x2, big}, {0xA, "p2"}};
    for (const auto &[opcode, payload] : expected) {
        const auto frame = readFrame(raw, buffer, 10000);
        QVERIFY(frame);
        QCOMPARE(frame->opcode, opcode);
        QVERIFY(frame->payload == payload);
    }
    raw.write(clientFrame(0x1, "last"));
    QVERIFY(raw.waitForBytesWritten(5000) || raw.bytesToWrite() == 0);
    QVERIFY(::shutdown(int(raw.socketDescriptor()), SHUT_WR) == 0);
    const auto last = readFrame(raw, buffer, 10000);
    QVERIFY2(last, "the message right before the end of the stream went unanswered");
    QCOMPARE(last->payload, QByteArray("last"));
    QTRY_COMPARE(closed.size(), 1);
    QCOMPARE(closed.first().first().value<SessionSnapshot>().closeCode, quint16(1006));
    // Under the epoll dispatcher, the reads came straight from it (EpollEventDispatcher::
    // directReads(), asked by name: this test links the dispatcher through the host).
    quint64 directReads = 0;
    QMetaObject::invokeMethod(thread.host(), [&directReads] {
        QAbstractEventDispatcher *hostDispatcher = QAbstractEventDispatcher::instance();
        if (hostDispatcher->metaObject()->indexOfMethod("directReads()") >= 0)
            QMetaObject::invokeMethod(hostDispatcher, "directReads", Qt::DirectConnection,
                                      Q_RETURN_ARG(quint64, directReads));
    }, Qt::BlockingQueuedConnection);
    if (dispatcher == HostThread::Dispatcher::Epoll)
        QVERIFY2(directReads >= 2, qPrintable(QString::number(directReads)));
    else
        QCOMPARE(directReads, quint64(0));
}

void tst_HostThread::aNestedEventLoopInAPluginKeepsTheStreamInOrder_data()
{
    pluginCallbacksRunOnTheHostThread_data();
}

void tst_HostThread::aNestedEventLoopInAPluginKeepsTheStreamInOrder()
{
    // The plugin runs an event loop inside its callback; what the client sends
    // meanwhile must wait for it (not overtake it from the nested loop), and be read
    // once it returns.
    QFETCH(HostThread::Dispatcher, dispatcher);
    HostThread thread;
    QVERIFY(startWithTestPlugins(thread, dispatcher));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/valid")));
    QTRY_COMPARE(connected.size(), 1);
    client.sendTextMessage(QStringLiteral("nested"));
    QTRY_COMPARE(texts.size(), 1);   // "nested started": inside the plugin's loop now
    client.sendTextMessage(QStringLiteral("a"));
    client.sendTextMessage(QStringLiteral("b"));
    QTRY_COMPARE(texts.size(), 4);
    QCOMPARE(texts.at(1).first().toString(), QStringLiteral("nested done"));
    QCOMPARE(texts.at(2).first().toString(), QStringLiteral("a"));
    QCOMPARE(texts.at(3).first().toString(), QStringLiteral("b"));
    client.sendTextMessage(QStringLiteral("after"));
    QTRY_COMPARE(texts.size(), 5);
    QCOMPARE(texts.at(4).first().toString(), QStringLiteral("after"));
}

void tst_HostThread::aSessionEndedInsideAPluginsNestedLoopOutlivesIt_data()
{
    pluginCallbacksRunOnTheHostThread_data();
}

void tst_HostThread::aSessionEndedInsideAPluginsNestedLoopOutlivesIt()
{
    // Kicked while its plugin is inside a nested event loop, which would run the
    // session's deferred delete: the session must outlive the plugin's call, whose
    // send after the loop then finds it closed (under ASan, a use after free otherwise).
    QFETCH(HostThread::Dispatcher, dispatcher);
    HostThread thread;
    QVERIFY(startWithTestPlugins(thread, dispatcher));
    QSignalSpy opened(thread.host(), &HostServer::sessionOpened);
    QSignalSpy closed(thread.host(), &HostServer::sessionClosed);
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/valid")));
    QTRY_COMPARE(opened.size(), 1);
    const SessionId id = opened.first().first().value<SessionSnapshot>().id;
    QTRY_VERIFY(client.state() == QAbstractSocket::ConnectedState);
    client.sendTextMessage(QStringLiteral("nested"));
    QTRY_COMPARE(texts.size(), 1);   // inside the plugin's loop now
    QMetaObject::invokeMethod(thread.host(), [host = thread.host(), id] { host->kickSession(id); });
    QTRY_COMPARE(closed.size(), 1);
    QTRY_COMPARE(disconnected.size(), 1);
    QTest::qWait(400);   // the plugin's loop is over, and its send after it
    QCOMPARE(texts.size(), 1);
    // The host goes on serving.
    QWebSocket next;
    QSignalSpy nextTexts(&next, &QWebSocket::textMessageReceived);
    next.open(wsUrl(thread.serverPort(), QStringLiteral("/valid")));
    QTRY_VERIFY(next.state() == QAbstractSocket::ConnectedState);
    next.sendTextMessage(QStringLiteral("still here"));
    QTRY_COMPARE(nextTexts.size(), 1);
}

void tst_HostThread::aSessionClosedAfterAPausedReadHearsTheClientsClose_data()
{
    pluginCallbacksRunOnTheHostThread_data();
}

void tst_HostThread::aSessionClosedAfterAPausedReadHearsTheClientsClose()
{
    // The client sends while the plugin is in its nested loop (the host pauses reading),
    // then the plugin closes the session: reading must come back for the closing
    // handshake, so that the client's close frame is heard.
    QFETCH(HostThread::Dispatcher, dispatcher);
    HostThread thread;
    QVERIFY(startWithTestPlugins(thread, dispatcher));
    QSignalSpy closed(thread.host(), &HostServer::sessionClosed);
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/valid")));
    QTRY_VERIFY(client.state() == QAbstractSocket::ConnectedState);
    client.sendTextMessage(QStringLiteral("nested close"));
    QTRY_COMPARE(texts.size(), 1);   // inside the plugin's loop now
    client.sendTextMessage(QStringLiteral("while it waits"));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 4000);
    QTRY_COMPARE(closed.size(), 1);
    const auto snapshot = closed.first().first().value<SessionSnapshot>();
    QCOMPARE(snapshot.closeCode, quint16(4000));
    QCOMPARE(snapshot.hostClose.code, 4000);
    QCOMPARE(snapshot.clientClose.code, 4000);
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

void tst_HostThread::startLaterReturnsAtOnceAndReportsThePort()
{
    HostThread thread;
    QSignalSpy started(&thread, &HostThread::started);
    QSignalSpy failed(&thread, &HostThread::startFailed);
    HostConfig config = testConfig();
    config.adminToken = QStringLiteral("async-secret");
    QElapsedTimer clock;
    clock.start();
    thread.startLater(config);
    QVERIFY2(clock.elapsed() < ReturnsAtOnceMs, "startLater() waited for the host");
    // Whatever the host thread has done by now, the result is taken on this thread's loop.
    QCOMPARE(thread.state(), HostThread::State::Starting);
    QCOMPARE(thread.serverPort(), quint16(0));
    QVERIFY(thread.isRunning());

    QTRY_COMPARE(started.size(), 1);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(thread.state(), HostThread::State::Running);
    QVERIFY(thread.serverPort() != 0);
    QCOMPARE(thread.adminUrl().port(), int(thread.serverPort()));
    QVERIFY2(thread.adminUrl().query().contains(QStringLiteral("async-secret")), qPrintable(thread.adminUrl().toString()));
    QCOMPARE(statusCode(rawRequest(thread.serverPort(), handshakeRequest(QStringLiteral("/echo")))), 101);
    thread.startLater(config);   // already running: nothing happens
    QTest::qWait(50);
    QCOMPARE(started.size(), 1);
    QCOMPARE(thread.state(), HostThread::State::Running);
}

void tst_HostThread::startLaterReportsABusyPort()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    HostConfig config = testConfig();
    config.port = squatter.serverPort();
    HostThread thread;
    QSignalSpy started(&thread, &HostThread::started);
    QSignalSpy failed(&thread, &HostThread::startFailed);
    QSignalSpy stopped(&thread, &HostThread::stopped);
    thread.startLater(config);
    QTRY_COMPARE(failed.size(), 1);
    const QString error = failed.first().first().toString();
    QVERIFY2(error.contains(QStringLiteral("cannot listen")) && error.contains(QString::number(config.port)),
             qPrintable(error));
    QCOMPARE(started.size(), 0);
    QCOMPARE(stopped.size(), 0);
    QCOMPARE(thread.state(), HostThread::State::Stopped);
    QVERIFY(!thread.host());
    QVERIFY(!thread.hostThread()->isRunning());

    // The port freed, the same object starts.
    squatter.close();
    thread.startLater(config);
    QTRY_COMPARE(started.size(), 1);
    QCOMPARE(thread.serverPort(), config.port);
}

void tst_HostThread::stopLaterWhileStartingStopsWithoutStarting()
{
    HostThread thread;
    QSignalSpy started(&thread, &HostThread::started);
    QSignalSpy failed(&thread, &HostThread::startFailed);
    QSignalSpy stopped(&thread, &HostThread::stopped);
    thread.startLater(testConfig());
    thread.stopLater();
    QCOMPARE(thread.state(), HostThread::State::Stopping);
    QTRY_COMPARE(stopped.size(), 1);
    QCOMPARE(started.size(), 0);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(thread.state(), HostThread::State::Stopped);
    QVERIFY(!thread.hostThread()->isRunning());
    QTest::qWait(50);   // nothing else is still queued for the run that was stopped
    QCOMPARE(started.size() + failed.size() + stopped.size(), 1);

    // The same for a start that fails: a stop was asked for, so stopped(), not startFailed().
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    HostConfig busy = testConfig();
    busy.port = squatter.serverPort();
    thread.startLater(busy);
    thread.stopLater();
    QTRY_COMPARE(stopped.size(), 2);
    QCOMPARE(failed.size(), 0);
    QCOMPARE(thread.state(), HostThread::State::Stopped);
}

void tst_HostThread::stopLaterReturnsWhileAClientIsClosedWith1001()
{
    HostConfig config = testConfig();
    config.shutdownGraceMs = 3000;
    HostThread thread;
    QVERIFY(thread.start(config));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(thread.serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    // A peer that never answers the close keeps the host draining for its whole grace period.
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, thread.serverPort(), QStringLiteral("/echo")));
    deaf.setReadBufferSize(1);
    QSignalSpy stopped(&thread, &HostThread::stopped);

    QElapsedTimer clock;
    clock.start();
    thread.stopLater();
    QVERIFY2(clock.elapsed() < ReturnsAtOnceMs, "stopLater() waited for the host");
    QCOMPARE(thread.state(), HostThread::State::Stopping);
    // This thread stays free: the client answers the close, and gets 1001.
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1001);
    QVERIFY2(clock.elapsed() < config.shutdownGraceMs, "the client waited for the grace period");
    QCOMPARE(stopped.size(), 0);   // the deaf peer still holds the host
    QCOMPARE(thread.state(), HostThread::State::Stopping);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
    QVERIFY2(clock.elapsed() < config.shutdownGraceMs + 2000, "the drain outlasted the grace period");
    QCOMPARE(thread.state(), HostThread::State::Stopped);
    QVERIFY(!thread.hostThread()->isRunning());
}

void tst_HostThread::deleteWhenStoppedDrainsInTheBackground()
{
    HostConfig config = testConfig();
    config.shutdownGraceMs = 2000;
    auto owned = std::make_unique<HostThread>();
    QVERIFY(owned->start(config));
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    client.open(wsUrl(owned->serverPort(), QStringLiteral("/echo")));
    QTRY_COMPARE(connected.size(), 1);
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, owned->serverPort(), QStringLiteral("/echo")));
    deaf.setReadBufferSize(1);

    QPointer<HostThread> thread = owned.release();
    QElapsedTimer clock;
    clock.start();
    thread->deleteWhenStopped();
    QVERIFY2(clock.elapsed() < ReturnsAtOnceMs, "deleteWhenStopped() waited for the host");
    QVERIFY(thread);
    // Should the application end first, its destructor joins the drain.
    QCOMPARE(thread->parent(), QCoreApplication::instance());
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client.closeCode()), 1001);
    QVERIFY(thread);   // the deaf peer still holds the host
    QTRY_VERIFY_WITH_TIMEOUT(thread.isNull(), 10000);

    // One already stopped goes at once.
    QPointer<HostThread> idle = new HostThread;
    idle->deleteWhenStopped();
    QTRY_VERIFY(idle.isNull());
}

void tst_HostThread::waitForBackgroundStopsJoinsTheDrains()
{
    // What a program does once its event loop has returned: Qt delivers no events once
    // the application object is being destroyed, so the hosts must finish before.
    HostConfig config = testConfig();
    config.shutdownGraceMs = 1000;
    QPointer<HostThread> deafHeld = new HostThread;
    QPointer<HostThread> idle = new HostThread;
    QVERIFY(deafHeld->start(config));
    QVERIFY(idle->start(config));
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, deafHeld->serverPort(), QStringLiteral("/echo")));
    deaf.setReadBufferSize(1);
    QPointer<HostThread> kept = new HostThread(this);   // not handed over: left alone
    QVERIFY(kept->start(testConfig()));

    QElapsedTimer clock;
    clock.start();
    deafHeld->deleteWhenStopped();
    idle->deleteWhenStopped();
    HostThread::waitForBackgroundStops();
    QVERIFY(deafHeld.isNull());
    QVERIFY(idle.isNull());
    QVERIFY2(clock.elapsed() >= config.shutdownGraceMs - 100, "the drain was cut short");
    QVERIFY(kept && kept->state() == HostThread::State::Running);
    delete kept;
}

void tst_HostThread::applicationEndStopsADrainLeftRunning_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addRow("handed over, waited for") << QStringLiteral("wait");
    QTest::addRow("handed over, forgotten") << QStringLiteral("forgotten");
    QTest::addRow("running child of the application") << QStringLiteral("child");
}

void tst_HostThread::applicationEndStopsADrainLeftRunning()
{
    // A program ends while its host still waits for a peer that never answers the close
    // (1 s of grace). However it was left, the host closes its sessions while Qt still
    // delivers events, before Qt tears down what the host thread uses, and the program
    // ends cleanly: no hang, no crash, no running QThread destroyed.
    QFETCH(QString, mode);
    QProcess helper;
    helper.start(QStringLiteral(WSPLUG_APPLICATION_END_HELPER), {mode});
    QVERIFY2(helper.waitForFinished(20000), "the program hung at its end");
    const QByteArray out = helper.readAllStandardOutput();
    const QByteArray errors = helper.readAllStandardError();
    QVERIFY2(helper.exitStatus() == QProcess::NormalExit && helper.exitCode() == 0, errors.constData());
    QVERIFY(out.contains("leaving main"));
    QVERIFY2(!errors.contains("QThread: Destroyed"), errors.constData());
    QVERIFY2(!errors.contains("without closing its sessions"), errors.constData());
    QVERIFY2(errors.contains("stopping: 1 sessions to close"), errors.constData());
    QVERIFY2(errors.contains("wsplug.host: stopped"), errors.constData());
}

QTEST_GUILESS_MAIN(tst_HostThread)
#include "tst_hostthread.moc"
