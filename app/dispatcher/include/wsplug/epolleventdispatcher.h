// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QAbstractEventDispatcher>

#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace WsPlug {

class EpollEventDispatcherPrivate;

/*
 * A Linux epoll event dispatcher for one thread.
 *
 * Qt's Unix dispatchers rebuild and poll() the whole socket-notifier set on every
 * wake-up, so with thousands of idle connections each wake-up costs O(connections).
 * Here the kernel keeps the interest set: a wake-up costs O(ready sockets + due timers),
 * and enabling/disabling a notifier costs one epoll_ctl().
 *
 * Install it before the thread's event loop exists; Qt takes ownership:
 *
 *   // main thread: before constructing Q(Core|Gui)Application
 *   WsPlug::EpollEventDispatcher::installOnMainThread();
 *   // (same as QCoreApplication::setEventDispatcher(new WsPlug::EpollEventDispatcher))
 *
 *   // worker thread: before QThread::start()
 *   WsPlug::EpollEventDispatcher::installOn(&thread);
 *   // (same as thread.setEventDispatcher(new WsPlug::EpollEventDispatcher))
 *
 * The install helpers return false and leave Qt's default dispatcher in place when epoll
 * is unavailable or the thread already has a dispatcher. Qt deletes a thread's dispatcher
 * when the thread finishes, so one installed on a QThread that never starts is leaked.
 *
 * Everything runs on the owning thread except wakeUp() and interrupt(), which any thread
 * may call.
 */
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    static bool isSupported();
    static bool installOn(QThread *thread);
    static bool installOnMainThread();

    bool isValid() const;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    quint64 notifiersExamined() const;

    /*
     * Reads a socket when its read notifier is activated, instead of the notifier's
     * QEvent::SockAct, which costs an event delivery per activation (event filters,
     * QCoreApplication::notify()) where a server of small messages has one per message.
     */
    class DirectReader
    {
    public:
        //! The socket is ready to read: true when handled; false sends the notifier
        //! its event as usual (the reader must not have deleted it then).
        virtual bool readyToRead() = 0;

    protected:
        ~DirectReader() = default;
    };
    //! Hands the activations of \a notifier, an enabled read notifier of this thread, to
    //! \a reader until it is called with nullptr or the notifier is disabled or deleted
    //! (after which its events come as before). False, and nothing changed, when
    //! \a notifier is not an enabled read notifier here.
    bool setDirectReader(QSocketNotifier *notifier, DirectReader *reader);
    //! Activations a direct reader took since this was created (owning thread only).
    //! Invokable by name, for a program that links the dispatcher through the host.
    Q_INVOKABLE quint64 directReads() const;

    // Keep the non-virtual convenience overload visible next to the override above.
    using QAbstractEventDispatcher::registerTimer;

private:
    std::unique_ptr<EpollEventDispatcherPrivate> const d;
};

} // namespace WsPlug
