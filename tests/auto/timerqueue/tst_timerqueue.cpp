// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Unit tests for the epoll dispatcher's timer queue, on a clock the test moves by hand:
// no test here waits for real time to pass.

#include "timerqueue_p.h"

#include <QObject>
#include <QTest>

#include <algorithm>
#include <climits>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

using WsPlug::Internal::TimerQueue;
using Nanoseconds = TimerQueue::Nanoseconds;

namespace {

constexpr Nanoseconds us(qint64 value) { return value * 1000; }
constexpr Nanoseconds ms(qint64 value) { return value * TimerQueue::NsPerMs; }
constexpr Nanoseconds seconds(qint64 value) { return value * TimerQueue::NsPerSecond; }

} // namespace

class tst_TimerQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void firesManyTimersInDeadlineOrder();
    void equalDeadlinesFireInTheOrderScheduled();
    void repeatingTimerKeepsItsPhaseWhenLate();
    void repeatingTimerSkipsMissedPeriods();
    void timerDueExactlyOnePeriodLate_data();
    void timerDueExactlyOnePeriodLate();
    void unregisterDuringPass();
    void timerUnregisteringItselfIsGone();
    void nestedPassSkipsTimerInItsOwnEvent();
    void coarseTimerRoundsToSharedBoundary_data();
    void coarseTimerRoundsToSharedBoundary();
    void coarseTimerRearmsOnItsPhase();
    void veryCoarseTimerFiresOnWholeSeconds_data();
    void veryCoarseTimerFiresOnWholeSeconds();
    void veryCoarseTimerRearmsOnWholeSeconds();
    void remainingTimeCountsWholeMilliseconds();
    void zeroIntervalTimerFiresOncePerPass();
    void zeroIntervalTimerStartedDuringPassWaitsForNextPass();
    void registeredTimersReportsWhatWasRequested();
    void registeringAnIdAgainReplacesTheTimer();
    void hugeIntervalDoesNotOverflow();

private:
    // Runs one pass and returns the ids it delivered, in order; \a during runs for each.
    QList<int> pass(TimerQueue &queue, const std::function<void(int)> &during = {})
    {
        QList<int> fired;
        const int count = queue.activateDueTimers([&](int timerId, QObject *object) {
            Q_UNUSED(object);
            fired.append(timerId);
            if (during)
                during(timerId);
        });
        if (count != fired.size())
            QTest::qFail("activateDueTimers() miscounted its deliveries", __FILE__, __LINE__);
        return fired;
    }

    TimerQueue::Clock clock()
    {
        return [this] { return m_now; };
    }

    Nanoseconds m_now = 0;
    QObject m_a;
    QObject m_b;
};

void tst_TimerQueue::init()
{
    // Not zero, so that "registered at time 0" cannot hide an error.
    m_now = seconds(1000);
}

void tst_TimerQueue::firesManyTimersInDeadlineOrder()
{
    TimerQueue queue(clock());
    QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(-1));

    // 200 timers with distinct intervals, registered in a shuffled order; id = interval.
    std::vector<int> intervals(200);
    std::iota(intervals.begin(), intervals.end(), 1);
    std::shuffle(intervals.begin(), intervals.end(), std::mt19937(42));
    for (int interval : intervals)
        QVERIFY(queue.registerTimer(interval, interval, Qt::PreciseTimer, &m_a));
    QCOMPARE(queue.timeUntilNextTimer(), ms(1));
    QVERIFY(pass(queue).isEmpty());

    // Each is stopped when it fires, as a single-shot QTimer is.
    const auto stop = [&queue](int id) { queue.unregisterTimer(id); };
    const Nanoseconds start = m_now;
    QList<int> expected;
    for (int i = 1; i <= 100; ++i)
        expected.append(i);
    m_now = start + ms(100);
    // The due ones in deadline order; the rest stay queued.
    QCOMPARE(pass(queue, stop), expected);
    QCOMPARE(queue.timeUntilNextTimer(), ms(1));
    expected.clear();
    for (int i = 101; i <= 200; ++i)
        expected.append(i);
    m_now = start + ms(1000);
    QCOMPARE(pass(queue, stop), expected);
    QVERIFY(queue.isEmpty());
}

void tst_TimerQueue::equalDeadlinesFireInTheOrderScheduled()
{
    TimerQueue queue(clock());
    for (int id : {5, 3, 9, 1})
        queue.registerTimer(id, 10, Qt::PreciseTimer, &m_a);
    m_now += ms(10);
    QCOMPARE(pass(queue), (QList<int>{5, 3, 9, 1}));
    // Re-armed in the order they fired, so they tie again in that order.
    m_now += ms(10);
    QCOMPARE(pass(queue), (QList<int>{5, 3, 9, 1}));

    // Restarting a timer schedules it anew: it goes behind the others due at the same time.
    QVERIFY(queue.unregisterTimer(5));
    QVERIFY(queue.registerTimer(5, 10, Qt::PreciseTimer, &m_a));
    m_now += ms(10);
    QCOMPARE(pass(queue), (QList<int>{3, 9, 1, 5}));
}

void tst_TimerQueue::repeatingTimerKeepsItsPhaseWhenLate()
{
    TimerQueue queue(clock());
    const Nanoseconds start = m_now;
    queue.registerTimer(1, 100, Qt::PreciseTimer, &m_a);
    m_now = start + ms(130); // delivered 30 ms late
    QCOMPARE(pass(queue), QList<int>{1});
    // Next due at +200 ms, not 100 ms after the late delivery.
    QCOMPARE(queue.timeUntilNextTimer(), ms(70));
    QCOMPARE(queue.remainingTime(1), 70);
    m_now = start + ms(200) - 1;
    QVERIFY(pass(queue).isEmpty());
    m_now = start + ms(200);
    QCOMPARE(pass(queue), QList<int>{1});
    QCOMPARE(queue.timeUntilNextTimer(), ms(100));
}

void tst_TimerQueue::repeatingTimerSkipsMissedPeriods()
{
    TimerQueue queue(clock());
    const Nanoseconds start = m_now;
    queue.registerTimer(1, 100, Qt::PreciseTimer, &m_a);
    m_now = start + ms(350); // three and a half periods late
    QCOMPARE(pass(queue), QList<int>{1});
    // No burst to catch up: the next period starts now.
    QCOMPARE(queue.timeUntilNextTimer(), ms(100));
    QVERIFY(pass(queue).isEmpty());
}

void tst_TimerQueue::timerDueExactlyOnePeriodLate_data()
{
    QTest::addColumn<Qt::TimerType>("type");
    QTest::addColumn<int>("interval");
    QTest::addColumn<bool>("dueAgainAtOnce");
    // Precise and coarse timers keep the period that ends right now: they are due again
    // at once. Very coarse ones start a new period instead.
    QTest::addRow("precise") << Qt::PreciseTimer << 100 << true;
    QTest::addRow("coarse") << Qt::CoarseTimer << 100 << true;
    QTest::addRow("very coarse") << Qt::VeryCoarseTimer << 2000 << false;
}

void tst_TimerQueue::timerDueExactlyOnePeriodLate()
{
    QFETCH(Qt::TimerType, type);
    QFETCH(int, interval);
    QFETCH(bool, dueAgainAtOnce);

    TimerQueue queue(clock());
    // On a whole second, so no type's rounding moves the first deadline.
    const Nanoseconds start = m_now;
    queue.registerTimer(1, interval, type, &m_a);
    m_now = start + 2 * ms(interval);
    QCOMPARE(pass(queue), QList<int>{1});
    QCOMPARE(queue.timeUntilNextTimer(), dueAgainAtOnce ? Nanoseconds(0) : ms(interval));
}

void tst_TimerQueue::unregisterDuringPass()
{
    TimerQueue queue(clock());
    queue.registerTimer(1, 10, Qt::PreciseTimer, &m_a);
    queue.registerTimer(2, 10, Qt::PreciseTimer, &m_a);
    queue.registerTimer(3, 10, Qt::PreciseTimer, &m_a);
    queue.registerTimer(4, 10, Qt::PreciseTimer, &m_b);
    queue.registerTimer(5, 10, Qt::PreciseTimer, &m_b);
    queue.registerTimer(6, 10, Qt::PreciseTimer, &m_a);
    m_now += ms(10);
    // Timer 1 kills timer 2, restarts timer 3 (same id, later deadline) and kills every
    // timer of m_b; all of them were due in this pass.
    const QList<int> fired = pass(queue, [&](int id) {
        if (id != 1)
            return;
        QVERIFY(queue.unregisterTimer(2));
        QVERIFY(queue.unregisterTimer(3));
        QVERIFY(queue.registerTimer(3, 5, Qt::PreciseTimer, &m_a));
        QVERIFY(queue.unregisterTimers(&m_b));
    });
    QCOMPARE(fired, (QList<int>{1, 6}));
    QCOMPARE(queue.remainingTime(2), -1);
    QCOMPARE(queue.remainingTime(3), 5);
    QVERIFY(queue.registeredTimers(&m_b).isEmpty());
    m_now += ms(5);
    QCOMPARE(pass(queue), QList<int>{3});
    // Nothing of the unregistered timers is left in the queue to wake anyone up.
    QCOMPARE(queue.timeUntilNextTimer(), ms(5));
}

void tst_TimerQueue::timerUnregisteringItselfIsGone()
{
    TimerQueue queue(clock());
    queue.registerTimer(1, 10, Qt::PreciseTimer, &m_a);
    queue.registerTimer(2, 10, Qt::PreciseTimer, &m_a);
    m_now += ms(10);
    QCOMPARE(pass(queue, [&](int id) {
                 if (id == 1)
                     QVERIFY(queue.unregisterTimer(1));
             }),
             (QList<int>{1, 2}));
    QCOMPARE(queue.remainingTime(1), -1);
    QCOMPARE(queue.registeredTimers(&m_a).size(), 1);
    QVERIFY(queue.unregisterTimer(2));
    QVERIFY(queue.isEmpty());
    QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(-1));
    m_now += ms(100);
    QVERIFY(pass(queue).isEmpty());
}

void tst_TimerQueue::nestedPassSkipsTimerInItsOwnEvent()
{
    TimerQueue queue(clock());
    const Nanoseconds start = m_now;
    // Timer 1 runs a nested event loop in its handler; with 0 ms it is due again at once.
    queue.registerTimer(1, 0, Qt::PreciseTimer, &m_a);
    queue.registerTimer(2, 10, Qt::PreciseTimer, &m_a);
    m_now = start + ms(10);
    QList<int> nested;
    Nanoseconds nestedTimeout = -2;
    const QList<int> outer = pass(queue, [&](int id) {
        if (id != 1)
            return;
        m_now = start + ms(15);
        nested = pass(queue);
        nestedTimeout = queue.timeUntilNextTimer();
    });
    // The nested pass delivers timer 2, but not timer 1 while it is in its own event,
    QCOMPARE(nested, QList<int>{2});
    // and does not wait for it either: the next that may fire is timer 2, at +20 ms.
    QCOMPARE(nestedTimeout, ms(5));
    // The outer pass does not deliver timer 2 a second time.
    QCOMPARE(outer, QList<int>{1});
    // Once its event is over, timer 1 is due again.
    QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(0));
    QCOMPARE(pass(queue), QList<int>{1});
}

void tst_TimerQueue::coarseTimerRoundsToSharedBoundary_data()
{
    QTest::addColumn<int>("interval");
    QTest::addColumn<Nanoseconds>("offset");   // registration time past a whole second
    QTest::addColumn<Nanoseconds>("deadline"); // due time past that whole second

    // Up to 20 ms, 5% is under a millisecond: precise.
    QTest::addRow("1 ms, precise") << 1 << us(300) << us(1300);
    QTest::addRow("20 ms, precise") << 20 << us(300) << us(20300);
    // Rounded up to the largest boundary within 5% of the interval.
    QTest::addRow("21 ms, 1 ms boundary") << 21 << us(300) << ms(22);
    QTest::addRow("100 ms, 5 ms boundary") << 100 << ms(1) << ms(105);
    QTest::addRow("on a boundary already") << 100 << ms(0) << ms(100);
    QTest::addRow("200 ms, 10 ms boundary") << 200 << ms(1) << ms(210);
    QTest::addRow("400 ms, 20 ms boundary") << 400 << ms(1) << ms(420);
    QTest::addRow("500 ms, 25 ms boundary") << 500 << ms(1) << ms(525);
    QTest::addRow("1 s, 50 ms boundary") << 1000 << ms(1) << ms(1050);
    QTest::addRow("2 s, 100 ms boundary") << 2000 << ms(1) << ms(2100);
    QTest::addRow("5 s, 250 ms boundary") << 5000 << ms(1) << ms(5250);
    QTest::addRow("10 s, 500 ms boundary") << 10000 << ms(1) << ms(10500);
    QTest::addRow("19.999 s, 500 ms boundary") << 19999 << ms(7) << ms(20500);
    // From 20 s on, 5% is over a second: very coarse, the nearest whole second.
    QTest::addRow("20 s, very coarse") << 20000 << ms(7) << seconds(20);
    QTest::addRow("40 s, very coarse") << 40000 << ms(300) << seconds(40);
}

void tst_TimerQueue::coarseTimerRoundsToSharedBoundary()
{
    QFETCH(int, interval);
    QFETCH(Nanoseconds, offset);
    QFETCH(Nanoseconds, deadline);

    TimerQueue queue(clock());
    const Nanoseconds second = m_now;
    m_now = second + offset;
    queue.registerTimer(1, interval, Qt::CoarseTimer, &m_a);
    QCOMPARE(queue.timeUntilNextTimer(), deadline - offset);
    m_now = second + deadline - 1;
    QVERIFY(pass(queue).isEmpty());
    m_now = second + deadline;
    QCOMPARE(pass(queue), QList<int>{1});
}

void tst_TimerQueue::coarseTimerRearmsOnItsPhase()
{
    TimerQueue queue(clock());
    const Nanoseconds start = m_now;
    m_now = start + ms(1);
    queue.registerTimer(1, 100, Qt::CoarseTimer, &m_a);
    m_now = start + ms(3);
    queue.registerTimer(2, 100, Qt::CoarseTimer, &m_a);
    // Nominally due at +101 and +103 ms, both round up to +105 ms: one wake-up for two.
    QCOMPARE(queue.timeUntilNextTimer(), ms(102));
    m_now = start + ms(105) - 1;
    QVERIFY(pass(queue).isEmpty());
    m_now = start + ms(105);
    QCOMPARE(pass(queue), (QList<int>{1, 2}));
    // Delivered 2 ms late at +207 ms: due next at the nominal +301 ms rounded to +305,
    // not 100 ms after the late delivery (+307 ms, which would round to +310).
    m_now = start + ms(207);
    QCOMPARE(pass(queue), (QList<int>{1, 2}));
    QCOMPARE(queue.remainingTime(1), 305 - 207);
    QCOMPARE(queue.remainingTime(2), 305 - 207);
}

void tst_TimerQueue::veryCoarseTimerFiresOnWholeSeconds_data()
{
    QTest::addColumn<int>("interval");
    QTest::addColumn<Nanoseconds>("offset");   // registration time past a whole second
    QTest::addColumn<Nanoseconds>("deadline"); // due time past that whole second

    // The interval rounds to whole seconds (at least one), the deadline to the nearest
    // second: up to half a second early.
    QTest::addRow("1 s, rounded down") << 1000 << ms(300) << seconds(1);
    QTest::addRow("1 s, rounded up") << 1000 << ms(600) << seconds(2);
    QTest::addRow("1 s, half rounds up") << 1000 << ms(500) << seconds(2);
    QTest::addRow("1.4 s is 1 s") << 1400 << ms(0) << seconds(1);
    QTest::addRow("1.5 s is 2 s") << 1500 << ms(0) << seconds(2);
    QTest::addRow("300 ms is 1 s") << 300 << ms(0) << seconds(1);
    QTest::addRow("1 ms is 1 s") << 1 << ms(200) << seconds(1);
    // A zero-interval very coarse timer has no second to round to: precise.
    QTest::addRow("0 ms is due now") << 0 << ms(300) << ms(300);
}

void tst_TimerQueue::veryCoarseTimerFiresOnWholeSeconds()
{
    QFETCH(int, interval);
    QFETCH(Nanoseconds, offset);
    QFETCH(Nanoseconds, deadline);

    TimerQueue queue(clock());
    const Nanoseconds second = m_now;
    m_now = second + offset;
    queue.registerTimer(1, interval, Qt::VeryCoarseTimer, &m_a);
    QCOMPARE(queue.timeUntilNextTimer(), std::max<Nanoseconds>(0, deadline - offset));
    if (deadline > offset) {
        m_now = second + deadline - 1;
        QVERIFY(pass(queue).isEmpty());
        m_now = second + deadline;
    }
    QCOMPARE(pass(queue), QList<int>{1});
}

void tst_TimerQueue::veryCoarseTimerRearmsOnWholeSeconds()
{
    TimerQueue queue(clock());
    const Nanoseconds second = m_now;
    m_now = second + ms(300);
    queue.registerTimer(1, 2000, Qt::VeryCoarseTimer, &m_a);
    QCOMPARE(queue.timeUntilNextTimer(), ms(1700));
    // Nominally due at +2.3 s, +4.3 s, ..., so due on +2 s, +4 s, ... however late it is
    // delivered (0.6 s late here; +2.6 s + 2 s would round to +5 s).
    for (int n = 1; n <= 3; ++n) {
        m_now = second + seconds(2 * n) + ms(600);
        QCOMPARE(pass(queue), QList<int>{1});
        QCOMPARE(queue.timeUntilNextTimer(), ms(1400));
    }
}

void tst_TimerQueue::remainingTimeCountsWholeMilliseconds()
{
    TimerQueue queue(clock());
    QCOMPARE(queue.remainingTime(1), -1);
    const Nanoseconds start = m_now;
    m_now = start + ms(1);
    queue.registerTimer(1, 100, Qt::PreciseTimer, &m_a);
    queue.registerTimer(2, 100, Qt::CoarseTimer, &m_a);
    QCOMPARE(queue.remainingTime(1), 100);
    // A coarse timer counts down to its rounded deadline (+105 ms), not the nominal +101.
    QCOMPARE(queue.remainingTime(2), 104);
    m_now = start + us(1500);
    QCOMPARE(queue.remainingTime(1), 99); // 99.5 ms left: whole milliseconds, truncated
    m_now = start + ms(101);
    QCOMPARE(queue.remainingTime(1), 0);
    m_now = start + ms(150); // overdue, not delivered yet
    QCOMPARE(queue.remainingTime(1), 0);

    QVERIFY(queue.unregisterTimer(1));
    QCOMPARE(queue.remainingTime(1), -1);
}

void tst_TimerQueue::zeroIntervalTimerFiresOncePerPass()
{
    TimerQueue queue(clock());
    for (Qt::TimerType type : {Qt::PreciseTimer, Qt::CoarseTimer, Qt::VeryCoarseTimer})
        queue.registerTimer(int(type) + 1, 0, type, &m_a);
    QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(0));
    QCOMPARE(queue.remainingTime(1), 0);
    // The clock does not move: each zero timer is due again at once, yet a pass delivers it
    // once, so sockets and posted events get their turn between passes. (The guard stops
    // a pass that would otherwise never end.)
    for (int round = 0; round < 3; ++round) {
        int deliveries = 0;
        const QList<int> fired = pass(queue, [&](int) {
            if (++deliveries > 30)
                queue.unregisterTimers(&m_a);
        });
        QCOMPARE(fired, (QList<int>{1, 2, 3}));
        QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(0));
    }
}

void tst_TimerQueue::zeroIntervalTimerStartedDuringPassWaitsForNextPass()
{
    TimerQueue queue(clock());
    queue.registerTimer(1, 5, Qt::PreciseTimer, &m_a);
    m_now += ms(5);
    QCOMPARE(pass(queue, [&](int id) {
                 if (id == 1)
                     queue.registerTimer(2, 0, Qt::PreciseTimer, &m_a);
             }),
             QList<int>{1});
    QCOMPARE(queue.timeUntilNextTimer(), Nanoseconds(0));
    QCOMPARE(pass(queue), QList<int>{2});
}

void tst_TimerQueue::registeredTimersReportsWhatWasRequested()
{
    TimerQueue queue(clock());
    QVERIFY(queue.registeredTimers(&m_a).isEmpty());
    QVERIFY(!queue.unregisterTimers(&m_a));
    QVERIFY(!queue.unregisterTimer(1));

    queue.registerTimer(1, 40000, Qt::CoarseTimer, &m_a);  // runs very coarse
    queue.registerTimer(2, 10, Qt::CoarseTimer, &m_a);     // runs precise
    queue.registerTimer(3, qint64(INT_MAX) + 1, Qt::PreciseTimer, &m_a);
    queue.registerTimer(4, 1500, Qt::VeryCoarseTimer, &m_b);

    const auto timers = queue.registeredTimers(&m_a);
    QCOMPARE(timers.size(), 3);
    QCOMPARE(timers.at(0).timerId, 1);
    QCOMPARE(timers.at(0).interval, 40000);
    QCOMPARE(timers.at(0).timerType, Qt::CoarseTimer);
    QCOMPARE(timers.at(1).timerId, 2);
    QCOMPARE(timers.at(1).interval, 10);
    QCOMPARE(timers.at(1).timerType, Qt::CoarseTimer);
    QCOMPARE(timers.at(2).timerId, 3);
    QCOMPARE(timers.at(2).interval, INT_MAX);
    QCOMPARE(timers.at(2).timerType, Qt::PreciseTimer);

    const auto others = queue.registeredTimers(&m_b);
    QCOMPARE(others.size(), 1);
    QCOMPARE(others.at(0).timerId, 4);
    QCOMPARE(others.at(0).interval, 1500);
    QCOMPARE(others.at(0).timerType, Qt::VeryCoarseTimer);

    QVERIFY(queue.unregisterTimer(2));
    QCOMPARE(queue.registeredTimers(&m_a).size(), 2);
    QVERIFY(queue.unregisterTimers(&m_a));
    QVERIFY(queue.registeredTimers(&m_a).isEmpty());
    QCOMPARE(queue.registeredTimers(&m_b).size(), 1);
}

void tst_TimerQueue::registeringAnIdAgainReplacesTheTimer()
{
    TimerQueue queue(clock());
    QVERIFY(queue.registerTimer(1, 10, Qt::PreciseTimer, &m_a));
    QVERIFY(!queue.registerTimer(1, 50, Qt::PreciseTimer, &m_b));
    // The first registration leaves nothing behind: not its deadline, not its object.
    QCOMPARE(queue.timeUntilNextTimer(), ms(50));
    QVERIFY(queue.registeredTimers(&m_a).isEmpty());
    QCOMPARE(queue.registeredTimers(&m_b).size(), 1);
    m_now += ms(10);
    QVERIFY(pass(queue).isEmpty());
    m_now += ms(40);
    QCOMPARE(pass(queue), QList<int>{1});
}

void tst_TimerQueue::hugeIntervalDoesNotOverflow()
{
    TimerQueue queue(clock());
    queue.registerTimer(1, std::numeric_limits<qint64>::max(), Qt::PreciseTimer, &m_a);
    queue.registerTimer(2, std::numeric_limits<qint64>::max(), Qt::CoarseTimer, &m_a);
    QCOMPARE(queue.remainingTime(1), INT_MAX);
    QCOMPARE(queue.remainingTime(2), INT_MAX);
    QVERIFY(queue.timeUntilNextTimer() > seconds(365LL * 24 * 3600));
    m_now += seconds(365LL * 24 * 3600);
    QVERIFY(pass(queue).isEmpty());
}

QTEST_GUILESS_MAIN(tst_TimerQueue)
#include "tst_timerqueue.moc"
