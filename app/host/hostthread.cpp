// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostthread.h>

#include <wsplug/hostserver.h>

#include <QCoreApplication>
#include <QMutex>
#include <QPointer>
#include <QSemaphore>
#include <QSet>
#include <QThread>

#include <openssl/crypto.h>

#include <utility>

namespace WsPlug {

namespace {

//! What the host thread found when it started the host. Written there before done is
//! released and before finishStart() is posted, so either makes it safe to read.
struct StartResult
{
    QSemaphore done;
    bool ok = false;
    QString error;
    quint16 port = 0;
    QUrl adminUrl;
};

// Every HostThread, so that the application's end can stop those still running (see
// stopAtApplicationEnd()). Never destroyed: a HostThread may outlive static destruction.
QBasicMutex instancesMutex;
QSet<HostThread *> &instances()
{
    static auto *set = new QSet<HostThread *>;
    return *set;
}

} // namespace

struct HostThread::Private
{
    QThread thread;
    HostServer *host = nullptr;
    State state = State::Stopped;
    Dispatcher requested = Dispatcher::Epoll;
    Dispatcher inUse = Dispatcher::Qt;
    quint16 port = 0;
    QUrl adminUrl;
    // Counts starts, so that a report queued by an earlier run is recognised and dropped.
    quint64 run = 0;
    std::shared_ptr<StartResult> pendingStart;
    QString startError;
    bool stopRequested = false;
    bool deleteWhenStopped = false;
    QMetaObject::Connection finishedConnection;
};

HostThread::HostThread(QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    d->thread.setObjectName(QStringLiteral("wsplug-host"));
    // Qt's TLS backend (a TLS listener's sockets) sets up OpenSSL on the host thread, which
    // keeps per-thread state (random generators) until the thread's exit handlers run,
    // after QThread::wait() has returned. A program that ends right after its host would
    // end before them: free it on the thread itself, as it finishes.
    connect(&d->thread, &QThread::finished, &d->thread, [] { OPENSSL_thread_stop(); }, Qt::DirectConnection);
    const QMutexLocker locker(&instancesMutex);
    instances().insert(this);
}

HostThread::~HostThread()
{
    d->deleteWhenStopped = false;
    stop();
    const QMutexLocker locker(&instancesMutex);
    instances().remove(this);
}

namespace {

// Qt delivers no events, in any thread, once the application object is being destroyed
// (and none without one), so a host can no longer close its sessions then.
bool eventsAreDelivered()
{
    return QCoreApplication::instance() && !QCoreApplication::closingDown();
}

} // namespace

void HostThread::setDispatcher(Dispatcher dispatcher)
{
    d->requested = dispatcher;
}

HostThread::Dispatcher HostThread::dispatcher() const
{
    return d->inUse;
}

/*!
    Starts the host thread and, on it, a HostServer with \a config, and returns at
    once. started() follows once the host listens, or startFailed() once it could not
    and its thread has ended. Does nothing unless stopped.
*/
void HostThread::startLater(const HostConfig &config)
{
    if (d->state != State::Stopped)
        return;
    beginStart(config);
}

/*!
    Like startLater(), but waits until the host listens (true) or has failed (false,
    with \a errorString) and emits started() or startFailed() before it returns.
*/
bool HostThread::start(const HostConfig &config, QString *errorString)
{
    if (d->state != State::Stopped) {
        if (errorString)
            *errorString = QStringLiteral("already running");
        return false;
    }
    beginStart(config);
    const std::shared_ptr<StartResult> result = d->pendingStart;
    result->done.acquire();
    finishStart(d->run);
    if (result->ok)
        return true;
    finish();   // the thread is ending already: a short wait
    if (errorString)
        *errorString = result->error;
    return false;
}

void HostThread::beginStart(const HostConfig &config)
{
    // Post routines run first thing in the application object's destructor, while Qt
    // still delivers events and before it tears down what a running host uses (the TLS
    // backend, for one). Registered once per application object.
    if (QCoreApplication *app = QCoreApplication::instance(); app && app->thread() == thread()) {
        static QPointer<QCoreApplication> registeredFor;
        if (registeredFor != app) {
            registeredFor = app;
            qAddPostRoutine(&HostThread::stopAtApplicationEnd);
        }
    }
    const quint64 run = ++d->run;
    auto result = std::make_shared<StartResult>();
    d->pendingStart = result;
    d->startError.clear();
    d->stopRequested = false;
    d->state = State::Starting;
    d->inUse = installEventDispatcher(d->requested, &d->thread);

    QThread *thread = &d->thread;
    auto *host = new HostServer;
    host->setConfig(config);
    // The thread ends once its host has stopped, whoever asked it to.
    connect(host, &HostServer::stopped, host, [thread] { thread->quit(); }, Qt::DirectConnection);
    d->finishedConnection = connect(thread, &QThread::finished, this, [this, run] { onThreadFinished(run); },
                                    Qt::QueuedConnection);
    host->moveToThread(thread);
    d->host = host;
    thread->start();
    QMetaObject::invokeMethod(host, [this, host, thread, run, result] {
        result->ok = host->start();
        result->error = host->errorString();
        result->port = host->serverPort();
        result->adminUrl = host->adminUrl();
        if (!result->ok)
            thread->quit();
        // This object outlives the thread (its destructor joins it), so posting to it is safe.
        QMetaObject::invokeMethod(this, [this, run] { finishStart(run); }, Qt::QueuedConnection);
        result->done.release();
    }, Qt::QueuedConnection);
}

void HostThread::finishStart(quint64 run)
{
    // Already taken by start(), or by a stop that came first.
    if (run != d->run || d->state != State::Starting || !d->pendingStart)
        return;
    const std::shared_ptr<StartResult> result = std::exchange(d->pendingStart, nullptr);
    if (result->ok) {
        d->port = result->port;
        d->adminUrl = result->adminUrl;
        d->state = State::Running;
        Q_EMIT started();
        return;
    }
    // The thread is ending; startFailed() follows once it has.
    d->startError = result->error;
    d->state = State::Stopping;
}

/*!
    Asks the host to close its sessions with 1001 Going Away and returns at once. The
    host waits at most shutdownGraceMs for their answers on its own thread, the thread
    then ends, and stopped() is emitted on this object's thread. A host still starting
    is stopped as soon as it has started (no started() then). A GUI uses this so that
    it never waits for peers that are slow to answer a close.
*/
void HostThread::stopLater()
{
    if (d->state == State::Stopped)
        return;
    d->stopRequested = true;
    if (d->state == State::Stopping)
        return;
    d->state = State::Stopping;
    HostServer *host = d->host;
    QThread *thread = &d->thread;
    // Queued behind the host's start when it is still starting: same receiver, same order.
    QMetaObject::invokeMethod(host, [host, thread] {
        if (host->isRunning())
            host->stop();
        else
            thread->quit();
    }, Qt::QueuedConnection);
}

/*!
    Like stopLater(), but waits until the host has stopped (at most its shutdownGraceMs
    for the close handshakes) and its thread has ended. Joins a stop already under way.
*/
void HostThread::stop()
{
    if (d->state == State::Stopped)
        return;
    HostServer *orphan = nullptr;
    QMetaObject::Connection deleteOnItsThread;
    if (eventsAreDelivered()) {
        stopLater();
    } else {
        qWarning("wsplug: the application is ending; its host thread stops without closing its sessions"
                 " (see HostThread::waitForBackgroundStops())");
        d->stopRequested = true;
        // Deleted on its own thread as that ends, while its timers can still be unregistered
        // there: a direct connection needs no event delivery.
        orphan = std::exchange(d->host, nullptr);
        deleteOnItsThread = connect(&d->thread, &QThread::finished, &d->thread,
                                    [&orphan] { delete std::exchange(orphan, nullptr); }, Qt::DirectConnection);
        d->thread.quit();
    }
    d->thread.wait();
    disconnect(deleteOnItsThread);
    delete orphan;   // its thread ended before it could: safe to delete from here
    finish();
}

/*!
    Stops the host in the background and deletes this object once it has stopped; the
    owner must let go of it (release a unique_ptr, forget the pointer). Nothing waits
    for the host's peers meanwhile.

    The application object becomes the parent. A program waits for such drains with
    waitForBackgroundStops() once its event loop has returned; failing that, the
    application object's destructor does, first thing (see stopAtApplicationEnd()).
*/
void HostThread::deleteWhenStopped()
{
    d->deleteWhenStopped = true;
    if (QCoreApplication *app = QCoreApplication::instance(); app && app->thread() == thread())
        setParent(app);
    if (d->state == State::Stopped)
        deleteLater();
    else
        stopLater();
}

/*!
    Waits until every host handed to deleteWhenStopped() from this (the main) thread has
    closed its sessions, each within its grace period, and deletes them. Call it after
    QCoreApplication::exec() has returned and before the application object is
    destroyed: from then on Qt delivers no events, so no host could finish closing.
*/
void HostThread::waitForBackgroundStops()
{
    QCoreApplication *app = QCoreApplication::instance();
    if (!app || app->thread() != QThread::currentThread())
        return;
    const QList<HostThread *> children = app->findChildren<HostThread *>(Qt::FindDirectChildrenOnly);
    for (HostThread *t : children) {
        if (t->d->deleteWhenStopped)
            delete t;   // the destructor's stop() joins the drain under way
    }
}

/*!
    Run first thing in the application object's destructor (a post routine registered by
    the first start): stops every host of this thread still running, gracefully, since Qt
    still delivers events then, and deletes those handed to deleteWhenStopped(). Past this
    point Qt tears down what a host uses while its thread would go on running, and a
    QThread destroyed while running aborts the program.
*/
void HostThread::stopAtApplicationEnd()
{
    QList<QPointer<HostThread>> here;
    {
        const QMutexLocker locker(&instancesMutex);
        for (HostThread *t : std::as_const(instances())) {
            if (t->thread() == QThread::currentThread())
                here.append(t);
        }
    }
    for (const QPointer<HostThread> &t : std::as_const(here)) {
        if (!t)
            continue;
        if (t->d->deleteWhenStopped)
            delete t.data();   // the destructor's stop() joins the drain under way
        else
            t->stop();
    }
}

void HostThread::onThreadFinished(quint64 run)
{
    if (run != d->run || d->state == State::Stopped)
        return;
    finishStart(run);   // a start result still queued behind this: take it first
    finish();
}

// After the thread has ended (or while it is ending): deletes the host and reports.
void HostThread::finish()
{
    // QThread::finished is emitted just before the thread ends: a short wait at most.
    d->thread.wait();
    disconnect(d->finishedConnection);
    delete d->host;   // its thread has finished: safe to delete from here
    d->host = nullptr;
    d->port = 0;
    d->adminUrl.clear();
    d->pendingStart.reset();
    const bool failed = !d->startError.isEmpty() && !d->stopRequested;
    const QString error = std::exchange(d->startError, QString());
    d->stopRequested = false;
    d->state = State::Stopped;
    if (failed)
        Q_EMIT startFailed(error);
    else
        Q_EMIT stopped();
    if (d->deleteWhenStopped)
        deleteLater();
}

HostThread::State HostThread::state() const
{
    return d->state;
}

bool HostThread::isRunning() const
{
    return d->state != State::Stopped;
}

HostServer *HostThread::host() const
{
    return d->host;
}

quint16 HostThread::serverPort() const
{
    return d->port;
}

QUrl HostThread::adminUrl() const
{
    return d->adminUrl;
}

QThread *HostThread::hostThread() const
{
    return &d->thread;
}

} // namespace WsPlug
