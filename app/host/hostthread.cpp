// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostthread.h>

#include <wsplug/hostserver.h>

#include <QSemaphore>
#include <QThread>

namespace WsPlug {

struct HostThread::Private
{
    QThread thread;
    HostServer *host = nullptr;
    Dispatcher requested = Dispatcher::Epoll;
    Dispatcher inUse = Dispatcher::Qt;
    quint16 port = 0;
    bool stoppingLater = false;
};

HostThread::HostThread(QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    d->thread.setObjectName(QStringLiteral("wsplug-host"));
}

HostThread::~HostThread()
{
    stop();
}

void HostThread::setDispatcher(Dispatcher dispatcher)
{
    d->requested = dispatcher;
}

HostThread::Dispatcher HostThread::dispatcher() const
{
    return d->inUse;
}

bool HostThread::start(const HostConfig &config, QString *errorString)
{
    if (d->host) {
        if (errorString)
            *errorString = QStringLiteral("already running");
        return false;
    }
    d->inUse = installEventDispatcher(d->requested, &d->thread);
    d->thread.start();

    auto *host = new HostServer;
    host->setConfig(config);
    host->moveToThread(&d->thread);
    bool ok = false;
    QString error;
    QMetaObject::invokeMethod(host, [&] {
        ok = host->start();
        error = host->errorString();
        d->port = host->serverPort();
    }, Qt::BlockingQueuedConnection);
    if (!ok) {
        d->thread.quit();
        d->thread.wait();
        delete host;   // its thread has finished: safe to delete from here
        if (errorString)
            *errorString = error;
        return false;
    }
    d->host = host;
    return true;
}

void HostThread::stop()
{
    if (!d->host)
        return;
    if (d->stoppingLater) {
        // stopLater() is under way: the host thread quits by itself once the host stopped.
        d->thread.wait();
        finishStopLater();
        return;
    }
    QSemaphore done;
    // Direct connection: released on the host thread the moment the host has stopped.
    const auto connection = connect(d->host, &HostServer::stopped, d->host, [&done] { done.release(); },
                                    Qt::DirectConnection);
    bool wasRunning = false;
    QMetaObject::invokeMethod(d->host, [this, &wasRunning] {
        wasRunning = d->host->isRunning();
        d->host->stop();
    }, Qt::BlockingQueuedConnection);
    if (wasRunning)
        done.acquire();
    disconnect(connection);
    d->thread.quit();
    d->thread.wait();
    delete d->host;
    d->host = nullptr;
    d->port = 0;
    Q_EMIT stopped();
}

/*!
    Like stop(), but returns at once: the host closes its sessions (1001) on its own
    thread, the thread then ends, and stopped() is emitted on this object's thread.
    A GUI uses this so that it never waits for peers that are slow to answer a close.
*/
void HostThread::stopLater()
{
    if (!d->host || d->stoppingLater)
        return;
    d->stoppingLater = true;
    QThread *thread = &d->thread;
    HostServer *host = d->host;
    // On the host thread: end the thread as soon as the host has stopped.
    connect(host, &HostServer::stopped, host, [thread] { thread->quit(); }, Qt::DirectConnection);
    connect(thread, &QThread::finished, this, [this] { finishStopLater(); }, Qt::QueuedConnection);
    QMetaObject::invokeMethod(host, [host, thread] {
        if (host->isRunning())
            host->stop();
        else
            thread->quit();
    }, Qt::QueuedConnection);
}

void HostThread::finishStopLater()
{
    if (!d->host)
        return;
    d->thread.wait();
    disconnect(&d->thread, &QThread::finished, this, nullptr);
    delete d->host;   // its thread has finished: safe to delete from here
    d->host = nullptr;
    d->port = 0;
    d->stoppingLater = false;
    Q_EMIT stopped();
}

bool HostThread::isRunning() const
{
    return d->host != nullptr;
}

HostServer *HostThread::host() const
{
    return d->host;
}

quint16 HostThread::serverPort() const
{
    return d->port;
}

QThread *HostThread::hostThread() const
{
    return &d->thread;
}

} // namespace WsPlug
