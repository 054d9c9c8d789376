// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Unit tests for the epoll dispatcher's socket-notifier set, driven by hand: the test says
// which fds epoll reported and reads the kernel's interest set from /proc, so nothing here
// waits. The notifiers are created disabled, so Qt's own dispatcher never sees them.

#include "socketnotifierset_p.h"

#include <QFile>
#include <QList>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTemporaryFile>
#include <QTest>

#include <memory>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

using WsPlug::Internal::SocketNotifierSet;

namespace {

constexpr uint32_t AnyInterest = EPOLLIN | EPOLLOUT | EPOLLPRI;

// A notifier of each type (disabled) on one descriptor, and a spy on each.
struct Notifiers
{
    explicit Notifiers(int fd)
    {
        for (int type = 0; type < SocketNotifierSet::TypeCount; ++type) {
            notifiers[type] = std::make_unique<QSocketNotifier>(QSocketNotifier::Type(type));
            notifiers[type]->setSocket(fd);
            spies[type] = std::make_unique<QSignalSpy>(notifiers[type].get(),
                                                       &QSocketNotifier::activated);
        }
    }

    QSocketNotifier *operator[](int type) const { return notifiers[type].get(); }
    // How often each was activated: Read, Write, Exception.
    QList<int> activations() const
    {
        return {int(spies[0]->count()), int(spies[1]->count()), int(spies[2]->count())};
    }

    std::unique_ptr<QSocketNotifier> notifiers[SocketNotifierSet::TypeCount];
    std::unique_ptr<QSignalSpy> spies[SocketNotifierSet::TypeCount];
};

} // namespace

class tst_SocketNotifierSet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void interestIsWhatTheRegisteredNotifiersWatch_data();
    void interestIsWhatTheRegisteredNotifiersWatch();
    void disablingOneNotifierKeepsTheOthersWatched();
    void reusedDescriptorIsWatchedAgain();
    void readyEventActivatesTheNotifiersItConcerns_data();
    void readyEventActivatesTheNotifiersItConcerns();
    void notifierReportedTwiceIsActivatedOnce();
    void notifierUnregisteredWhilePendingIsNotActivated();
    void secondNotifierForSameTypeWarnsAndCancelsTheFirst();
    void staleDescriptorReportedByEpollIsDropped();
    void regularFileIsAlwaysReady();
    void notifiersExaminedCountsTheNotifiersOfReadyDescriptors();

private:
    // The events the kernel watches for \a fd in m_epollFd, or -1 if it does not watch it.
    qint64 kernelInterest(int fd) const;

    int m_epollFd = -1;
    int m_pair[2] = {-1, -1};
};

void tst_SocketNotifierSet::init()
{
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    QVERIFY(m_epollFd >= 0);
    QCOMPARE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, m_pair), 0);
}

void tst_SocketNotifierSet::cleanup()
{
    for (int &fd : m_pair) {
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    if (m_epollFd >= 0)
        close(m_epollFd);
    m_epollFd = -1;
}

qint64 tst_SocketNotifierSet::kernelInterest(int fd) const
{
    // One "tfd: <fd> events: <hex mask> ..." line per watched descriptor.
    QFile info(QStringLiteral("/proc/self/fdinfo/%1").arg(m_epollFd));
    if (!info.open(QIODevice::ReadOnly)) {
        QTest::qFail("cannot read the epoll instance's fdinfo", __FILE__, __LINE__);
        return -2;
    }
    static const QRegularExpression line(QStringLiteral(R"(^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+))"),
                                         QRegularExpression::MultilineOption);
    const QString text = QString::fromLatin1(info.readAll());
    for (auto it = line.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        if (match.captured(1).toInt() == fd)
            return qint64(match.captured(2).toUInt(nullptr, 16) & AnyInterest);
    }
    return -1;
}

void tst_SocketNotifierSet::interestIsWhatTheRegisteredNotifiersWatch_data()
{
    QTest::addColumn<QList<int>>("types");
    QTest::addColumn<qint64>("interest");
    QTest::addRow("read") << QList<int>{QSocketNotifier::Read} << qint64(EPOLLIN);
    QTest::addRow("write") << QList<int>{QSocketNotifier::Write} << qint64(EPOLLOUT);
    QTest::addRow("exception") << QList<int>{QSocketNotifier::Exception} << qint64(EPOLLPRI);
    QTest::addRow("read+write") << QList<int>{QSocketNotifier::Read, QSocketNotifier::Write}
                                << qint64(EPOLLIN | EPOLLOUT);
    QTest::addRow("all") << QList<int>{QSocketNotifier::Read, QSocketNotifier::Write,
                                       QSocketNotifier::Exception}
                         << qint64(AnyInterest);
}

void tst_SocketNotifierSet::interestIsWhatTheRegisteredNotifiersWatch()
{
    QFETCH(QList<int>, types);
    QFETCH(qint64, interest);
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);

    for (int type : types)
        set.registerNotifier(notifiers[type]);
    QCOMPARE(kernelInterest(m_pair[0]), interest);

    // The last one to leave takes the descriptor out of the kernel's set and the record
    // out of ours.
    for (int type : types)
        set.unregisterNotifier(notifiers[type]);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(-1));
    QVERIFY(set.isEmpty());
}

void tst_SocketNotifierSet::disablingOneNotifierKeepsTheOthersWatched()
{
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);
    set.registerNotifier(notifiers[QSocketNotifier::Write]);

    set.unregisterNotifier(notifiers[QSocketNotifier::Write]);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(EPOLLIN));
    set.registerNotifier(notifiers[QSocketNotifier::Write]);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(EPOLLIN | EPOLLOUT));
    set.unregisterNotifier(notifiers[QSocketNotifier::Read]);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(EPOLLOUT));
    QVERIFY(!set.isEmpty());

    // Unregistering a notifier that is not the registered one changes nothing.
    Notifiers others(m_pair[0]);
    set.unregisterNotifier(others[QSocketNotifier::Write]);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(EPOLLOUT));
}

void tst_SocketNotifierSet::reusedDescriptorIsWatchedAgain()
{
    SocketNotifierSet set(m_epollFd);
    const int fd = m_pair[0];
    Notifiers notifiers(fd);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);

    // Closed while its notifier is enabled (which silently leaves the epoll set), and the
    // number handed out again before the old notifier is disabled.
    const int other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(other >= 0);
    close(fd);
    m_pair[0] = -1;
    QCOMPARE(dup2(other, fd), fd);
    m_pair[0] = fd;
    close(other);
    QCOMPARE(kernelInterest(fd), qint64(-1));

    set.registerNotifier(notifiers[QSocketNotifier::Write]);
    QCOMPARE(kernelInterest(fd), qint64(EPOLLIN | EPOLLOUT));
}

void tst_SocketNotifierSet::readyEventActivatesTheNotifiersItConcerns_data()
{
    QTest::addColumn<uint>("events");
    QTest::addColumn<QList<int>>("activations"); // Read, Write, Exception
    QTest::addRow("in") << uint(EPOLLIN) << QList<int>{1, 0, 0};
    QTest::addRow("out") << uint(EPOLLOUT) << QList<int>{0, 1, 0};
    QTest::addRow("pri") << uint(EPOLLPRI) << QList<int>{0, 0, 1};
    QTest::addRow("in+out") << uint(EPOLLIN | EPOLLOUT) << QList<int>{1, 1, 0};
    // Hang-up and error wake every notifier, whichever of them the socket's owner enabled.
    QTest::addRow("hup") << uint(EPOLLHUP) << QList<int>{1, 1, 1};
    QTest::addRow("err") << uint(EPOLLERR) << QList<int>{1, 1, 1};
}

void tst_SocketNotifierSet::readyEventActivatesTheNotifiersItConcerns()
{
    QFETCH(uint, events);
    QFETCH(QList<int>, activations);
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);
    for (int type = 0; type < SocketNotifierSet::TypeCount; ++type)
        set.registerNotifier(notifiers[type]);

    set.markReady(m_pair[0], events);
    const int expected = int(activations.count(1));
    QCOMPARE(set.activatePendingNotifiers(), expected);
    QCOMPARE(notifiers.activations(), activations);
}

void tst_SocketNotifierSet::notifierReportedTwiceIsActivatedOnce()
{
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);

    set.markReady(m_pair[0], EPOLLIN);
    set.markReady(m_pair[0], EPOLLIN | EPOLLHUP);
    QCOMPARE(set.activatePendingNotifiers(), 1);
    QCOMPARE(notifiers.activations(), (QList<int>{1, 0, 0}));

    // Activation takes it off the list: found ready again, it is activated again.
    set.markReady(m_pair[0], EPOLLIN);
    QCOMPARE(set.activatePendingNotifiers(), 1);
    QCOMPARE(notifiers.activations(), (QList<int>{2, 0, 0}));
}

void tst_SocketNotifierSet::notifierUnregisteredWhilePendingIsNotActivated()
{
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);
    set.registerNotifier(notifiers[QSocketNotifier::Write]);

    set.markReady(m_pair[0], EPOLLIN | EPOLLOUT);
    set.unregisterNotifier(notifiers[QSocketNotifier::Read]);
    QCOMPARE(set.activatePendingNotifiers(), 1);
    QCOMPARE(notifiers.activations(), (QList<int>{0, 1, 0}));

    // Enabled again before the next wake-up, it waits to be found ready again.
    set.markReady(m_pair[0], EPOLLIN);
    set.unregisterNotifier(notifiers[QSocketNotifier::Read]);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);
    QCOMPARE(set.activatePendingNotifiers(), 0);
    QCOMPARE(notifiers.activations(), (QList<int>{0, 1, 0}));
}

void tst_SocketNotifierSet::secondNotifierForSameTypeWarnsAndCancelsTheFirst()
{
    SocketNotifierSet set(m_epollFd);
    Notifiers first(m_pair[0]);
    Notifiers second(m_pair[0]);
    set.registerNotifier(first[QSocketNotifier::Write]);
    set.markReady(m_pair[0], EPOLLOUT);

    const QByteArray warning = "QSocketNotifier: Multiple socket notifiers for same socket "
        + QByteArray::number(m_pair[0]) + " and type Write";
    QTest::ignoreMessage(QtWarningMsg, warning.constData());
    set.registerNotifier(second[QSocketNotifier::Write]);
    QCOMPARE(set.activatePendingNotifiers(), 0);
    QCOMPARE(first.activations(), (QList<int>{0, 0, 0}));

    // The second one replaced the first: it is the one a wake-up activates.
    set.markReady(m_pair[0], EPOLLOUT);
    QCOMPARE(set.activatePendingNotifiers(), 1);
    QCOMPARE(first.activations(), (QList<int>{0, 0, 0}));
    QCOMPARE(second.activations(), (QList<int>{0, 1, 0}));
}

void tst_SocketNotifierSet::staleDescriptorReportedByEpollIsDropped()
{
    SocketNotifierSet set(m_epollFd);
    epoll_event ev = {};
    ev.events = EPOLLIN;
    ev.data.fd = m_pair[0];
    QCOMPARE(epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_pair[0], &ev), 0);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(EPOLLIN));

    // Level-triggered, it would be reported on every wake-up from now on.
    set.markReady(m_pair[0], EPOLLIN);
    QCOMPARE(kernelInterest(m_pair[0]), qint64(-1));
    QCOMPARE(set.activatePendingNotifiers(), 0);
    QVERIFY(set.isEmpty());
}

void tst_SocketNotifierSet::regularFileIsAlwaysReady()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    const int fd = int(file.handle());
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(fd);

    // epoll refuses regular files; no warning, and the set marks them ready itself.
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    set.registerNotifier(notifiers[QSocketNotifier::Read]);
    set.registerNotifier(notifiers[QSocketNotifier::Write]);
    QVERIFY(set.hasAlwaysReady());
    QCOMPARE(kernelInterest(fd), qint64(-1));
    set.markAlwaysReady();
    QCOMPARE(set.activatePendingNotifiers(), 2);
    QCOMPARE(notifiers.activations(), (QList<int>{1, 1, 0}));

    set.unregisterNotifier(notifiers[QSocketNotifier::Read]);
    QVERIFY(set.hasAlwaysReady());
    set.unregisterNotifier(notifiers[QSocketNotifier::Write]);
    QVERIFY(!set.hasAlwaysReady());
    QVERIFY(set.isEmpty());
}

void tst_SocketNotifierSet::notifiersExaminedCountsTheNotifiersOfReadyDescriptors()
{
    SocketNotifierSet set(m_epollFd);
    Notifiers notifiers(m_pair[0]);
    Notifiers idle(m_pair[1]);
    set.registerNotifier(notifiers[QSocketNotifier::Read]);
    set.registerNotifier(notifiers[QSocketNotifier::Write]);
    for (int type = 0; type < SocketNotifierSet::TypeCount; ++type)
        set.registerNotifier(idle[type]);
    QCOMPARE(set.notifiersExamined(), quint64(0));

    // Both notifiers of the ready descriptor are looked at, though only one is activated;
    // those of the idle descriptor are not.
    set.markReady(m_pair[0], EPOLLIN);
    QCOMPARE(set.notifiersExamined(), quint64(2));
    QCOMPARE(set.activatePendingNotifiers(), 1);
    QCOMPARE(set.notifiersExamined(), quint64(2));
}

QTEST_GUILESS_MAIN(tst_SocketNotifierSet)
#include "tst_socketnotifierset.moc"
