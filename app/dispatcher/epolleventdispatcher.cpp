// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

#include <wsplug/epolleventdispatcher.h>

#include "epolleventdispatcher_p.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
#include <QTimerEvent>

#include <algorithm>
#include <climits>
#include <utility>

#include <cerrno>
#include <ctime>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace WsPlug {

namespace {

using Internal::SocketNotifierSet;
using Internal::TimerQueue;
using Nanoseconds = TimerQueue::Nanoseconds;
constexpr Nanoseconds NsPerMs = TimerQueue::NsPerMs;
constexpr Nanoseconds NsPerSecond = TimerQueue::NsPerSecond;

constexpr int InitialBatchSize = 256;
constexpr int MaxBatchSize = 4096;

Nanoseconds monotonicNow()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Nanoseconds(ts.tv_sec) * NsPerSecond + ts.tv_nsec;
}

timespec toTimespec(Nanoseconds ns)
{
    timespec ts;
    ts.tv_sec = time_t(ns / NsPerSecond);
    ts.tv_nsec = long(ns % NsPerSecond);
    return ts;
}

int createEpoll()
{
    const int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        qErrnoWarning(errno, "EpollEventDispatcher: epoll_create1() failed");
    return fd;
}

} // namespace

EpollEventDispatcherPrivate::EpollEventDispatcherPrivate()
    : epollFd(createEpoll())
    , events(InitialBatchSize)
    , notifiers(epollFd)
    , timers(monotonicNow)
{
    if (epollFd < 0)
        return;
    wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) {
        qErrnoWarning(errno, "EpollEventDispatcher: eventfd() failed");
        return;
    }
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = wakeFd;
    if (epoll_ctl(epollFd, EPOLL_CTL_ADD, wakeFd, &ev) < 0) {
        qErrnoWarning(errno, "EpollEventDispatcher: cannot watch the wake-up eventfd");
        close(wakeFd);
        wakeFd = -1;
    }
}

EpollEventDispatcherPrivate::~EpollEventDispatcherPrivate()
{
    if (wakeFd >= 0)
        close(wakeFd);
    if (epollFd >= 0)
        close(epollFd);
}

int EpollEventDispatcherPrivate::wait(Nanoseconds timeout, bool includeNotifiers)
{
    if (!includeNotifiers)
        return waitWakeUpOnly(timeout);
    // Regular files never block, so neither may we while one has a notifier.
    if (notifiers.hasAlwaysReady())
        timeout = 0;

    int woken = 0;
    const int ready = waitEpoll(timeout);
    if (ready < 0) {
        if (errno != EINTR)
            qErrnoWarning(errno, "EpollEventDispatcher: epoll_wait() failed");
        return 0;
    }
    for (int i = 0; i < ready; ++i) {
        const epoll_event &ev = events[size_t(i)];
        if (ev.data.fd == wakeFd) {
            drainWakeUp();
            woken = 1;
            continue;
        }
        notifiers.markReady(ev.data.fd, ev.events);
    }
    notifiers.markAlwaysReady();

    // A full batch means more sockets are ready than we asked for; the rest stay queued
    // in the kernel (level-triggered), but fetch more at once next time.
    if (ready == int(events.size()) && events.size() < size_t(MaxBatchSize))
        events.resize(events.size() * 2);
    return woken;
}

int EpollEventDispatcherPrivate::waitEpoll(Nanoseconds timeout)
{
#ifdef WSPLUG_HAVE_EPOLL_PWAIT2
    if (usePwait2) {
        timespec ts = toTimespec(std::max<Nanoseconds>(timeout, 0));
        const int ready = epoll_pwait2(epollFd, events.data(), int(events.size()),
                                       timeout < 0 ? nullptr : &ts, nullptr);
        if (ready >= 0 || errno != ENOSYS)
            return ready;
        usePwait2 = false;
    }
#endif
    // Round up: a timer must never be reported before it is due.
    const int ms = timeout < 0 ? -1
                               : int(std::min<Nanoseconds>((timeout + NsPerMs - 1) / NsPerMs,
                                                           INT_MAX));
    return epoll_wait(epollFd, events.data(), int(events.size()), ms);
}

int EpollEventDispatcherPrivate::waitWakeUpOnly(Nanoseconds timeout)
{
    pollfd pfd = {wakeFd, POLLIN, 0};
    const timespec ts = toTimespec(std::max<Nanoseconds>(timeout, 0));
    const int ready = ppoll(&pfd, 1, timeout < 0 ? nullptr : &ts, nullptr);
    if (ready < 0 && errno != EINTR)
        qErrnoWarning(errno, "EpollEventDispatcher: ppoll() failed");
    if (ready > 0 && (pfd.revents & POLLIN)) {
        drainWakeUp();
        return 1;
    }
    return 0;
}

void EpollEventDispatcherPrivate::drainWakeUp()
{
    quint64 value;
    while (read(wakeFd, &value, sizeof value) < 0 && errno == EINTR) {
    }
    // Cleared only after draining: a wakeUp() racing with us either sees the flag set and
    // its event is picked up by the sendPostedEvents() that starts the next iteration, or
    // sees it clear and writes the eventfd again.
    wakeUpPending.store(false, std::memory_order_release);
}

int EpollEventDispatcherPrivate::activateTimers()
{
    return timers.activateDueTimers([](int timerId, QObject *object) {
        QTimerEvent event(timerId);
        QCoreApplication::sendEvent(object, &event);
    });
}

/*!
    \class WsPlug::EpollEventDispatcher
    \brief An event dispatcher for Linux whose wake-up cost grows with the number of
    ready sockets and due timers, not with the number of registered socket notifiers.

    Socket notifiers are kept in a level-triggered epoll set; enabling or disabling one
    is a single epoll_ctl(). Timers live in a TimerQueue ordered by deadline. wakeUp()
    and interrupt() write an eventfd and may be called from any thread.

    Install it before the thread's event loop exists, see installOn() and
    installOnMainThread(). Qt owns an installed dispatcher.
*/

/*!
    Creates the dispatcher. Check isValid(): creating the epoll instance or the eventfd
    can fail when the process runs out of file descriptors.
*/
EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , d(std::make_unique<EpollEventDispatcherPrivate>())
{
}

EpollEventDispatcher::~EpollEventDispatcher() = default;

/*!
    Returns true if the kernel provides what the dispatcher needs (epoll and eventfd).
    The probe runs once per process.
*/
bool EpollEventDispatcher::isSupported()
{
    static const bool supported = [] {
        const int epollFd = epoll_create1(EPOLL_CLOEXEC);
        const int wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        const bool ok = epollFd >= 0 && wakeFd >= 0;
        if (epollFd >= 0)
            close(epollFd);
        if (wakeFd >= 0)
            close(wakeFd);
        return ok;
    }();
    return supported;
}

/*!
    Installs a new EpollEventDispatcher on \a thread, which must not have been started
    and must not have an event dispatcher yet. Returns false, leaving Qt's default
    dispatcher to be created as usual, if that is not the case or epoll is unavailable.
*/
bool EpollEventDispatcher::installOn(QThread *thread)
{
    if (!thread || thread->isRunning() || thread->eventDispatcher() || !isSupported())
        return false;
    auto dispatcher = std::make_unique<EpollEventDispatcher>();
    if (!dispatcher->isValid())
        return false;
    EpollEventDispatcher *raw = dispatcher.release();
    thread->setEventDispatcher(raw);
    return thread->eventDispatcher() == raw;
}

/*!
    Installs a new EpollEventDispatcher for the main thread. Call it from main() before
    constructing the Q(Core|Gui)Application. Returns false, leaving Qt's default
    dispatcher to be created as usual, if the main thread already has a dispatcher or
    epoll is unavailable.
*/
bool EpollEventDispatcher::installOnMainThread()
{
    if (QCoreApplication::instance() || QCoreApplication::eventDispatcher() || !isSupported())
        return false;
    auto dispatcher = std::make_unique<EpollEventDispatcher>();
    if (!dispatcher->isValid())
        return false;
    EpollEventDispatcher *raw = dispatcher.release();
    QCoreApplication::setEventDispatcher(raw);
    return QCoreApplication::eventDispatcher() == raw;
}

/*!
    Returns true if the epoll instance and the wake-up eventfd were created.
*/
bool EpollEventDispatcher::isValid() const
{
    return d->epollFd >= 0 && d->wakeFd >= 0;
}

/*!
    Delivers posted events, then waits for sockets, timers or a wake-up (if \a flags
    contains QEventLoop::WaitForMoreEvents), then activates ready socket notifiers and
    due timers. Returns true if anything was delivered or the dispatcher was woken up.
*/
bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    d->interrupted.store(false, std::memory_order_relaxed);
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool canWait = (flags & QEventLoop::WaitForMoreEvents)
        && !d->interrupted.load(std::memory_order_relaxed);

    if (canWait)
        Q_EMIT aboutToBlock();
    // A handler of a posted event (or of aboutToBlock) asked the loop to stop.
    if (d->interrupted.load(std::memory_order_relaxed))
        return false;

    Nanoseconds timeout = 0;
    if (canWait)
        timeout = includeTimers ? d->timers.timeUntilNextTimer() : -1;

    int delivered = d->wait(timeout, includeNotifiers);
    if (includeNotifiers)
        delivered += d->notifiers.activatePendingNotifiers();
    if (includeTimers)
        delivered += d->activateTimers();
    return delivered > 0;
}

/*!
    Starts watching the notifier's socket for its type. Costs one epoll_ctl() at most.
*/
void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr sockfd = notifier->socket();
    const int type = notifier->type();
    if (Q_UNLIKELY(sockfd < 0 || sockfd > INT_MAX || type < 0
                   || type >= SocketNotifierSet::TypeCount)) {
        qWarning("EpollEventDispatcher: invalid socket notifier (socket %lld, type %d)",
                 qlonglong(sockfd), type);
        return;
    }
    if (Q_UNLIKELY(notifier->thread() != thread() || thread() != QThread::currentThread())) {
        qWarning("QSocketNotifier: socket notifiers cannot be enabled from another thread");
        return;
    }
    d->notifiers.registerNotifier(notifier);
}

/*!
    Stops watching the notifier's socket for its type. If the notifier was found ready
    in the batch being delivered, it is not activated: deleting a socket from a slot of
    another socket in the same batch is safe.
*/
void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr sockfd = notifier->socket();
    const int type = notifier->type();
    if (Q_UNLIKELY(sockfd < 0 || sockfd > INT_MAX || type < 0
                   || type >= SocketNotifierSet::TypeCount))
        return;
    if (Q_UNLIKELY(notifier->thread() != thread() || thread() != QThread::currentThread())) {
        qWarning("QSocketNotifier: socket notifiers cannot be disabled from another thread");
        return;
    }
    d->notifiers.unregisterNotifier(notifier);
}

/*!
    Registers timer \a timerId for \a object. Precise timers fire on the millisecond;
    coarse ones up to 5% late, on boundaries shared with other timers (below 20 ms they
    are precise, from 20 s on very coarse); very coarse ones on whole seconds.
*/
void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (Q_UNLIKELY(timerId < 1 || interval < 0 || !object)) {
        qWarning("EpollEventDispatcher::registerTimer: invalid arguments");
        return;
    }
    if (Q_UNLIKELY(object->thread() != thread() || thread() != QThread::currentThread())) {
        qWarning("QObject::startTimer: Timers cannot be started from another thread");
        return;
    }

    if (Q_UNLIKELY(!d->timers.registerTimer(timerId, interval, timerType, object))) {
        // Ids come from Qt's allocator, so this is a caller bug; the queue replaced the
        // old timer rather than leave a stale entry that is always due.
        qWarning("EpollEventDispatcher::registerTimer: timer id %d is already registered",
                 timerId);
    }
}

/*!
    Removes timer \a timerId. Returns false if it is not registered here.
*/
bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    if (Q_UNLIKELY(thread() != QThread::currentThread())) {
        qWarning("QObject::killTimer: Timers cannot be stopped from another thread");
        return false;
    }
    return d->timers.unregisterTimer(timerId);
}

/*!
    Removes every timer of \a object. Returns false if it had none.
*/
bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    if (Q_UNLIKELY(thread() != QThread::currentThread())) {
        qWarning("QObject::killTimers: Timers cannot be stopped from another thread");
        return false;
    }
    return d->timers.unregisterTimers(object);
}

/*!
    Returns the timers of \a object with the interval and type they were registered with,
    which is what QObject::moveToThread() needs to register them again elsewhere.
*/
QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(
    QObject *object) const
{
    return d->timers.registeredTimers(object);
}

/*!
    Returns the milliseconds until timer \a timerId fires, 0 if it is overdue, or -1 if it
    is not registered here.
*/
int EpollEventDispatcher::remainingTime(int timerId)
{
    return d->timers.remainingTime(timerId);
}

bool EpollEventDispatcher::setDirectReader(QSocketNotifier *notifier, DirectReader *reader)
{
    return d->notifiers.setDirectReader(notifier, reader);
}

quint64 EpollEventDispatcher::directReads() const
{
    return d->notifiers.directReads();
}

/*!
    Returns how many socket notifiers this dispatcher has looked at to find the ready
    ones, in total since it was created. A wake-up looks only at the notifiers of the
    sockets the kernel reports ready (and of regular files, which are always ready), so
    this grows with the traffic, never with the number of idle sockets; tests check that
    through it. It costs one increment per notifier looked at. Owning thread only.
*/
quint64 EpollEventDispatcher::notifiersExamined() const
{
    return d->notifiers.notifiersExamined();
}

/*!
    Makes a blocking processEvents() return. Thread-safe; consecutive calls before the
    dispatcher wakes cost one eventfd write in total.
*/
void EpollEventDispatcher::wakeUp()
{
    if (d->wakeFd < 0)
        return;
    if (d->wakeUpPending.exchange(true, std::memory_order_acq_rel))
        return;
    const quint64 one = 1;
    while (write(d->wakeFd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

/*!
    Makes the current processEvents() return as soon as possible, without blocking.
    Thread-safe; QEventLoop::exit() and QThread::quit() rely on it.
*/
void EpollEventDispatcher::interrupt()
{
    d->interrupted.store(true, std::memory_order_relaxed);
    wakeUp();
}

} // namespace WsPlug
