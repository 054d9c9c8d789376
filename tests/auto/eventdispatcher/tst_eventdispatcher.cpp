// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

#include <wsplug/epolleventdispatcher.h>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using WsPlug::EpollEventDispatcher;

namespace {

/*
 * Runs a real, blocking event loop until done() holds. QTRY_* only polls the dispatcher
 * without ever letting it block, so the blocking path needs this. The condition is checked
 * whenever the dispatcher is about to block; leaving from there also exercises interrupt().
 * A condition that another thread makes true does not wake this one: pass pollMs for those.
 */
bool spinUntil(const std::function<bool()> &done, int timeoutMs = 15000, int pollMs = 0)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&loop] { loop.exit(1); });
    QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::aboutToBlock,
                     &loop, [&loop, &done] {
                         if (done())
                             loop.exit(0);
                     });
    deadline.start(timeoutMs);
    QTimer poll;
    if (pollMs > 0)
        poll.start(pollMs);
    loop.exec();
    return done();
}

bool ensureFileDescriptors(rlim_t needed)
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return false;
    if (limit.rlim_cur >= needed)
        return true;
    limit.rlim_cur = std::min(needed, limit.rlim_max);
    return setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= needed;
}

// A connected AF_UNIX pair: lets a test make a descriptor readable exactly when it wants.
struct SocketPair
{
    int fds[2] = {-1, -1};

    SocketPair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
    ~SocketPair()
    {
        closeEnd(0);
        closeEnd(1);
    }
    SocketPair(const SocketPair &) = delete;
    SocketPair &operator=(const SocketPair &) = delete;

    bool isValid() const { return fds[0] >= 0 && fds[1] >= 0; }
    bool send(int end, char byte = 'x') { return write(fds[end], &byte, 1) == 1; }
    void closeEnd(int end)
    {
        if (fds[end] >= 0)
            close(fds[end]);
        fds[end] = -1;
    }
};

void drain(int fd)
{
    char buffer[16];
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
}

// Reads a descriptor when the dispatcher says it is ready, or declines (read nothing).
class CountingReader final : public EpollEventDispatcher::DirectReader
{
public:
    explicit CountingReader(int fd) : m_fd(fd) { }
    bool readyToRead() override
    {
        ++calls;
        if (decline)
            return false;
        drain(m_fd);
        return true;
    }
    bool decline = false;
    int calls = 0;

private:
    int m_fd;
};

// A read notifier whose slot drains its descriptor and counts its events.
struct DrainingNotifier
{
    explicit DrainingNotifier(int fd) : notifier(fd, QSocketNotifier::Read)
    {
        QObject::connect(&notifier, &QSocketNotifier::activated, [this, fd] {
            drain(fd);
            ++events;
        });
    }
    QSocketNotifier notifier;
    int events = 0;
};

class TimerHost : public QObject
{
public:
    std::function<void(int)> onTimer;
    QList<int> fired;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        fired.append(event->timerId());
        if (onTimer)
            onTimer(event->timerId());
    }
};

class Emitter : public QObject
{
    Q_OBJECT
Q_SIGNALS:
    void valueChanged(int value);
};

// Echoes everything; its connections belong to it and go away with deleteLater on disconnect.
class EchoServer : public QTcpServer
{
public:
    explicit EchoServer(QObject *parent = nullptr) : QTcpServer(parent)
    {
        // Many tests connect hundreds of clients at once; the default backlog of 50 would
        // make the kernel drop handshakes and retry a second later.
        setListenBacklogSize(1024);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (hasPendingConnections()) {
                QTcpSocket *socket = nextPendingConnection();
                ++accepted;
                connect(socket, &QTcpSocket::readyRead, socket,
                        [socket] { socket->write(socket->readAll()); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    std::atomic<int> accepted{0};
};

} // namespace

class tst_EventDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mainThreadRunsOnEpoll();
    void installRefusesThreadWithDispatcher();

    void singleShotTimerFiresAfterInterval_data();
    void singleShotTimerFiresAfterInterval();
    void repeatingTimerKeepsItsInterval();
    void remainingTimeCountsDown();
    void registeredTimersReportsTimers();
    void timerKilledByEarlierTimerInSameBatchDoesNotFire();
    void timerStartedInsideTimerEventFiresLater();
    void timerRestartedInsideItsOwnEvent();
    void zeroTimerDoesNotStarvePostedEventsOrSockets();
    void excludeTimersFlagHoldsTimersBack();
    void timerFollowsObjectToAnotherThread();

    void queuedSignalsAreDelivered();
    void deleteLaterDeletesInEventLoop();
    void nestedEventLoopKeepsDispatching();
    void wakeUpFromForeignThread();

    void socketNotifierActivates();
    void notifierDeletedInItsOwnSlot();
    void notifierDeletedByEarlierNotifierInSameBatchIsNotActivated();
    void notifierDisabledByEarlierNotifierInSameBatchIsNotActivated();
    void reusedDescriptorInSameBatchIsNotActivatedSpuriously();
    void excludeSocketNotifiersFlagHoldsSocketsBack();
    void regularFileNotifierIsAlwaysReady();
    void directReaderTakesTheReadActivations();
    void declinedActivationReachesTheNotifierAtOnce();
    void directReaderIsForgottenWhenItsNotifierIsDisabled();

    void tcpEchoRoundTrips();
    void tcpSocketDeletedFromItsOwnHandlers();
    void workerThreadAcceptsManyConnections();
    void pingPongWithThousandsOfIdleConnections();
    void webSocketEcho();
};

void tst_EventDispatcher::mainThreadRunsOnEpoll()
{
    QVERIFY(EpollEventDispatcher::isSupported());
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QCoreApplication::eventDispatcher()));
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
}

void tst_EventDispatcher::installRefusesThreadWithDispatcher()
{
    QVERIFY(!EpollEventDispatcher::installOnMainThread());
    QVERIFY(!EpollEventDispatcher::installOn(nullptr));
    QThread thread;
    QVERIFY(EpollEventDispatcher::installOn(&thread));
    QVERIFY(!EpollEventDispatcher::installOn(&thread));
    // Qt deletes a thread's dispatcher when the thread finishes, never if it does not run.
    thread.start();
    thread.quit();
    QVERIFY(thread.wait(10000));
}

void tst_EventDispatcher::singleShotTimerFiresAfterInterval_data()
{
    QTest::addColumn<Qt::TimerType>("type");
    QTest::addColumn<int>("interval");
    QTest::addColumn<int>("earliest");
    QTest::addColumn<int>("latest");

    QTest::addRow("precise 1 ms") << Qt::PreciseTimer << 1 << 1 << 1000;
    QTest::addRow("precise 50 ms") << Qt::PreciseTimer << 50 << 50 << 1000;
    QTest::addRow("coarse 10 ms (becomes precise)") << Qt::CoarseTimer << 10 << 10 << 1000;
    QTest::addRow("coarse 200 ms") << Qt::CoarseTimer << 200 << 200 << 1500;
    // Very coarse timers fire on the nearest full second, so up to half a second early.
    QTest::addRow("very coarse 1 s") << Qt::VeryCoarseTimer << 1000 << 500 << 3000;
}

void tst_EventDispatcher::singleShotTimerFiresAfterInterval()
{
    QFETCH(Qt::TimerType, type);
    QFETCH(int, interval);
    QFETCH(int, earliest);
    QFETCH(int, latest);

    QElapsedTimer clock;
    qint64 firedAfter = -1;
    clock.start();
    QTimer::singleShot(interval, type, this, [&] { firedAfter = clock.elapsed(); });
    QVERIFY(spinUntil([&] { return firedAfter >= 0; }));
    QVERIFY2(firedAfter >= earliest, qPrintable(QString::number(firedAfter)));
    QVERIFY2(firedAfter <= latest, qPrintable(QString::number(firedAfter)));
}

void tst_EventDispatcher::repeatingTimerKeepsItsInterval()
{
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(20);
    int ticks = 0;
    connect(&timer, &QTimer::timeout, this, [&ticks] { ++ticks; });
    QElapsedTimer clock;
    clock.start();
    timer.start();
    QVERIFY(spinUntil([&ticks] { return ticks >= 10; }));
    const qint64 elapsed = clock.elapsed();
    QCOMPARE(ticks, 10);
    QVERIFY2(elapsed >= 200 && elapsed < 2000, qPrintable(QString::number(elapsed)));
}

void tst_EventDispatcher::remainingTimeCountsDown()
{
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setSingleShot(true);
    QCOMPARE(timer.remainingTime(), -1);
    timer.start(3000);
    const int first = timer.remainingTime();
    QVERIFY2(first > 2000 && first <= 3000, qPrintable(QString::number(first)));

    bool waited = false;
    QTimer::singleShot(100, Qt::PreciseTimer, this, [&waited] { waited = true; });
    QVERIFY(spinUntil([&waited] { return waited; }));
    const int second = timer.remainingTime();
    QVERIFY2(second < first && second > 1500, qPrintable(QString::number(second)));

    timer.stop();
    QCOMPARE(timer.remainingTime(), -1);
    QCOMPARE(QAbstractEventDispatcher::instance()->remainingTime(987654), -1);
}

void tst_EventDispatcher::registeredTimersReportsTimers()
{
    TimerHost host;
    auto *dispatcher = QAbstractEventDispatcher::instance();
    QVERIFY(dispatcher->registeredTimers(&host).isEmpty());
    const int precise = host.startTimer(1500, Qt::PreciseTimer);
    const int veryCoarse = host.startTimer(30000, Qt::VeryCoarseTimer);

    const auto timers = dispatcher->registeredTimers(&host);
    QCOMPARE(timers.size(), 2);
    for (const auto &info : timers) {
        if (info.timerId == precise) {
            QCOMPARE(info.interval, 1500);
            QCOMPARE(info.timerType, Qt::PreciseTimer);
        } else {
            QCOMPARE(info.timerId, veryCoarse);
            QCOMPARE(info.interval, 30000);
            QCOMPARE(info.timerType, Qt::VeryCoarseTimer);
        }
    }
    host.killTimer(precise);
    QCOMPARE(dispatcher->registeredTimers(&host).size(), 1);
    QVERIFY(dispatcher->unregisterTimers(&host));
    QVERIFY(dispatcher->registeredTimers(&host).isEmpty());
    QVERIFY(!dispatcher->unregisterTimers(&host));
}

void tst_EventDispatcher::timerKilledByEarlierTimerInSameBatchDoesNotFire()
{
    TimerHost host;
    // Both due in the same pass: the first one (registered first) kills the second.
    const int first = host.startTimer(10, Qt::PreciseTimer);
    const int second = host.startTimer(10, Qt::PreciseTimer);
    host.onTimer = [&](int id) {
        if (id == first) {
            host.killTimer(first);
            host.killTimer(second);
        }
    };
    QVERIFY(spinUntil([&host] { return !host.fired.isEmpty(); }));
    // Give the killed timer every chance to fire anyway.
    bool sentinel = false;
    QTimer::singleShot(50, Qt::PreciseTimer, this, [&sentinel] { sentinel = true; });
    QVERIFY(spinUntil([&sentinel] { return sentinel; }));
    QCOMPARE(host.fired, QList<int>{first});
}

void tst_EventDispatcher::timerStartedInsideTimerEventFiresLater()
{
    TimerHost host;
    int zero = 0;
    const int starter = host.startTimer(5, Qt::PreciseTimer);
    host.onTimer = [&](int id) {
        if (id == starter) {
            // A zero timer started inside a pass must wait for the next pass. Started before
            // the kill, so it cannot reuse the starter's id.
            zero = host.startTimer(0);
            host.killTimer(starter);
            QCOMPARE(host.fired.count(zero), 0);
        } else if (id == zero) {
            host.killTimer(zero);
        }
    };
    QVERIFY(spinUntil([&] { return zero && host.fired.contains(zero); }));
    QCOMPARE(host.fired, (QList<int>{starter, zero}));
}

void tst_EventDispatcher::timerRestartedInsideItsOwnEvent()
{
    QTimer timer;
    timer.setSingleShot(true);
    timer.setTimerType(Qt::PreciseTimer);
    int fired = 0;
    connect(&timer, &QTimer::timeout, this, [&] {
        if (++fired < 5)
            timer.start(2);
    });
    timer.start(2);
    QVERIFY(spinUntil([&fired] { return fired == 5; }));

    // A repeating timer restarted (kill + start, often the same id) inside its own timeout.
    QTimer repeating;
    repeating.setTimerType(Qt::PreciseTimer);
    int ticks = 0;
    connect(&repeating, &QTimer::timeout, this, [&] {
        ++ticks;
        repeating.start(ticks < 5 ? 1 : 100000);
    });
    repeating.start(1);
    QVERIFY(spinUntil([&ticks] { return ticks == 5; }));
    QVERIFY(repeating.isActive());
    QVERIFY(repeating.remainingTime() > 50000);
}

void tst_EventDispatcher::zeroTimerDoesNotStarvePostedEventsOrSockets()
{
    QTimer zero;
    int spins = 0;
    connect(&zero, &QTimer::timeout, this, [&spins] { ++spins; });
    zero.start(0);

    bool posted = false;
    QMetaObject::invokeMethod(this, [&posted] { posted = true; }, Qt::QueuedConnection);
    bool timed = false;
    QTimer::singleShot(30, Qt::PreciseTimer, this, [&timed] { timed = true; });
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
    bool readable = false;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        readable = true;
        notifier.setEnabled(false);
    });
    QVERIFY(pair.send(1));

    QVERIFY(spinUntil([&] { return posted && timed && readable; }));
    QVERIFY(spins > 0);
}

void tst_EventDispatcher::excludeTimersFlagHoldsTimersBack()
{
    TimerHost host;
    host.startTimer(0, Qt::PreciseTimer);
    auto *dispatcher = QAbstractEventDispatcher::instance();
    for (int i = 0; i < 5; ++i)
        dispatcher->processEvents(QEventLoop::X11ExcludeTimers);
    QVERIFY(host.fired.isEmpty());
    dispatcher->processEvents(QEventLoop::AllEvents);
    QCOMPARE(host.fired.size(), 1);
}

void tst_EventDispatcher::timerFollowsObjectToAnotherThread()
{
    QThread thread;
    QVERIFY(EpollEventDispatcher::installOn(&thread));
    thread.start();

    auto *timer = new QTimer;
    timer->setTimerType(Qt::PreciseTimer);
    std::atomic<int> ticks{0};
    std::atomic<bool> onWorker{false};
    connect(timer, &QTimer::timeout, timer, [&ticks, &onWorker, &thread] {
        onWorker = QThread::currentThread() == &thread;
        ++ticks;
    });
    timer->start(5);
    // moveToThread() reads registeredTimers() here and registers them again over there.
    timer->moveToThread(&thread);
    QVERIFY(spinUntil([&ticks] { return ticks >= 3; }, 15000, 10));
    QVERIFY(onWorker);

    timer->deleteLater();
    thread.quit();
    QVERIFY(thread.wait(10000));
}

void tst_EventDispatcher::queuedSignalsAreDelivered()
{
    Emitter emitter;
    QList<int> received;
    connect(&emitter, &Emitter::valueChanged, this, [&received](int v) { received.append(v); },
            Qt::QueuedConnection);
    for (int i = 0; i < 100; ++i)
        Q_EMIT emitter.valueChanged(i);
    QVERIFY(received.isEmpty());
    QVERIFY(spinUntil([&received] { return received.size() == 100; }));
    for (int i = 0; i < 100; ++i)
        QCOMPARE(received.at(i), i);
}

void tst_EventDispatcher::deleteLaterDeletesInEventLoop()
{
    QPointer<QObject> doomed = new QObject;
    doomed->deleteLater();
    QVERIFY(doomed);
    QVERIFY(spinUntil([&doomed] { return doomed.isNull(); }));

    // Deleted from a slot while the loop runs.
    QPointer<QObject> second = new QObject;
    QTimer::singleShot(1, second.data(), [&second] { second->deleteLater(); });
    QVERIFY(spinUntil([&second] { return second.isNull(); }));
}

void tst_EventDispatcher::nestedEventLoopKeepsDispatching()
{
    bool outerDone = false;
    int outerEntries = 0;
    bool nestedPosted = false;
    bool nestedTimer = false;
    bool nestedSocket = false;
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
    notifier.setEnabled(false);
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        nestedSocket = true;
        notifier.setEnabled(false);
    });

    QTimer outer;
    outer.setTimerType(Qt::PreciseTimer);
    connect(&outer, &QTimer::timeout, this, [&] {
        // The zero timer stays due for the whole nested loop; it must not re-enter.
        ++outerEntries;
        if (outerEntries > 1)
            return;
        QEventLoop nested;
        QMetaObject::invokeMethod(this, [&nestedPosted] { nestedPosted = true; },
                                  Qt::QueuedConnection);
        QTimer::singleShot(10, Qt::PreciseTimer, this, [&nestedTimer] { nestedTimer = true; });
        notifier.setEnabled(true);
        pair.send(1);
        QTimer check;
        connect(&check, &QTimer::timeout, &nested, [&] {
            if (nestedPosted && nestedTimer && nestedSocket)
                nested.quit();
        });
        check.start(1);
        QTimer::singleShot(10000, &nested, [&nested] { nested.exit(1); });
        QCOMPARE(nested.exec(), 0);
        QCOMPARE(outerEntries, 1);
        outerDone = true;
        outer.stop();
    });
    outer.start(0);
    QVERIFY(spinUntil([&outerDone] { return outerDone; }));
    QVERIFY(nestedPosted && nestedTimer && nestedSocket);
}

void tst_EventDispatcher::wakeUpFromForeignThread()
{
    // No timer but the watchdog is due soon: only wakeUp() can end each wait quickly.
    for (int round = 0; round < 50; ++round) {
        QEventLoop loop;
        QTimer::singleShot(10000, &loop, [&loop] { loop.exit(1); });
        QElapsedTimer clock;
        clock.start();
        std::thread foreign([&loop, round] {
            if (round % 2)
                std::this_thread::yield();
            QMetaObject::invokeMethod(&loop, [&loop] { loop.exit(0); }, Qt::QueuedConnection);
        });
        const int result = loop.exec();
        foreign.join();
        QCOMPARE(result, 0);
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
    }
}

void tst_EventDispatcher::socketNotifierActivates()
{
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier reader(pair.fds[0], QSocketNotifier::Read);
    QSocketNotifier writer(pair.fds[0], QSocketNotifier::Write);
    int reads = 0;
    int writes = 0;
    connect(&reader, &QSocketNotifier::activated, this, [&] {
        char buffer[16];
        while (read(pair.fds[0], buffer, sizeof buffer) > 0) {
        }
        ++reads;
    });
    connect(&writer, &QSocketNotifier::activated, this, [&] {
        ++writes;
        writer.setEnabled(false);
    });
    QVERIFY(spinUntil([&writes] { return writes == 1; }));
    QCOMPARE(reads, 0);
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&reads] { return reads == 1; }));
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&reads] { return reads == 2; }));
    QCOMPARE(writes, 1);
}

void tst_EventDispatcher::notifierDeletedInItsOwnSlot()
{
    SocketPair pair;
    QVERIFY(pair.isValid());
    QPointer<QSocketNotifier> notifier = new QSocketNotifier(pair.fds[0], QSocketNotifier::Read);
    int activations = 0;
    connect(notifier, &QSocketNotifier::activated, this, [&] {
        ++activations;
        delete notifier.data(); // QSocketNotifier guards against this itself
    });
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&notifier] { return notifier.isNull(); }));
    bool later = false;
    QTimer::singleShot(20, this, [&later] { later = true; });
    QVERIFY(spinUntil([&later] { return later; }));
    QCOMPARE(activations, 1);
}

void tst_EventDispatcher::notifierDeletedByEarlierNotifierInSameBatchIsNotActivated()
{
    SocketPair a;
    SocketPair b;
    QVERIFY(a.isValid() && b.isValid());
    QSocketNotifier *na = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, this);
    QSocketNotifier *nb = new QSocketNotifier(b.fds[0], QSocketNotifier::Read, this);
    int activations = 0;
    // Whichever comes first deletes the other, which was found ready in the same epoll batch.
    connect(na, &QSocketNotifier::activated, this, [&] {
        ++activations;
        delete std::exchange(nb, nullptr);
        na->setEnabled(false);
    });
    connect(nb, &QSocketNotifier::activated, this, [&] {
        ++activations;
        delete std::exchange(na, nullptr);
        nb->setEnabled(false);
    });
    QVERIFY(a.send(1));
    QVERIFY(b.send(1));
    QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
    QCOMPARE(activations, 1);
    QVERIFY(!na != !nb);
    delete na;
    delete nb;
}

void tst_EventDispatcher::notifierDisabledByEarlierNotifierInSameBatchIsNotActivated()
{
    SocketPair a;
    SocketPair b;
    QVERIFY(a.isValid() && b.isValid());
    QSocketNotifier na(a.fds[0], QSocketNotifier::Read);
    QSocketNotifier nb(b.fds[0], QSocketNotifier::Read);
    int activations = 0;
    connect(&na, &QSocketNotifier::activated, this, [&] {
        ++activations;
        na.setEnabled(false);
        nb.setEnabled(false);
    });
    connect(&nb, &QSocketNotifier::activated, this, [&] {
        ++activations;
        na.setEnabled(false);
        nb.setEnabled(false);
    });
    QVERIFY(a.send(1));
    QVERIFY(b.send(1));
    QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
    QCOMPARE(activations, 1);
    // Re-enabling finds the unread byte again (level-triggered).
    na.setEnabled(true);
    nb.setEnabled(true);
    QVERIFY(spinUntil([&activations] { return activations == 2; }));
}

void tst_EventDispatcher::reusedDescriptorInSameBatchIsNotActivatedSpuriously()
{
    SocketPair a;
    auto b = std::make_unique<SocketPair>();
    QVERIFY(a.isValid() && b->isValid());
    QSocketNotifier na(a.fds[0], QSocketNotifier::Read);
    auto nb = std::make_unique<QSocketNotifier>(b->fds[0], QSocketNotifier::Read);
    std::unique_ptr<SocketPair> c;
    std::unique_ptr<QSocketNotifier> nc;
    int aActivations = 0;
    int bActivations = 0;
    int cActivations = 0;
    auto replaceB = [&] {
        // Close b and open c, which gets b's descriptor numbers back but has nothing to read.
        nb.reset();
        b.reset();
        c = std::make_unique<SocketPair>();
        nc = std::make_unique<QSocketNotifier>(c->fds[0], QSocketNotifier::Read);
        connect(nc.get(), &QSocketNotifier::activated, this, [&cActivations] { ++cActivations; });
    };
    connect(&na, &QSocketNotifier::activated, this, [&] {
        ++aActivations;
        na.setEnabled(false);
        if (nb)
            replaceB();
    });
    connect(nb.get(), &QSocketNotifier::activated, this, [&] {
        ++bActivations;
        nb->setEnabled(false);
    });
    QVERIFY(a.send(1));
    QVERIFY(b->send(1));
    QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
    if (bActivations)
        QSKIP("the kernel reported b before a; nothing stale to check this time");
    QCOMPARE(aActivations, 1);
    QVERIFY(c && c->isValid());
    QAbstractEventDispatcher::instance()->processEvents(QEventLoop::AllEvents);
    QCOMPARE(cActivations, 0);
}

void tst_EventDispatcher::excludeSocketNotifiersFlagHoldsSocketsBack()
{
    SocketPair pair;
    QVERIFY(pair.isValid());
    QSocketNotifier notifier(pair.fds[0], QSocketNotifier::Read);
    int activations = 0;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        ++activations;
        notifier.setEnabled(false);
    });
    QVERIFY(pair.send(1));
    auto *dispatcher = QAbstractEventDispatcher::instance();
    for (int i = 0; i < 3; ++i)
        dispatcher->processEvents(QEventLoop::ExcludeSocketNotifiers);
    QCOMPARE(activations, 0);

    // It must still block (on timers and wake-ups) rather than spin on the ready socket.
    int iterations = 0;
    auto connection = connect(dispatcher, &QAbstractEventDispatcher::awake, this,
                              [&iterations] { ++iterations; });
    QEventLoop loop;
    QTimer::singleShot(100, Qt::PreciseTimer, &loop, [&loop] { loop.exit(7); });
    QCOMPARE(loop.exec(QEventLoop::ExcludeSocketNotifiers), 7);
    disconnect(connection);
    QCOMPARE(activations, 0);
    QVERIFY2(iterations < 20, qPrintable(QString::number(iterations)));

    QVERIFY(spinUntil([&activations] { return activations == 1; }));
}

void tst_EventDispatcher::regularFileNotifierIsAlwaysReady()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    QVERIFY(file.write("data") == 4);
    QVERIFY(file.flush());
    // epoll refuses regular files; poll() calls them always ready and so must we.
    QSocketNotifier notifier(file.handle(), QSocketNotifier::Read);
    int activations = 0;
    connect(&notifier, &QSocketNotifier::activated, this, [&] {
        if (++activations == 3)
            notifier.setEnabled(false);
    });
    QVERIFY(spinUntil([&activations] { return activations == 3; }));

    // Once disabled the loop blocks again: an idle wait is ended by the timer, not a spin.
    int iterations = 0;
    auto connection = connect(QAbstractEventDispatcher::instance(),
                              &QAbstractEventDispatcher::awake, this,
                              [&iterations] { ++iterations; });
    bool done = false;
    QTimer::singleShot(100, Qt::PreciseTimer, this, [&done] { done = true; });
    QVERIFY(spinUntil([&done] { return done; }));
    disconnect(connection);
    QVERIFY2(iterations < 20, qPrintable(QString::number(iterations)));
}

void tst_EventDispatcher::directReaderTakesTheReadActivations()
{
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    SocketPair pair;
    QVERIFY(pair.isValid());
    DrainingNotifier drained(pair.fds[0]);
    QSocketNotifier &notifier = drained.notifier;
    const int &events = drained.events;
    CountingReader reader(pair.fds[0]);
    const quint64 directReadsBefore = dispatcher->directReads();
    QVERIFY(dispatcher->setDirectReader(&notifier, &reader));
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&reader] { return reader.calls == 1; }));
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&reader] { return reader.calls == 2; }));
    QCOMPARE(events, 0);
    QCOMPARE(dispatcher->directReads() - directReadsBefore, quint64(2));
    // Given back: the notifier's event again.
    QVERIFY(dispatcher->setDirectReader(&notifier, nullptr));
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&events] { return events == 1; }));
    QCOMPARE(reader.calls, 2);
}

void tst_EventDispatcher::declinedActivationReachesTheNotifierAtOnce()
{
    // Not on the next wake-up (the descriptor is level-triggered, so it would come
    // again): in the same one, as the end of a stream must reach Qt's socket.
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    SocketPair pair;
    QVERIFY(pair.isValid());
    DrainingNotifier drained(pair.fds[0]);
    QSocketNotifier &notifier = drained.notifier;
    const int &events = drained.events;
    CountingReader reader(pair.fds[0]);
    reader.decline = true;
    QVERIFY(dispatcher->setDirectReader(&notifier, &reader));
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&reader] { return reader.calls == 1; }));
    QCOMPARE(events, 1);
    dispatcher->processEvents(QEventLoop::AllEvents);
    QCOMPARE(reader.calls, 1);   // the notifier's slot read the byte: nothing more to report
}

void tst_EventDispatcher::directReaderIsForgottenWhenItsNotifierIsDisabled()
{
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    SocketPair pair;
    QVERIFY(pair.isValid());
    DrainingNotifier drained(pair.fds[0]);
    QSocketNotifier &notifier = drained.notifier;
    const int &events = drained.events;
    QSocketNotifier writeNotifier(pair.fds[0], QSocketNotifier::Write);
    writeNotifier.setEnabled(false);
    CountingReader reader(pair.fds[0]);
    QVERIFY(!dispatcher->setDirectReader(&writeNotifier, &reader));   // read notifiers only
    notifier.setEnabled(false);
    QVERIFY(!dispatcher->setDirectReader(&notifier, &reader));        // enabled ones only
    notifier.setEnabled(true);
    QVERIFY(dispatcher->setDirectReader(&notifier, &reader));
    // Disabled and enabled again (its registration gone and made anew): its event.
    notifier.setEnabled(false);
    notifier.setEnabled(true);
    QVERIFY(pair.send(1));
    QVERIFY(spinUntil([&events] { return events == 1; }));
    QCOMPARE(reader.calls, 0);
}

void tst_EventDispatcher::tcpEchoRoundTrips()
{
    EchoServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QTcpSocket client;
    QByteArray echoed;
    connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(spinUntil([&client] { return client.state() == QAbstractSocket::ConnectedState; }));

    for (int i = 0; i < 100; ++i) {
        const QByteArray message = "message " + QByteArray::number(i);
        client.write(message);
        QVERIFY(spinUntil([&] { return echoed == message; }));
        echoed.clear();
    }

    // Several megabytes: both sides hit full kernel buffers and rely on write notifiers.
    QByteArray big(4 * 1024 * 1024, '\0');
    for (int i = 0; i < big.size(); ++i)
        big[i] = char(i * 7);
    client.write(big);
    QVERIFY(spinUntil([&] { return echoed.size() >= big.size(); }));
    QCOMPARE(echoed, big);
}

void tst_EventDispatcher::tcpSocketDeletedFromItsOwnHandlers()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QPointer<QTcpSocket> serverSide;
    auto accepting = connect(&server, &QTcpServer::newConnection, this, [&] {
        serverSide = server.nextPendingConnection();
        // The server answers, hangs up once the answer is flushed (write notifier), and goes
        // away from its own disconnected handler.
        connect(serverSide, &QTcpSocket::readyRead, serverSide, [&serverSide] {
            serverSide->write(serverSide->readAll());
            serverSide->disconnectFromHost();
        });
        connect(serverSide, &QTcpSocket::disconnected, serverSide, [&serverSide] {
            serverSide->deleteLater();
        });
    });

    // The client goes away from inside its own readyRead.
    QPointer<QTcpSocket> client = new QTcpSocket;
    QByteArray echoed;
    connect(client, &QTcpSocket::readyRead, client, [&] {
        echoed += client->readAll();
        client->deleteLater();
    });
    client->connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(spinUntil([&] { return serverSide && client->state() == QAbstractSocket::ConnectedState; }));
    client->write("bye");
    QVERIFY(spinUntil([&] { return client.isNull() && serverSide.isNull(); }));
    QCOMPARE(echoed, QByteArray("bye"));

    // Many clients at once, each deleting a *different* socket synchronously: a socket
    // deleted this way may have been found ready in the same batch.
    disconnect(accepting);
    std::vector<QPointer<QTcpSocket>> peers;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (server.hasPendingConnections())
            peers.emplace_back(server.nextPendingConnection());
    });
    std::vector<bool> wasRead;
    QObject holder;
    std::vector<QTcpSocket *> clients;
    for (int i = 0; i < 20; ++i) {
        auto *socket = new QTcpSocket(&holder);
        socket->connectToHost(QHostAddress::LocalHost, server.serverPort());
        clients.push_back(socket);
    }
    QVERIFY(spinUntil([&] { return peers.size() == clients.size(); }));
    wasRead.assign(peers.size(), false);
    for (size_t i = 0; i < peers.size(); ++i) {
        QTcpSocket *peer = peers[i];
        connect(peer, &QTcpSocket::readyRead, peer, [&peers, &wasRead, i] {
            wasRead[i] = true;
            peers[i]->readAll();
            const size_t victim = (i + 1) % peers.size();
            delete peers[victim].data();
        });
    }
    for (QTcpSocket *socket : clients) {
        socket->write("x");
        QVERIFY(socket->waitForBytesWritten(5000));
    }
    // Each peer is either read or deleted before its turn, never activated after deletion.
    QVERIFY(spinUntil([&] {
        for (size_t i = 0; i < peers.size(); ++i) {
            if (peers[i] && !wasRead[i])
                return false;
        }
        return true;
    }));
    QVERIFY(std::count(wasRead.begin(), wasRead.end(), true) > 0);
    QVERIFY(std::any_of(peers.begin(), peers.end(), [](const auto &p) { return p.isNull(); }));
}

void tst_EventDispatcher::workerThreadAcceptsManyConnections()
{
    constexpr int connections = 500;
    QVERIFY(ensureFileDescriptors(2 * connections + 64));

    QThread thread;
    QVERIFY(EpollEventDispatcher::installOn(&thread));
    QVERIFY(qobject_cast<EpollEventDispatcher *>(thread.eventDispatcher()));
    auto *worker = new QObject;
    worker->moveToThread(&thread);
    thread.start();

    EchoServer *server = nullptr;
    quint16 port = 0;
    QMetaObject::invokeMethod(worker, [&] {
        server = new EchoServer(worker);
        if (server->listen(QHostAddress::LocalHost, 0))
            port = server->serverPort();
    }, Qt::BlockingQueuedConnection);
    QVERIFY(port);

    int echoed = 0;
    QObject holder;
    std::vector<QTcpSocket *> clients;
    for (int i = 0; i < connections; ++i) {
        auto *socket = new QTcpSocket(&holder);
        socket->connectToHost(QHostAddress::LocalHost, port);
        clients.push_back(socket);
    }
    QVERIFY(spinUntil([&] {
        return server->accepted == connections
            && std::all_of(clients.begin(), clients.end(), [](QTcpSocket *s) {
                   return s->state() == QAbstractSocket::ConnectedState;
               });
    }, 60000, 10));

    // Every connection is served by the worker's dispatcher.
    for (QTcpSocket *socket : clients)
        connect(socket, &QTcpSocket::readyRead, socket, [socket, &echoed] {
            echoed += int(socket->readAll().size());
        });
    for (QTcpSocket *socket : clients)
        socket->write("ping");
    QVERIFY(spinUntil([&echoed] { return echoed == 4 * connections; }, 60000));

    worker->deleteLater();
    // quit() from here interrupts the worker blocked in epoll_wait().
    thread.quit();
    QVERIFY(thread.wait(10000));
}

void tst_EventDispatcher::pingPongWithThousandsOfIdleConnections()
{
    // What a wake-up costs is counted, not timed: the dispatcher reports how many socket
    // notifiers it looked at. One busy connection's round trips must look at as many
    // beside thousands of idle connections as beside none. A dispatcher that walks every
    // registered notifier on each wake-up (as Qt's poll() one does) looks at thousands.
    auto *dispatcher = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
    QVERIFY(dispatcher);
    int idle = 10000;
    if (!ensureFileDescriptors(2 * idle + 64))
        idle = 2000;
    if (!ensureFileDescriptors(2 * idle + 64))
        QSKIP("RLIMIT_NOFILE too low for 2000 idle connections");

    EchoServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QTcpSocket busy;
    busy.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(spinUntil([&] { return busy.state() == QAbstractSocket::ConnectedState
                                   && server.accepted == 1; }));
    int completed = 0;
    int wanted = 0;
    connect(&busy, &QTcpSocket::readyRead, this, [&] {
        busy.readAll();
        if (++completed < wanted)
            busy.write("p");
    });
    // Notifiers looked at per round trip, over count round trips after a few unmeasured
    // ones (which let the last connections settle).
    auto examinedPerRoundTrip = [&](int count) {
        completed = 0;
        wanted = 10;
        busy.write("p");
        if (!spinUntil([&] { return completed == wanted; }, 60000))
            return -1.0;
        const quint64 before = dispatcher->notifiersExamined();
        completed = 0;
        wanted = count;
        busy.write("p");
        if (!spinUntil([&] { return completed == wanted; }, 60000))
            return -1.0;
        return double(dispatcher->notifiersExamined() - before) / count;
    };
    constexpr int roundTrips = 1000;
    const double alone = examinedPerRoundTrip(roundTrips);
    QVERIFY(alone > 0);

    QObject holder;
    std::vector<QTcpSocket *> clients;
    // In waves, so the accept queue never overflows.
    for (int wave = 0; wave < idle / 500; ++wave) {
        for (int i = 0; i < 500; ++i) {
            auto *socket = new QTcpSocket(&holder);
            socket->connectToHost(QHostAddress::LocalHost, server.serverPort());
            clients.push_back(socket);
        }
        QVERIFY(spinUntil([&] {
            return server.accepted == int(clients.size()) + 1
                && std::all_of(clients.begin(), clients.end(), [](QTcpSocket *s) {
                       return s->state() == QAbstractSocket::ConnectedState;
                   });
        }, 60000));
    }

    QElapsedTimer clock;
    clock.start();
    const double beside = examinedPerRoundTrip(roundTrips);
    const qint64 ms = std::max<qint64>(1, clock.elapsed());
    QVERIFY(beside > 0);
    qInfo("per round trip, %.1f notifiers looked at beside %d idle connections, %.1f beside "
          "none; %d round trips in %lld ms", beside, idle, alone, roundTrips, ms);
    // Both sides of every idle connection hold a read notifier: an O(registered) wake-up
    // would add 2 * idle per wake-up, and a round trip takes at least one.
    QVERIFY2(beside <= 2 * alone,
             qPrintable(QStringLiteral("%1 notifiers per round trip beside %2 idle connections, "
                                       "%3 beside none")
                            .arg(beside)
                            .arg(idle)
                            .arg(alone)));
}

void tst_EventDispatcher::webSocketEcho()
{
    QWebSocketServer server(QStringLiteral("tst_eventdispatcher"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QPointer<QWebSocket> serverSide;
    connect(&server, &QWebSocketServer::newConnection, this, [&] {
        while (server.hasPendingConnections()) {
            QWebSocket *socket = server.nextPendingConnection();
            socket->setParent(&server);
            serverSide = socket;
            connect(socket, &QWebSocket::textMessageReceived, socket,
                    [socket](const QString &text) { socket->sendTextMessage(text); });
            connect(socket, &QWebSocket::binaryMessageReceived, socket,
                    [socket](const QByteArray &data) { socket->sendBinaryMessage(data); });
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        }
    });

    QWebSocket client;
    QStringList texts;
    QList<QByteArray> binaries;
    connect(&client, &QWebSocket::textMessageReceived, this,
            [&texts](const QString &text) { texts.append(text); });
    connect(&client, &QWebSocket::binaryMessageReceived, this,
            [&binaries](const QByteArray &data) { binaries.append(data); });
    client.open(server.serverUrl());
    QVERIFY(spinUntil([&client] { return client.state() == QAbstractSocket::ConnectedState; }));

    for (int i = 0; i < 100; ++i)
        client.sendTextMessage(QStringLiteral("hello %1").arg(i));
    const QByteArray blob(1024 * 1024, 'b');
    client.sendBinaryMessage(blob);
    QVERIFY(spinUntil([&] { return texts.size() == 100 && binaries.size() == 1; }));
    for (int i = 0; i < 100; ++i)
        QCOMPARE(texts.at(i), QStringLiteral("hello %1").arg(i));
    QCOMPARE(binaries.first(), blob);

    QVERIFY(serverSide);
    client.close();
    QVERIFY(spinUntil([&] { return serverSide.isNull()
                                   && client.state() == QAbstractSocket::UnconnectedState; }));
}

// The test's own thread must run on the dispatcher under test, so it is installed before
// the application object exists; otherwise this is what QTEST_GUILESS_MAIN expands to.
int main(int argc, char *argv[])
{
    if (!EpollEventDispatcher::installOnMainThread())
        qFatal("cannot install the epoll event dispatcher");
    QCoreApplication app(argc, argv);
    tst_EventDispatcher test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_eventdispatcher.moc"
