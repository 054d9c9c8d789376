// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "socketnotifierset_p.h"
#include "timerqueue_p.h"

#include <atomic>
#include <vector>

#include <sys/epoll.h>

// epoll_pwait2() takes a timespec, so precise timers are not rounded up to whole
// milliseconds. glibc has it from 2.35; older kernels answer ENOSYS and we fall back.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#  define WSPLUG_HAVE_EPOLL_PWAIT2 1
#endif

namespace WsPlug {

/*
 * The state of one EpollEventDispatcher: the epoll instance it waits on, the wake-up
 * eventfd, the batch of events one wait fetches, and the socket notifiers and timers,
 * each kept by its own class.
 */
class EpollEventDispatcherPrivate
{
public:
    using Nanoseconds = Internal::TimerQueue::Nanoseconds;

    EpollEventDispatcherPrivate();
    ~EpollEventDispatcherPrivate();

    int wait(Nanoseconds timeout, bool includeNotifiers);
    int waitEpoll(Nanoseconds timeout);
    int waitWakeUpOnly(Nanoseconds timeout);
    void drainWakeUp();
    int activateTimers();

    // Declared before the socket notifiers, which keep this instance's interest set.
    int epollFd = -1;
    int wakeFd = -1;
    std::atomic<bool> wakeUpPending{false};
    std::atomic<bool> interrupted{false};
#ifdef WSPLUG_HAVE_EPOLL_PWAIT2
    bool usePwait2 = true;
#endif

    std::vector<epoll_event> events;
    Internal::SocketNotifierSet notifiers;
    Internal::TimerQueue timers;
};

} // namespace WsPlug
