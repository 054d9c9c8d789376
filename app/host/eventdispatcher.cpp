// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/eventdispatcher.h>

#ifdef WSPLUG_HAVE_EPOLL_DISPATCHER
#include <wsplug/epolleventdispatcher.h>
#endif

#include <QCoreApplication>
#include <QThread>

namespace WsPlug {

std::optional<EventDispatcherKind> eventDispatcherKind(QStringView name)
{
    if (name == QLatin1String("epoll"))
        return EventDispatcherKind::Epoll;
    if (name == QLatin1String("qt"))
        return EventDispatcherKind::Qt;
    return std::nullopt;
}

QString eventDispatcherName(EventDispatcherKind kind)
{
    return kind == EventDispatcherKind::Epoll ? QStringLiteral("epoll") : QStringLiteral("qt");
}

/*!
    Gives \a thread the event dispatcher \a requested and returns the one it will run.
    A null \a thread means the main thread; call it then from main() before the
    application object exists (wsplug-host does). Otherwise call it before the thread
    starts (HostThread does).

    Epoll falls back to Qt's dispatcher where wsplug was built without it or the kernel
    lacks epoll. A thread that already has a dispatcher keeps it, and its kind is
    returned: Qt does not let a running loop change dispatcher.
*/
EventDispatcherKind installEventDispatcher(EventDispatcherKind requested, QThread *thread)
{
#ifdef WSPLUG_HAVE_EPOLL_DISPATCHER
    QAbstractEventDispatcher *existing = thread ? thread->eventDispatcher() : QCoreApplication::eventDispatcher();
    if (existing)
        return qobject_cast<EpollEventDispatcher *>(existing) ? EventDispatcherKind::Epoll : EventDispatcherKind::Qt;
    if (requested == EventDispatcherKind::Epoll) {
        const bool installed = thread ? EpollEventDispatcher::installOn(thread)
                                      : EpollEventDispatcher::installOnMainThread();
        if (installed)
            return EventDispatcherKind::Epoll;
    }
#else
    Q_UNUSED(requested)
    Q_UNUSED(thread)
#endif
    return EventDispatcherKind::Qt;
}

} // namespace WsPlug
