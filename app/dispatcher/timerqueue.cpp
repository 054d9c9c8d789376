// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

#include "timerqueue_p.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace WsPlug::Internal {

/*!
    \class WsPlug::Internal::TimerQueue
    \brief The timer bookkeeping of EpollEventDispatcher, without I/O.

    Timers are kept in an ordered map keyed by (deadline, sequence), so the next deadline
    is the first entry and a pass stops at the first timer that is not due. Times are
    nanoseconds on the monotonic \c Clock given to the constructor, read whenever an
    operation needs "now"; nothing else here reads the time or delivers events.
*/

/*!
    Creates an empty queue that reads the current time from \a clock.
*/
TimerQueue::TimerQueue(Clock clock)
    : m_clock(std::move(clock))
{
}

/*!
    Registers timer \a timerId of \a object, due \a intervalMs from now and then every
    \a intervalMs. Precise timers are due exactly then; coarse ones up to 5% later, on
    boundaries shared with other timers (up to 20 ms they are precise, from 20 s on very
    coarse); very coarse ones on the nearest whole second (with a zero interval they are
    precise).

    Returns false if \a timerId was already registered; the new timer then replaces it.
*/
bool TimerQueue::registerTimer(int timerId, qint64 intervalMs, Qt::TimerType timerType,
                               QObject *object)
{
    TimerRecord timer;
    timer.object = object;
    timer.intervalMs = std::min(intervalMs, MaxIntervalMs);
    timer.requestedType = timerType;
    timer.effectiveType = timerType;
    if (timerType == Qt::CoarseTimer) {
        // 5% of less than 20 ms is under a millisecond; 5% of 20 s and more is over a second.
        if (intervalMs <= 20)
            timer.effectiveType = Qt::PreciseTimer;
        else if (intervalMs >= 20000)
            timer.effectiveType = Qt::VeryCoarseTimer;
    } else if (timerType == Qt::VeryCoarseTimer && intervalMs == 0) {
        // "As soon as the loop is idle" has no second to round to.
        timer.effectiveType = Qt::PreciseTimer;
    }
    schedule(timer, m_clock(), true);

    auto [it, inserted] = m_timers.try_emplace(timerId, timer);
    if (Q_UNLIKELY(!inserted)) {
        // Replacing the old timer keeps the queue consistent instead of leaving a stale
        // entry that is always due.
        dequeue(it->second);
        forgetTimerOfObject(it->second.object, timerId);
        it->second = timer;
    }
    enqueue(timerId, it->second);
    m_timersByObject[object].append(timerId);
    return inserted;
}

/*!
    Removes timer \a timerId. Returns false if it is not registered.
*/
bool TimerQueue::unregisterTimer(int timerId)
{
    auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    dequeue(it->second);
    forgetTimerOfObject(it->second.object, timerId);
    m_timers.erase(it);
    return true;
}

/*!
    Removes every timer of \a object. Returns false if it had none.
*/
bool TimerQueue::unregisterTimers(QObject *object)
{
    auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end())
        return false;
    for (int timerId : std::as_const(byObject->second)) {
        auto it = m_timers.find(timerId);
        if (it != m_timers.end()) {
            dequeue(it->second);
            m_timers.erase(it);
        }
    }
    m_timersByObject.erase(byObject);
    return true;
}

/*!
    Returns the timers of \a object with the interval and type they were registered with,
    which is what QObject::moveToThread() needs to register them again elsewhere.
*/
QList<QAbstractEventDispatcher::TimerInfo> TimerQueue::registeredTimers(QObject *object) const
{
    QList<QAbstractEventDispatcher::TimerInfo> result;
    auto byObject = m_timersByObject.find(object);
    if (byObject == m_timersByObject.end())
        return result;
    result.reserve(byObject->second.size());
    for (int timerId : byObject->second) {
        const auto it = m_timers.find(timerId);
        if (it == m_timers.end())
            continue;
        const TimerRecord &timer = it->second;
        result.append(QAbstractEventDispatcher::TimerInfo(
            timerId, int(std::min<qint64>(timer.intervalMs, INT_MAX)), timer.requestedType));
    }
    return result;
}

/*!
    Returns the whole milliseconds until timer \a timerId fires, 0 if it is overdue, or -1
    if it is not registered.
*/
int TimerQueue::remainingTime(int timerId) const
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return -1;
    const Nanoseconds left = it->second.deadline - m_clock();
    if (left <= 0)
        return 0;
    return int(std::min<Nanoseconds>(left / NsPerMs, INT_MAX));
}

/*!
    Returns the nanoseconds until the next timer that may fire is due, 0 if one is due
    already, or -1 if no timer can fire (block until something else happens).
*/
TimerQueue::Nanoseconds TimerQueue::timeUntilNextTimer() const
{
    const Nanoseconds now = m_clock();
    // Timers busy in their own event are skipped, or a nested loop inside such a handler
    // would spin on a timer it is not allowed to deliver. There are at most as many of
    // them as nested loops.
    for (const auto &entry : m_queue) {
        const auto it = m_timers.find(entry.second);
        if (it != m_timers.end() && it->second.inTimerEvent)
            continue;
        return std::max<Nanoseconds>(0, entry.first.first - now);
    }
    return -1;
}

/*!
    Hands every timer that is due now to \a deliver, in deadline order (ties in the order
    they were scheduled), and returns how many it delivered. Each timer is rescheduled
    before it is delivered, so \a deliver may stop, restart or query it, register or
    unregister others, or call this function again from a nested event loop.
*/
int TimerQueue::activateDueTimers(const Deliver &deliver)
{
    if (m_queue.empty())
        return 0;
    const Nanoseconds now = m_clock();

    // Only timers due at the start of this pass fire in it. A zero-interval timer is due
    // again at once; leaving it for the next pass lets sockets and posted events run in
    // between, and stops a pass from never ending.
    QVarLengthArray<int, 32> due;
    for (const auto &entry : m_queue) {
        if (entry.first.first > now)
            break;
        due.append(entry.second);
    }

    int activated = 0;
    for (int timerId : due) {
        auto it = m_timers.find(timerId);
        // Killed, or killed and restarted, by an earlier timer event in this pass.
        if (it == m_timers.end() || it->second.deadline > now || it->second.inTimerEvent)
            continue;
        TimerRecord &timer = it->second;
        // Reschedule before delivery: the handler may stop, restart or query the timer.
        dequeue(timer);
        schedule(timer, now, false);
        enqueue(timerId, timer);
        timer.inTimerEvent = true;

        deliver(timerId, timer.object);
        ++activated;

        // The record may be gone, or belong to a new timer that reused the id.
        it = m_timers.find(timerId);
        if (it != m_timers.end())
            it->second.inTimerEvent = false;
    }
    return activated;
}

void TimerQueue::schedule(TimerRecord &timer, Nanoseconds now, bool restart)
{
    const Nanoseconds interval = timer.intervalMs * NsPerMs;
    switch (timer.effectiveType) {
    case Qt::PreciseTimer:
    case Qt::CoarseTimer:
        if (restart) {
            timer.expected = now + interval;
        } else {
            timer.expected += interval;
            // Skip the periods we missed instead of firing a burst to catch up (as Qt does).
            if (timer.expected < now)
                timer.expected = now + interval;
        }
        timer.deadline = timer.expected;
        if (timer.effectiveType == Qt::CoarseTimer) {
            // Up to 5% late, rounded to a boundary shared by similar timers, so several
            // coarse timers cost one wake-up.
            static constexpr Nanoseconds boundaries[] = {
                1000 * NsPerMs, 500 * NsPerMs, 250 * NsPerMs, 100 * NsPerMs, 50 * NsPerMs,
                25 * NsPerMs,   20 * NsPerMs,  10 * NsPerMs,  5 * NsPerMs,   NsPerMs};
            const Nanoseconds slack = interval / 20;
            for (Nanoseconds boundary : boundaries) {
                if (boundary <= slack) {
                    timer.deadline = (timer.expected + boundary - 1) / boundary * boundary;
                    break;
                }
            }
        }
        break;
    case Qt::VeryCoarseTimer: {
        // Whole seconds, fired on the nearest full second, as Qt's Unix dispatcher does.
        const Nanoseconds seconds =
            std::max<Nanoseconds>(1, (timer.intervalMs + 500) / 1000) * NsPerSecond;
        if (restart) {
            timer.expected = now + seconds;
        } else {
            timer.expected += seconds;
            if (timer.expected <= now)
                timer.expected = now + seconds;
        }
        timer.deadline = (timer.expected + NsPerSecond / 2) / NsPerSecond * NsPerSecond;
        break;
    }
    }
}

void TimerQueue::enqueue(int timerId, TimerRecord &timer)
{
    timer.sequence = m_nextSequence++;
    m_queue.emplace(std::make_pair(timer.deadline, timer.sequence), timerId);
}

void TimerQueue::dequeue(const TimerRecord &timer)
{
    m_queue.erase(std::make_pair(timer.deadline, timer.sequence));
}

void TimerQueue::forgetTimerOfObject(QObject *object, int timerId)
{
    auto it = m_timersByObject.find(object);
    if (it == m_timersByObject.end())
        return;
    QVarLengthArray<int, 2> &ids = it->second;
    const auto pos = std::find(ids.begin(), ids.end(), timerId);
    if (pos != ids.end())
        ids.erase(pos);
    if (ids.isEmpty())
        m_timersByObject.erase(it);
}

} // namespace WsPlug::Internal
