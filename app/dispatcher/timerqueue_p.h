// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QAbstractEventDispatcher>
#include <QList>
#include <QVarLengthArray>

#include <functional>
#include <map>
#include <unordered_map>
#include <utility>

namespace WsPlug::Internal {

/*
 * The timers of one EpollEventDispatcher: registration, Qt's timer types, the order in
 * which they come due, and which of them a pass delivers. It reads the time only through
 * the clock it is given and delivers only through the callback activateDueTimers() is
 * given, so a test can drive it by hand.
 */
class TimerQueue
{
public:
    using Nanoseconds = qint64;
    using Clock = std::function<Nanoseconds()>;
    using Deliver = std::function<void(int timerId, QObject *object)>;

    static constexpr Nanoseconds NsPerMs = 1000 * 1000;
    static constexpr Nanoseconds NsPerSecond = 1000 * NsPerMs;
    // About 34 years: keeps every deadline computation far away from qint64 overflow.
    static constexpr qint64 MaxIntervalMs = qint64(1) << 40;

    explicit TimerQueue(Clock clock);

    bool isEmpty() const { return m_queue.empty(); }

    bool registerTimer(int timerId, qint64 intervalMs, Qt::TimerType timerType, QObject *object);
    bool unregisterTimer(int timerId);
    bool unregisterTimers(QObject *object);
    QList<QAbstractEventDispatcher::TimerInfo> registeredTimers(QObject *object) const;
    int remainingTime(int timerId) const;

    Nanoseconds timeUntilNextTimer() const;
    int activateDueTimers(const Deliver &deliver);

private:
    struct TimerRecord
    {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        Qt::TimerType requestedType = Qt::CoarseTimer;
        Qt::TimerType effectiveType = Qt::CoarseTimer;
        // The nominal expiry. Repeating timers advance it by whole intervals, so rounding
        // the firing time for coarse timers never accumulates drift.
        Nanoseconds expected = 0;
        Nanoseconds deadline = 0;
        quint64 sequence = 0;
        // Set while the timer's own event is delivered: a nested event loop in the handler
        // must not deliver the same timer again.
        bool inTimerEvent = false;
    };

    static void schedule(TimerRecord &timer, Nanoseconds now, bool restart);
    void enqueue(int timerId, TimerRecord &timer);
    void dequeue(const TimerRecord &timer);
    void forgetTimerOfObject(QObject *object, int timerId);

    Clock m_clock;
    std::unordered_map<int, TimerRecord> m_timers;
    std::unordered_map<QObject *, QVarLengthArray<int, 2>> m_timersByObject;
    // Ordered by (deadline, registration sequence): ties fire in the order they were scheduled.
    std::map<std::pair<Nanoseconds, quint64>, int> m_queue;
    quint64 m_nextSequence = 0;
};

} // namespace WsPlug::Internal
