// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

#include "socketnotifierset_p.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>

#include <climits>

#include <cerrno>
#include <sys/epoll.h>

namespace WsPlug::Internal {

namespace {

uint32_t interestFor(int type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return EPOLLIN;
    case QSocketNotifier::Write:
        return EPOLLOUT;
    default:
        return EPOLLPRI;
    }
}

// As in Qt's poll() dispatcher, hang-up and error wake every notifier on the socket, so
// QAbstractSocket learns about the failure whichever of its notifiers is enabled.
uint32_t triggersFor(int type)
{
    return interestFor(type) | EPOLLHUP | EPOLLERR;
}

const char *typeName(int type)
{
    switch (type) {
    case QSocketNotifier::Read:
        return "Read";
    case QSocketNotifier::Write:
        return "Write";
    default:
        return "Exception";
    }
}

} // namespace

/*!
    \class WsPlug::Internal::SocketNotifierSet
    \brief The socket-notifier bookkeeping of EpollEventDispatcher.

    A record per fd holds its Read, Write and Exception notifiers; the kernel's interest
    for the fd is kept equal to the union of theirs, so enabling or disabling a notifier
    costs one epoll_ctl() at most. A wake-up hands the fds epoll reported to markReady(),
    which looks only at the notifiers of those fds, and activatePendingNotifiers() then
    delivers them. Nothing here waits or reads the time.
*/

/*!
    Creates an empty set that keeps the interest of the epoll instance \a epollFd, which
    the caller owns and must keep open as long as the set exists.
*/
SocketNotifierSet::SocketNotifierSet(int epollFd)
    : m_epollFd(epollFd)
{
}

/*!
    Starts watching the socket of \a notifier for its type. A different notifier already
    registered for the same socket and type is replaced, with a warning, and not activated
    if it was pending.
*/
void SocketNotifierSet::registerNotifier(QSocketNotifier *notifier)
{
    const qintptr sockfd = notifier->socket();
    const int type = notifier->type();
    Q_ASSERT(sockfd >= 0 && sockfd <= INT_MAX && type >= 0 && type < TypeCount);

    const int fd = int(sockfd);
    SocketRecord &record = m_sockets[fd];
    if (record.notifiers[type] && record.notifiers[type] != notifier) {
        qWarning("QSocketNotifier: Multiple socket notifiers for same socket %d and type %s",
                 fd, typeName(type));
        cancelPending(record, type);
    }
    if (type == QSocketNotifier::Read)
        record.directReader = nullptr;
    record.notifiers[type] = notifier;
    syncInterest(fd, record);
}

/*!
    Stops watching the socket of \a notifier for its type, and cancels its activation if
    it was found ready and not yet activated. Does nothing if \a notifier is not the one
    registered for its socket and type.
*/
void SocketNotifierSet::unregisterNotifier(QSocketNotifier *notifier)
{
    const qintptr sockfd = notifier->socket();
    const int type = notifier->type();
    Q_ASSERT(sockfd >= 0 && sockfd <= INT_MAX && type >= 0 && type < TypeCount);

    const int fd = int(sockfd);
    auto it = m_sockets.find(fd);
    if (it == m_sockets.end() || it->second.notifiers[type] != notifier)
        return;
    SocketRecord &record = it->second;
    record.notifiers[type] = nullptr;
    if (type == QSocketNotifier::Read)
        record.directReader = nullptr;
    cancelPending(record, type);
    syncInterest(fd, record);
}

/*!
    Makes \a reader take the activations of \a notifier, or stops it (nullptr). The
    reader is forgotten with the notifier's registration: a notifier disabled and
    enabled again is activated by its event.
*/
bool SocketNotifierSet::setDirectReader(QSocketNotifier *notifier, EpollEventDispatcher::DirectReader *reader)
{
    if (notifier->type() != QSocketNotifier::Read)
        return false;
    const auto it = m_sockets.find(int(notifier->socket()));
    if (it == m_sockets.end() || it->second.notifiers[QSocketNotifier::Read] != notifier)
        return false;
    it->second.directReader = reader;
    return true;
}

/*!
    Queues for activation the notifiers of \a fd that \a events, as epoll reported them
    for \a fd, concern.
*/
void SocketNotifierSet::markReady(int fd, uint32_t events)
{
    auto it = m_sockets.find(fd);
    if (it == m_sockets.end()) {
        // Level-triggered: a stale registration would report forever, so drop it.
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
        return;
    }
    markPending(fd, it->second, events);
}

/*!
    Queues for activation every notifier of the fds epoll refused (regular files), which
    are always ready for reading and writing.
*/
void SocketNotifierSet::markAlwaysReady()
{
    for (int fd : m_alwaysReadyFds)
        markPending(fd, m_sockets[fd], EPOLLIN | EPOLLOUT);
}

void SocketNotifierSet::markPending(int fd, SocketRecord &record, uint32_t events)
{
    for (int type = 0; type < TypeCount; ++type) {
        QSocketNotifier *notifier = record.notifiers[type];
        if (!notifier)
            continue;
        ++m_notifiersExamined;
        if ((events & triggersFor(type)) && record.pendingIndex[type] < 0) {
            record.pendingIndex[type] = int(m_pending.size());
            m_pending.push_back({notifier, &record, fd, type});
        }
    }
}

/*!
    Activates each queued notifier that is still registered, in the order they were found
    ready, and returns how many were activated: a read notifier with a direct reader
    through the reader (and, if it declines, by its event too), any other by sending it
    QEvent::SockAct. A notifier's slot (or a reader) may start a nested event loop, which
    goes on draining the same queue.
*/
int SocketNotifierSet::activatePendingNotifiers()
{
    int activated = 0;
    QEvent event(QEvent::SockAct);
    while (m_pendingHead < m_pending.size()) {
        const Pending pending = m_pending[m_pendingHead++];
        if (!pending.notifier)
            continue; // disabled or deleted after it was found ready
        pending.record->pendingIndex[pending.type] = -1;
        EpollEventDispatcher::DirectReader *reader = pending.type == QSocketNotifier::Read
                ? pending.record->directReader : nullptr;
        if (reader) {
            if (reader->readyToRead()) {
                ++activated;
                ++m_directReads;
                continue;
            }
            // Declined (the end of the stream, an error): the notifier's event, if the
            // reader left it registered.
            if (!isRegistered(pending.notifier, pending.fd, pending.type))
                continue;
        }
        QCoreApplication::sendEvent(pending.notifier, &event);
        ++activated;
    }
    // Whoever empties the list (possibly a nested loop) resets it; indices held by
    // SocketRecords were all cleared as their entries were consumed or cancelled.
    m_pending.clear();
    m_pendingHead = 0;
    return activated;
}

bool SocketNotifierSet::isRegistered(const QSocketNotifier *notifier, int fd, int type) const
{
    const auto it = m_sockets.find(fd);
    return it != m_sockets.end() && it->second.notifiers[type] == notifier;
}

void SocketNotifierSet::cancelPending(SocketRecord &record, int type)
{
    if (record.pendingIndex[type] >= 0) {
        m_pending[size_t(record.pendingIndex[type])].notifier = nullptr;
        record.pendingIndex[type] = -1;
    }
}

// Makes the kernel's interest set match the enabled notifiers; erases the record (so
// `record` dangles afterwards) once no notifier is left.
void SocketNotifierSet::syncInterest(int fd, SocketRecord &record)
{
    uint32_t wanted = 0;
    for (int type = 0; type < TypeCount; ++type) {
        if (record.notifiers[type])
            wanted |= interestFor(type);
    }

    if (record.alwaysReady) {
        if (!wanted) {
            m_alwaysReadyFds.erase(fd);
            m_sockets.erase(fd);
        }
        return;
    }
    if (wanted == record.registeredMask) {
        if (!wanted)
            m_sockets.erase(fd);
        return;
    }
    if (!wanted) {
        // ENOENT/EBADF: the fd was closed before its notifiers were disabled, which already
        // removed it from the epoll set.
        if (epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr) < 0 && errno != ENOENT
            && errno != EBADF) {
            qErrnoWarning(errno, "EpollEventDispatcher: cannot stop watching socket %d", fd);
        }
        m_sockets.erase(fd);
        return;
    }

    epoll_event ev = {};
    ev.events = wanted;
    ev.data.fd = fd;
    int op = record.registeredMask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int result = epoll_ctl(m_epollFd, op, fd, &ev);
    if (result < 0 && op == EPOLL_CTL_MOD && errno == ENOENT) {
        // The fd was closed and its number reused while a notifier was still enabled.
        op = EPOLL_CTL_ADD;
        result = epoll_ctl(m_epollFd, op, fd, &ev);
    } else if (result < 0 && op == EPOLL_CTL_ADD && errno == EEXIST) {
        op = EPOLL_CTL_MOD;
        result = epoll_ctl(m_epollFd, op, fd, &ev);
    }
    if (result == 0) {
        record.registeredMask = wanted;
    } else if (errno == EPERM) {
        record.alwaysReady = true;
        record.registeredMask = 0;
        m_alwaysReadyFds.insert(fd);
    } else {
        qErrnoWarning(errno, "EpollEventDispatcher: cannot watch socket %d", fd);
    }
}

} // namespace WsPlug::Internal
