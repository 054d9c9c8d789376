// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/epolleventdispatcher.h>

#include <QtGlobal>

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

namespace WsPlug::Internal {

/*
 * The socket notifiers of one EpollEventDispatcher: which notifier watches which fd for
 * what, the matching epoll interest set, and the notifiers found ready but not yet
 * activated. It keeps the interest of an epoll instance it does not own; waiting on that
 * instance, and the wake-up, are the dispatcher's.
 */
class SocketNotifierSet
{
public:
    static constexpr int TypeCount = 3; // QSocketNotifier::Read, Write, Exception

    explicit SocketNotifierSet(int epollFd);

    bool isEmpty() const { return m_sockets.empty(); }
    // Regular files, which epoll refuses and which are always ready: a wait must not block.
    bool hasAlwaysReady() const { return !m_alwaysReadyFds.empty(); }

    // The notifier's socket() must lie in [0, INT_MAX] and its type() be a valid one.
    void registerNotifier(QSocketNotifier *notifier);
    void unregisterNotifier(QSocketNotifier *notifier);

    //! See EpollEventDispatcher::setDirectReader().
    bool setDirectReader(QSocketNotifier *notifier, EpollEventDispatcher::DirectReader *reader);

    void markReady(int fd, uint32_t events);
    void markAlwaysReady();
    int activatePendingNotifiers();

    quint64 notifiersExamined() const { return m_notifiersExamined; }
    quint64 directReads() const { return m_directReads; }

private:
    struct SocketRecord
    {
        QSocketNotifier *notifiers[TypeCount] = {};
        // Index into m_pending, so unregistering can cancel an activation in O(1).
        int pendingIndex[TypeCount] = {-1, -1, -1};
        // What the kernel currently watches for this fd.
        uint32_t registeredMask = 0;
        // epoll refuses regular files (EPERM); poll() reports them always ready, and so do we.
        bool alwaysReady = false;
        // Takes the Read notifier's activations; forgotten when that notifier goes.
        EpollEventDispatcher::DirectReader *directReader = nullptr;
    };

    void markPending(int fd, SocketRecord &record, uint32_t events);
    void cancelPending(SocketRecord &record, int type);
    bool isRegistered(const QSocketNotifier *notifier, int fd, int type) const;
    void syncInterest(int fd, SocketRecord &record);

    int m_epollFd;
    std::unordered_map<int, SocketRecord> m_sockets;
    std::unordered_set<int> m_alwaysReadyFds;
    // Notifiers found ready but not yet activated. A nested event loop started from a
    // notifier's slot keeps draining this same list, exactly like Qt's own dispatcher.
    // Each with its record (valid while the entry is: a record goes only after all its
    // notifiers were unregistered, which cancels their entries).
    struct Pending
    {
        QSocketNotifier *notifier;   // nullptr: cancelled
        SocketRecord *record;
        int fd;
        int type;
    };
    std::vector<Pending> m_pending;
    size_t m_pendingHead = 0;
    // Every notifier markPending() has looked at, for notifiersExamined().
    quint64 m_notifiersExamined = 0;
    // Activations a direct reader took, for directReads().
    quint64 m_directReads = 0;
};

} // namespace WsPlug::Internal
